"""Delimited-text dialect from a sample: delimiter, quote character, header, and whether parts can split.

The delimiter is the candidate that cuts the sample's rows into the same number (>1) of fields most
consistently; ties go to the file's declared type (tab for TSV) and then to more columns. The header
test is csv.Sniffer's column vote (a numeric column under a text cell, or a cell whose length breaks
a fixed-length column; unlike Sniffer, equal lengths are no vote against) with our own tie-break:
a first row of distinct, non-empty, non-numeric cells. A first line "sep=X" (Excel's) names the delimiter and is
skipped, and so are lines above the header with fewer fields than the table (titles, notes, blank lines).
The decimal mark is a comma when the delimiter is not
and more of the sample's cells are numbers with a decimal comma ("1,5", "1.234,50", "1 234,50") than with a point.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from collections.abc import Sequence
from typing import Literal

import numpy as np

from services.processor.engine import _kernels
from services.processor.engine.types import GROUPED_THOUSANDS

CANDIDATES = (",", ";", "\t", "|")
SAMPLE_ROWS = 200
_NUMBER = re.compile(r"^\s*[-+]?(\d[\d,]*\.?\d*|\.\d+)([eE][-+]?\d+)?%?\s*$")
_DECIMAL_COMMA = re.compile(r"^\s*[-+]?(" + GROUPED_THOUSANDS + r"|\d+),\d+\s*$")
# A decimal point, but not dots that could be a comma file's thousands separators ("1.234").
_DECIMAL_POINT = re.compile(r"^\s*[-+]?(?!\d{1,3}(\.\d{3})+\s*$)\d*\.\d+([eE][-+]?\d+)?\s*$")
# "12,345" is a decimal comma or a thousands separator: no evidence either way. Commas grouping thousands twice
# or before a decimal point ("1,234,567", "1,234.5") are evidence of a point.
_AMBIGUOUS_COMMA = re.compile(r"^\s*[-+]?\d{1,3},\d{3}\s*$")
_THOUSANDS_COMMAS = re.compile(r"^\s*[-+]?\d{1,3}(,\d{3}){2,}(\.\d+)?\s*$|^\s*[-+]?\d{1,3}(,\d{3})+\.\d+\s*$")
_YEAR = re.compile(r"1[5-9]\d\d|2[01]\d\d")
_NA_CELLS = frozenset({"", "na", "n/a", "nan", "null", "none", "-"})
_LINE = re.compile(r"[^\r\n]*(\r\n|\r|\n|$)")  # a line with its end (\r\n, \r or \n), as csv reads them


def complete_lines(text: str) -> str:
    """The sample without its last line, which the sample size may have cut (unless it is all there is). A last
    \r may be the first half of a \r\n the sample size cut: its line goes too."""
    cut = max(text.rfind("\n"), text.rfind("\r", 0, len(text) - 1))
    return text[: cut + 1] if cut >= 0 else text


def parse_rows(text: str, delimiter: str, quotechar: str, limit: int = SAMPLE_ROWS) -> list[list[str]]:
    """The sample's rows up to the first malformed one (strict: an unterminated quote ends the list)."""
    quoting: Literal[0, 3] = csv.QUOTE_MINIMAL if quotechar else csv.QUOTE_NONE
    # Lines as the reader asks for them: a StringIO of the whole sample (1 MiB) made a 4 MiB copy per call, about
    # 1 ms a call in a fresh process and seven calls a sniff, for the first SAMPLE_ROWS rows.
    lines = (match.group(0) for match in _LINE.finditer(text))
    reader = csv.reader(lines, delimiter=delimiter, quotechar=quotechar or '"', quoting=quoting, strict=True)
    rows: list[list[str]] = []
    try:
        for row in reader:
            if row:
                rows.append(row)
            if len(rows) >= limit:
                break
    except csv.Error:
        pass  # a broken sample row: sniff on what parsed
    return rows


def modal_width(rows: Sequence[Sequence[str]]) -> tuple[int, int]:
    """(the most common row width, how many rows have it); of equally common widths the widest (a title over a
    header without rows: one each). (0, 0) without rows."""
    if not rows:
        return 0, 0
    return max(Counter(len(r) for r in rows).items(), key=lambda item: (item[1], item[0]))


def _split_cells(rows: list[list[str]], delimiter: str) -> float:
    """The share of cells holding another candidate delimiter, numbers with a decimal comma aside: between two
    delimiters that both split every row evenly ("1,5;2,5"), the one whose cells are whole ("1,5" a number, not
    "5;2") is the file's; the wider split won before."""
    others = [d for d in CANDIDATES if d != delimiter]
    cells = [cell for row in rows for cell in row]
    split = sum(1 for cell in cells if any(d in cell for d in others) and not _DECIMAL_COMMA.match(cell))
    return split / len(cells) if cells else 0.0


def _consistency(rows: list[list[str]]) -> tuple[float, int]:
    if not rows:
        return 0.0, 0
    width, count = modal_width(rows)
    return (count / len(rows), width) if width > 1 else (0.0, 1)


def _quoted_field(quote: str) -> re.Pattern[str]:
    """A whole field in `quote`s on one line. The quote comes first and a lookbehind checks what precedes it (a
    line start or a delimiter): a pattern that starts with a literal is searched for by it, 50x faster on 1 MiB.
    Inside, a doubled quote is an escaped one; after, a delimiter or a line end (\\r\\n too: `$` stops only at
    \\n)."""
    body = f"[^{quote}\\r\\n]*(?:{quote}{quote}[^{quote}\\r\\n]*)*"
    return re.compile(f"{quote}(?<![^,;\\t|\\n]{quote}){body}{quote}(?=[,;\\t|\\r]|$)", re.MULTILINE)


_SINGLE_QUOTED, _DOUBLE_QUOTED = _quoted_field("'"), _quoted_field('"')


_SEP_LINE = re.compile(r"sep=([^\r\n])\r?\n")


def sep_line(text: str) -> tuple[str, str]:
    """(the delimiter named by a first line "sep=X", as Excel writes and reads it, or ""; the text after it)."""
    match = _SEP_LINE.match(text)
    return (match.group(1), text[match.end() :]) if match else ("", text)


MAX_PREAMBLE_LINES = 20


def rows_above_header(head: Sequence[Sequence[str]], table: Sequence[Sequence[str]]) -> int:
    """How many of the `head` rows are above the table's header: blank lines, titles and notes that an export
    puts there (blank rows as empty rows), each with fewer fields than most rows of the `table` (the same rows, or
    a sample read otherwise), at most MAX_PREAMBLE_LINES of them. A narrow first row may also be the header of
    a table whose rows are wider ("Country" over "France,Paris"), or a ragged first row of one without a header:
    the rows above count only when the row after them is a header by the vote of its number columns (a column of
    numbers under a text cell), or when a blank row sets them apart and the row after it reads as a header."""
    width = modal_width(table)[0]
    count = 0
    for row in head[: MAX_PREAMBLE_LINES + 1]:
        if len(row) >= width:
            break
        count += 1
    if width < 2 or count == 0 or count > MAX_PREAMBLE_LINES:
        return 0
    rest = head[count:]
    first_note = next((i for i, row in enumerate(head[:count]) if row), count)
    set_apart = any(len(row) == 0 for row in head[first_note:count])  # a blank line after a note, not before
    return count if header_votes(rest, by_length=False) > 0 or (set_apart and looks_like_header(rest)) else 0


LINE_END = re.compile(r"\r\n|\r|\n")  # Arrow's line ends


def row_lines(row: list[str]) -> int:
    """How many physical lines a parsed row takes: one, and one more for each line break inside its cells."""
    return 1 + sum(len(LINE_END.findall(cell)) for cell in row)


def first_line(text: str) -> str:
    """The first line of the text with its line break."""
    match = _LINE.match(text)
    return match.group(0) if match else ""


def blank_lines(text: str) -> tuple[int, str]:
    """(blank lines at the start, the text after them)."""
    count, position = 0, 0
    for match in _LINE.finditer(text):
        line = match.group(0)
        if not line or line.strip():
            break
        count, position = count + 1, match.end()
    return count, text[position:]


def preamble(text: str, delimiter: str, quotechar: str) -> tuple[int, str]:
    """(lines above the table's header, the text from the header on): see `rows_above_header`. A line that does
    not parse alone (a quoted field holding a line break) ends the search: it may be the header."""
    table = parse_rows(text, delimiter, quotechar)
    width = modal_width(table)[0]
    head: list[list[str]] = []
    starts: list[int] = []  # where each line of `head` starts in `text`, and the line after them
    for match in _LINE.finditer(text):  # the first SAMPLE_ROWS lines only (the sample holds thousands)
        line = match.group(0)
        starts.append(match.start())
        if not line or len(head) == SAMPLE_ROWS:  # the end of the text, or enough lines
            break
        cells = parse_rows(line, delimiter, quotechar, 1)
        if not cells and line.strip():
            break
        head.append(cells[0] if cells else [])
        if len(head[0]) >= width:  # the usual first line, as wide as the rows: nothing above it (a reader each)
            return 0, text
    count = rows_above_header(head, table)
    return (count, text[starts[count] :]) if count else (0, text)


def sniff_quotechar(text: str, override: str = "") -> str:
    if override:
        return override
    singles = len(_SINGLE_QUOTED.findall(text))
    doubles = len(_DOUBLE_QUOTED.findall(text))
    return "'" if singles > doubles else '"'


def sniff_delimiter(text: str, quotechar: str, *, prefer_tab: bool, override: str = "") -> str:
    if override:
        return override
    best, best_score = "\t" if prefer_tab else ",", (0.0, 0, 0.0, 0)
    for delimiter in CANDIDATES:
        rows = parse_rows(text, delimiter, quotechar)
        consistency, width = _consistency(rows)
        if width <= 1:
            continue
        preferred = int(prefer_tab and delimiter == "\t")
        score = (round(consistency, 2), preferred, -round(_split_cells(rows, delimiter), 2), width)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def sniff_decimal(rows: Sequence[Sequence[str]], delimiter: str, override: str = "") -> str:
    """ "," when the sample writes numbers with a decimal comma (at least two cells, and more than with a point;
    "12,345" could be either and counts for neither, "1,234,567" and "1,234.5" count for a point)."""
    if override:
        return override
    if delimiter == ",":
        return "."
    cells = [cell for row in rows for cell in row]
    commas = sum(1 for cell in cells if _DECIMAL_COMMA.match(cell) and not _AMBIGUOUS_COMMA.match(cell))
    points = sum(1 for cell in cells if _DECIMAL_POINT.match(cell) or _THOUSANDS_COMMAS.match(cell))
    return "," if commas >= 2 and commas > points else "."


_SLASH_DATE = re.compile(r"^\s*(\d{1,2})([/-])(\d{1,2})\2\d{4}( \d{1,2}:\d{2}(:\d{2})?)?\s*$")  # or dashes, a time


def sniff_day_first(rows: Sequence[Sequence[str]], override: bool | None = None) -> bool:
    """Whether the sample's dates written D/M/YYYY put the day first: a cell's first number is a day beyond 12
    (13/01/2020) and no cell's second is (01/13/2020 is month first). Only ambiguous ones (03/04/2020) read month
    first, as pandas does. `override`: the caller's order, taken as given."""
    if override is not None:
        return override
    day = month = False
    for row in rows:
        for cell in row:
            if found := _SLASH_DATE.match(cell):
                first, second = int(found.group(1)), int(found.group(3))
                day |= first > 12 >= second
                month |= second > 12
    return day and not month


def is_number(value: str) -> bool:
    """A number in either notation: "1,234.5", "1.5e3", or with a decimal comma, "1.234,5" and "1 234,5"."""
    return bool(_NUMBER.match(value) or _DECIMAL_COMMA.match(value))


def header_votes(rows: Sequence[Sequence[str]], *, by_length: bool = True) -> int:
    """The columns' votes for the first row being a header (positive) or data (negative); 0 says nothing.
    `by_length`: fixed-length columns vote too (weaker: four-letter cities under "Paris" would)."""
    if not rows:
        return 0
    first, data = rows[0], [r for r in rows[1:] if len(r) == len(rows[0])]
    if not data:
        return 0
    return sum(_column_vote(first[i], [r[i] for r in data], by_length) for i in range(len(first)))


def looks_like_header(rows: Sequence[Sequence[str]]) -> bool:
    """Whether the first row names the columns rather than holding data."""
    if not rows:
        return True
    first = rows[0]
    votes = header_votes(rows)
    if votes:
        return votes > 0
    cells = [c.strip() for c in first]
    return all(cells) and len(set(cells)) == len(cells) and not any(is_number(c) for c in cells)


def _column_vote(head: str, values: list[str], by_length: bool = True) -> int:
    present = [v for v in values if v.strip()]
    if not present or (not by_length and head.strip().lower() in _NA_CELLS):
        return 0  # strictly, a blank or NA cell over numbers is no column name
    if all(is_number(v) for v in present):
        if not is_number(head):
            return 1
        return 1 if _year_over_other_numbers(head.strip(), present) else -1
    lengths = {len(v) for v in present}
    # A fixed-length column (codes, dates) under a cell of another length is a header; the same length says little.
    return int(by_length and len(lengths) == 1 and len(present) > 2 and len(head) not in lengths)


def _year_over_other_numbers(head: str, values: list[str]) -> bool:
    """A year naming a column of other numbers ("country,2019,2020" over GDP or rates: wide exports such as the
    World Bank's): a four-digit year outside the range of every value under it. A headerless file's first row
    rarely is: its year would have to lie beyond all the sampled values of its column."""
    if not _YEAR.fullmatch(head) or all(_YEAR.fullmatch(v.strip()) for v in values):
        return False  # a column of years in order starts with its least: data
    numbers = [n for n in map(_plain_number, values) if n is not None]
    return bool(numbers) and not min(numbers) <= int(head) <= max(numbers)


def _plain_number(value: str) -> float | None:
    """A number's value, near enough to compare (grouping dropped, a decimal comma read as a point)."""
    text = value.strip().replace(" ", "").replace("\u00a0", "")
    if _DECIMAL_COMMA.match(value) and not _NUMBER.match(value):
        text = text.replace(".", "").replace(",", ".")
    else:
        text = text.replace(",", "")
    try:
        return float(text)
    except ValueError:
        return None


def has_quoted_line_break(text: str, delimiter: str, quotechar: str) -> bool:
    """Whether a well-formed row of the sample has a quoted field spanning lines: then offsets can cut a row.

    Rows of the wrong width do not count: an unterminated quote swallows lines into one odd row, and such a
    file is better read line by line (the break is then repaired) than as one endless quoted field.
    """
    if not quotechar or quotechar not in text:
        return False
    flags = open_quote_lines(text.encode(), delimiter, quotechar)
    if flags is not None and not flags.any():
        return False  # no line ends inside a quoted field (csv reads quotes as this scan does, up to a broken row)
    rows = parse_rows(text, delimiter, quotechar, 10**9)
    width = modal_width(rows)[0]
    return any(len(row) == width and any("\n" in c or "\r" in c for c in row) for row in rows)


def open_quote_lines(data: bytes | bytearray, delimiter: str, quotechar: str) -> np.ndarray | None:
    """Per line (ends: \\n, \\r\\n, \\r), whether it ends inside a quoted field, as Arrow's parser reads the line
    alone; None when the delimiter or the quote is not one byte (the caller then falls back on counting quotes)."""
    delimiter_byte, quote_byte = delimiter.encode(), quotechar.encode()
    if len(delimiter_byte) != 1 or len(quote_byte) != 1:
        return None
    return _kernels.open_quote_lines(data, delimiter_byte[0], quote_byte[0]).view(bool)


def has_bare_carriage_returns(text: str) -> bool:
    """A lone \\r in the text: Arrow ends a line there, so the reader counts such line ends too."""
    return "\r" in text and text.count("\r") > text.count("\r\n")  # one search when there is no \r


def ends_lines_in_bare_carriage_returns(text: str) -> bool:
    """Old Mac line ends: more lines end in a lone \\r than in \\n. The byte-range splitter cuts only at \\n; a
    few stray \\r in a file of \\n lines (pasted text) leave every \\n a line end, so it may still cut there."""
    return text.count("\r") - text.count("\r\n") > text.count("\n")

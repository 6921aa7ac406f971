"""What reading a file found: its format and dialect, and the rows it could not read cleanly.

Shared by the readers (which fill it) and the profiler (whose alerts and quality score use it).
Reports of byte-range parts of one file merge with `merge`, in part order.
"""

from __future__ import annotations

from bisect import insort
from dataclasses import dataclass, field, fields

from . import options

# How many problems are kept with their line numbers; the counters keep counting beyond.
MAX_ISSUES = 10


@dataclass(frozen=True)
class ParseIssue:
    """One problem row: `kind` is ragged_row, unterminated_quote, bad_encoding, invalid_record or long_line;
    `line` is 1-based."""

    kind: str
    line: int
    detail: str


@dataclass
class ParseReport:
    """Filled by a reader while it streams; complete once the reader is exhausted."""

    format: str  # csv, tsv, jsonl, parquet, xlsx
    compression: str = ""  # "", gzip, zip
    encoding: str = "utf-8"  # utf-8, utf-8-sig, utf-16, latin-1, ...
    encoding_fallback: bool = False  # True when the file was not valid in any detected encoding
    delimiter: str = ""  # for delimited text
    quotechar: str = '"'
    decimal: str = "."  # the decimal mark numbers were read with (delimited text)
    day_first: bool = False  # dates written D/M/YYYY were read day first (delimited text whose sample showed it)
    preamble_lines: int = 0  # lines above the header that were not read as the table (titles, notes, blanks)
    has_header: bool = True
    rows_read: int = 0  # data rows handed to the profiler
    ragged_rows: int = 0  # rows with more or fewer fields than the header (padded or truncated)
    unterminated_quotes: int = 0
    bad_encoding_rows: int = 0  # rows holding bytes undecodable in `encoding` (replaced)
    invalid_records: int = 0  # records left out: JSON Lines lines holding no JSON object
    long_lines: int = 0  # lines left out: longer than a reader takes (options.MAX_LINE_BYTES)
    columns_left_out: int = 0  # columns past the first ReadOptions.max_columns, not profiled
    issues: list[ParseIssue] = field(default_factory=list)  # the MAX_ISSUES problems on the first lines, in line order
    # False when quoted fields hold line breaks, in the sample or further on (byte-range parts would cut them).
    splittable: bool = True
    # Added by the readers: records consumed incl. the header (the `line_offset` for the next part's merge),
    # and the archive member that was read when compression is zip.
    lines_read: int = 0
    member: str = ""
    sheet: str = ""  # the worksheet read, for an Excel workbook
    # The text ends inside a quoted field: at a part's end, the cut after it may lie inside a record whose
    # quoted line breaks the sample did not show (a merge then takes the later part's).
    open_quote_at_end: bool = False

    @property
    def problem_rows(self) -> int:
        return (
            self.ragged_rows
            + self.unterminated_quotes
            + self.bad_encoding_rows
            + self.invalid_records
            + self.long_lines
        )

    @property
    def records(self) -> int:
        """The records the file holds: the rows read and those left out."""
        return self.rows_read + self.invalid_records + self.long_lines

    def add_issue(self, kind: str, line: int, detail: str) -> None:
        """Count a problem; keep it while it is among the MAX_ISSUES on the first lines. Readers find some problems
        after others further on (a block's undecodable bytes after its ragged rows): kept by line, the list is the
        same however the file was read, in one pass or in parts."""
        if kind == "ragged_row":
            self.ragged_rows += 1
        elif kind == "unterminated_quote":
            self.unterminated_quotes += 1
        elif kind == "bad_encoding":
            self.bad_encoding_rows += 1
        elif kind == "invalid_record":
            self.invalid_records += 1
        elif kind == "long_line":
            self.long_lines += 1
        else:
            raise ValueError(f"unknown parse issue kind {kind!r}")
        if len(self.issues) == MAX_ISSUES:
            if line >= self.issues[-1].line:
                return
            self.issues.pop()
        insort(self.issues, ParseIssue(kind, line, detail), key=_line)  # after those on the same line

    def add_long_line(self, line: int, length: int) -> None:
        """Count a line left out for its length (`length` bytes)."""
        limit = options.MAX_LINE_BYTES / options.MIB
        self.add_issue("long_line", line, f"{length:,} bytes, longer than the {limit:g} MiB a line may take: left out")

    def merge(self, later: ParseReport, *, line_offset: int = 0) -> None:
        """Fold in the report of the part that follows this one; its line numbers shift by `line_offset`."""
        self.rows_read += later.rows_read
        self.lines_read += later.lines_read
        self.ragged_rows += later.ragged_rows
        self.unterminated_quotes += later.unterminated_quotes
        self.bad_encoding_rows += later.bad_encoding_rows
        self.invalid_records += later.invalid_records
        self.long_lines += later.long_lines
        self.columns_left_out = max(self.columns_left_out, later.columns_left_out)  # every part has the same columns
        self.encoding_fallback = self.encoding_fallback or later.encoding_fallback
        self.splittable = self.splittable and later.splittable
        self.open_quote_at_end = later.open_quote_at_end
        shifted = [ParseIssue(i.kind, i.line + line_offset, i.detail) for i in later.issues]
        self.issues = sorted([*self.issues, *shifted], key=_line)[:MAX_ISSUES]

    def to_dict(self) -> dict[str, object]:
        return {
            "format": self.format,
            "compression": self.compression,
            "encoding": self.encoding,
            "encoding_fallback": self.encoding_fallback,
            "delimiter": self.delimiter,
            "quotechar": self.quotechar,
            "decimal": self.decimal,
            "day_first": self.day_first,
            "preamble_lines": self.preamble_lines,
            "has_header": self.has_header,
            "rows_read": self.rows_read,
            "ragged_rows": self.ragged_rows,
            "unterminated_quotes": self.unterminated_quotes,
            "bad_encoding_rows": self.bad_encoding_rows,
            "invalid_records": self.invalid_records,
            "long_lines": self.long_lines,
            "columns_left_out": self.columns_left_out,
            "issues": [vars(i) for i in self.issues],
            "splittable": self.splittable,
            "lines_read": self.lines_read,
            "member": self.member,
            "sheet": self.sheet,
            "open_quote_at_end": self.open_quote_at_end,
        }

    def to_part_dict(self) -> dict[str, object]:
        """`to_dict` as a part's stored state carries it: the fields added since the version before left out at
        their defaults, since that version, reading parts in a rolling upgrade, takes only the fields it knows."""
        return {k: v for k, v in self.to_dict().items() if k not in _ADDED or v != _ADDED[k]}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> ParseReport:
        """A report from `to_dict`; keys a later version added are left out."""
        known = {f.name for f in fields(cls)}
        values = {key: value for key, value in data.items() if key in known}
        issues = [ParseIssue(**i) for i in values.pop("issues", [])]  # type: ignore[attr-defined]
        return cls(**values, issues=issues)  # type: ignore[arg-type]


def _line(issue: ParseIssue) -> int:
    return issue.line


# Fields added on 2026-12-07 (their defaults): see `to_part_dict`.
_ADDED: dict[str, object] = {
    "invalid_records": 0,
    "sheet": "",
    "day_first": False,
    "long_lines": 0,
    "columns_left_out": 0,
}

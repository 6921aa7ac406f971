"""Problem rows are counted with their line numbers and never stop the read; non-tables are refused clearly."""

from __future__ import annotations

import csv
import gzip
import io
import os
import re
import zipfile
from unittest import mock

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from reader_helpers import read_bytes, rows

from services.processor.engine import _kernels, delimited, options, profile_dataframe
from services.processor.engine.dialect import open_quote_lines
from services.processor.engine.options import Dialect
from services.processor.engine.parse_report import MAX_ISSUES
from services.processor.engine.reading import NotATableError, ReadOptions, open_table


def test_ragged_rows_are_padded_or_truncated_in_place() -> None:
    frame, reader = read_bytes(b"a,b,c\n1,2,3\n4,5\n6,7,8,9\n10,11,12\n")
    assert rows(frame) == [["1", "2", "3"], ["4", "5", None], ["6", "7", "8"], ["10", "11", "12"]]
    report = reader.report
    assert report.ragged_rows == 2
    assert [(i.kind, i.line) for i in report.issues] == [("ragged_row", 3), ("ragged_row", 4)]
    assert report.rows_read == 4


def test_ragged_rows_across_many_blocks_keep_order_and_lines() -> None:
    lines = ["id,v"] + [f"{i}" if i % 997 == 0 else f"{i},{i}" for i in range(1, 20001)]
    data = ("\n".join(lines) + "\n").encode()
    reader = open_table(io.BytesIO(data), options=ReadOptions(block_size=4096))
    frames = list(reader)
    ids = [int(v) for f in frames for v in f["id"]]
    assert ids == list(range(1, 20001))
    assert reader.report.ragged_rows == 20
    assert [i.line for i in reader.report.issues] == [997 * k + 1 for k in range(1, MAX_ISSUES + 1)]
    assert reader.report.lines_read == 20001


def test_ragged_rows_in_blocks_parsed_on_several_threads_keep_order_and_lines() -> None:
    # 8 MiB blocks of a file without quotes are parsed on Arrow's threads in 1 MiB pieces, which do not number
    # rows: a block with a ragged row is parsed again on one thread for the line numbers.
    lines = ["id,v"] + [f"{i}" if i % 49_999 == 0 else f"{i},{i}" for i in range(1, 200_001)]
    frame, reader = read_bytes(("\n".join(lines) + "\n").encode())
    assert [int(v) for v in frame["id"]] == list(range(1, 200_001))
    assert [(i.kind, i.line) for i in reader.report.issues] == [("ragged_row", 49_999 * k + 1) for k in range(1, 5)]
    assert reader.report.lines_read == 200_001


@pytest.mark.parametrize("line_end", ["\n", "\r\n"])
def test_line_numbers_count_the_empty_lines_arrow_skips(line_end: str) -> None:
    # Empty lines are no rows, but a person opening the file at a problem's line must land on that row: above,
    # between and after the rows, in the first block and later ones, and in blocks parsed on Arrow's threads.
    lines = ["", "id,v", ""]
    wanted = []
    for i in range(1, 200_001):
        if i % 1000 == 0:
            lines.extend(["", ""])
        lines.append(f"{i}" if i % 49_999 == 0 or i == 3 else f"{i},{i}")
        if i % 49_999 == 0 or i == 3:
            wanted.append(("ragged_row", len(lines)))
    lines.extend(["", ""])
    data = (line_end.join(lines) + line_end).encode()
    frame, reader = read_bytes(data)
    assert [int(v) for v in frame["id"]] == list(range(1, 200_001))
    assert [(i.kind, i.line) for i in reader.report.issues] == wanted
    assert reader.report.lines_read == len(lines)


def test_unterminated_quote_is_counted_and_the_following_lines_survive() -> None:
    data = b'a,b\n1,2\n3,"oops\n5,6\n7,8\n'
    frame, reader = read_bytes(data)
    assert rows(frame) == [["1", "2"], ["3", '"oops'], ["5", "6"], ["7", "8"]]
    assert reader.report.unterminated_quotes == 1
    assert [(i.kind, i.line) for i in reader.report.issues] == [("unterminated_quote", 3)]
    assert reader.report.splittable is True


def test_line_numbers_after_an_unterminated_quote_stay_physical() -> None:
    frame, reader = read_bytes(b'a,b\n"x,1\n2,2\n3\n4,4\n5,5,5\n')
    assert [(i.kind, i.line) for i in reader.report.issues] == [
        ("unterminated_quote", 2),
        ("ragged_row", 4),
        ("ragged_row", 6),
    ]
    assert len(frame) == 5


def test_two_unterminated_quotes_that_pair_up_lose_no_line() -> None:
    # Arrow reads from the first open quote to the second as one field; the lines between are rows of their own.
    frame, reader = read_bytes(b'a,b,c\n1,x,2\n2,"open\n3,y,4\n4,"shut\n5,z,6\n')
    assert rows(frame) == [
        ["1", "x", "2"],
        ["2", '"open', None],
        ["3", "y", "4"],
        ["4", '"shut', None],
        ["5", "z", "6"],
    ]
    assert [(i.kind, i.line) for i in reader.report.issues] == [("unterminated_quote", 3), ("unterminated_quote", 5)]
    assert reader.report.lines_read == 6


@pytest.mark.parametrize("opened", [(10_000, 60_000), (10_000,)], ids=["paired", "to-the-end"])
def test_quotes_left_open_for_megabytes_lose_no_line(opened: tuple[int, ...]) -> None:
    # Paired: two open quotes make one field of 700 KB (past the csv module's field limit). To the end: one open
    # quote; on Arrow's threads (1 MiB pieces of the 8 MiB block) it silently drops rows with none rejected, so a
    # block holding a quote char is read on one thread.
    lines = ["a,b,c"] + [f'{i},"open {i}' if i in opened else f"{i},v,{i}" for i in range(200_000)]
    frame, reader = read_bytes(("\n".join(lines) + "\n").encode())
    assert [int(v) for v in frame["a"]] == list(range(200_000))
    assert [(i.kind, i.line) for i in reader.report.issues] == [("unterminated_quote", i + 2) for i in opened]
    assert reader.report.lines_read == 200_001


def test_lines_left_inside_a_quoted_field_are_found_as_arrow_reads_them() -> None:
    dialect = Dialect("csv", "utf-8", ",", '"', True, ("a", "b"))
    lines = [
        ('1,"open', True),
        ('mid"dle,"closed"', False),  # a quote opens a field only at its start
        ('x"y,"z', True),  # even count, still open
        ('"a""b","c"d', False),  # doubled quote; text after a closing quote joins the field
        ('"q,""', True),  # the last quote is an escaped one
        ("", False),
    ]
    for end in ("\n", "\r\n", "\r"):
        data = end.join(text for text, _ in lines).encode()
        flags = open_quote_lines(data, dialect.delimiter, dialect.quotechar)
        assert flags is not None and flags.tolist() == [open_ for _, open_ in lines]
    assert open_quote_lines(b"a", "\u00a6", '"') is None  # not one byte


def _open_quote_lines_by_definition(data: bytes, delimiter: int, quote: int) -> list[bool]:
    """The scan in plain Python, one byte at a time (the compiled one skips through fields)."""
    flags, state = [], 0  # 0 field start, 1 unquoted, 2 quoted, 3 just after a quote inside a quoted field
    for i, c in enumerate(data):
        if c in (10, 13):
            if c == 13 and data[i + 1 : i + 2] == b"\n":
                continue
            flags.append(state == 2)
            state = 0
        elif state == 2:
            state = 3 if c == quote else 2
        elif state == 3:
            state = 2 if c == quote else (0 if c == delimiter else 1)
        elif c == delimiter:
            state = 0
        elif state == 0:
            state = 2 if c == quote else 1
    return [*flags, state == 2]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from([",", '"', "\n", "\r", "\r\n", "a", "bc", ";"]), max_size=60))
def test_the_open_quote_scan_follows_its_definition(pieces: list[str]) -> None:
    data = "".join(pieces).encode()
    for delimiter in (",", ";"):
        flags = open_quote_lines(data, delimiter, '"')
        assert flags is not None
        assert flags.tolist() == _open_quote_lines_by_definition(data, ord(delimiter), ord('"'))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["\n", "\r\n", "\r", "a", ","]), max_size=40), st.integers(0, 3))
def test_the_empty_line_count_follows_its_definition(pieces: list[str], skip: int) -> None:
    data = "".join(pieces).encode()
    lines = re.split(rb"\r\n|\n", data)
    if data.endswith(b"\n") or not data:
        lines.pop()  # the nothing after a last line end is no line
    start = 0  # after the first `skip` lines
    for _ in range(min(skip, len(lines))):
        start = data.index(b"\n", start) + 1 if b"\n" in data[start:] else len(data)
    assert _kernels.blank_lines(data, start) == sum(1 for line in lines[skip:] if not line)


_LINE_KINDS = {
    "plain": lambda i, j: f"v{i}_{j}",
    "quoted_delimiter": lambda i, j: f'"q,{i}"',
    "doubled_quote": lambda i, j: f'"a""b{i}"',
    "stray_quote": lambda i, j: f'mid"dle{i}',
    "open_quote": lambda i, j: f'"open{i}',
}


@settings(max_examples=150, deadline=None)
@given(
    width=st.integers(1, 4),
    lines=st.lists(
        st.tuples(st.sampled_from(sorted(_LINE_KINDS)), st.integers(0, 3), st.integers(-1, 1)), min_size=1, max_size=300
    ),
    line_end=st.sampled_from(["\n", "\r\n"]),
    block_size=st.sampled_from([1024, 4096, 8 << 20]),
    open_lines_limit=st.sampled_from([0, 2, 256]),
    blank_before=st.lists(st.integers(0, 2), max_size=300),
)
def test_every_line_of_a_messy_file_is_one_row_in_place(
    width: int,
    lines: list[tuple[str, int, int]],
    line_end: str,
    block_size: int,
    open_lines_limit: int,
    blank_before: list[int],
) -> None:
    """Lines with quoted delimiters, doubled or stray quotes, quotes left open and too few or many fields, and
    empty lines between them: each line is its own row (an empty line none), read as the csv module reads it
    alone, and a quote left open is taken literally; the issues name their physical lines, the empty lines
    counted. Blocks with open quotes are read around them, or line by line past the limit."""
    texts: list[str] = []
    expected, issues = [], []
    for i, (kind, column, extra) in enumerate(lines):
        texts.extend([""] * (blank_before[i] if i < len(blank_before) else 0))
        physical = len(texts) + 2
        fields = [_LINE_KINDS[kind](i, j) if j == min(column, width - 1) else f"v{i}_{j}" for j in range(width)]
        fields = fields[: max(1, width + extra)] + ["x"] * max(0, extra)
        text = ",".join(fields)
        texts.append(text)
        read = text.split(",") if '"open' in text else next(csv.reader([text]))
        expected.append((read + [None] * width)[:width])
        if '"open' in text:
            issues.append(("unterminated_quote", physical))
        elif len(read) != width:
            issues.append(("ragged_row", physical))
    header = ",".join(f"c{j}" for j in range(width))
    data = line_end.join([header, *texts, ""]).encode()
    with mock.patch.object(delimited, "_MAX_OPEN_LINES", open_lines_limit):
        frame, reader = read_bytes(
            data, delimiter=",", quotechar='"', has_header=True, block_size=block_size, sample_bytes=1024
        )
    assume(reader.dialect is not None and reader.dialect.splittable)
    assert rows(frame) == expected
    assert reader.report.unterminated_quotes == sum('"open' in text for text in texts)
    assert [(i.kind, i.line) for i in reader.report.issues] == issues[:MAX_ISSUES]
    assert reader.report.lines_read == len(texts) + 1


def test_undecodable_bytes_are_replaced_and_counted() -> None:
    good = "".join(f"{i},café\n" for i in range(5000)).encode()  # the sample is clean UTF-8
    data = b"id,name\n" + good + b"5000,caf\xe9\n5001,ok\n5002,\xff\xfe\n"
    frame, reader = read_bytes(data, sample_bytes=4096)
    assert reader.report.encoding == "utf-8" and not reader.report.encoding_fallback
    assert reader.report.bad_encoding_rows == 2
    assert [(i.kind, i.line) for i in reader.report.issues] == [("bad_encoding", 5002), ("bad_encoding", 5004)]
    assert rows(frame)[-3:] == [["5000", "caf\ufffd"], ["5001", "ok"], ["5002", "\ufffd\ufffd"]]


def test_utf16_lone_surrogate_is_counted() -> None:
    data = "a,b\nx,y\n".encode("utf-16-le") + b"\x00\xd8" + ",z\n".encode("utf-16-le")
    frame, reader = read_bytes(b"\xff\xfe" + data)
    assert rows(frame) == [["x", "y"], ["\ufffd", "z"]]
    assert reader.report.bad_encoding_rows == 1


def test_binary_file_is_not_a_table() -> None:
    with pytest.raises(NotATableError, match="binary data"):
        read_bytes(os.urandom(4096))


@pytest.mark.parametrize("rows_before", [0, 20_000])
def test_a_stray_nul_is_a_character_of_its_value_wherever_it_is(rows_before: int) -> None:
    """One NUL in the first 64 KiB refused the whole file as binary; past them, it was read as a character, as
    pandas reads it in both places."""
    data = b"a,b\n" + b"5,6\n" * rows_before + b"1,\x002\n3,4\n"
    frame, _ = read_bytes(data)
    assert rows(frame)[rows_before:] == [["1", "\x002"], ["3", "4"]]
    assert rows(frame) == pd.read_csv(io.BytesIO(data), dtype=str).values.tolist()


def test_known_binary_formats_are_named() -> None:
    with pytest.raises(NotATableError, match="PNG image"):
        read_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(100))
    with pytest.raises(NotATableError, match=r"\.xls"):
        read_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100))


def test_empty_and_blank_files_are_not_tables() -> None:
    with pytest.raises(NotATableError, match="empty"):
        read_bytes(b"")
    with pytest.raises(NotATableError, match="blank"):
        read_bytes(b"\n\n  \n")


def test_one_endless_line_is_not_a_table() -> None:
    with pytest.raises(NotATableError, match="no line break"):
        read_bytes(b"x" * 5000, sample_bytes=4096)
    # A header longer than the sample (150,000+ columns at the default 1 MiB) is refused with the same reason.
    with pytest.raises(NotATableError, match="its header, ends well within that"):
        read_bytes(b",".join(b"c%d" % i for i in range(2000)) + b"\n1\n", sample_bytes=4096)


def test_a_line_longer_than_a_threads_share_of_a_block_is_read() -> None:
    """Arrow's threads take 1 MiB pieces of a block and cannot split a line across two ("straddling object"): a
    3 MB cell failed the whole job. Such a block is read on one thread."""
    lines = (
        ["id,blob"]
        + [f"{i},x" for i in range(1000)]
        + ["1000," + "A" * 3_000_000]
        + [f"{i},x" for i in range(1001, 2000)]
    )
    frame, reader = read_bytes(("\n".join(lines) + "\n").encode())
    assert [int(v) for v in frame["id"]] == list(range(2000))
    assert len(frame["blob"][1000]) == 3_000_000
    assert (reader.report.issues, reader.report.lines_read) == ([], 2001)


@pytest.mark.parametrize("block_size", [4096, 65536])
@pytest.mark.parametrize("line_end", ["\n", "\r\n"])
def test_a_line_longer_than_the_reader_takes_is_left_out_and_counted_in_its_place(
    line_end: str, block_size: int
) -> None:
    """A line past MAX_LINE_BYTES (16 MiB; 64 KiB here) would take several times its length in memory (a 214 MB
    one peaked at 2.9 GiB): it is read past, not kept, and reported with its line number and length; the lines
    after it keep theirs, and a last line without a line break is left out too. With 64 KiB blocks the first line
    ends in the read that takes it past the limit."""
    lines = (
        ["id,v"]
        + [f"{i},{i}" for i in range(1, 100)]
        + ["100," + "x" * 100_000]
        + [f"{i},{i}" for i in range(101, 300)]
    )
    lines[250] = "250"  # ragged, on line 251
    data = (line_end.join(lines) + line_end + "300," + "y" * 100_000).encode()
    with mock.patch.object(options, "MAX_LINE_BYTES", 64 * 1024):
        frame, reader = read_bytes(data, block_size=block_size)
        profile = profile_dataframe(frame, parse_report=reader.report)
    assert [int(v) for v in frame["id"]] == [i for i in range(1, 300) if i != 100]
    report = reader.report
    long_line = f"{100_004:,} bytes, longer than the 0.0625 MiB a line may take: left out"
    assert [(i.kind, i.line, i.detail) for i in report.issues if i.kind == "long_line"] == [
        ("long_line", 101, long_line),
        ("long_line", 301, f"{100_004:,} bytes, longer than the 0.0625 MiB a line may take: left out"),
    ]
    assert [(i.kind, i.line) for i in report.issues if i.kind != "long_line"] == [("ragged_row", 251)]
    assert (report.long_lines, report.rows_read, report.records, report.lines_read) == (2, 298, 300, 301)
    (alert,) = [a for a in profile.alerts if a.code == "LONG_LINES"]
    assert alert.value == 2 and "2 lines were longer than 0.0625 MiB and left out" in alert.message
    assert profile.quality.parse_health == 1 - 3 / 300  # two lines left out and a ragged row, of 300 records


def test_json_array_is_refused_with_advice() -> None:
    with pytest.raises(NotATableError, match="JSON Lines"):
        read_bytes(b'[{"a": 1}]', name="data.json")


@pytest.mark.parametrize(
    ("data", "name", "reason"),
    [
        (b'[\n {"a": 1},\n {"a": 2}\n]\n', "upload", "This is a JSON array"),  # was a CSV of one column "["
        (b'{\n "a": 1,\n "b": [1, 2]\n}\n', "data.json", "one JSON document written over many lines"),
    ],
)
def test_json_that_is_not_json_lines_is_refused_whatever_its_name(data: bytes, name: str, reason: str) -> None:
    """A pretty-printed object was a table of no rows and four bad records; an array not named .json a CSV."""
    with pytest.raises(NotATableError, match=reason):
        read_bytes(data, name=name)


def test_damaged_zip() -> None:
    with pytest.raises(NotATableError, match="zip"):
        read_bytes(b"PK\x03\x04" + bytes(200))


TABLE = b"a,b\n" + b"1,2\n" * 400_000


def _zip(data: bytes, *, flag: int = 0, method: int | None = None) -> bytes:
    """A zip of one table, with its member's flag bits or compression method overwritten in both headers."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("t.csv", data)
    raw = bytearray(buffer.getvalue())
    central = raw.find(b"PK\x01\x02")
    raw[6] |= flag  # the local header's flags, then the central directory's
    raw[central + 8] |= flag
    if method is not None:
        raw[8], raw[central + 10] = method, method
    return bytes(raw)


def _bad_crc(data: bytes) -> bytes:
    raw = bytearray(_zip(data))
    central = raw.find(b"PK\x01\x02")
    raw[14] ^= 0xFF  # the CRC-32 in the local header and in the central directory
    raw[central + 16] ^= 0xFF
    return bytes(raw)


def _corrupt_parquet() -> bytes:
    buffer = io.BytesIO()
    pq.write_table(pa.table({"x": list(range(1000))}), buffer)
    raw = bytearray(buffer.getvalue())
    for i in range(100, 300):  # inside the first data page, the footer intact
        raw[i] ^= 0x55
    return bytes(raw)


@pytest.mark.parametrize(
    ("data", "name", "reason"),
    [
        (gzip.compress(TABLE) + b"garbage!", "t.csv.gz", "The gzip file is damaged: Not a gzipped file"),
        (gzip.compress(TABLE)[:-100], "t.csv.gz", "The gzip file is damaged: Compressed file ended before"),
        (_zip(TABLE, flag=0x1), "t.zip", "The zip file's t.csv is encrypted: upload it without a password."),
        (_zip(TABLE, method=9), "t.zip", "The zip file's t.csv cannot be read: That compression method is not"),
        (_bad_crc(TABLE), "t.zip", "The zip file is damaged: Bad CRC-32"),
        (_corrupt_parquet(), "t.parquet", "The Parquet file is damaged after row 0: "),
    ],
    ids=["gzip-trailing-bytes", "gzip-cut-short", "zip-encrypted", "zip-deflate64", "zip-bad-crc", "parquet-page"],
)
def test_a_damaged_container_is_refused_with_its_reason(data: bytes, name: str, reason: str) -> None:
    """gzip, zipfile and Arrow raised their own errors, which the processor took for its own defects: the job was
    retried and dead-lettered instead of failing at once with a reason the uploader can act on."""
    with pytest.raises(NotATableError) as refused:
        read_bytes(data, name=name)
    assert refused.value.reason.startswith(reason), refused.value.reason


def test_header_only_file_has_columns_and_no_rows() -> None:
    frame, reader = read_bytes(b"a,b,c\n")
    assert list(frame.columns) == ["a", "b", "c"] and len(frame) == 0
    assert reader.report.rows_read == 0


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_a_title_set_apart_above_a_header_without_rows_is_skipped(delimiter: str) -> None:
    # One title row and one header row: equally common widths, of which the wider is the table's.
    frame, reader = read_bytes(f"Stock report 2026\n\nsku{delimiter}name{delimiter}units\n".encode())
    assert reader.report.delimiter == delimiter
    assert list(frame.columns) == ["sku", "name", "units"] and len(frame) == 0
    assert reader.report.preamble_lines == 2 and reader.report.problem_rows == 0


@pytest.mark.parametrize(
    ("data", "expected", "lines"),
    [
        # The named delimiter wins where the sniff would tie (both cut every row in two) and take the comma.
        (b"sep=;\na,b;c\n1,2;3\n4,5;6\n", [["1,2", "3"], ["4,5", "6"]], []),
        (b"sep=;\r\na;b\r\n1;2\r\n3\r\n4;5\r\n", [["1", "2"], ["3", None], ["4", "5"]], [("ragged_row", 4)]),
        (b'sep=;\na;b\n1;"x\ny"\n3;4\n', [["1", "x\ny"], ["3", "4"]], []),
        (b'sep=;\na;b\n1;2\n2;"open\n3;4\n', [["1", "2"], ["2", '"open'], ["3", "4"]], [("unterminated_quote", 4)]),
    ],
    ids=["named-delimiter", "ragged-crlf", "quoted-line-break", "open-quote"],
)
def test_excel_sep_line_names_the_delimiter_and_is_not_a_row(
    data: bytes, expected: list[list[object]], lines: list[tuple[str, int]]
) -> None:
    """Excel writes (and reads) a first line "sep=;" naming the delimiter; line numbers stay the file's."""
    frame, reader = read_bytes(data)
    assert (reader.report.delimiter, list(frame.columns)) == (";", ["a,b", "c"] if b"a,b" in data else ["a", "b"])
    assert rows(frame) == expected
    assert [(i.kind, i.line) for i in reader.report.issues] == lines
    assert reader.report.lines_read == data.count(b"\n")  # physical lines, a quoted line break's too


@pytest.mark.parametrize(
    ("data", "header"),
    [
        # Years naming columns of other numbers (wide exports: the World Bank's, Eurostat's): a header.
        (b"country,2019,2020\nFrance,1.5,2.5\nSpain,3,4\nItaly,5,6\n", True),
        (b"Country Name,Country Code,1960,1961\nAruba,ABW,,\nFrance,FRA,62.5e9,64.1e9\nSpain,ESP,12e9,13e9\n", True),
        # Data: a column of years in order (it starts with its least), a year among the values it lies between.
        (b"2019,France,1.5\n2020,Spain,3\n2021,Italy,4\n", False),
        (b"2019,17\n2020,4999\n2021,30\n", False),
        (b"1,2\n3,4\n5,6\n", False),
    ],
)
def test_years_naming_columns_of_other_numbers_are_a_header(data: bytes, header: bool) -> None:
    """A year over a numeric column voted for data as any number does: "country,2019,2020" was read as a first
    data row under column_1..column_3, where pandas reads the header."""
    frame, reader = read_bytes(data)
    assert reader.report.has_header is header
    if header:
        assert list(frame.columns) == data.decode().splitlines()[0].split(",")
        assert len(frame) == len(pd.read_csv(io.BytesIO(data)))


def test_excel_sep_line_without_a_header() -> None:
    frame, reader = read_bytes(b"sep=,\n1,2\n3,4\n", has_header=False)
    assert reader.report.delimiter == "," and rows(frame) == [["1", "2"], ["3", "4"]]


TABLE = "region,units,price\nNorth,12,1.5\nSouth,7,2\n3\nEast,30,4\n"


@pytest.mark.parametrize(
    ("data", "preamble", "first_line"),
    [
        (b"Sales report\nGenerated 2026-12-01\n\n" + TABLE.encode(), 3, 7),
        (b"\n\n" + TABLE.encode(), 2, 6),
        (b"sep=;\r\nAccount;12345\r\n\r\n" + TABLE.replace(",", ";").replace("\n", "\r\n").encode(), 2, 7),
    ],
    ids=["titles", "blank-lines", "sep-line-and-notes"],
)
def test_lines_above_the_header_are_skipped_and_reported(data: bytes, preamble: int, first_line: int) -> None:
    """Exports put titles, notes and blank lines above a table: the header is the first line as wide as the
    table (before, the first line was taken for the header and every row cut to its one field)."""
    frame, reader = read_bytes(data)
    assert list(frame.columns) == ["region", "units", "price"]
    assert rows(frame) == [["North", "12", "1.5"], ["South", "7", "2"], ["3", None, None], ["East", "30", "4"]]
    assert reader.report.preamble_lines == preamble
    assert [(i.kind, i.line) for i in reader.report.issues] == [("ragged_row", first_line)]


@pytest.mark.parametrize(
    ("data", "first_row"),
    [
        (b"1,2\n3,4,5\n6,7,8\n9,10,11\n", ["1", "2", None]),  # no header: a short first row is a ragged row
        (b"name,city\nAda,London,\nLinus,Helsinki,\n", ["Ada", "London"]),  # every data row ends in a delimiter
    ],
)
def test_a_short_first_row_is_not_taken_for_lines_above_the_table(data: bytes, first_row: list[object]) -> None:
    frame, reader = read_bytes(data)
    assert reader.report.preamble_lines == 0
    assert rows(frame)[0] == first_row


def test_a_header_the_caller_names_is_the_first_line() -> None:
    frame, reader = read_bytes(b"Report\nregion,units\nNorth,12\n", delimiter=",", has_header=True)
    assert (list(frame.columns), reader.report.preamble_lines) == (["Report"], 0)
    frame, reader = read_bytes(b"Report\nregion,units\nNorth,12\n", delimiter=",")
    assert (list(frame.columns), reader.report.preamble_lines) == (["region", "units"], 1)


@pytest.mark.parametrize(
    "data",
    [
        b"Country\nFrance,Paris\nItaly,Rome\nSpain,Madrid\n",  # a header narrower than its rows
        b"name,city\nBob,Paris,x\nAlice,Rome,y\nJo,Oslo,z\nAl,Nice,w\n",
        b"name\nSmith; John\nDoe; Jane\n",  # one column whose values hold a semicolon
    ],
)
def test_a_narrow_header_is_not_taken_for_a_title(data: bytes) -> None:
    """Without a number column to vote for the row below, or a blank line setting it apart, a narrow first line
    may be the header of wider rows: it stays the header, and no row is lost to it."""
    frame, reader = read_bytes(data)
    assert reader.report.preamble_lines == 0
    assert len(frame) == data.count(b"\n") - 1


@pytest.mark.parametrize(
    ("data", "columns", "expected"),
    [
        (b'"Amount\n(EUR)",name\n10,ann\n20,bob\n30,cy\n', ["Amount\n(EUR)", "name"], [["10", "ann"], ["20", "bob"]]),
        (b'id,"Amount\n(EUR)",name\n1,10,ann\n2,20,bob', ["id", "Amount\n(EUR)", "name"], [["1", "10", "ann"]]),
        (b"\nid,v\n1,2\n3,4\n", ["id", "v"], [["1", "2"], ["3", "4"]]),
        (b"\n" * 25 + b"id,v\n1,2\n3,4\n", ["id", "v"], [["1", "2"], ["3", "4"]]),
    ],
    ids=["header-cell-line-break", "later-header-cell-line-break", "blank-line", "25-blank-lines"],
)
def test_the_header_is_the_header_whatever_comes_before_or_inside_it(
    data: bytes, columns: list[str], expected: list[list[str]]
) -> None:
    """A header cell holding a line break (Excel's Alt+Enter) is one header, not a line above the table and a
    broken row; blank lines before the header are skipped however many, and also when the caller says the file
    has a header (audit)."""
    for has_header in (None, True):
        frame, reader = read_bytes(data, has_header=has_header)
        assert list(frame.columns) == columns
        assert rows(frame)[: len(expected)] == expected and reader.report.problem_rows == 0


@pytest.mark.parametrize(
    "data",
    [b"a,b", b"\xef\xbb\xbfa,b", "a,b".encode("utf-16"), b"sep=;\na;b", b'"a\nb",c'],
    ids=["plain", "bom", "utf-16", "sep-line", "quoted-line-break"],
)
def test_a_header_without_rows_or_a_last_line_break_is_its_columns(data: bytes) -> None:
    """The audit's header-only files without a final line break: Arrow could not skip the header, or the
    sniffer dropped it as a line the sample had cut."""
    frame, _ = read_bytes(data)
    assert len(list(frame.columns)) == 2 and len(frame) == 0


@pytest.mark.parametrize(
    ("data", "decimal", "columns", "preamble"),
    [
        (b"Umsatz 2026\nKunde;Betrag\nA;1.234,50\nB;2.345,00\nC;-3.456,10\n", ",", ["Kunde", "Betrag"], 1),
        ("Umsatz\nKunde;Betrag\nA;1\u00a0234,50\nB;2\u00a0345,00\n".encode(), ",", ["Kunde", "Betrag"], 1),
        (b"city\tpopulation\nA\t12,345\nB\t23,456\nC\t987,654\nD\t45,000\n", ".", ["city", "population"], 0),
        (b"sku|price\nx|1,299\ny|2,499\nz|999\n", ".", ["sku", "price"], 0),
        (b"name,amount,qty\nann,,,\nbob,10,2,\ncy,20,3,\ndee,5,1,\n", ".", ["name", "amount", "qty"], 0),
        (b"x,NA\ny,NA,NA\nz,5,6\nw,7,8\nv,9,10\n", ".", ["x", "NA"], 0),
    ],
    ids=[
        "title-over-grouped-comma",
        "title-over-nbsp-groups",
        "us-thousands-tsv",
        "us-thousands-pipe",
        "blank-cells-under-a-narrow-header",
        "headerless-na",
    ],
)
def test_decimal_mark_and_lines_above_the_header_on_the_audits_files(
    data: bytes, decimal: str, columns: list[str], preamble: int
) -> None:
    """Grouped decimal-comma numbers vote for the header above them; "12,345" alone is no decimal comma (it may
    group thousands); a blank or NA cell over numbers is no column name that would make a title of the header."""
    frame, reader = read_bytes(data)
    assert (reader.report.decimal, reader.report.preamble_lines) == (decimal, preamble)
    assert list(frame.columns)[: len(columns)] == columns

"""Problem lines are the file's physical lines (blank lines and quoted line breaks counted) whatever ends them: a
file whose lines end in a lone \\r (classic Mac OS, Excel's "CSV (Macintosh)") or a header holding a line break
reads like any other, and values keep their own line breaks."""

from __future__ import annotations

import csv
import io
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.processor.engine import _kernels
from services.processor.engine.encoding import EncodingGuess, TranscodingStream
from services.processor.engine.options import NotATableError, ReadOptions
from tests.engine_io.reader_helpers import read_bytes, rows

_LINE_END = re.compile(rb"\r\n|\r|\n")  # Arrow's line ends
LINES = ["a,b", "1,2", "", "3,4", '"x{end}y",5', "6", "7,8", "", "9"]


def _file(end: str) -> bytes:
    return end.join(line.format(end=end) for line in LINES).encode() + end.encode()


def test_problem_lines_of_a_lone_cr_file_are_its_physical_lines() -> None:
    _, unix = read_bytes(_file("\n"), name="unix.csv")
    frame, mac = read_bytes(_file("\r"), name="mac.csv")
    issues = [(issue["kind"], issue["line"]) for issue in mac.report.to_dict()["issues"]]  # type: ignore[union-attr]
    # The header is line 1, line 3 is blank, the quoted record spans lines 5-6: "6" is on line 7, "9" on line 10.
    assert issues == [("ragged_row", 7), ("ragged_row", 10)]
    assert issues == [(issue["kind"], issue["line"]) for issue in unix.report.to_dict()["issues"]]  # type: ignore[union-attr]
    assert mac.report.lines_read == unix.report.lines_read == 10
    assert rows(frame) == [["1", "2"], ["3", "4"], ["x\ry", "5"], ["6", None], ["7", "8"], ["9", None]]


def test_bad_bytes_of_a_lone_cr_file_are_placed_on_their_physical_line() -> None:
    good = "".join(f"{i},café\r" for i in range(2000)).encode()  # the sample is clean UTF-8
    data = b"id,name\r" + good + b"\r2000,caf\xe9\r2001,ok\r"
    frame, reader = read_bytes(data, name="mac.csv", sample_bytes=4096)
    assert reader.report.encoding == "utf-8" and not reader.report.encoding_fallback
    issues = [(issue["kind"], issue["line"]) for issue in reader.report.to_dict()["issues"]]  # type: ignore[union-attr]
    assert issues == [("bad_encoding", 2003)]  # the header, 2,000 rows, a blank line, then the bad one
    assert rows(frame)[-2:] == [["2000", "caf\ufffd"], ["2001", "ok"]]


def test_bad_bytes_after_a_stray_lone_cr_in_a_file_of_lf_lines_are_placed_as_arrow_numbers_lines() -> None:
    """A \\r pasted into a value of a \\n file: Arrow ends a line there (two ragged rows), and the bad bytes far on
    are counted past it, on their line, not among the lone \\r only (which put them on line 2)."""
    good = "".join(f"{i},café,x\n" for i in range(3, 2000)).encode()
    data = b"id,name,v\n1,pasted\rtext,x\n2,ok,y\n" + good + b"2000,caf\xe9,z\n2001,ok,w\n"
    frame, reader = read_bytes(data, name="pasted.csv", sample_bytes=4096)
    assert reader.report.encoding == "utf-8"
    issues = [(issue["kind"], issue["line"]) for issue in reader.report.to_dict()["issues"]]  # type: ignore[union-attr]
    # The header, "1,pasted", "text,x", "2,ok,y", 1,997 rows: "2000,caf" is line 2,002.
    assert issues == [("ragged_row", 2), ("ragged_row", 3), ("bad_encoding", 2002)]
    assert reader.report.lines_read == 2003
    assert rows(frame)[:3] == [["1", "pasted", None], ["text", "x", None], ["2", "ok", "y"]]


@pytest.mark.parametrize("block_size", [8 << 20, 1024])
def test_lines_after_a_stray_lone_cr_past_the_sample_are_numbered_as_arrow_numbers_them(block_size: int) -> None:
    """A \\n file whose first \\r comes after the sniffed sample, in the first block or a later one: the empty line
    two pasted \\r make, and the bad bytes far on, are numbered past them as Arrow ends lines (counted by the \\n
    alone, the bad bytes were two lines short)."""
    head = "".join(f"{i},café,x\n" for i in range(1, 1000)).encode()  # well past the 4 KiB sample
    tail = "".join(f"{i},café,x\n" for i in range(1001, 2000)).encode()
    data = b"id,name,v\n" + head + b"1000,pasted\r\rtext,x\n" + tail + b"2000,caf\xe9,z\n2001,ok\n"
    frame, reader = read_bytes(data, name="pasted.csv", sample_bytes=4096, block_size=block_size)
    issues = [(issue["kind"], issue["line"]) for issue in reader.report.to_dict()["issues"]]  # type: ignore[union-attr]
    # The header, 999 rows, "1000,pasted" on line 1,001, a blank line, "text,x" on 1,003, 999 rows: "2000,caf" is
    # line 2,003 and "2001,ok" (ragged too) line 2,004. Before, the bad bytes were put on line 2,001, the last row
    # on 2,003.
    expected = [("ragged_row", 1001), ("ragged_row", 1003), ("bad_encoding", 2003), ("ragged_row", 2004)]
    assert sorted(issues, key=lambda issue: issue[1]) == expected  # (bad bytes are found as the file is decoded)
    assert reader.report.lines_read == len(_LINE_END.findall(data)) == 2004
    assert rows(frame)[998:1001] == [["999", "café", "x"], ["1000", "pasted", None], ["text", "x", None]]


_PIECE = st.sampled_from([b"ab", b"\xe9", b"\r", b"\n", b"\r\n", "é".encode()])


@settings(max_examples=300, deadline=None)
@given(st.lists(_PIECE, max_size=60), st.integers(1, 9))
def test_the_transcoder_places_bad_bytes_on_lines_as_arrow_ends_them(pieces: list[bytes], read_bytes_: int) -> None:
    """Reads of a few bytes cut \\r\\n pairs and characters apart: each bad byte run is still on the line that the
    line ends before it give (\\n, \\r\\n and a lone \\r), whether or not a \\r came in an earlier read."""
    data = b"".join(pieces)
    stream = TranscodingStream(io.BytesIO(data), EncodingGuess("utf-8", 0, False), read_bytes_)
    while stream.read(5):
        pass
    expected: list[int] = []
    for bad in re.finditer(rb"\xe9+", data.replace("é".encode(), b"..")):  # a run of bad bytes is one U+FFFD each
        line = len(_LINE_END.findall(data, 0, bad.start())) + 1
        if not expected or expected[-1] != line:
            expected.append(line)
    assert stream.bad_lines == expected
    assert stream.lines == len(_LINE_END.findall(data))
    assert stream.saw_cr == (b"\r" in data)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(_PIECE, max_size=60),
    st.sampled_from([("utf-8", 0), ("utf-8-sig", 3), ("cp1252", 0)]),
    st.lists(st.integers(1, 12), min_size=1, max_size=8),
    st.integers(1, 9),
)
def test_reading_into_the_block_buffer_gives_what_reading_gives(
    pieces: list[bytes], encoding: tuple[str, int], sizes: list[int], read_bytes_: int
) -> None:
    """The block reader's reads into its reused buffer (the source's bytes checked in place where they are UTF-8)
    give the same text, line count, \r and bad-byte lines as reads of new bytes, however the reads cut \r\n pairs
    and characters, a BOM first or not."""
    name, bom = encoding
    data = b"\xef\xbb\xbf" * (bom == 3) + b"".join(pieces)
    guess = EncodingGuess(name, bom, False)
    reference = TranscodingStream(io.BytesIO(data), guess, read_bytes_)
    expected = b"".join(iter(lambda: reference.read(7), b""))
    stream = TranscodingStream(io.BytesIO(data), guess, read_bytes_)
    buffer, out, turn = bytearray(b"?" * 40), bytearray(), 0
    while True:
        size = sizes[turn % len(sizes)]
        turn += 1
        got = stream.read_into(buffer, 3, size)
        assert buffer[:3] == b"???" and 0 <= got <= size  # only the part asked for is written
        if not got:
            break
        out += buffer[3 : 3 + got]
    assert bytes(out) == expected
    assert (stream.lines, stream.saw_cr, stream.bad_lines) == (reference.lines, reference.saw_cr, reference.bad_lines)


class _ReadOnlyRaw(io.RawIOBase):
    """A stream that implements read only: its readinto raises NotImplementedError."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        return self._data.read(min(size, 5) if size > 0 else size)  # short reads too


def test_a_stream_without_readinto_is_read_by_copying() -> None:
    data = b"a,b\n" + b"".join(b"%d,x\n" % i for i in range(3000))
    frame, reader = read_bytes(data, name="plain.csv", block_size=1024, sample_bytes=1024)
    source = _ReadOnlyRaw(data)
    stream = TranscodingStream(source, EncodingGuess("utf-8", 0, False), 64)
    buffer = bytearray(100)
    assert stream.read_into(buffer, 10, 90) == 90 and bytes(buffer[10:]) == data[:90]
    assert rows(frame)[-1] == ["2999", "x"] and len(frame) == 3000 and reader.report.lines_read == 3001


def test_values_keep_their_own_line_breaks() -> None:
    """Inside quotes a lone \\r, a \\r\\n and a lone \\n stay what they were (the swap is undone value by value)."""
    data = b'a,b\r"one\rtwo",x\r"three\r\nfour",y\r"five\nsix",z\r"\r",\r'
    frame, reader = read_bytes(data, name="mac.csv")
    assert rows(frame) == [["one\rtwo", "x"], ["three\r\nfour", "y"], ["five\nsix", "z"], ["\r", ""]]
    assert reader.report.ragged_rows == 0


def test_lines_ending_in_lone_crs_and_lfs_mixed_are_numbered_as_arrow_reads_them() -> None:
    """A line ending in \\n, then a blank one ending in a lone \\r: two lines (the ragged row is on line 4)."""
    frame, reader = read_bytes(b'a,b\r1,2\n\r3\r"x\n\ry",4\r', name="mac.csv")
    issues = [(issue["kind"], issue["line"]) for issue in reader.report.to_dict()["issues"]]  # type: ignore[union-attr]
    assert issues == [("ragged_row", 4)]
    assert rows(frame) == [["1", "2"], ["3", None], ["x\n\ry", "4"]]


_FIELD = st.lists(st.sampled_from(["a", "b,", '"', "\r", "\n", "\r\n", " "]), max_size=6).map("".join)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(_FIELD, min_size=3, max_size=3), min_size=1, max_size=40))
def test_a_lone_cr_file_reads_as_pythons_csv_module_reads_it(table: list[list[str]]) -> None:
    """Rows of three quoted fields holding delimiters, quotes and line breaks of every kind, lines ending in a
    lone \\r, read through 1 KiB blocks from reads of 7,000 bytes (a \\r\\n may be cut between reads): the values are
    the csv module's, the lines read the file's."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r", quoting=csv.QUOTE_ALL).writerows([["h1", "h2", "h3"], *table] * 60)
    data = out.getvalue().encode()
    frame, reader = read_bytes(data, name="mac.csv", block_size=1024, has_header=True, delimiter=",", quotechar='"')
    expected = list(csv.reader(io.StringIO(out.getvalue(), newline="")))[1:]
    assert rows(frame) == expected
    assert reader.report.ragged_rows == reader.report.unterminated_quotes == 0
    assert reader.report.lines_read == len(_LINE_END.findall(data))


def _blank_lines(data: bytes, start: int) -> int:
    """The reference: lines split at every line end, the empty ones counted (none after the last end)."""
    lines = _LINE_END.split(data[start:])
    return sum(1 for line in lines[:-1] if not line)


@given(st.lists(st.sampled_from([b"a", b"bc", b"\r", b"\n", b"\r\n"]), max_size=40), st.integers(0, 3))
def test_blank_lines_counts_lines_ending_in_a_lone_cr(pieces: list[bytes], start: int) -> None:
    data = b"".join(pieces)
    start = min(start, len(data))
    if 0 < start < len(data) and data[start - 1 : start + 1] == b"\r\n":
        start += 1  # `start` begins a line
    if start and data[start - 1 : start] not in (b"\r", b"\n"):
        start = 0
    assert _kernels.blank_lines(data, start, True) == _blank_lines(data, start)


@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"])
def test_a_header_holding_line_breaks_takes_its_lines(end: str) -> None:
    header = f'"a{end}first","b{end}{end}x"'  # four physical lines
    data = end.join([header, "1,2", "", "3,4", f'"x{end}y",5', "6", "7,8", "", "9"]).encode() + end.encode()
    frame, reader = read_bytes(data, name="header.csv")
    issues = [(issue["kind"], issue["line"]) for issue in reader.report.to_dict()["issues"]]  # type: ignore[union-attr]
    assert issues == [("ragged_row", 10), ("ragged_row", 13)]
    assert list(frame.columns) == [f"a{end}first", f"b{end}{end}x"]
    assert rows(frame) == [["1", "2"], ["3", "4"], [f"x{end}y", "5"], ["6", None], ["7", "8"], ["9", None]]
    assert reader.report.lines_read == 13


def test_a_header_line_that_opens_a_quote_is_no_record_of_the_data() -> None:
    """The header's second line, read alone, ends inside a quoted field ('b","c'): still the header's, not a record
    over the data's lines (whose extra lines would push every later line number on)."""
    clean = b'"a\nb","c\nd"\n1,"x"\n3,4\n'
    frame, reader = read_bytes(clean, name="header.csv")
    assert list(frame.columns) == ["a\nb", "c\nd"]
    assert rows(frame) == [["1", "x"], ["3", "4"]]
    assert reader.report.lines_read == 5
    frame, reader = read_bytes(clean + b"5,6\n" * 400 + b"7\n", name="header.csv", block_size=1024)
    issues = [(issue["kind"], issue["line"]) for issue in reader.report.to_dict()["issues"]]  # type: ignore[union-attr]
    assert issues == [("ragged_row", 406)]


def test_a_delimiter_arrow_cannot_read_is_refused_with_the_reason() -> None:
    with pytest.raises(ValueError, match="ASCII"):
        ReadOptions(delimiter="¦")
    with pytest.raises(NotATableError, match="names '¦' as its delimiter"):
        read_bytes("sep=¦\na¦b\n1¦2\n".encode(), name="excel.csv")

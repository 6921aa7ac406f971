"""Byte-range parts: the rows of all parts, in order, are the rows of the whole file, wherever the cuts fall."""

from __future__ import annotations

import io
import itertools

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st
from reader_helpers import NonSeekable, read_all, rows, stream

from services.processor.engine.parse_report import ParseReport
from services.processor.engine.reading import ReadOptions, open_table, plan_parts, sniff_dialect
from services.processor.engine.streams import TAIL_BYTES

SMALL = ReadOptions(block_size=1024, sample_bytes=1024)

cell = st.text(alphabet='ab,"é ;1', max_size=6)
table = st.lists(st.lists(cell, min_size=3, max_size=3), min_size=1, max_size=60)


def to_csv(records: list[list[str]], ragged_every: int, open_every: int = 0, blank_every: int = 0) -> bytes:
    """Quoted where needed; every `ragged_every`th row short a field, every `open_every`th with a quote left open,
    every `blank_every`th after an empty line."""

    def field(value: str) -> str:
        return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"') or not value else value

    lines = ["x,y,z"]
    for i, record in enumerate(records, start=1):
        fields = [field(v) for v in record]
        if open_every and i % open_every == 0:
            fields[0] = f'"open{i}'
        if blank_every and i % blank_every == 0:
            lines.append("")
        lines.append(",".join(fields[:2] if ragged_every and i % ragged_every == 0 else fields))
    return ("\n".join(lines) + "\n").encode()


def read_parts(data: bytes, bounds: list[tuple[int, int]]) -> tuple[list[list[object]], ParseReport]:
    dialect = sniff_dialect(data[:1024], options=SMALL)
    out: list[list[object]] = []
    total: ParseReport | None = None
    for start, end in bounds:
        reader = open_table(stream(data[start:]), byte_range=(start, end), dialect=dialect, options=SMALL)
        out.extend(rows(read_all(reader)))
        if total is None:
            total = reader.report
        else:
            total.merge(reader.report, line_offset=total.lines_read)
    assert total is not None
    return out, total


@settings(max_examples=150, deadline=None)
@given(
    table,
    st.lists(st.floats(0, 1), max_size=6),
    st.integers(0, 5),
    st.sampled_from([0, 0, 3, 7]),
    st.sampled_from([0, 1, 4]),
)
# A quote left open whose field seems to close two lines on, over an empty line, in a record Arrow reads as no
# row of the table's width: the lines are read alone, the empty one an empty line again.
@example([["", "", ""], ["", "", ""], ["", "", ""], ["", "", ",1"]], [], 0, 3, 1)
def test_parts_concatenate_to_the_whole(
    records: list[list[str]], cuts: list[float], ragged_every: int, open_every: int, blank_every: int
) -> None:
    data = to_csv(records, ragged_every, open_every, blank_every)
    assume(sniff_dialect(data[:1024], options=SMALL).splittable)
    offsets = sorted({int(c * len(data)) for c in cuts} - {0, len(data)})
    bounds = list(zip([0, *offsets], [*offsets, len(data)], strict=True))
    whole = open_table(io.BytesIO(data), options=SMALL)
    expected = rows(read_all(whole))
    # A quote left open can pair up with later quotes into a record over several lines, past the sample that
    # made the file look splittable: a cut inside it splits it (test_a_quoted_line_break_past_the_sample_...).
    assume(whole.report.splittable)
    got, merged = read_parts(data, bounds)
    assert got == expected
    assert merged.rows_read == whole.report.rows_read
    assert merged.lines_read == whole.report.lines_read == data.count(b"\n")  # empty lines too
    assert [(i.kind, i.line) for i in merged.issues] == [(i.kind, i.line) for i in whole.report.issues]
    physical = data.split(b"\n")
    assert all(physical[i.line - 1] for i in merged.issues)  # a problem is never on an empty line


@settings(max_examples=100, deadline=None)
@given(table, st.lists(st.floats(0, 1), max_size=6), st.integers(1, 5))
def test_a_file_of_lf_lines_with_stray_lone_crs_is_split_and_its_parts_concatenate_to_the_whole(
    records: list[list[str]], cuts: list[float], stray_every: int
) -> None:
    """A \\r pasted into unquoted values (Arrow ends a line there) leaves every \\n a line end: the file is still
    split at \\n, and the parts read what the whole file reads, lines counted as Arrow ends them."""
    for i, record in enumerate(records):
        if i % stray_every == 0:
            record[0] = "p\rq"
    data = to_csv(records, 0)
    dialect = sniff_dialect(data[:1024], options=SMALL)
    assert dialect.bare_cr and dialect.splittable
    offsets = sorted({int(c * len(data)) for c in cuts} - {0, len(data)})
    bounds = list(zip([0, *offsets], [*offsets, len(data)], strict=True))
    whole = open_table(io.BytesIO(data), options=SMALL)
    expected = rows(read_all(whole))
    got, merged = read_parts(data, bounds)
    assert got == expected
    assert merged.rows_read == whole.report.rows_read
    assert merged.lines_read == whole.report.lines_read == data.count(b"\n") + data.count(b"\r")
    assert [(i.kind, i.line) for i in merged.issues] == [(i.kind, i.line) for i in whole.report.issues]


def test_a_file_of_lone_cr_lines_is_not_split() -> None:
    data = b"a,b\r" + b"".join(b"%d,%d\r" % (i, i) for i in range(10000))
    dialect = sniff_dialect(data[:4096])
    assert dialect.bare_cr and not dialect.splittable
    assert plan_parts(len(data), dialect, part_bytes=len(data) // 4) == [(0, len(data))]


def test_plan_parts_covers_the_file() -> None:
    data = b"a,b\n" + b"".join(b"%d,%d\n" % (i, i) for i in range(10000))
    dialect = sniff_dialect(data[:4096])
    bounds = plan_parts(len(data), dialect, part_bytes=20000)
    assert bounds[0][0] == 0 and bounds[-1][1] == len(data) and len(bounds) == -(-len(data) // 20000)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(bounds))
    got, _ = read_parts(data, bounds)
    assert [int(r[0]) for r in got] == list(range(10000))  # type: ignore[call-overload]


def test_the_part_count_is_rounded_up_to_the_multiple_so_processors_finish_together() -> None:
    dialect = sniff_dialect(b"a,b\n1,2\n")
    size = 9 * 256 * 1024 * 1024 + 12345  # nine and a bit parts' worth
    bounds = plan_parts(size, dialect, part_bytes=256 * 1024 * 1024, count_multiple=4)
    assert len(bounds) == 12  # not 10: two or four processors get three or six parts each
    lengths = [end - start for start, end in bounds]
    assert max(lengths) - min(lengths) <= 1 and max(lengths) <= 256 * 1024 * 1024
    assert bounds[0][0] == 0 and bounds[-1][1] == size
    assert all(a[1] == b[0] for a, b in itertools.pairwise(bounds))
    # Rounding up never cuts parts below 64 KiB: a 200 KiB file in 100 KiB parts stays in two.
    assert len(plan_parts(200 * 1024, dialect, part_bytes=100 * 1024, count_multiple=4)) == 2


def test_a_part_reads_little_past_its_end() -> None:
    """A part's source is a bounded ranged GET ending a little after the part (runner.py): the reader must not ask
    it for a whole block past the end, only for the line that crosses it, TAIL_BYTES at a time."""
    data = b"a,b\n" + b"".join(b"%d,%s\n" % (i, b"x" * (i % 50)) for i in range(200_000))
    dialect = sniff_dialect(data[:4096])
    start, end = len(data) // 3, 2 * len(data) // 3
    source = NonSeekable(data[start:], max_read=1 << 30)
    options = ReadOptions(block_size=4 * 1024 * 1024)  # larger than the part's tail, as in production
    reader = open_table(io.BufferedReader(source, 1 << 16), byte_range=(start, end), dialect=dialect, options=options)
    got = rows(read_all(reader))
    line_end = data.index(b"\n", end) + 1
    assert [int(r[0]) for r in got] == list(range(int(got[0][0]), int(got[-1][0]) + 1))  # type: ignore[call-overload]
    assert data[line_end:].startswith(b"%d," % (int(got[-1][0]) + 1))  # type: ignore[call-overload]
    assert start + source.position - line_end <= TAIL_BYTES + (1 << 16)  # the tail read and the buffer's read-ahead


def test_quoted_line_breaks_are_not_split() -> None:
    data = b'a,b\n1,"x\ny"\n' * 1000
    dialect = sniff_dialect(data[:4096])
    assert dialect.splittable is False
    assert plan_parts(len(data), dialect, part_bytes=100) == [(0, len(data))]


def test_small_files_are_not_split() -> None:
    dialect = sniff_dialect(b"a,b\n1,2\n")
    assert plan_parts(8, dialect, part_bytes=4, min_split_bytes=1024) == [(0, 8)]


def test_dialect_round_trips() -> None:
    from services.processor.engine.options import Dialect

    dialect = sniff_dialect(b"a;b\n1;2\n")
    assert Dialect.from_dict(dialect.to_dict()) == dialect
    tall = sniff_dialect(b'"a\nfirst";b\n1;2\n')
    assert tall.header_lines == 2 and Dialect.from_dict(tall.to_dict()) == tall


def test_a_dialect_reads_across_a_rolling_upgrade() -> None:
    """Parts' dialects cross processor versions: a split file's (one header line) is written as the version before
    wrote it, and keys a later version adds are left out."""
    from services.processor.engine.options import Dialect

    dialect = sniff_dialect(b"a;b\n1;2\n")
    written = dialect.to_dict()
    assert "header_lines" not in written
    assert Dialect.from_dict({**written, "added_later": 3}) == dialect


@pytest.mark.parametrize(
    ("above", "sep_line", "preamble"),
    [(["sep=;"], True, 0), (["Stock report", "", "Warehouse 7"], False, 3), (["sep=;", "Report"], True, 1)],
)
def test_lines_above_the_header_read_the_same_in_parts(above: list[str], sep_line: bool, preamble: int) -> None:
    lines = [*above, "x;y"] + [f"{i}" if i % 37 == 0 else f"{i};{i % 7}" for i in range(1, 400)]
    data = ("\n".join(lines) + "\n").encode()
    dialect = sniff_dialect(data[:1024], options=SMALL)
    assert (dialect.sep_line, dialect.preamble, dialect.delimiter) == (sep_line, preamble, ";")
    assert dialect.columns == ("x", "y")
    bounds = plan_parts(len(data), dialect, part_bytes=700)
    assert len(bounds) > 3
    whole = open_table(io.BytesIO(data), options=SMALL)
    expected = rows(read_all(whole))
    assert expected[0] == ["1", "1"] and len(expected) == 399
    got, merged = read_parts(data, bounds)
    assert got == expected
    assert [(i.kind, i.line) for i in merged.issues] == [(i.kind, i.line) for i in whole.report.issues]
    assert merged.issues[0].line == len(above) + 1 + 37
    assert merged.lines_read == whole.report.lines_read == len(lines)


@pytest.mark.parametrize(
    "data",
    [
        b"Title\n\nid,v\n1,a\n2,b\n3\n4,d\n",
        "\ufeffsep=;\r\nid;v\r\n1;a\r\n2;b\r\n3\r\n4;d\r\n".encode(),
        "Bericht\r\n\r\nid;Preis\r\n1;1,5\r\n2;2,5\r\n3\r\n4;4,5\r\n".encode("cp1252"),
        # 0x81: a byte cp1252 leaves unassigned (read as Latin-1's U+0081; Python's cp1252 encoder refuses it)
        b"Bericht \x81\r\n\r\nid;Pr\x81is\r\n1;1,5\r\n2;2,5\r\n3\r\n4;4,5\r\n",
    ],
    ids=["title", "bom-sep-crlf", "cp1252-title", "cp1252-unassigned-byte"],
)
def test_no_part_begins_among_the_lines_above_the_first_row(data: bytes) -> None:
    """However small the parts, a cut never falls before the first data row: the lines part 0 skips (a BOM, a
    sep line, lines above the header, the header) are all in part 0 (the audit cut a file inside them: part 0
    failed to skip them and part 1 read the header as a row)."""
    dialect = sniff_dialect(data, options=SMALL)
    whole = open_table(io.BytesIO(data), options=SMALL)
    expected = rows(read_all(whole))
    assert expected[0][0] == "1" and len(expected) == 4
    for part_bytes in range(1, len(data)):
        bounds = plan_parts(len(data), dialect, part_bytes=part_bytes)
        assert bounds[0][1] >= dialect.data_start > 0
        got, merged = read_parts(data, bounds)
        assert got == expected, part_bytes
        assert [(i.kind, i.line) for i in merged.issues] == [(i.kind, i.line) for i in whole.report.issues]


def test_a_byte_order_mark_starting_a_line_in_mid_file_is_kept_where_a_part_begins() -> None:
    # Two BOM'd exports put one after the other: the second one's header is a row starting with U+FEFF. Arrow
    # drops a BOM at the start of whatever it reads, so a part (or block) beginning there would lose it.
    body = b"".join(b"%d,x%d\n" % (i, i) for i in range(300))
    data = b"\xef\xbb\xbfa,b\n" + body + b"\xef\xbb\xbfa,b,c\n" + body
    whole = open_table(io.BytesIO(data), options=SMALL)
    expected = rows(read_all(whole))
    assert expected[300] == ["\ufeffa", "b"]
    cut = data.index(b"\xef\xbb\xbfa,b,c") - 1  # the part after it begins with the BOM's line
    got, merged = read_parts(data, [(0, cut), (cut, len(data))])
    assert got == expected
    assert [(i.kind, i.line) for i in merged.issues] == [(i.kind, i.line) for i in whole.report.issues]
    assert [(i.kind, i.line) for i in merged.issues] == [("ragged_row", 302)]


def test_a_sample_ending_between_cr_and_lf_leaves_a_crlf_file_splittable() -> None:
    # The sample size may cut a \r\n in two: the lone \r at its end is no old-Mac line end.
    data = b"id,v\r\n" + b"".join(b"%d,value %d\r\n" % (i, i) for i in range(2000))
    sample = data.index(b"\r\n", 2000) + 1  # the sample's last byte is a \r
    dialect = sniff_dialect(data[:sample], options=ReadOptions(sample_bytes=sample))
    assert dialect.splittable
    assert len(plan_parts(len(data), dialect, part_bytes=len(data) // 4 + 1)) == 4


def test_the_problems_kept_are_those_on_the_first_lines_in_one_pass_and_in_parts() -> None:
    """A block's undecodable bytes are found after its ragged rows: the problems kept (MAX_ISSUES) were the first
    found, so one pass left out the bad byte on line 2 for ragged rows further on, and parts kept yet another set."""
    lines = [b"a,b,c", b"1,caf\xc3\xa9,\xff", b"2,caf\xc3\xa9,\xc3\xa9"]  # UTF-8 with one bad byte, on line 2
    lines += [b"%d,x" % i for i in range(3, 15)]  # lines 4 to 15: ragged rows
    data = b"\n".join(lines) + b"\n"
    whole = open_table(io.BytesIO(data), options=SMALL)
    read_all(whole)
    kept = [(i.kind, i.line) for i in whole.report.issues]
    assert kept == [("bad_encoding", 2)] + [("ragged_row", line) for line in range(4, 13)]
    assert (whole.report.bad_encoding_rows, whole.report.ragged_rows) == (1, 12)
    dialect = sniff_dialect(data, options=SMALL)
    for cut in range(dialect.data_start + 1, len(data)):
        _, merged = read_parts(data, [(0, cut), (cut, len(data))])
        assert [(i.kind, i.line) for i in merged.issues] == kept, cut

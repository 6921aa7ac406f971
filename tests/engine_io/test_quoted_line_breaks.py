"""Quoted fields holding line breaks that first turn up past the sample: the sample made the file look
splittable, so it is cut into blocks at line breaks, and such a record is still read as one row, the way the csv
module reads it. A quote left open that never closes cleanly stays one line, counted as unterminated."""

from __future__ import annotations

import csv
import io
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reader_helpers import read_all, read_bytes, rows, stream
from test_parts import SMALL, read_parts

from services.processor.engine import delimited
from services.processor.engine.reading import ReadOptions, open_table

PLAIN_ROWS = [[str(i), f"plain {i}", str(i * 2)] for i in range(120)]  # ~2 KiB: more than the 1 KiB sample


def to_csv(records: list[list[str]], line_end: str = "\n") -> bytes:
    """Fields quoted where needed: csv.writer leaves a lone \r unquoted when the line end is \n."""

    def field(value: str) -> str:
        return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',"\r\n') else value

    return "".join(",".join(map(field, r)) + line_end for r in [["id", "note", "n"], *records]).encode()


def test_a_quoted_line_break_past_the_sample_is_one_row() -> None:
    for line_end in ("\n", "\r\n"):
        note = f'first line{line_end}second, line{line_end}third "quoted" line'  # kept as written
        records = [*PLAIN_ROWS, ["120", note, "7"], ["121", "after", "8"], ["122", "short"]]
        frame, reader = read_bytes(to_csv(records, line_end), sample_bytes=1024, block_size=1024)
        assert reader.dialect is not None and reader.dialect.splittable  # as far as the sample shows
        assert rows(frame)[120:] == [["120", note, "7"], ["121", "after", "8"], ["122", "short", None]]
        assert reader.report.unterminated_quotes == 0
        # Line numbers stay physical after the record's three lines: the short row is line 126.
        assert [(i.kind, i.line) for i in reader.report.issues] == [("ragged_row", 126)]
        assert reader.report.lines_read == 126
        assert reader.report.splittable is False  # parts could cut such a record


def test_a_record_crossing_blocks_and_many_records_in_one_block() -> None:
    notes = [[str(200 + i), f"note {i}\nline two of {i}\n\nline four", str(i)] for i in range(40)]
    data = to_csv([*PLAIN_ROWS, *notes, ["999", "end", "0"]])
    expected = [*PLAIN_ROWS, *notes, ["999", "end", "0"]]
    for block_size in (1024, 1500, 4096, 1 << 20):
        for limit in (0, 256):  # past the limit a block is read line by line
            with mock.patch.object(delimited, "_MAX_OPEN_LINES", limit):
                frame, reader = read_bytes(data, sample_bytes=1024, block_size=block_size)
            assert rows(frame) == expected, (block_size, limit)
            assert reader.report.problem_rows == 0
            assert reader.report.lines_read == 1 + len(PLAIN_ROWS) + 4 * len(notes) + 1


def test_records_over_lines_beside_a_quote_left_open_keep_rows_and_physical_line_numbers() -> None:
    # A block holding a quote left open is read around it; the records over several lines in it stay rows.
    notes = [[str(200 + i), f"note {i}\nline two", str(i)] for i in range(6)]
    data = (
        to_csv([*PLAIN_ROWS, *notes[:3]])
        + b'300,"open\n'
        + to_csv([*notes[3:], ["301", "short"]])[len("id,note,n\n") :]
    )
    expected = [*PLAIN_ROWS, *notes[:3], ["300", '"open', None], *notes[3:], ["301", "short", None]]
    first_note_line = 2 + len(PLAIN_ROWS)
    open_line = first_note_line + 2 * 3
    for block_size in (1024, 1 << 20):
        for limit in (0, 256):  # past the limit a block is read line by line
            with mock.patch.object(delimited, "_MAX_OPEN_LINES", limit):
                frame, reader = read_bytes(data, sample_bytes=1024, block_size=block_size)
            assert rows(frame) == expected, (block_size, limit)
            issues = [(i.kind, i.line) for i in reader.report.issues]
            assert issues == [("unterminated_quote", open_line), ("ragged_row", open_line + 1 + 2 * 3)], (
                block_size,
                limit,
            )
            assert reader.report.lines_read == open_line + 1 + 2 * 3


def test_a_quote_that_does_not_close_cleanly_is_still_left_open() -> None:
    tails = [
        b'120,"open\n121,x,1\n122,"shut\n',  # the next quote is followed by text: no clean close
        b'120,"open\n121,x",1,5\n',  # closes cleanly, but the record would have four fields
    ]
    for tail in tails:
        frame, reader = read_bytes(to_csv(PLAIN_ROWS) + tail, sample_bytes=1024)
        assert len(frame) == len(PLAIN_ROWS) + tail.count(b"\n")  # every line a row
        assert reader.report.unterminated_quotes >= 1
        assert reader.report.issues[0].line == len(PLAIN_ROWS) + 2
        assert reader.report.splittable is True


def test_a_quote_left_open_to_the_end_is_read_alone_however_long_the_rest() -> None:
    rest = [f"{i},v,{i}" for i in range(30_000)]  # ~400 KB: past the longest record looked for
    data = to_csv(PLAIN_ROWS) + ('120,"open\n' + "\n".join(rest) + "\n").encode()
    frame, reader = read_bytes(data, sample_bytes=1024, block_size=4096)
    assert len(frame) == len(PLAIN_ROWS) + 1 + len(rest)
    assert [(i.kind, i.line) for i in reader.report.issues] == [("unterminated_quote", len(PLAIN_ROWS) + 2)]


field = st.text(alphabet='ab,"\n\r é', max_size=8)


@settings(max_examples=150, deadline=None)
@given(
    records=st.lists(st.lists(field, min_size=3, max_size=3), min_size=1, max_size=40),
    line_end=st.sampled_from(["\n", "\r\n"]),
    block_size=st.sampled_from([1024, 1100, 1 << 20]),
)
def test_any_quoted_records_after_the_sample_read_as_the_csv_module_reads_them(
    records: list[list[str]], line_end: str, block_size: int
) -> None:
    data = to_csv([*PLAIN_ROWS, *records], line_end)
    frame, reader = read_bytes(data, delimiter=",", quotechar='"', sample_bytes=1024, block_size=block_size)
    expected = list(csv.reader(io.StringIO(data.decode(), newline="")))[1:]
    expected = [r for r in expected if r]  # blank lines are no rows
    assert rows(frame) == expected
    assert reader.report.problem_rows == 0


def test_parts_read_such_records_and_a_cut_inside_one_is_counted_not_silent() -> None:
    data = to_csv([*PLAIN_ROWS, ["120", "a note\nover two lines", "7"], *PLAIN_ROWS])
    whole = open_table(io.BytesIO(data), options=ReadOptions(sample_bytes=1024, block_size=1024))
    expected = rows(read_all(whole))
    assert whole.report.splittable is False and whole.report.problem_rows == 0
    inside = data.index(b"a note")  # a cut here ends the first part within the record
    # A cut after the record: the parts read what the whole file reads, and say the file was not splittable.
    got, merged = read_parts(data, [(0, inside + 500), (inside + 500, len(data))])
    assert got == expected
    assert merged.problem_rows == 0 and merged.splittable is False
    # A cut inside it (the planner could not know: the sample had no such record): both halves are read as
    # lines, each counted as a problem, none lost.
    got, merged = read_parts(data, [(0, inside), (inside, len(data))])
    assert len(got) == len(expected) + 1
    assert merged.unterminated_quotes == 1 and merged.ragged_rows == 1
    # The first part says it ended inside a quoted field, which tells the processor to read the file in one pass.
    for end, open_at_end in ((inside, True), (inside + 500, False)):
        first = open_table(stream(data), byte_range=(0, end), dialect=whole.dialect, options=SMALL)
        read_all(first)
        assert first.report.open_quote_at_end is open_at_end


def test_a_stray_quote_in_a_file_whose_sample_shows_quoted_line_breaks_is_read_alone() -> None:
    # Arrow's streaming reader, which such files went through, read on from a stray quote into the next quote
    # (rows vanished into one field without a word) or failed ("straddling object") when that was a block away.
    head = b'id,note,amount\n1,"two\nlines",3\n2,"oops,4\n'
    tail = b"".join(b"%d,plain,%d\n" % (i, i) for i in range(3, 600)) + b'600,"quoted",7\n'
    frame, reader = read_bytes(head + tail, sample_bytes=1024, block_size=1024)
    got = rows(frame)
    assert got[:3] == [["1", "two\nlines", "3"], ["2", '"oops', "4"], ["3", "plain", "3"]]
    assert got[-1] == ["600", "quoted", "7"] and len(got) == 600
    assert [(i.kind, i.line) for i in reader.report.issues] == [("unterminated_quote", 4)]
    assert reader.report.lines_read == 602 and reader.report.splittable is False


@pytest.mark.parametrize("pad", range(995, 1015))
def test_a_quoted_crlf_where_a_block_ends_keeps_both_bytes(pad: int) -> None:
    # Arrow's streaming reader (26.0.1) drops the \n of a quoted \r\n that its block boundary splits.
    data = b'a,b\n"x\r\ny",1\n' + b"z" * pad + b',0\n"p\r\nq",2\n'
    frame, _ = read_bytes(data, sample_bytes=1024, block_size=1024)
    assert rows(frame)[-1] == ["p\r\nq", "2"]

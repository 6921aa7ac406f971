"""A table wider than ReadOptions.max_columns (2,000) is profiled on its first columns, the others reported as left
out: each column costs a processor memory while it is profiled (a 5,000 x 1,000 CSV peaked at 550 MiB). The limit is
3 here; the formats that read every column first are cut as the reader hands them on."""

from __future__ import annotations

import io
import json
from pathlib import Path
from unittest import mock

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from reader_helpers import read_bytes, rows

from services.processor.engine import TableProfiler, options, profile_dataframe
from services.processor.engine.options import as_frame
from services.processor.engine.reading import ReadOptions, open_table, plan_parts, sniff_dialect
from services.processor.report_html import render_html
from tests.engine.helpers import assert_same, profile_in_byte_ranges

THREE = 3  # columns kept


WIDE_CSV = (
    b"a,b,c,d,e\n"
    b"1,x,2020-01-01,d1,e1\n"
    b'2,"two\nlines",2020-01-02,d2,e2\n'  # a quoted line break: that record is read apart
    b"3,z\n"  # ragged: short of three fields
    b'4,"open,2020-01-04,d4,e4\n'  # a quote left open: the line is read again on its own
    b"5,w,2020-01-05,d5,e5,extra\n"  # ragged: a field too many
)


def test_a_csv_wider_than_the_limit_is_profiled_on_its_first_columns() -> None:
    frame, reader = read_bytes(WIDE_CSV, max_columns=THREE)
    assert list(frame.columns) == ["a", "b", "c"]
    assert rows(frame) == [
        ["1", "x", "2020-01-01"],
        ["2", "two\nlines", "2020-01-02"],
        ["3", "z", None],
        ["4", '"open', "2020-01-04"],
        ["5", "w", "2020-01-05"],
    ]
    report = reader.report
    assert report.columns_left_out == 2 and reader.columns == ["a", "b", "c"]
    assert (report.ragged_rows, report.unterminated_quotes) == (2, 1)  # the problems of every column still count
    profile = profile_dataframe(frame, parse_report=report)
    assert [c.name for c in profile.column_profiles] == ["a", "b", "c"]
    (alert,) = [a for a in profile.alerts if a.code == "COLUMNS_LEFT_OUT"]
    assert alert.severity == "warning" and alert.value == 2
    assert "The table has 5 columns; the first 3 were profiled" in alert.message
    assert "2 columns left out" in alert.message
    assert profile.parse["columns_left_out"] == 2
    assert profile.quality.parse_health == 1 - 3 / 5  # left-out columns are no row problems


def test_arrow_reads_only_the_columns_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """Arrow costs several KiB per column of each block it parses: the columns left out are not converted."""
    seen: list[list[str]] = []
    original = pa.csv.read_csv

    def read_csv(*args: object, **kwargs: object) -> pa.Table:
        table = original(*args, **kwargs)  # type: ignore[arg-type]
        seen.append(table.column_names)
        return table

    monkeypatch.setattr(pa.csv, "read_csv", read_csv)
    data = b"a,b,c,d,e\n" + b"".join(b"%d,2,3,4,5\n" % i for i in range(2000))
    frame, reader = read_bytes(data, block_size=4096, max_columns=THREE)
    assert len(frame) == 2000 and reader.report.columns_left_out == 2
    assert len(seen) > 1 and all(names == ["a", "b", "c"] for names in seen)


def test_parts_of_a_wide_csv_merge_to_its_one_pass_profile() -> None:
    data = b"a,b,c,d,e\n" + b"".join(b"%d,%d,x%d,4,5\n" % (i, i % 7, i % 3) for i in range(3000))
    small = ReadOptions(block_size=1024, sample_bytes=1024, max_columns=THREE)
    dialect = sniff_dialect(data[:1024], options=small)
    ranges = plan_parts(len(data), dialect, part_bytes=8000)
    assert len(ranges) > 2
    merged, report = profile_in_byte_ranges(data, dialect, ranges, small)
    assert report.columns_left_out == 2  # the parts' reports, merged (every part read 3 columns: they merged)
    one, whole = read_bytes(data, max_columns=THREE)
    expected = profile_dataframe(one, parse_report=whole.report).to_dict()
    got = merged.finish(report).to_dict()
    assert got["columns"] == 3 and got["parse"]["columns_left_out"] == 2
    assert_same(got["column_profiles"], expected["column_profiles"])
    assert [a["code"] for a in got["alerts"]] == [a["code"] for a in expected["alerts"]]


def test_json_lines_keys_past_the_limit_are_left_out_as_they_appear() -> None:
    data = b'{"a": 1, "b": 2}\n{"a": 3, "b": 4, "c": 5}\n{"a": 6, "d": 7, "e": 8, "c": 9}\n'
    reader = open_table(
        io.BytesIO(data), file_name="x.jsonl", options=ReadOptions(chunk_rows=1, sample_bytes=1024, max_columns=THREE)
    )
    profiler = TableProfiler()
    for chunk in reader.chunks():
        profiler.update(chunk)
    profile = profiler.finish(reader.report)
    assert [c.name for c in profile.column_profiles] == ["a", "b", "c"]
    assert [c.count - c.missing for c in profile.column_profiles] == [3, 2, 2]
    assert reader.report.columns_left_out == 2


def test_a_wide_parquet_file_is_read_on_its_first_columns_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[object] = []
    original = pq.ParquetFile.iter_batches

    def iter_batches(self: pq.ParquetFile, *args: object, **kwargs: object) -> object:
        read.append(kwargs.get("columns"))
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pq.ParquetFile, "iter_batches", iter_batches)
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({name: [1, 2] for name in "abcde"}), path)
    frame, reader = read_bytes(path.read_bytes(), name="t.parquet", max_columns=THREE)
    assert list(frame.columns) == ["a", "b", "c"] and rows(frame) == [["1", "1", "1"], ["2", "2", "2"]]
    assert reader.report.columns_left_out == 2
    assert read == [["a", "b", "c"]]  # the other columns' pages are never read
    # Two columns of one name cannot be picked by name: every column is read, the first three kept.
    pq.write_table(pa.Table.from_arrays([pa.array([i]) for i in range(5)], names=list("abcba")), path)
    frame, reader = read_bytes(path.read_bytes(), name="t.parquet", max_columns=THREE)
    assert rows(frame) == [["0", "1", "2"]] and reader.report.columns_left_out == 2
    assert read[-1] is None


def test_a_wide_workbook_is_cut_as_it_is_read(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["a", "b", "c", "d"])
    sheet.append([1, 2, 3, 4])
    path = tmp_path / "t.xlsx"
    book.save(path)
    frame, reader = read_bytes(path.read_bytes(), name="t.xlsx", max_columns=THREE)
    assert list(frame.columns) == ["a", "b", "c"] and rows(frame) == [["1", "2", "3"]]
    assert reader.report.columns_left_out == 1


def test_a_header_without_rows_keeps_its_first_columns() -> None:
    frame, reader = read_bytes(b"a,b,c,d,e\n", max_columns=THREE)
    assert list(frame.columns) == ["a", "b", "c"] and reader.report.columns_left_out == 2


def test_the_html_report_counts_the_columns_left_out() -> None:
    frame, reader = read_bytes(WIDE_CSV, max_columns=THREE)
    profile = profile_dataframe(frame, parse_report=reader.report)
    html = render_html({"job": {"file_name": "wide.csv"}, "profile": profile.to_dict(), "parse": profile.parse})
    assert "Columns left out (too many)" in html and "COLUMNS_LEFT_OUT" in html


def test_a_wide_tables_chunks_hold_a_bounded_number_of_cells(tmp_path: Path) -> None:
    """JSON Lines, Parquet and Excel chunks are ReadOptions.chunk_rows rows, fewer for a wide table: at most
    options.CHUNK_CELLS cells (1,000,000; 4,000 here), since a chunk is made whole before it is profiled (50,000 rows
    of a 1,000-column Parquet file peaked at 1.8 GiB). The rows and their order are the same."""
    width, count = 40, 250
    table = pa.table({f"c{i}": [f"{i}-{r}" for r in range(count)] for i in range(width)})
    parquet = tmp_path / "t.parquet"
    pq.write_table(table, parquet)
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [table.column_names, *([table.column(i)[r].as_py() for i in range(width)] for r in range(count))]:
        sheet.append(row)
    workbook = tmp_path / "t.xlsx"
    book.save(workbook)
    lines = b"".join(json.dumps(row).encode() + b"\n" for row in table.to_pylist())
    with mock.patch.object(options, "CHUNK_CELLS", 4000):
        for name, data in (("t.parquet", parquet.read_bytes()), ("t.xlsx", workbook.read_bytes()), ("t.jsonl", lines)):
            reader = open_table(io.BytesIO(data), file_name=name, options=ReadOptions(chunk_rows=1000))
            chunks = list(reader.chunks())
            assert [len(chunk) for chunk in chunks] == [100, 100, 50], name
            assert [len(chunk.columns) for chunk in chunks] == [width] * 3
            assert rows(pd.concat([as_frame(chunk) for chunk in chunks], ignore_index=True)) == [
                [f"{i}-{r}" for i in range(width)] for r in range(count)
            ], name

"""A Parquet file whose pages would not fit the reader's budget is read in column passes (column_slices.py): each
row group a few columns at a time. Its profile is the one-pass profile, and its reader holds one group's pages."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, BinaryIO
from unittest import mock

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from reader_helpers import stream

from services.processor.engine import ProfileConfig, TableProfiler, column_pool, gathered
from services.processor.engine.column_slices import ColumnSlice, column_groups
from services.processor.engine.read_ahead import ReadAhead
from services.processor.engine.reading import ReadOptions, open_table
from services.processor.engine.structured import PARQUET_READ_BUFFER, parquet_page_costs
from services.processor.engine.table import PARALLEL_MIN_ROWS
from tests.engine.helpers import assert_same

PASSES = ReadOptions(parquet_page_budget=64 << 10)  # groups of ~16 KiB of pages: a column or two each
ONE_PASS = ReadOptions(parquet_page_budget=1 << 40)
# A sample of fewer rows than the file's: later row groups offer it only the rows below its bound.
CONFIG = ProfileConfig(correlation_sample_size=300)
START = dt.date(2024, 1, 1)


def mixed_table(rows: int = 3_000) -> pa.Table:
    """Every kind of column, with nulls, repeated values and duplicate rows (every 50th row is row 0's)."""
    rng = np.random.default_rng(7)
    ids = np.arange(rows)
    ids[::50] = 0
    small = rng.integers(0, 40, rows)
    small[::50] = small[0]
    amount = np.round(rng.normal(100, 15, rows), 2)
    amount[::50] = amount[0]
    return pa.table(
        {
            "id": ids,
            "amount": amount,
            "score": small * 1.5 + (small % 3),  # correlated with "small"
            "small": small,
            "grade": pa.array([None if i % 50 and i % 7 == 3 else "ABCD"[int(s) % 4] for i, s in enumerate(small)]),
            "email": [f"user{i}@example.com" if i % 50 else "user0@example.com" for i in range(rows)],
            "day": [None if i % 50 and i % 11 == 5 else START + dt.timedelta(i % 50 and i % 400) for i in range(rows)],
            "flag": [bool(s % 2) for s in small],
            "note": ["" if i % 50 == 0 or i % 9 == 0 else f"note {i % 97}" for i in range(rows)],
        }
    )


def parquet_bytes(table: pa.Table, row_group_size: int) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, row_group_size=row_group_size)
    return sink.getvalue()


def profile(data: bytes, options: ReadOptions, *, as_processor: bool = False) -> tuple[dict[str, Any], set[str]]:
    """The file's profile and the kinds of chunk it was read in; `as_processor`: from a stream it must spool, with
    read-ahead, joined short chunks and two column threads."""
    profiler = TableProfiler(CONFIG)
    kinds: set[str] = set()
    reader = open_table(stream(data) if as_processor else io.BytesIO(data), file_name="t.parquet", options=options)
    if as_processor:
        with ReadAhead(gathered(reader.chunks()), enabled=True) as chunks, column_pool(2) as pool:
            for chunk in chunks:
                kinds.add(type(chunk).__name__)
                profiler.update(chunk, pool)
    else:
        for chunk in reader.chunks():
            kinds.add(type(chunk).__name__)
            profiler.update(chunk)
    return profiler.finish(reader.report).to_dict(), kinds


def test_a_file_read_in_column_passes_gets_the_one_pass_profile() -> None:
    data = parquet_bytes(mixed_table(), row_group_size=1_000)
    passes, kinds = profile(data, PASSES)
    assert kinds == {"ColumnSlice"}
    whole, kinds = profile(data, ONE_PASS)
    assert kinds == {"RecordBatch"}
    assert_same(passes, whole)
    assert passes["rows"] == 3_000 and passes["duplicate_rows"] == 59
    assert passes["correlation_sample_size"] == 300 and passes["correlations_sampled"]
    assert any({c["column_a"], c["column_b"]} == {"score", "small"} for c in passes["correlations"])


def test_passes_read_as_the_processor_reads() -> None:
    """Spooled to a file of its own, read one slice ahead on another thread while the profiler gathers the
    sample's rows of the block before: the last block's rows too, after the reader has closed the file. The
    slices are long enough for the column threads, and their groups hold a few columns each."""
    data = parquet_bytes(mixed_table(24_000), row_group_size=PARALLEL_MIN_ROWS + 2_000)
    costs = parquet_page_costs(pq.ParquetFile(io.BytesIO(data)), 9)
    assert costs is not None
    budget = sum(costs) - 1
    assert any(len(group) > 1 for group in column_groups(costs, budget // 4))
    passes, kinds = profile(data, ReadOptions(parquet_page_budget=budget), as_processor=True)
    assert kinds == {"ColumnSlice"}
    whole, _ = profile(data, ONE_PASS, as_processor=True)
    assert_same(passes, whole)


def test_the_file_read_in_passes_stays_open_until_its_last_slice_is_let_go() -> None:
    """The reader is done with the file when it has read the last slice; with read-ahead, the profiler gathers the
    last block's sample rows from it after that. The reader's copy of the upload is closed once all is let go."""
    data = parquet_bytes(mixed_table(), row_group_size=1_000)
    copies: list[BinaryIO] = []
    temporary_file = tempfile.TemporaryFile

    def spooled() -> BinaryIO:
        copies.append(temporary_file())
        return copies[-1]

    profiler = TableProfiler(CONFIG)
    with mock.patch("services.processor.engine.streams.tempfile.TemporaryFile", spooled):
        reader = open_table(stream(data), file_name="t.parquet", options=PASSES)
    (copy,) = copies
    report = reader.report
    with ReadAhead(gathered(reader.chunks()), enabled=True) as chunks:
        for chunk in chunks:
            assert isinstance(chunk, ColumnSlice) and not copy.closed
            profiler.update(chunk)
    assert not copy.closed  # the last slice is still held here
    del chunk, chunks, reader
    assert copy.closed
    assert_same(profiler.finish(report).to_dict(), profile(data, ONE_PASS)[0])


def test_columns_past_the_limit_are_left_out_of_every_pass() -> None:
    data = parquet_bytes(mixed_table(500), row_group_size=200)
    limited = ReadOptions(parquet_page_budget=PASSES.parquet_page_budget, max_columns=4)
    reader = open_table(io.BytesIO(data), file_name="t.parquet", options=limited)
    slices = list(reader.chunks())
    assert all(isinstance(s, ColumnSlice) for s in slices)
    assert {name for s in slices for name in s.columns} == {"id", "amount", "score", "small"}
    assert sum(len(s) for s in slices) == 500
    assert reader.report.columns_left_out == 5 and reader.report.rows_read == 500


def test_a_nested_column_is_read_in_a_pass_with_its_leaves() -> None:
    """Its leaves are the metadata's columns: a struct's fields, a list's values, a map's keys and values."""
    table = mixed_table(500)
    table = table.append_column("point", pa.array([{"x": i, "tags": [i % 3, i % 5]} for i in range(500)]))
    table = table.append_column(
        "attrs", pa.array([[("k", i % 4)] for i in range(500)], pa.map_(pa.string(), pa.int8()))
    )
    data = parquet_bytes(table, row_group_size=100)
    costs = parquet_page_costs(pq.ParquetFile(io.BytesIO(data)), table.num_columns)
    assert costs is not None and len(costs) == table.num_columns
    passes, kinds = profile(data, PASSES)
    assert kinds == {"ColumnSlice"}
    whole, _ = profile(data, ONE_PASS)
    assert_same(passes, whole)
    point, attrs = passes["column_profiles"][-2:]
    assert (point["name"], point["distinct"], attrs["name"], attrs["distinct"]) == ("point", 500, "attrs", 4)


def test_columns_of_one_name_are_read_in_one_pass() -> None:
    """A column is read by its name, and these two have one."""
    repeated = pa.Table.from_arrays([pa.array(range(500)), pa.array(range(500))], names=["a", "a"])
    _, kinds = profile(parquet_bytes(repeated, row_group_size=100), PASSES)
    assert kinds == {"RecordBatch"}


def test_columns_are_sized_by_the_largest_row_groups() -> None:
    """Only the largest row groups' column chunks are sized (a file of many row groups would take seconds): a
    column's cost is its pages in those, here the last row group's long texts."""
    texts = ["short"] * 1_900 + [f"{i} " + "long " * 400 for i in range(100)]
    data = parquet_bytes(pa.table({"id": range(2_000), "text": texts}), row_group_size=100)
    parquet = pq.ParquetFile(io.BytesIO(data))
    last = parquet.metadata.row_group(19).column(1).total_uncompressed_size
    assert last > 100 * 2_000 > 50 * parquet.metadata.row_group(0).column(1).total_uncompressed_size
    costs = parquet_page_costs(parquet, 2)
    assert costs is not None and costs[1] == last * 5 // 2 + PARQUET_READ_BUFFER


def test_groups_fill_up_to_the_budget() -> None:
    assert column_groups([4, 4, 4, 9, 1, 1], 8) == [range(0, 2), range(2, 3), range(3, 4), range(4, 6)]
    assert column_groups([20], 8) == [range(0, 1)]
    assert column_groups([], 8) == []


_PROBE = """
import json, sys
import pyarrow as pa
from services.processor.engine.reading import ReadOptions, open_table
from services.processor.engine.structured import PARQUET_READ_BUFFER, parquet_page_costs
from services.processor.engine.table import PARALLEL_MIN_ROWS
with open(sys.argv[1], "rb") as raw:
    reader = open_table(raw, file_name="wide.parquet", options=ReadOptions(parquet_page_budget=int(sys.argv[2])))
    rows = sum(len(chunk) for chunk in reader.chunks())
print(json.dumps({"rows": rows, "pool_mib": pa.default_memory_pool().max_memory() / 2**20}))
"""


def test_a_wide_files_reader_holds_one_groups_pages(tmp_path: Path) -> None:
    """400 columns of 20,000 rows in one row group, as pandas writes a table this size (pages of 1 MiB): read in
    one pass, every column's pages are held at once; in passes, one group's."""
    numbers = pa.array(np.arange(20_000) * 7919 % 100_003)
    text = pc.binary_join_element_wise("value ", pc.cast(numbers, pa.string()), "")
    table = pa.table({f"c{i}": numbers if i % 2 else text for i in range(400)})
    path = tmp_path / "wide.parquet"
    pq.write_table(table, path)

    def pool_mib(budget: int) -> float:
        probe = [sys.executable, "-c", _PROBE, str(path), str(budget)]
        result = subprocess.run(probe, capture_output=True, text=True, timeout=300, check=True)
        figures = json.loads(result.stdout)
        assert figures["rows"] == 20_000
        return float(figures["pool_mib"])

    one_pass, passes = pool_mib(1 << 40), pool_mib(16 << 20)
    print(f"Arrow's pool at its peak: one pass {one_pass:.0f} MiB, passes of 4 MiB {passes:.0f} MiB")
    assert one_pass > 100
    assert passes < one_pass / 4

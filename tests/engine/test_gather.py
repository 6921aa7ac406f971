"""Short chunks joined before profiling: the same rows in the same order, joins bounded, the same profile."""

from __future__ import annotations

import io
import math
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from services.processor.engine import TableProfiler, gathered
from services.processor.engine.reading import ReadOptions, open_table


def _batch(start: int, rows: int, columns: int = 3) -> pa.RecordBatch:
    return pa.RecordBatch.from_arrays(
        [pa.array([f"{start + i}-{j}" for i in range(rows)], pa.string()) for j in range(columns)],
        names=[f"c{j}" for j in range(columns)],
    )


def _rows(chunks: list[pa.RecordBatch | pa.Table]) -> list[str]:
    return [v for chunk in chunks for v in chunk.column(0).to_pylist()]


def test_short_chunks_are_joined_up_to_the_row_bound_in_order() -> None:
    chunks = [_batch(i * 30, 30) for i in range(10)]
    out = list(gathered(iter(chunks), rows=100, max_bytes=1 << 30))
    assert [len(c) for c in out] == [120, 120, 60]  # joined until 100 rows are reached; the rest at the end
    assert _rows(out) == _rows(chunks)
    assert all(c.schema.names == ["c0", "c1", "c2"] for c in out)


def test_the_byte_bound_joins_fewer_chunks() -> None:
    chunks = [_batch(i * 30, 30) for i in range(6)]
    size = chunks[0].nbytes
    out = list(gathered(iter(chunks), rows=10_000, max_bytes=2 * size))
    assert [len(c) for c in out] == [60, 60, 60]
    assert _rows(out) == _rows(chunks)


def test_long_chunks_and_data_frames_pass_as_they_are() -> None:
    long = _batch(0, 200)
    frame = pd.DataFrame({"c0": ["x"], "c1": ["y"], "c2": ["z"]}).astype("string")
    short = [_batch(1000, 10), _batch(2000, 10)]
    out = list(gathered(iter([short[0], long, short[1], frame, _batch(3000, 10)]), rows=100, max_bytes=1 << 30))
    assert out[1] is long and out[3] is frame  # the waiting short chunk goes first, alone
    assert [len(c) for c in out] == [10, 200, 10, 1, 10]


def test_stopping_early_closes_the_source() -> None:
    closed = []

    def source() -> Iterator[pa.RecordBatch]:
        try:
            for i in range(100):
                yield _batch(i * 10, 10)
        finally:
            closed.append(True)

    joined = gathered(source(), rows=25)
    assert len(next(joined)) == 30
    joined.close()  # a job abandoned mid-file: the reader's files are closed at once
    assert closed == [True]


def test_a_wide_table_read_in_joined_chunks_profiles_the_same() -> None:
    rng = np.random.default_rng(3)
    columns, rows = 60, 3_000
    data = {f"n{j}": rng.integers(-50, 50, rows).astype(str) for j in range(0, columns, 2)}
    data |= {f"t{j}": rng.choice(["a", "b", "", "NA", "long text"], rows) for j in range(1, columns, 2)}
    text = pd.DataFrame(data).to_csv(index=False).encode()

    def profile(join: bool) -> dict[str, object]:
        reader = open_table(io.BytesIO(text), file_name="wide.csv", options=ReadOptions(block_size=16 << 10))
        chunks = list(reader.chunks())
        assert len(chunks) > 10 and max(len(c) for c in chunks) < 500  # short chunks, as a wide file's
        profiler = TableProfiler()
        for chunk in gathered(iter(chunks), rows=2_000) if join else chunks:
            profiler.update(chunk)
        return profiler.finish(reader.report).to_dict()

    joined, alone = profile(True), profile(False)
    # Below every exact limit: every figure is exact whatever the chunks, up to the order of float sums.
    assert _same(joined, alone)


def _same(a: object, b: object) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15) or (math.isnan(a) and math.isnan(b))
    return a == b


@pytest.mark.parametrize("types", [(pa.string(), pa.large_string())])
def test_pieces_of_both_text_types_join(types: tuple[pa.DataType, pa.DataType]) -> None:
    pieces = [pa.record_batch([pa.array(["a", "b"], t)], names=["c0"]) for t in types]
    (out,) = gathered(iter(pieces), rows=100)
    assert out.column(0).to_pylist() == ["a", "b", "a", "b"]

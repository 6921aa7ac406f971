"""Profiling a long chunk's columns on a thread pool gives the profile one thread gives, duplicate rows included."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from services.processor.engine import TableProfiler, column_pool, column_threads
from services.processor.engine.column import ColumnAccumulator
from services.processor.engine.table import PARALLEL_MIN_ROWS

from .test_merge import assert_same


class CountingPool(ThreadPoolExecutor):
    """A real pool that also records which threads ran its tasks, and the arguments tasks were submitted with."""

    def __init__(self) -> None:
        super().__init__(2, thread_name_prefix="test-pool")
        self.threads: set[str] = set()
        self.submitted: list[tuple[Any, ...]] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        def recorded() -> Any:
            self.threads.add(threading.current_thread().name)
            return fn(*args, **kwargs)

        self.submitted.append(args)
        return super().submit(recorded)


def _frame(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    numbers = rng.integers(0, 50, rows).astype(str)
    return pd.DataFrame(
        {
            "n": numbers,
            "f": np.round(rng.normal(0, 1, rows), 2).astype(str),
            "c": rng.choice(np.array(["a", "b", "", "NA"]), rows),
            "e": np.char.add(np.char.add("u", (rng.integers(0, 30, rows)).astype(str)), "@x.org"),
        }
    ).astype("string")


def test_a_long_chunk_profiled_on_threads_equals_one_thread() -> None:
    df = _frame(2 * PARALLEL_MIN_ROWS)  # few distinct rows: duplicates depend on every column's row hashes in order
    alone = TableProfiler()
    alone.update(df)
    threaded = TableProfiler()
    with CountingPool() as pool:
        threaded.update(df, pool)
        threaded.update(df.iloc[:100], pool)  # a short chunk stays on the caller's thread
    alone.update(df.iloc[:100])
    assert pool.threads and all(name.startswith("test-pool") for name in pool.threads)
    expected, got = alone.finish(), threaded.finish()
    assert got.duplicate_rows == expected.duplicate_rows > 0
    assert_same(got.to_dict(), expected.to_dict())


def test_the_next_chunk_starts_while_a_column_of_the_chunk_before_still_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """A chunk's columns start as soon as a thread is free, not once every column of the chunk before is done
    (the chunk's last column kept one CPU busy while the other waited). Column "n" holds its first chunk until
    another column has started its second (a delay made here to fix the order; bounded, so it cannot hang)."""
    original = ColumnAccumulator.update
    calls: dict[str, int] = {}
    lock = threading.Lock()
    second_chunk_started = threading.Event()
    waited: list[bool] = []

    def update(self: ColumnAccumulator, array: pa.Array) -> np.ndarray:
        with lock:
            calls[self.name] = calls.get(self.name, 0) + 1
            call = calls[self.name]
        if self.name == "n" and call == 1:
            waited.append(second_chunk_started.wait(timeout=10))
        elif call == 2:
            second_chunk_started.set()
        return original(self, array)

    df = _frame(2 * PARALLEL_MIN_ROWS)
    alone = TableProfiler()
    for _ in range(2):
        alone.update(df)
    monkeypatch.setattr(ColumnAccumulator, "update", update)
    with column_pool(2) as pool:
        threaded = TableProfiler()
        for _ in range(2):
            threaded.update(df, pool)
    assert waited == [True]
    assert_same(threaded.finish().to_dict(), alone.finish().to_dict())


def test_columns_that_start_together_start_costliest_first() -> None:
    """Among a chunk's columns whose lanes are idle, the costliest on its last chunk starts first."""
    rows = 2 * PARALLEL_MIN_ROWS
    df = _frame(rows)
    rng = np.random.default_rng(3)
    # Long, all-distinct text, last in column order: several times the work of any other column.
    df["long"] = pd.Series([f"{v:x} " * 12 for v in rng.integers(0, 2**62, rows)], dtype="string")
    with CountingPool() as pool:
        profiler = TableProfiler()
        profiler.update(df, pool)
        profiler.finish()  # every lane idle again
        first_chunk = list(pool.submitted)
        pool.submitted.clear()
        profiler.update(df, pool)
        profiler.finish()
        second_chunk = [args for args in pool.submitted if len(args) == 1]
    assert first_chunk == [(0,), (1,), (2,), (3,), (4,)]  # nothing known yet: column order
    assert second_chunk[0] == (4,) and sorted(second_chunk) == [(0,), (1,), (2,), (3,), (4,)]


def test_row_hashes_do_not_depend_on_threads() -> None:
    """Parts of one file may be profiled with and without threads: their row hashes must agree, or rows repeated
    across parts would not count as duplicates when the parts merge."""
    df = _frame(PARALLEL_MIN_ROWS)
    df["id"] = pd.Series(np.arange(len(df)).astype(str), dtype="string")  # every row distinct within a part
    threaded, alone = TableProfiler(), TableProfiler()
    with column_pool(2) as pool:
        threaded.update(df, pool)
    alone.update(df)
    assert threaded.duplicate_rows() == 0
    threaded.merge(alone)
    assert threaded.duplicate_rows() == len(df)


def test_rows_accounted_beside_the_next_chunk_are_all_in_the_profile() -> None:
    """A long chunk's rows (duplicates, correlation sample) are accounted in the pool while the next chunk's
    columns are profiled: a part's state written, or its profile finished, right after the last update holds
    every row of every chunk."""
    df = _frame(2 * PARALLEL_MIN_ROWS)
    alone = TableProfiler()
    for _ in range(3):
        alone.update(df)
    with column_pool(2) as pool:
        threaded = TableProfiler()
        for _ in range(3):
            threaded.update(df, pool)
        state = threaded.to_bytes()  # the pool still running: nothing may be left out
        finished = threaded.finish()
    expected = alone.finish()
    assert finished.duplicate_rows == expected.duplicate_rows == 3 * len(df) - alone.distinct_rows.count()
    assert_same(finished.to_dict(), expected.to_dict())
    assert_same(TableProfiler.from_bytes(state).finish().to_dict(), expected.to_dict())


def test_a_failure_accounting_rows_in_the_pool_reaches_the_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    """A long chunk's rows are accounted in the pool once the next chunk has come (or by `finish`); if that fails
    (a fault caused here by replacing the sample's offer, as a real one cannot be caused on demand), a later
    update or the finish raises it: it is never lost."""

    def broken(*_args: object) -> None:
        raise MemoryError("sample")

    for last_call in ("update", "finish"):
        profiler = TableProfiler()
        with column_pool(2) as pool:
            profiler.update(_frame(PARALLEL_MIN_ROWS))  # on this thread: the sample is set up once it returns
            monkeypatch.setattr(profiler.sample, "offer", broken)
            profiler.update(_frame(PARALLEL_MIN_ROWS), pool)  # returns before its rows are accounted
            profiler.update(_frame(PARALLEL_MIN_ROWS), pool)  # the chunk before's rows go to the pool now
            with pytest.raises(MemoryError, match="sample"):
                if last_call == "update":
                    profiler.update(_frame(PARALLEL_MIN_ROWS), pool)
                else:
                    profiler.finish()


def test_short_chunks_stay_on_the_callers_thread() -> None:
    with CountingPool() as pool:
        TableProfiler().update(_frame(PARALLEL_MIN_ROWS - 1), pool)
    assert not pool.threads


def test_one_thread_means_no_pool() -> None:
    with column_pool(1) as none, column_pool(2) as two:
        assert none is None and isinstance(two, ThreadPoolExecutor)
    assert [column_threads(cpus) for cpus in (0.5, 1, 1.5, 2, 3, 16)] == [1, 1, 1, 2, 3, 4]


def test_a_profile_finished_after_the_pool_is_shut_down_holds_every_chunk() -> None:
    """The processor leaves the pool's `with` before it finishes the profile: the last chunk's columns may still
    have been running then (shutting the pool down waits for them), and its rows are accounted at the finish."""
    df = _frame(2 * PARALLEL_MIN_ROWS)
    alone, threaded = TableProfiler(), TableProfiler()
    for _ in range(3):
        alone.update(df)
    with column_pool(2) as pool:
        for _ in range(3):
            threaded.update(df, pool)
    expected = alone.finish()
    got = threaded.finish()
    assert got.rows == expected.rows == 3 * len(df)
    assert got.duplicate_rows == expected.duplicate_rows
    assert_same(got.to_dict(), expected.to_dict())

"""The table profiler: feed chunks, merge partial profilers, serialise them, finish into a TableProfile.

Rows are identified by a 64-bit hash of their values (see hashing.py; a null and a missing column hash alike).
Duplicate rows = rows - distinct row hashes: exact while at most `exact_duplicate_limit` distinct hashes are seen
(row_hashes.py), beyond a HyperLogLog sketch of the hashes (hll.py, DataSketches; marked approximate).

The correlation sample is a bottom-k sample of rows by a seeded hash of their content (row_sample.py).
"""

from __future__ import annotations

import time
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from . import codec
from .alerts import column_alerts, table_alerts
from .column import ColumnAccumulator
from .column_slices import ColumnSlice
from .config import ProfileConfig
from .correlations import compute as compute_correlations
from .hashing import MISSING_HASH, combine
from .lanes import Lanes
from .model import TableProfile
from .options import Chunk
from .parse_report import ParseReport
from .quality import quality_score
from .row_hashes import DistinctRowHashes
from .row_sample import RowSample

# A chunk's columns are profiled at once in the caller's thread pool from this many rows on. Most of a column's
# work on a long chunk is in compiled kernels, Arrow and numpy, which release the GIL, so two columns' work
# overlaps; on short chunks (a wide table's) the fixed round of Python calls per column dominates and the threads
# queue for the GIL. Measured with two CPUs and read-ahead (2026-12-06): 7 columns, 85,000 rows a chunk, 1.25x;
# 40 columns, 18,000 rows, 1.12-1.25x; 400 columns, 2,000 rows, 0.85-0.92x.
PARALLEL_MIN_ROWS = 10_000
_LATE_SALT = 0xD6E8FEB86659FD93


def column_threads(cpus: float) -> int:
    """The column threads for a process that may use `cpus` CPUs: one each, at most 4 (the GIL caps the gain;
    with two CPUs, three threads were slower than two: 0.85-1.0x)."""
    return min(4, max(1, int(cpus)))


def column_pool(threads: int) -> AbstractContextManager[Executor | None]:
    """Threads for `TableProfiler.update` (None for one: the caller's), shut down when the `with` ends."""
    return ThreadPoolExecutor(threads, thread_name_prefix="profile-column") if threads > 1 else nullcontext()


def _to_arrow(series: pd.Series) -> pa.Array:
    values = series.array
    if hasattr(values, "__arrow_array__"):
        return _text(values.__arrow_array__())
    return _text(pa.array(series.astype(object), from_pandas=True))


def _text(array: pa.Array | pa.ChunkedArray) -> pa.Array:
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        array = array.cast(pa.string())
    return array


def _done(result: np.ndarray) -> Future[np.ndarray]:
    future: Future[np.ndarray] = Future()
    future.set_result(result)
    return future


def _columns(chunk: pd.DataFrame | pa.RecordBatch | pa.Table) -> tuple[list[str], list[pa.Array]]:
    """A chunk's column names and its columns as Arrow text."""
    if isinstance(chunk, pd.DataFrame):
        return [str(n) for n in chunk.columns], [_to_arrow(series) for _, series in chunk.items()]
    return list(chunk.schema.names), [_text(column) for column in chunk.columns]


class TableProfiler:
    """Streaming, mergeable table profile. `update` each chunk (a DataFrame of string columns, or an Arrow table
    or batch of text columns), then `finish`."""

    def __init__(self, config: ProfileConfig | None = None) -> None:
        self.config = config or ProfileConfig()
        self.columns: list[ColumnAccumulator] | None = None
        self.rows = 0
        self.distinct_rows = DistinctRowHashes(self.config.exact_duplicate_limit, self.config.hll_lg_k)
        self.sample = RowSample(self.config.correlation_sample_size, self.config.sample_seed, [])
        # A chunk's rows (duplicate set, correlation sample) accounted in the pool while the next chunk's columns
        # are: done before anything reads them (`_settled`).
        self._rows_pending: list[Future[None]] = []
        # The last long chunk, while its columns may still run on their lanes: (their futures, its columns).
        self._chunk_pending: tuple[list[Future[np.ndarray]], list[pa.Array]] | None = None
        self._lanes = Lanes(0)
        self._column_seconds: list[float] = []  # each column's CPU time on its last chunk (`_enqueue_columns`)
        # The first column added after some rows (`_add_late_columns`), if any: from it on, a missing value leaves
        # the row hash as it is, so a row without the key is hashed as the rows read before the key appeared.
        self._late_from: int | None = None
        # The row hashes of the block being read in column passes (`_update_slice`), folded a group at a time, and
        # the last slice's first row and column hashes, folded in when the next slice comes.
        self._block: np.ndarray | None = None
        self._slice_pending: tuple[int, list[Future[np.ndarray]]] | None = None

    def _init_columns(self, names: list[str]) -> None:
        if self.columns is None:
            config = self.config.for_columns(len(names))
            self._set_columns([ColumnAccumulator(name, i, config) for i, name in enumerate(names)])
            self.sample = RowSample(
                config.correlation_sample_size, config.sample_seed, names, config.correlation_sample_columns
            )
            return
        known = [c.name for c in self.columns]
        if names[: len(known)] != known:
            raise ValueError(f"chunk columns {names} differ from {known}")
        if len(names) > len(known):
            self._add_late_columns(names[len(known) :])

    def _add_late_columns(self, names: list[str]) -> None:
        """Columns first seen after some rows (a JSON Lines key that first appears late): missing in the rows
        before. Their own budgets are shared out by the table's new width (the columns before keep theirs)."""
        assert self.columns is not None
        self._settled()
        config = self.config.for_columns(len(self.columns) + len(names))
        late = []
        for i, name in enumerate(names, start=len(self.columns)):
            column = ColumnAccumulator(name, i, config)
            column.count = column.nulls = self.rows
            late.append(column)
        if self._late_from is None:
            self._late_from = len(self.columns)
        self._set_columns(self.columns + late)
        self.sample.add_columns(names)

    def _set_columns(self, columns: list[ColumnAccumulator]) -> None:
        self.columns = columns
        self._column_seconds = [0.0] * len(columns)
        self._lanes = Lanes(len(columns))

    def update(self, chunk: Chunk, pool: Executor | None = None) -> None:
        """`pool`: threads to profile the columns of a long chunk at once (see PARALLEL_MIN_ROWS). Its columns may
        still be running when this returns, and its rows are accounted in the pool after them: the next call
        waits for the chunk before it only, and `merge`, `finish` and `to_bytes` wait for everything."""
        if isinstance(chunk, ColumnSlice):
            self._update_slice(chunk, pool)
            return
        names, arrays = _columns(chunk)
        self._init_columns(names)
        assert self.columns is not None
        n = len(chunk)
        if n == 0:
            return
        self.rows += n
        if not arrays:  # rows without columns (a DataFrame of an index only): no values, and no duplicates either
            self.distinct_rows.add(np.arange(self.rows - n, self.rows, dtype=np.uint64))
            return
        if pool is not None and n >= PARALLEL_MIN_ROWS and len(arrays) > 1:
            futures = self._enqueue_columns(pool, arrays)
            # The chunk before: its columns done (most are, while this chunk's start), its rows go on in the pool
            # beside this chunk's columns, off the caller's path (7 ms a chunk of 85,000 rows).
            before, self._chunk_pending = self._chunk_pending, (futures, arrays)
            if before is not None:
                row_hashes = self._row_hashes([future.result() for future in before[0]], len(before[1][0]))
                self._rows_settled()
                # The duplicate-row set and the sample apart, so that both threads can take them: the set's growth
                # (16 MiB of fresh pages on the second chunk) held one thread for 35-45 ms while the other waited.
                self._rows_pending = [
                    pool.submit(self.distinct_rows.add, row_hashes),
                    pool.submit(self.sample.offer, before[1], row_hashes),
                ]
        else:
            self._settled()
            self._add_rows([column.update(array) for column, array in zip(self.columns, arrays, strict=True)], arrays)

    def _update_slice(self, part: ColumnSlice, pool: Executor | None) -> None:
        """Some columns of some rows of a block read in column passes (column_slices.py): the columns are fed, the
        block's row hashes folded; once the block's last slice is in, its rows are accounted."""
        if part.start == 0 and part.row_start == 0:
            self._settled()
            self._init_columns(list(part.names))
            self._block = np.zeros(part.block_rows, np.uint64)
        assert self.columns is not None
        assert self._block is not None, "a block's column slices come in order"
        arrays = [_text(column) for column in part.batch.columns]
        if pool is not None and part.batch.num_rows >= PARALLEL_MIN_ROWS and len(arrays) > 1:
            # On the columns' lanes, as a chunk's: this slice's columns start while the slice before's last runs.
            futures = self._enqueue_columns(pool, arrays, part.start)
        else:
            futures = [_done(self.columns[part.start + j].update(array)) for j, array in enumerate(arrays)]
        self.rows += part.rows_added
        self._fold_slice()
        self._slice_pending = (part.row_start, futures)
        if part.ends_block:
            self._fold_slice()
            block, self._block = self._block, None
            self.distinct_rows.add(block)
            candidates = self.sample.candidates(block)
            if len(candidates):
                self.sample.offer(part.gather(candidates, len(self.sample.names)), block[candidates])

    def _fold_slice(self) -> None:
        """The slice before's column hashes folded into its rows' hashes, in column order (the row hash depends on
        it; a block's groups come in column order too)."""
        pending, self._slice_pending = self._slice_pending, None
        if pending is None or self._block is None:
            return
        row_start, futures = pending
        for future in futures:
            column_hashes = future.result()
            combine(self._block[row_start : row_start + len(column_hashes)], column_hashes)

    def _enqueue_columns(self, pool: Executor, arrays: list[pa.Array], start: int = 0) -> list[Future[np.ndarray]]:
        """Each column's update on its lane (`arrays`: the columns from `start` on), the costliest first (by CPU
        time on its last chunk) among those that start now: a long column started last kept one CPU busy while the
        other waited."""
        assert self.columns is not None
        columns, seconds = self.columns, self._column_seconds

        def update(i: int, array: pa.Array) -> np.ndarray:
            started = time.thread_time()
            hashes = columns[i].update(array)
            seconds[i] = time.thread_time() - started
            return hashes

        futures: dict[int, Future[np.ndarray]] = {}
        indexes = range(start, start + len(arrays))
        for i in sorted(indexes, key=lambda i: -seconds[i]):
            futures[i] = self._lanes.enqueue(pool, i, partial(update, i, arrays[i - start]))
        return [futures[i] for i in indexes]

    def _rows_settled(self) -> None:
        pending, self._rows_pending = self._rows_pending, []
        for future in pending:
            future.result()

    def _add_rows(self, column_hashes: list[np.ndarray], arrays: list[pa.Array]) -> None:
        """Account a chunk's rows, from its columns' value hashes: the duplicate-row set and the sample."""
        row_hashes = self._row_hashes(column_hashes, len(arrays[0]))
        self.distinct_rows.add(row_hashes)
        self.sample.offer(arrays, row_hashes)

    def _row_hashes(self, column_hashes: list[np.ndarray], rows: int) -> np.ndarray:
        row_hashes = np.zeros(rows, np.uint64)
        for i, hashes in enumerate(column_hashes):  # in column order: the row hash depends on it
            if self._late_from is not None and i >= self._late_from:
                # Present values salted by position: x under one late key is not x under another.
                salted = hashes + np.uint64((i + 1) * _LATE_SALT % 2**64)
                row_hashes = np.where(hashes == MISSING_HASH, row_hashes, combine(row_hashes.copy(), salted))
            else:
                row_hashes = combine(row_hashes, hashes)
        return row_hashes

    def _settled(self) -> TableProfiler:
        """The profiler, once every chunk given is accounted, columns and rows (their errors raised here). The last
        chunk's rows are accounted here, on the caller's thread: the pool may be shut down by now."""
        if self._block is not None:
            raise ValueError("a block read in column passes was left unfinished: its rows are not all in")
        chunk, self._chunk_pending = self._chunk_pending, None
        if chunk is not None:
            hashes = [future.result() for future in chunk[0]]
            self._rows_settled()
            self._add_rows(hashes, chunk[1])
        self._rows_settled()
        return self

    def merge(self, other: TableProfiler) -> None:
        """Fold in the profiler of another part of the same table (same columns)."""
        self._settled()
        other._settled()
        if other.columns is None:
            return
        if self.columns is None:  # nothing read yet: the table is read as the other part read it
            self.config = replace(self.config, decimal=other.config.decimal, day_first=other.config.day_first)
            self._init_columns([c.name for c in other.columns])
        assert self.columns is not None
        if [c.name for c in self.columns] != [c.name for c in other.columns]:
            raise ValueError("cannot merge profiles of tables with different columns")
        if self.config.decimal != other.config.decimal:
            raise ValueError("cannot merge profiles read with different decimal marks")
        if self.config.day_first != other.config.day_first:
            raise ValueError("cannot merge profiles read with different date orders")
        for mine, theirs in zip(self.columns, other.columns, strict=True):
            mine.merge(theirs)
        self.rows += other.rows
        self.distinct_rows.merge(other.distinct_rows)
        self.sample.merge(other.sample)

    @property
    def duplicates_approximate(self) -> bool:
        return self._settled().distinct_rows.approximate

    def duplicate_rows(self) -> int:
        return max(0, self.rows - self._settled().distinct_rows.count())

    def duplicate_rows_at_least(self) -> int:
        """Duplicate rows for certain: all of them when counted exactly, else what the sketch's upper bound on
        distinct rows leaves (at three standard deviations)."""
        return max(0, self.rows - self._settled().distinct_rows.count_bounds()[1])

    def finish(self, parse_report: ParseReport | None = None) -> TableProfile:
        self._settled()
        c = self.config
        columns = [col.finish() for col in self.columns or []]
        sample = self.sample.columns()
        correlations = compute_correlations(sample, columns, c)
        duplicates = self.duplicate_rows()
        # A table without rows gets one alert saying so, not one per column.
        alerts = [a for col in columns for a in column_alerts(col, c)] if self.rows else []
        at_least = self.duplicate_rows_at_least() if self.duplicates_approximate else None
        alerts += table_alerts(
            self.rows, duplicates, correlations, parse_report, c, duplicates_at_least=at_least, columns=len(columns)
        )
        cells = self.rows * len(columns)
        missing = sum(col.missing for col in columns)
        return TableProfile(
            rows=self.rows,
            columns=len(columns),
            missing_cells=missing,
            missing_cells_share=missing / cells if cells else 0.0,
            duplicate_rows=duplicates,
            duplicates_approximate=self.duplicates_approximate,
            column_profiles=tuple(columns),
            correlations=tuple(correlations),
            correlations_sampled=self.rows > len(self.sample),
            correlation_sample_size=len(self.sample),
            alerts=tuple(alerts),
            quality=quality_score(self.rows, columns, duplicates, parse_report, c),
            parse=parse_report.to_dict() if parse_report is not None else {},
        )

    def to_bytes(self) -> bytes:
        self._settled()
        state: dict[str, Any] = {
            "rows": self.rows,
            "decimal": self.config.decimal,
            "day_first": self.config.day_first,
            "columns": [col.to_state() for col in self.columns] if self.columns is not None else None,
            "row_hashes": self.distinct_rows.exact(),
            "row_hll": self.distinct_rows.hll.state if self.distinct_rows.hll is not None else None,
            "late_from": self._late_from,
            **self.sample.to_state(),
        }
        return codec.dumps(state)

    @classmethod
    def from_bytes(cls, blob: bytes, config: ProfileConfig | None = None) -> TableProfiler:
        state = codec.loads(blob)
        # The part was read with its file's decimal mark and date order; the merged profile reads its sample so.
        base = config or ProfileConfig()
        profiler = cls(replace(base, decimal=state.get("decimal", "."), day_first=state.get("day_first", False)))
        profiler.rows = state["rows"]
        profiler._late_from = state.get("late_from")
        if state["columns"] is not None:
            config = profiler.config.for_columns(len(state["columns"]))
            profiler._set_columns([ColumnAccumulator.from_state(s, config) for s in state["columns"]])
        c = profiler.config
        profiler.distinct_rows = DistinctRowHashes.from_state(
            c.exact_duplicate_limit, c.hll_lg_k, state["row_hashes"], state["row_hll"]
        )
        # Its sample's size follows from the table's width (a state without columns has an empty sample).
        sample_config = c.for_columns(len(state["columns"] or state["sample"]))
        profiler.sample = RowSample.from_state(
            state, sample_config.correlation_sample_size, c.sample_seed, c.correlation_sample_columns
        )
        return profiler


def profile_dataframe(
    df: pd.DataFrame, config: ProfileConfig | None = None, parse_report: ParseReport | None = None
) -> TableProfile:
    """Profile a whole DataFrame in one go (any dtypes: values are profiled as their text)."""
    text = df.astype("string") if not all(isinstance(t, pd.StringDtype) for t in df.dtypes) else df
    profiler = TableProfiler(config)
    profiler.update(text)
    return profiler.finish(parse_report)

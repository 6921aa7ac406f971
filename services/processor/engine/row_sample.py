"""The correlation sample: the `size` rows whose seeded hash (splitmix64 of row hash xor seed) is smallest.

Deterministic, independent of chunking and part order, and exactly mergeable (the bottom-k of a union is the
bottom-k of the parts' bottom-ks). Identical rows share a priority; which copy is kept does not matter. While
the table has no more rows than `size`, the sample is the whole table. Once the sample is full, only rows whose
priority is below its largest can enter it, so later chunks add few rows.

Rows are kept as Arrow text; new rows wait beside the sample and are sorted in when they reach a quarter of
it, so a chunk costs a gather of its entering rows, not a copy of the whole sample (which, re-sorted every chunk
as pandas frames, took 0.7 s of a 60-column file's 6 s). Waiting for as many rows as the sample holds saved
little and raised a 400-column file's peak by 25 MiB (420 -> 446 MiB).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from .codec import text_array
from .hashing import splitmix64


class RowSample:
    def __init__(self, size: int, seed: int, names: list[str]) -> None:
        self.size, self.seed, self.names = size, seed, names
        self._table = _empty(names)
        self._priority = np.zeros(0, np.uint64)  # of the table's rows, ascending
        self._waiting: list[tuple[pa.Table, np.ndarray]] = []
        self._waiting_rows = 0

    def offer(self, columns: list[pa.Array], row_hashes: np.ndarray) -> None:
        """A chunk's columns (text) and row hashes: the rows that may belong to the sample join it."""
        priority = splitmix64(row_hashes ^ np.uint64(self.seed))
        keep = np.arange(len(row_hashes))
        if len(self._priority) >= self.size:  # full: only rows below its largest priority can enter
            keep = np.flatnonzero(priority < self._priority[-1])
        if len(keep) > self.size:
            keep = keep[np.argpartition(priority[keep], self.size - 1)[: self.size]]
        if len(keep):
            # One Arrow call each for the take and the cast of every column: a 400-column table's per-column calls
            # cost 0.3 s of its 6.
            table = pa.Table.from_arrays(columns, names=self.names).take(pa.array(keep))
            self._add(table.cast(_schema(self.names)), priority[keep])

    def merge(self, other: RowSample) -> None:
        table, priority = other.state()
        if len(table):
            self._add(table, priority)

    def state(self) -> tuple[pa.Table, np.ndarray]:
        """The sample's rows and their priorities, ascending."""
        if self._waiting:
            tables = [self._table, *(t for t, _ in self._waiting)]
            priority = np.concatenate([self._priority, *(p for _, p in self._waiting)])
            order = np.argsort(priority, kind="stable")[: self.size]
            self._table = pa.concat_tables(tables).take(pa.array(order))
            self._priority = priority[order]
            self._waiting, self._waiting_rows = [], 0
        return self._table, self._priority

    def frame(self) -> pd.DataFrame:
        """The sample as a DataFrame of string columns (missing cells as NA)."""
        table, _ = self.state()
        return table.to_pandas(types_mapper={pa.large_string(): pd.StringDtype()}.get)

    def __len__(self) -> int:
        return len(self.state()[0])

    def _add(self, table: pa.Table, priority: np.ndarray) -> None:
        self._waiting.append((table, priority))
        self._waiting_rows += len(table)
        if self._waiting_rows >= max(self.size // 4, 1) or len(self._priority) < self.size:
            self.state()

    def to_state(self) -> dict[str, object]:
        table, priority = self.state()
        return {"sample": {name: table[name].combine_chunks() for name in self.names}, "sample_priority": priority}

    @classmethod
    def from_state(cls, state: dict[str, object], size: int, seed: int) -> RowSample:
        columns = state["sample"]
        assert isinstance(columns, dict)
        sample = cls(size, seed, list(columns))
        arrays = [text_array(v) for v in columns.values()]
        priority = np.asarray(state["sample_priority"], dtype=np.uint64)
        if len(priority):
            sample._add(pa.Table.from_arrays(arrays, names=sample.names), priority)
        return sample


def _schema(names: list[str]) -> pa.Schema:
    return pa.schema([(name, pa.large_string()) for name in names])


def _empty(names: list[str]) -> pa.Table:
    return _schema(names).empty_table()

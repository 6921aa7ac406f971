"""The correlation sample: the `size` rows whose seeded hash (splitmix64 of row hash xor seed) is smallest.

Deterministic, independent of chunking and part order, and exactly mergeable (the bottom-k of a union is the
bottom-k of the parts' bottom-ks). Identical rows share a priority; which copy is kept does not matter. While
the table has no more rows than `size`, the sample is the whole table. Once the sample is full, only rows whose
priority is below its largest can enter it, so later chunks add few rows.

Rows are kept as Arrow text, in pieces: each chunk's entering rows are taken once, sorted by priority, and as
the bound (the `size`-th smallest priority) falls each piece keeps a prefix, a slice that copies nothing. The
pieces are joined and sorted when the sample is read (`state`), or when the rows their buffers hold pass the
sample by a spare (another sample, at most 500,000 cells, at least a quarter of the sample). Re-sorting the
whole sample every chunk as pandas frames took 0.7 s of a 60-column file's 6 s; re-taking it whenever a quarter
of it had waited took 30 ms of the 100 MiB bench file's 1.1 CPU s.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np
import pyarrow as pa

from .codec import text_array
from .hashing import splitmix64, take_strings, text_bytes

SPARE_CELLS = 500_000
STRING_BYTES = 2**31 - 1  # the most text a string (not large_string) array's 32-bit offsets can hold


class RowSample:
    def __init__(self, size: int, seed: int, names: list[str], max_columns: int | None = None) -> None:
        """`names`: the table's columns; the first `max_columns` of them (all: None) are sampled."""
        self.size, self.seed, self.max_columns = size, seed, max_columns
        self.names = names[:max_columns]
        # (rows, their priorities ascending, the rows its buffers hold): the live rows, in order of arrival.
        self._pieces: list[tuple[pa.Table, np.ndarray, int]] = []
        self._rows = 0
        self._bound: np.uint64 | None = None  # once full: the largest priority kept; only rows below it enter
        # Rows the pieces' buffers may hold beyond the sample (dropped rows still in a kept slice's buffer): up to
        # another sample, a quarter of one where that is past SPARE_CELLS cells (a 400-column table's sample is
        # 2,000,000 cells, and twice that raised its peak by 25 MiB).
        self._spare = max(size // 4, min(size, SPARE_CELLS // max(1, len(names))))

    def offer(self, columns: list[pa.Array], row_hashes: np.ndarray) -> None:
        """A chunk's columns (text) and row hashes: the rows that may belong to the sample join it."""
        columns = columns[: len(self.names)]
        priority = splitmix64(row_hashes, self.seed)
        keep = self._candidates(priority)
        if len(keep):
            keep = keep[_ascending(priority[keep])]
            self._add(_taken(columns, self.names, keep), priority[keep])

    def candidates(self, row_hashes: np.ndarray) -> np.ndarray:
        """The rows (ascending) of those with these hashes that `offer` may take: a block read in column passes
        reads only these rows' sampled columns again (column_slices.py)."""
        return self._candidates(splitmix64(row_hashes, self.seed))

    def _candidates(self, priority: np.ndarray) -> np.ndarray:
        keep = np.arange(len(priority)) if self._bound is None else np.flatnonzero(priority < self._bound)
        if len(keep) > self.size:
            keep = keep[np.argpartition(priority[keep], self.size - 1)[: self.size]]
            keep.sort()  # in arrival order again, so that equal priorities keep it
        return keep

    def add_columns(self, names: list[str]) -> None:
        """Columns first seen after some rows (a JSON Lines key): missing in the rows sampled before."""
        room = None if self.max_columns is None else max(0, self.max_columns - len(self.names))
        names = names[:room]
        if not names:
            return
        self.names = self.names + names
        self._pieces = [(_with_missing(table, names), priority, held) for table, priority, held in self._pieces]

    def merge(self, other: RowSample) -> None:
        table, priority = other.state()
        if table.num_columns > len(self.names):  # a part's state from a version that sampled every column
            table = table.select(list(range(len(self.names))))
        if len(table):
            self._add(table, priority)

    def state(self) -> tuple[pa.Table, np.ndarray]:
        """The sample's rows and their priorities, ascending (equal ones in order of arrival)."""
        if len(self._pieces) > 1:
            priority = np.concatenate([p for _, p, _ in self._pieces])
            order = _ascending(priority)[: self.size]
            # Column by column: all at once (joined, taken, cast: copies of the whole sample) raised a 4,000-column
            # table's peak by 100 MiB for its 33 MiB sample.
            columns = [self._column(i, order) for i in range(len(self.names))]
            table = pa.Table.from_arrays(columns, schema=_schema(self.names))
            self._pieces = [(table, priority[order], len(order))]
            self._rows = len(order)
        if not self._pieces:
            return _empty(self.names), np.zeros(0, np.uint64)
        table, priority, _ = self._pieces[0]
        schema = _schema(self.names)
        if not table.schema.equals(schema):
            table = table.cast(schema)
            self._pieces[0] = (table, priority, self._pieces[0][2])
        return table, priority

    def columns(self) -> Mapping[str, pa.Array]:
        """The sample's text by column name (large_string; nulls where a value is missing), each column gathered
        when it is read: the correlations read at most 100 of them. All 1,000 of a wide table's sample gathered at
        once (joined, taken, cast, each a copy) cost its finish 105 MiB for 33 MiB of text. A DataFrame of them
        cost the 100 MiB bench file's finish 6 ms, and the correlations converted its columns back to Arrow."""
        order = None
        if len(self._pieces) > 1:
            order = _ascending(np.concatenate([p for _, p, _ in self._pieces]))[: self.size]
        return _Columns(self, order)

    def _column(self, index: int, order: np.ndarray | None) -> pa.Array:
        """Column `index` of the sample's rows (large_string) in priority `order` (None: as its one piece holds
        them). Its pieces joined, then gathered as a chunk's rows are (Arrow's take of the pieces cost the 100 MiB
        bench file's three re-joins 20-30 ms in a fresh process, 6-8 ms warm)."""
        pieces = [chunk for table, _, _ in self._pieces for chunk in table.column(index).chunks]
        if not pieces:
            return pa.array([], pa.large_string())
        column = _joined(pieces)
        if order is not None:
            column = _taken([column], ["_"], order).column(0).chunk(0)
        return column.cast(pa.large_string())

    def __len__(self) -> int:
        return min(self._rows, self.size)

    def _add(self, table: pa.Table, priority: np.ndarray) -> None:
        """Rows sorted by priority join; past `size` rows, every piece keeps those at or below the new bound."""
        self._pieces.append((table, priority, len(table)))
        self._rows += len(table)
        if self._rows >= self.size:
            self._cut()
        if sum(held for _, _, held in self._pieces) > self.size + self._spare:
            self.state()  # the slices' buffers hold too many dropped rows: one copy of the live ones

    def _cut(self) -> None:
        everything = np.concatenate([p for _, p, _ in self._pieces])
        bound = np.partition(everything, self.size - 1)[self.size - 1]
        room = self.size - int(np.count_nonzero(everything < bound))  # of the rows at the bound (copies of one row)
        pieces = []
        for table, priority, held in self._pieces:
            stop = int(np.searchsorted(priority, bound, side="left"))
            ties = min(int(np.searchsorted(priority, bound, side="right")) - stop, room)
            room -= ties
            if stop + ties:
                pieces.append((table.slice(0, stop + ties), priority[: stop + ties], held))
        self._pieces, self._rows, self._bound = pieces, self.size, bound

    def to_state(self) -> dict[str, object]:
        table, priority = self.state()
        return {"sample": {name: table[name].combine_chunks() for name in self.names}, "sample_priority": priority}

    @classmethod
    def from_state(cls, state: dict[str, object], size: int, seed: int, max_columns: int | None = None) -> RowSample:
        columns = state["sample"]
        assert isinstance(columns, dict)
        sample = cls(size, seed, list(columns), max_columns)
        arrays = [text_array(v) for v in list(columns.values())[: len(sample.names)]]
        priority = np.asarray(state["sample_priority"], dtype=np.uint64)
        if len(priority):
            sample._add(pa.Table.from_arrays(arrays, names=sample.names), priority)
        return sample


class _Columns(Mapping[str, pa.Array]):
    """A sample's columns by name, each gathered when it is read."""

    def __init__(self, sample: RowSample, order: np.ndarray | None) -> None:
        self._sample, self._order = sample, order
        self._index = {name: i for i, name in enumerate(sample.names)}

    def __getitem__(self, name: str) -> pa.Array:
        return self._sample._column(self._index[name], self._order)

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)


def _ascending(priority: np.ndarray) -> np.ndarray:
    """The order that sorts `priority` ascending, equal ones in the order given (copies of one row: which copy is
    kept does not matter, but the sample is the same whatever the chunking). numpy's quicksort (AVX-512 where the
    CPU has it), unless two are equal: the stable sort (timsort) cost 5x as much, ~4 ms a 20,000-row chunk."""
    order = np.argsort(priority)
    ranked = priority[order]
    if len(ranked) > 1 and bool((ranked[1:] == ranked[:-1]).any()):
        return np.argsort(priority, kind="stable")
    return order


def _taken(columns: list[pa.Array], names: list[str], rows: np.ndarray) -> pa.Table:
    """The rows of a chunk's columns, in the chunk's text types (cast once, when the pieces are joined: `state`).
    Null-free columns (every CSV column) by the compiled gather: Arrow's take cost the 100 MiB bench file 28-30 ms
    for its 81,000 sampled rows, the gather 14-18. Columns with nulls by one Arrow call for all of them: per-column
    Arrow calls cost a 400-column table 0.3 s of its 6."""
    with_nulls = [i for i, column in enumerate(columns) if column.null_count]
    taken = [column if column.null_count else take_strings(column, rows) for column in columns]
    if with_nulls:
        others = pa.Table.from_arrays([columns[i] for i in with_nulls], names=[str(i) for i in with_nulls])
        for i, column in zip(with_nulls, others.take(pa.array(rows)).columns, strict=True):
            taken[i] = column.combine_chunks()
    return pa.Table.from_arrays(taken, names=names)


def _schema(names: list[str]) -> pa.Schema:
    return pa.schema([(name, pa.large_string()) for name in names])


def _joined(pieces: list[pa.Array]) -> pa.Array:
    """A column's pieces as one array: as they are while they share a type and their text would not pass the 2 GiB
    a string array's 32-bit offsets hold, else each as large_string first (casting every piece as it came cost a
    400-column table a copy of every sampled row's offsets, ~0.2 s of its 9)."""
    if len({piece.type for piece in pieces}) == 1 and (
        pa.types.is_large_string(pieces[0].type) or sum(text_bytes(piece) for piece in pieces) <= STRING_BYTES
    ):
        return pa.concat_arrays(pieces)
    return pa.concat_arrays([piece.cast(pa.large_string()) for piece in pieces])


def _empty(names: list[str]) -> pa.Table:
    return _schema(names).empty_table()


def _with_missing(table: pa.Table, names: list[str]) -> pa.Table:
    for name in names:
        table = table.append_column(pa.field(name, pa.large_string()), pa.nulls(len(table), pa.large_string()))
    return table

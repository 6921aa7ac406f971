"""A table read in column passes: each block of rows handed over as slices of its columns, a few at a time.

A Parquet reader holds a page of every column it reads (a column chunk's dictionary and a decompressed data page,
~2.5 times their size), whatever the batch: the rows of a 1,000-column table written with pyarrow's defaults (one
row group of 60,000 rows, pages of up to 1 MiB) cost 1.1 GiB of Arrow's memory before the first row was handed on,
and the engine peaked at 1.8 GiB. So a wide Parquet file is read row group by row group, and each row group in
groups of columns whose pages fit a budget (`column_groups`): the reader holds one group's pages at a time (that
file: 275 MiB, 27 -> 10 s, its slices' columns longer).

The profile is the one-pass profile: each column sees its rows in file order; a row's hash folds its columns'
value hashes in column order, so the block's row hashes are whole once its last group is read, and only then are
the block's rows counted for duplicates and offered to the correlation sample (`ColumnSlice.gather` reads the
sampled columns of the rows that may enter it, once more: a tall file's passes cost it ~25%, one decode more of
its first 1,000 columns; structured.py's SharedParquet keeps the file open for it).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

# Gathers the sample's columns (the first `columns`) of the block's rows `rows` (ascending): text arrays.
Gather = Callable[[np.ndarray, int], list[pa.Array]]


@dataclass(frozen=True, eq=False)
class ColumnSlice:
    """Columns [start, start + batch's width) of the block's rows [row_start, row_start + batch's rows)."""

    names: Sequence[str]  # the table's columns (as profiled), all of them
    start: int
    batch: pa.RecordBatch  # text columns
    block_rows: int  # the rows of the block (a Parquet row group)
    row_start: int
    last_group: bool  # the block's last group of columns: its row hashes are whole once its last batch is in
    gather: Gather

    @property
    def columns(self) -> list[str]:
        return list(self.batch.schema.names)

    @property
    def rows_added(self) -> int:
        """The table's rows this slice is the first to bring: its rows, in the block's first group."""
        return self.batch.num_rows if self.start == 0 else 0

    def __len__(self) -> int:
        """The rows it adds to the table (`rows_added`), as a chunk's length counts them."""
        return self.rows_added

    @property
    def ends_block(self) -> bool:
        return self.last_group and self.row_start + self.batch.num_rows == self.block_rows


def column_groups(costs: Sequence[int], budget: int) -> list[range]:
    """Consecutive columns in groups whose costs add up to at most `budget` (a column costing more alone)."""
    groups: list[range] = []
    start, total = 0, 0
    for i, cost in enumerate(costs):
        if i > start and total + cost > budget:
            groups.append(range(start, i))
            start, total = i, 0
        total += cost
    if len(costs) > start:
        groups.append(range(start, len(costs)))
    return groups

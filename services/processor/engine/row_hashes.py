"""Distinct 64-bit row hashes, for counting duplicate rows: exact up to a limit, a HyperLogLog sketch beyond.

Exact mode keeps the distinct hashes seen so far as one sorted array plus the sorted runs added since, and
folds the runs in only when their total could push the set past the limit. Folding every chunk in at once
re-sorted the whole set per chunk: on a table that outgrows the limit (the usual case for a large file) that
was ~20 merges of up to `limit` hashes where one suffices, paid again by every part of a split file. The bound
on memory is the same either way: the kept array and the runs together never exceed `limit` plus one chunk.
"""

from __future__ import annotations

import numpy as np

from .hll import HyperLogLog


def sorted_distinct(hashes: np.ndarray, *, runs: int = 0) -> np.ndarray:
    """The distinct values, sorted. `runs`: how many sorted runs `hashes` is made of (0: unsorted).

    Sort-based: numpy's hash-based unique is several times slower on uint64. Unsorted input goes to numpy's
    default sort (SIMD quicksort where the CPU has it: 0.8 ms for a chunk's 110,000 hashes on an Intel Xeon,
    against 9 ms for the stable sort; 5.0 against 5.6 ms on an AMD EPYC); sorted runs to the stable sort, a
    timsort that merges them (2 million hashes in 2 runs 10 ms, in 22 runs 31 ms, against 128 and 108 ms for
    the default sort on the AMD EPYC; 6 against 25 ms for 2 runs on the Intel Xeon).
    """
    ordered = np.sort(hashes, kind="stable" if runs >= 2 else None)
    if len(ordered) < 2:
        return ordered
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


class DistinctRowHashes:
    def __init__(self, limit: int, lg_k: int) -> None:
        self.limit, self.lg_k = limit, lg_k
        self._kept = np.zeros(0, np.uint64)  # sorted, distinct
        self._runs: list[np.ndarray] = []  # each sorted and distinct, possibly overlapping `_kept` and each other
        self._pending = 0
        self.hll: HyperLogLog | None = None

    @classmethod
    def from_state(cls, limit: int, lg_k: int, exact: np.ndarray | None, hll: bytes | None) -> DistinctRowHashes:
        rows = cls(limit, lg_k)
        if exact is not None:
            rows._kept = exact
        else:
            assert hll is not None
            rows.hll = HyperLogLog(lg_k, hll)
        return rows

    @property
    def approximate(self) -> bool:
        return self.hll is not None

    def add_chunk(self, hashes: np.ndarray) -> None:
        """Offer one chunk's row hashes, in any order and repeated: sorted only for the exact set (a sketch takes
        them as they are, so a large file, past the limit, no longer sorts every chunk's hashes)."""
        self.add(hashes if self.hll is not None else sorted_distinct(hashes))

    def add(self, distinct: np.ndarray) -> None:
        """Offer sorted, distinct hashes (one chunk's, or another set's)."""
        if self.hll is not None:
            self.hll.update(distinct)
            return
        self._runs.append(distinct)
        self._pending += len(distinct)
        if len(self._kept) + self._pending > self.limit:
            self._fold()
            if len(self._kept) > self.limit:
                kept, self._kept = self._kept, np.zeros(0, np.uint64)
                self.hll = HyperLogLog(self.lg_k)
                self.hll.update(kept)

    def _fold(self) -> None:
        if self._runs:
            self._kept = sorted_distinct(np.concatenate([self._kept, *self._runs]), runs=1 + len(self._runs))
            self._runs, self._pending = [], 0

    def exact(self) -> np.ndarray | None:
        """The sorted distinct hashes, or None in sketch mode."""
        if self.hll is not None:
            return None
        self._fold()
        return self._kept

    def merge(self, other: DistinctRowHashes) -> None:
        theirs = other.exact()
        if theirs is not None:
            self.add(theirs)
            return
        assert other.hll is not None
        if self.hll is None:
            mine = self.exact()
            assert mine is not None
            self.hll = HyperLogLog(self.lg_k)
            self.hll.update(mine)
            self._kept = np.zeros(0, np.uint64)
        self.hll.merge(other.hll)

    def count(self) -> int:
        """Distinct hashes: exact, or the sketch's estimate rounded."""
        exact = self.exact()
        if exact is not None:
            return len(exact)
        assert self.hll is not None
        return round(self.hll.estimate())

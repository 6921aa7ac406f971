"""Distinct 64-bit row hashes, for counting duplicate rows: exact up to a limit, a HyperLogLog sketch beyond.

Exact mode keeps the distinct hashes in a compiled open-addressing set (_kernels.set_insert), at most 70% full,
so a chunk's hashes go in in one pass, in any order and repeated. It replaced sorting each chunk's hashes and
merging the sorted runs: numpy's sort took 3-4 ms for a chunk's 86,000 hashes on an AMD EPYC, about a tenth of
the whole chunk's work on one column. The set grows sixteenfold as it fills and stops growing at the size that
holds `limit` + 1 hashes: past the limit the hashes go to the sketch, so it never takes more than
8 x (limit + 1) / 0.7 bytes, rounded up to a power of two (32 MiB for the default two million; 16 MiB for the
1.1 million rows of the 100 MiB bench file, which a half-full set held in 32). Growing fourfold, that file's set
went 1 -> 4 -> 16 MiB, and moving 367,000 hashes into the last took 12-30 ms; sixteenfold it moves 92,000.
"""

from __future__ import annotations

import math

import numpy as np

from . import _kernels
from .hll import HyperLogLog

_FIRST_SLOTS = 1 << 12


def _slots_for(hashes: int) -> int:
    """The slots that hold `hashes` at most 70% full (a power of two)."""
    return _power_of_two_at_least(-(-hashes * 10 // 7))


def _room(slots: int) -> int:
    return slots * 7 // 10


class DistinctRowHashes:
    def __init__(self, limit: int, lg_k: int) -> None:
        self.limit, self.lg_k = limit, lg_k
        self._slots = np.zeros(0, np.uint64)  # the set's nonzero hashes (0: an empty slot)
        self._stored = 0  # how many slots hold a hash
        self._zero = False  # the hash 0, which the slots cannot hold
        self._most_slots = _slots_for(limit + 1)
        self.hll: HyperLogLog | None = None

    @classmethod
    def from_state(cls, limit: int, lg_k: int, exact: np.ndarray | None, hll: bytes | None) -> DistinctRowHashes:
        rows = cls(limit, lg_k)
        if exact is not None:
            rows.add(exact)
        else:
            assert hll is not None
            rows.hll = HyperLogLog(lg_k, hll)
        return rows

    @property
    def approximate(self) -> bool:
        return self.hll is not None

    def add(self, hashes: np.ndarray) -> None:
        """Offer hashes in any order, repeated or not (a chunk's, or another set's)."""
        if self.hll is not None:
            self.hll.update(hashes)
            return
        hashes = np.ascontiguousarray(hashes, dtype=np.uint64)
        self._zero = self._zero or bool((hashes == 0).any())
        start = 0
        while start < len(hashes):
            if len(self._slots):
                room = _room(len(self._slots)) - self._stored
                start, added = _kernels.set_insert(self._slots, hashes, start, room)
                self._stored += added
                if start == len(hashes):
                    break
            if len(self._slots) >= self._most_slots:  # full at its largest: more than `limit` hashes
                break
            # Room for every hash left, so a chunk grows the set once.
            wanted = _slots_for(self._stored + len(hashes) - start)
            self._grow(max(16 * len(self._slots), _FIRST_SLOTS, wanted))
        if self.count() > self.limit:
            self._to_sketch(hashes[start:])

    def _grow(self, slots: int) -> None:
        kept = self._slots[self._slots != 0]
        self._slots = np.zeros(min(slots, self._most_slots), np.uint64)
        _, self._stored = _kernels.set_insert(self._slots, kept, 0, _room(len(self._slots)))

    def _to_sketch(self, rest: np.ndarray) -> None:
        kept = self.exact()
        assert kept is not None
        self._slots, self._stored, self._zero = np.zeros(0, np.uint64), 0, False
        self.hll = HyperLogLog(self.lg_k)
        self.hll.update(kept)
        if len(rest):
            self.hll.update(rest)

    def exact(self) -> np.ndarray | None:
        """The distinct hashes in no particular order, or None in sketch mode. Not sorted: sorting a million took
        50 ms, and nothing needs the order (processors of earlier versions, which kept the set sorted, sort what
        they merge and only count what they load)."""
        if self.hll is not None:
            return None
        kept = self._slots[self._slots != 0]
        return np.concatenate([np.zeros(1, np.uint64), kept]) if self._zero else kept

    def merge(self, other: DistinctRowHashes) -> None:
        theirs = other.exact()
        if theirs is not None:
            # Sorted first. Another set hands out its hashes in the order of their slots there, and a set of the
            # same size, partly full, given them in that order packs the first of them into one part of its table
            # until one cluster sweeps it (linear probing: each new hash walks to that cluster's end). The halves of
            # the 100 MiB bench file (550,000 rows each) were loaded, merged and finished in 2.1 s, 0.13 s sorted
            # (the sort ~5 ms): a hash's slot comes from splitmix64 of it, so the hashes' own order is unrelated.
            self.add(np.sort(theirs))
            return
        assert other.hll is not None
        if self.hll is None:
            self._to_sketch(np.zeros(0, np.uint64))
        assert self.hll is not None
        self.hll.merge(other.hll)

    def count(self) -> int:
        """Distinct hashes: exact, or the sketch's estimate rounded."""
        if self.hll is None:
            return self._stored + self._zero
        return round(self.hll.estimate())

    def count_bounds(self) -> tuple[int, int]:
        """Distinct hashes at least and at most: the count itself when exact, else the sketch's bounds at three
        standard deviations."""
        if self.hll is None:
            return self.count(), self.count()
        low, high = self.hll.bounds(3)
        return math.floor(low), math.ceil(high)


def _power_of_two_at_least(n: int) -> int:
    return 1 << max(n - 1, 1).bit_length()

"""Distinct values of a column and its most frequent ones.

Exact while the column has at most `exact_limit` distinct values (and they take at most `exact_bytes` bytes):
every value is kept with its count, which gives the exact distinct count and exact top values. Beyond, the
distinct count comes from a HyperLogLog sketch of the values' 64-bit hashes (hll.py: Apache DataSketches;
approximate, with bounds at three standard deviations), and top values from a frequent-items sketch. To bound
the per-chunk cost only each chunk's `4 * max_map_size` most frequent values feed that sketch: a count can then
be low by at most the sketch's own error plus the sum over chunks of the largest count left out (`top_error`,
reported). A chunk's values counted at most the largest count left out are left out too (free: the bound already
covers them), and so are those counted at most some c above it, for the c where epsilon times how many values are
counted above it and at most c, less what c adds to the largest count left out, is largest and not negative: the
bound then does not rise (feeding them would add at least that to the sketch's own error, epsilon times the weight
fed), and a value is left out only at a count that hundreds of the chunk's values share (1 / epsilon per count:
293 at the default map size), which the sketch could not track apart anyway. Those are most of a high-cardinality
column: values seen once, and twice (a random integer column's 86,000-value chunk repeats ~1,600 values twice,
each a Python call into the sketch, 1.4 ms of the column's 12 on one core).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from datasketches import frequent_items_error_type, frequent_strings_sketch

from . import _kernels
from .hashing import hash_strings, string_buffers, take_strings, text_bytes
from .hll import HyperLogLog


class DistinctAccumulator:
    def __init__(self, exact_limit: int, exact_bytes: int, lg_k: int, lg_map: int) -> None:
        self.exact_limit, self.exact_bytes, self.lg_k, self.lg_map = exact_limit, exact_bytes, lg_k, lg_map
        # Exact mode: the distinct values in order of first sight, their counts and 64-bit hashes (a chunk's values
        # are found among them by hash: pandas' get_indexer cost ~70 us a call even for the three values of a
        # categorical column's chunk).
        self.exact = True
        self.keys: pa.Array = pa.array([], pa.large_string())
        self.counts = np.zeros(0, np.int64)
        self.hashes = np.zeros(0, np.uint64)
        self.bytes = 0
        self.repeats = False  # sketch mode: a value was seen twice (see `repeated`)
        self.hll: HyperLogLog | None = None
        self.frequent: frequent_strings_sketch | None = None
        self.top_error = 0

    def update(self, values: pa.Array, counts: np.ndarray, hashes: np.ndarray) -> None:
        """`values`: distinct present values of a chunk, with their `counts` and `hashes`."""
        if len(values) == 0:
            return
        if self.exact and (len(values) > self.exact_limit or text_bytes(values) > self.exact_bytes):
            self._to_sketches()  # the chunk alone overflows: skip building an exact table it would outgrow
        if self.exact:
            self._add_exact(values, counts, hashes)
            return
        self._feed(values, counts, hashes)

    def _add_exact(self, values: pa.Array, counts: np.ndarray, hashes: np.ndarray) -> None:
        """Fold distinct values with their counts into the exact table: values found by hash in a compiled table
        (a stable argsort of the kept hashes and a binary search into them cost 14 ms for a chunk's 86,000 values on
        an AMD EPYC), then compared as text. An overflow is found before the text is joined: a high-cardinality
        column's second chunk joined 170,000 values (7-20 ms) only for them to be fed to the sketches."""
        found = np.zeros(len(hashes), dtype=bool)
        kept_counts = self.counts
        if len(self.keys):
            at = _kernels.key_positions(self.hashes, hashes)
            found = at >= 0
            if found.any():
                rows = at[found]
                # Text compared, so two texts with one hash are never counted as one. Two kept texts with one hash
                # (added in one chunk) cannot both match a chunk's value: the one not returned gives up here.
                if not _kernels.same_strings(
                    *string_buffers(values), np.flatnonzero(found), *string_buffers(self.keys), rows
                ):
                    self._give_up_exactness(values, counts, hashes)
                    return
                kept_counts = kept_counts.copy()  # states share the arrays
                kept_counts[rows] += counts[found]
        fresh = len(hashes) - int(np.count_nonzero(found))
        if fresh == 0:
            self.counts = kept_counts
            return
        new = None if fresh == len(hashes) else ~found
        added_bytes = text_bytes(values) if new is None else _text_bytes_at(values, new)
        if new is not None:
            values, counts, hashes = values.filter(pa.array(new)), counts[new], hashes[new]
        if len(self.keys) + fresh > self.exact_limit or self.bytes + added_bytes > self.exact_bytes:
            kept = (self.keys, kept_counts, self.hashes)
            self._to_sketches(feed=False)
            self._feed([kept[0], values], np.concatenate([kept[1], counts]), np.concatenate([kept[2], hashes]))
            return
        added = values.cast(pa.large_string())
        self.keys = pa.concat_arrays([self.keys, added]) if len(self.keys) else added
        self.counts = np.concatenate([kept_counts, counts])
        self.hashes = np.concatenate([self.hashes, hashes])
        self.bytes += added_bytes  # the text of the kept values

    def _give_up_exactness(self, values: pa.Array, counts: np.ndarray, hashes: np.ndarray) -> None:
        """Two different texts with one 64-bit hash (never seen: about 1 in 10**10 for 100,000 values) would make
        exact counting by hash wrong: go over to the sketches, which are approximate and say so."""
        self._to_sketches()
        self._feed(values, counts, hashes)

    def _to_sketches(self, *, feed: bool = True) -> None:
        """Leave exact mode; `feed`: the exact table goes into the new sketches (else the caller feeds it)."""
        keys, counts, hashes = self.keys, self.counts, self.hashes
        self.exact = False
        self.keys, self.counts, self.hashes = pa.array([], pa.large_string()), counts[:0], hashes[:0]
        self.hll = HyperLogLog(self.lg_k)
        self.frequent = frequent_strings_sketch(self.lg_map)
        if feed and len(keys):
            self._feed(keys, counts, hashes)

    def _feed(self, keys: pa.Array | list[pa.Array], counts: np.ndarray, hashes: np.ndarray) -> None:
        """`keys`: one array, or pieces that are one table in that order (`counts` and `hashes` of them all)."""
        assert self.hll is not None and self.frequent is not None
        self.repeats = self.repeats or bool(len(counts) and counts.max() > 1)
        self.hll.update(hashes)
        order, left_out = _to_feed(counts, 4 << self.lg_map, self.frequent.epsilon)
        self.top_error += left_out
        if len(order) == 0:  # the usual high-cardinality chunk, all seen once
            return
        add = self.frequent.update
        for key, count in zip(_texts_at(keys, order), counts[order].tolist(), strict=True):
            add(key, count)

    def merge(self, other: DistinctAccumulator) -> None:
        if other.exact:
            if len(other.keys):
                if self.exact:
                    self._add_exact(other.keys, other.counts, other.hashes)
                else:
                    self._feed(other.keys, other.counts, other.hashes)
            return
        if self.exact:
            self._to_sketches()
        assert self.hll is not None and self.frequent is not None
        assert other.hll is not None and other.frequent is not None
        self.hll.merge(other.hll)
        self.frequent.merge(other.frequent)
        self.top_error += other.top_error
        self.repeats = self.repeats or other.repeats

    def distinct(self) -> tuple[int, int, int]:
        """Distinct count with its lower and upper bound (all equal when exact)."""
        if self.exact:
            return len(self.keys), len(self.keys), len(self.keys)
        assert self.hll is not None
        low, high = self.hll.bounds(3)
        return round(self.hll.estimate()), math.floor(low), math.ceil(high)

    def top(self, k: int) -> list[tuple[str, int]]:
        """The k most frequent values, ties by value; once sketched, those that stand out above the error (the
        sketch's and the counts left out), with estimated counts (none when no value does)."""
        if self.exact:
            table = pa.table({"value": self.keys, "count": self.counts})
            order = pc.sort_indices(table, sort_keys=[("count", "descending"), ("value", "ascending")])
            top = table.take(order[:k])
            return list(zip(top["value"].to_pylist(), top["count"].to_pylist(), strict=True))
        assert self.frequent is not None
        # Only values certainly more frequent than the sketch's error: in a column of nearly unique values any
        # value's estimate is mostly error, and listing such values with their estimates would mislead.
        # A value's count is at least its lower bound and at most its upper bound plus the counts left out
        # (`top_error`): it stands out when its lower bound is above that whole error.
        rows = self.frequent.get_frequent_items(frequent_items_error_type.NO_FALSE_POSITIVES)
        sure = [(str(item), int(est)) for item, est, low, high in rows if low > high - low + self.top_error]
        ranked = sorted(sure, key=lambda r: (-r[1], r[0]))
        return ranked[:k]

    @property
    def repeated(self) -> bool:
        """Some value was seen twice: exact in exact mode; once sketched, repeats inside one chunk or part, or a
        value the frequent-items sketch counts at least twice for sure (a repeat far apart can go unseen)."""
        if self.exact:
            return bool(len(self.counts) and self.counts.max() > 1)
        assert self.frequent is not None
        sure = self.frequent.get_frequent_items(frequent_items_error_type.NO_FALSE_NEGATIVES, 1)
        return self.repeats or any(low >= 2 for _item, _est, low, _high in sure)

    @property
    def top_bound(self) -> int:
        """Largest possible error of a sketched top-value count."""
        if self.frequent is None:
            return 0
        # The sketch's a-priori bound: epsilon (for its map size) times the total weight it saw.
        return int(self.frequent.epsilon * self.frequent.total_weight) + self.top_error

    def value_counts(self) -> tuple[np.ndarray, np.ndarray] | None:
        """All distinct values and counts when exact (for entropy and uniformity), else None."""
        if not self.exact:
            return None
        return self.keys.to_numpy(zero_copy_only=False), self.counts

    def to_state(self) -> dict[str, Any]:
        return {
            "keys": self.keys if self.exact else None,
            "counts": self.counts if self.exact else None,
            "bytes": self.bytes,
            "hll": self.hll.state if self.hll is not None else None,
            "frequent": self.frequent.serialize() if self.frequent is not None else None,
            "top_error": self.top_error,
            "repeats": self.repeats,
        }

    @classmethod
    def from_state(
        cls, state: dict[str, Any], exact_limit: int, exact_bytes: int, lg_k: int, lg_map: int
    ) -> DistinctAccumulator:
        acc = cls(exact_limit, exact_bytes, lg_k, lg_map)
        if state["keys"] is not None:
            keys = state["keys"]  # an Arrow array; a numpy one from a version 1 state
            acc.keys = (keys if isinstance(keys, pa.Array) else pa.array(keys, pa.large_string())).cast(
                pa.large_string()
            )
            acc.counts = np.asarray(state["counts"], dtype=np.int64)
            acc.hashes = hash_strings(acc.keys)
        else:
            acc.exact = False
            acc.hll = HyperLogLog(lg_k, state["hll"])
            acc.frequent = frequent_strings_sketch.deserialize(state["frequent"])
        acc.bytes, acc.top_error, acc.repeats = state["bytes"], state["top_error"], state.get("repeats", False)
        return acc


def _to_feed(counts: np.ndarray, keep: int, epsilon: float) -> tuple[np.ndarray, int]:
    """Which of a chunk's values feed the frequent-items sketch (positions, in feeding order: by count, ties in
    given order) and the largest count left out (0: none): the `keep` most counted values, less those counted at
    most the count `_left_out` picks (module docstring)."""
    order, left_out = np.arange(len(counts)), 0
    if len(counts) > keep:
        repeated = np.flatnonzero(counts > 1)
        if len(repeated) <= keep:
            # The usual high-cardinality chunk: its repeated values all fit, so the largest count left out is 1.
            order, left_out = repeated[np.argsort(-counts[repeated], kind="stable")], 1
        else:
            order = _most_counted(counts, keep + 1)
            left_out = int(counts[order[keep]])
            order = order[:keep]
    fed = counts[order]
    cut = _left_out(fed, left_out, epsilon)
    if cut:
        order, left_out = order[fed > cut], cut
    return order, left_out


def _left_out(fed: np.ndarray, left_out: int, epsilon: float) -> int:
    """The count c up to which the values about to be fed are left out too: at least `left_out` (the largest count
    left out already: leaving out values counted at most it costs the bound nothing), and beyond it the c where
    epsilon times how many of them are counted above `left_out` and at most c, less c - `left_out`, is largest and
    not negative (ties: the smallest c)."""
    above = fed[fed > left_out]
    if len(above) == 0:
        return left_out
    top = int(above.max())
    if top <= 4 * len(above):  # the usual small counts: a histogram, O(len) (np.unique sorts them)
        sizes = np.bincount(above, minlength=top + 1)
        levels = np.flatnonzero(sizes)
        sizes = sizes[levels]
    else:
        levels, sizes = np.unique(above, return_counts=True)
    gain = epsilon * np.cumsum(sizes) - (levels - left_out)
    best = int(np.argmax(gain))
    return int(levels[best]) if gain[best] >= 0 else left_out


def _most_counted(counts: np.ndarray, n: int) -> np.ndarray:
    """The first `n` of `np.argsort(-counts, kind="stable")` (ties in given order), without sorting them all."""
    top = int(counts.max())
    if top > 4 * len(counts):  # rare: counts too spread for a histogram
        return np.argsort(-counts, kind="stable")[:n]
    # The n-th largest count from a histogram of the counts: O(len). np.partition degrades on the many ties
    # of real counts (mostly 1s and 2s) to twice a full stable sort.
    at_least = np.cumsum(np.bincount(counts, minlength=top + 1)[::-1])[::-1]  # [c]: how many counts >= c
    threshold = int(np.flatnonzero(at_least >= n)[-1])
    above = np.flatnonzero(counts > threshold)
    chosen = np.sort(np.concatenate([above, np.flatnonzero(counts == threshold)[: n - len(above)]]))
    return chosen[np.argsort(-counts[chosen], kind="stable")]


def _text_bytes_at(values: pa.Array, mask: np.ndarray) -> int:
    """The bytes of text of the values at `mask` (a null-free string/large_string array)."""
    offsets, _ = string_buffers(values)
    return int(np.diff(offsets)[mask].sum())


def _texts_at(keys: pa.Array | list[pa.Array], order: np.ndarray) -> list[str]:
    """The texts at positions `order` of `keys` (pieces taken as one array), as Python strings: only the values
    fed to the frequent-items sketch become Python objects."""
    pieces = keys if isinstance(keys, list) else [keys]
    if len(pieces) == 1:
        piece = pieces[0]
        return (piece if len(order) == len(piece) else take_strings(piece, order)).to_pylist()
    texts = np.empty(len(order), dtype=object)
    start = 0
    for piece in pieces:
        at = (order >= start) & (order < start + len(piece))
        if at.any():
            texts[at] = take_strings(piece, order[at] - start).to_pylist()
        start += len(piece)
    return texts.tolist()

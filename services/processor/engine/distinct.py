"""Distinct values of a column and its most frequent ones.

Exact while the column has at most `exact_limit` distinct values (and they take at most `exact_bytes` bytes):
every value is kept with its count, which gives the exact distinct count and exact top values. Beyond, the
distinct count comes from a HyperLogLog sketch of the values' 64-bit hashes (hll.py: Apache DataSketches;
approximate, with bounds at three standard deviations), and top values from a frequent-items sketch. To bound
the per-chunk cost only each chunk's `4 * max_map_size` most frequent values feed that sketch: a count can then
be low by at most the sketch's own error plus the sum over chunks of the largest count left out (`top_error`,
reported).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from datasketches import frequent_items_error_type, frequent_strings_sketch

from .hashing import hash_strings
from .hll import HyperLogLog


def _text_bytes(values: pa.Array) -> int:
    return int(pc.sum(pc.binary_length(values)).as_py() or 0)


class DistinctAccumulator:
    def __init__(self, exact_limit: int, exact_bytes: int, lg_k: int, lg_map: int) -> None:
        self.exact_limit, self.exact_bytes, self.lg_k, self.lg_map = exact_limit, exact_bytes, lg_k, lg_map
        self.counts: pd.Series | None = pd.Series([], dtype=np.int64, index=pd.Index([], dtype=object))
        self.bytes = 0
        self.hll: HyperLogLog | None = None
        self.frequent: frequent_strings_sketch | None = None
        self.top_error = 0

    @property
    def exact(self) -> bool:
        return self.counts is not None

    def update(self, values: pa.Array, counts: np.ndarray, hashes: np.ndarray) -> None:
        """`values`: distinct present values of a chunk, with their `counts` and `hashes`."""
        if len(values) == 0:
            return
        if self.counts is not None and (len(values) > self.exact_limit or _text_bytes(values) > self.exact_bytes):
            self._to_sketches()  # the chunk alone overflows: skip building an exact table it would outgrow
        if self.counts is not None:
            # `bytes` is the text of the kept values: count only values the table does not hold yet.
            known = pa.array(self.counts.index.to_numpy(), type=pa.string())
            self.bytes += _text_bytes(values.filter(pc.invert(pc.is_in(values, value_set=known))))
            chunk = pd.Series(counts, index=pd.Index(values.to_numpy(zero_copy_only=False), dtype=object))
            self.counts = self.counts.add(chunk, fill_value=0).astype(np.int64)
            if len(self.counts) > self.exact_limit or self.bytes > self.exact_bytes:
                self._to_sketches()
            return
        self._feed(values, counts, hashes)

    def _to_sketches(self) -> None:
        assert self.counts is not None
        keys = pa.array(self.counts.index.to_numpy(), type=pa.large_string())
        self.hll = HyperLogLog(self.lg_k)
        self.frequent = frequent_strings_sketch(self.lg_map)
        exact = self.counts.to_numpy()
        self.counts = None
        self._feed(keys, exact, hash_strings(keys))

    def _feed(self, keys: pa.Array, counts: np.ndarray, hashes: np.ndarray) -> None:
        assert self.hll is not None and self.frequent is not None
        self.hll.update(hashes)
        keep = 4 << self.lg_map
        if len(keys) > keep:
            # All once (a high-cardinality chunk): the stable order is the given one.
            order = np.arange(keep + 1) if counts.max() == 1 else np.argsort(-counts, kind="stable")
            self.top_error += int(counts[order[keep]])
            counts = counts[order[:keep]]
            keys = keys.take(pa.array(order[:keep]))  # only the fed keys become Python strings
        add = self.frequent.update
        for key, count in zip(keys.to_pylist(), counts.tolist(), strict=True):
            add(key, count)

    def merge(self, other: DistinctAccumulator) -> None:
        if self.counts is not None and other.counts is not None:
            self.bytes += sum(len(str(k).encode()) for k in other.counts.index.difference(self.counts.index))
            self.counts = self.counts.add(other.counts, fill_value=0).astype(np.int64)
            if len(self.counts) > self.exact_limit or self.bytes > self.exact_bytes:
                self._to_sketches()
            return
        if self.counts is not None:
            self._to_sketches()
        assert self.hll is not None and self.frequent is not None
        if other.counts is not None:
            keys = pa.array(other.counts.index.to_numpy(), type=pa.large_string())
            self._feed(keys, other.counts.to_numpy(), hash_strings(keys))
            return
        assert other.hll is not None and other.frequent is not None
        self.hll.merge(other.hll)
        self.frequent.merge(other.frequent)
        self.top_error += other.top_error

    def distinct(self) -> tuple[int, int, int]:
        """Distinct count with its lower and upper bound (all equal when exact)."""
        if self.counts is not None:
            return len(self.counts), len(self.counts), len(self.counts)
        assert self.hll is not None
        low, high = self.hll.bounds(3)
        return round(self.hll.estimate()), math.floor(low), math.ceil(high)

    def top(self, k: int) -> list[tuple[str, int]]:
        """The k most frequent values, ties by value; once sketched, those that stand out above the sketch's
        error, with estimated counts (none when no value does)."""
        if self.counts is not None:
            frame = pd.DataFrame({"value": self.counts.index, "count": self.counts.to_numpy()})
            frame = frame.sort_values(["count", "value"], ascending=[False, True], kind="stable").head(k)
            return [(str(v), int(c)) for v, c in zip(frame["value"], frame["count"], strict=True)]
        assert self.frequent is not None
        # Only values certainly more frequent than the sketch's error: in a column of nearly unique values any
        # value's estimate is mostly error, and listing such values with their estimates would mislead.
        rows = self.frequent.get_frequent_items(frequent_items_error_type.NO_FALSE_POSITIVES)
        ranked = sorted(((str(item), int(est)) for item, est, _low, _high in rows), key=lambda r: (-r[1], r[0]))
        return ranked[:k]

    @property
    def top_bound(self) -> int:
        """Largest possible error of a sketched top-value count."""
        if self.frequent is None:
            return 0
        # The sketch's a-priori bound: epsilon (for its map size) times the total weight it saw.
        return int(self.frequent.epsilon * self.frequent.total_weight) + self.top_error

    def value_counts(self) -> tuple[np.ndarray, np.ndarray] | None:
        """All distinct values and counts when exact (for entropy and uniformity), else None."""
        if self.counts is None:
            return None
        return self.counts.index.to_numpy(), self.counts.to_numpy()

    def to_state(self) -> dict[str, Any]:
        return {
            "keys": self.counts.index.to_numpy() if self.counts is not None else None,
            "counts": self.counts.to_numpy() if self.counts is not None else None,
            "bytes": self.bytes,
            "hll": self.hll.state if self.hll is not None else None,
            "frequent": self.frequent.serialize() if self.frequent is not None else None,
            "top_error": self.top_error,
        }

    @classmethod
    def from_state(
        cls, state: dict[str, Any], exact_limit: int, exact_bytes: int, lg_k: int, lg_map: int
    ) -> DistinctAccumulator:
        acc = cls(exact_limit, exact_bytes, lg_k, lg_map)
        if state["keys"] is not None:
            acc.counts = pd.Series(state["counts"], index=pd.Index(state["keys"], dtype=object), dtype=np.int64)
        else:
            acc.counts = None
            acc.hll = HyperLogLog(lg_k, state["hll"])
            acc.frequent = frequent_strings_sketch.deserialize(state["frequent"])
        acc.bytes, acc.top_error = state["bytes"], state["top_error"]
        return acc

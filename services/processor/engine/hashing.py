"""Vectorised, deterministic 64-bit hashes of Arrow strings and of table rows.

pandas' hash_array needs Python objects (about 1 s per million strings); this hashes the Arrow buffers with
numpy instead: a polynomial over the bytes modulo 2**64, mixed with the length and finalised with splitmix64.
The hash depends only on the text, so it is the same in every process and chunking.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

_P = np.uint64(0x100000001B3)
_BUDGET = 1 << 20  # bytes hashed per numpy pass, bounding the temporary arrays to a few MiB
_powers = np.ones(1, dtype=np.uint64)
MISSING_HASH = np.uint64(0x9E3779B97F4A7C15)


def _power_table(length: int) -> np.ndarray:
    global _powers
    if len(_powers) < length:
        table = np.full(max(length, 2 * len(_powers)), _P, dtype=np.uint64)
        table[0] = 1
        with np.errstate(over="ignore"):
            _powers = np.cumprod(table, dtype=np.uint64)
    return _powers


def splitmix64(x: np.ndarray) -> np.ndarray:
    with np.errstate(over="ignore"):
        z = x + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def hash_strings(array: pa.Array) -> np.ndarray:
    """uint64 hash of each string of a null-free string/large_string array."""
    n = len(array)
    out = np.zeros(n, dtype=np.uint64)
    if n == 0:
        return out
    buffers = array.buffers()
    offset_type = np.int64 if pa.types.is_large_string(array.type) else np.int32
    offsets = np.frombuffer(buffers[1], dtype=offset_type)[array.offset : array.offset + n + 1].astype(np.int64)
    data = np.frombuffer(buffers[2], dtype=np.uint8) if buffers[2] is not None else np.zeros(0, np.uint8)
    lengths = np.diff(offsets)
    start = 0
    while start < n:
        stop = int(np.searchsorted(offsets, offsets[start] + _BUDGET, side="right")) - 1
        stop = min(max(stop, start + 1), n)
        base = offsets[start]
        seg = data[base : offsets[stop]].astype(np.uint64)
        lens = lengths[start:stop]
        if len(seg):
            rel = offsets[start:stop] - base
            pos = np.arange(len(seg), dtype=np.int64) - np.repeat(rel, lens)
            with np.errstate(over="ignore"):
                prod = seg * _power_table(int(lens.max()))[pos]
            # reduceat over the non-empty strings only: their starts strictly increase and lie inside `seg`.
            filled = lens > 0
            sums = np.zeros(len(lens), dtype=np.uint64)
            sums[filled] = np.add.reduceat(prod, rel[filled])
            out[start:stop] = sums
        start = stop
    with np.errstate(over="ignore"):
        return splitmix64(out ^ (lengths.astype(np.uint64) * np.uint64(0xFF51AFD7ED558CCD)))


def combine(row_hashes: np.ndarray, column_hashes: np.ndarray) -> np.ndarray:
    """Fold one column's per-row hashes into the running row hashes (order-sensitive)."""
    with np.errstate(over="ignore"):
        return splitmix64(row_hashes * np.uint64(31) + column_hashes)

"""Vectorised, deterministic 64-bit hashes of Arrow strings and of table rows.

pandas' hash_array needs Python objects (about 1 s per million strings); this hashes the Arrow buffers in
compiled loops (_kernels.pyx), eight bytes at a time: each string's bytes are read as little-endian 64-bit words
(the last one zero-padded), each word is mixed with its position by splitmix64, the mixed words are summed
modulo 2**64 and the sum is finalised with the byte length. The hash depends only on the text, so it is the
same in every process, chunking and version (part states of one job may come from processors of two versions
during a rollout: tests/engine/test_hashing.py holds the definition in plain Python and checks the kernels
against it).
"""

from __future__ import annotations

import sys

import numpy as np
import pyarrow as pa

from . import _kernels  # compiled from _kernels.pyx by `make install` (pip)

if sys.byteorder != "little":  # the kernels read each string's words in the machine's order
    raise ImportError("the profiling engine's value hash needs a little-endian machine")

MISSING_HASH = np.uint64(0x9E3779B97F4A7C15)


def splitmix64(x: np.ndarray, seed: int = 0) -> np.ndarray:
    """splitmix64(value ^ seed) of each uint64 value, in a compiled loop (numpy's six passes cost the row sample
    ~0.3 ms a chunk of 85,000 rows)."""
    return _kernels.mixed(np.ascontiguousarray(x, dtype=np.uint64), seed)


def string_buffers(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(the n + 1 offsets as stored, int32 or int64; the data buffer) of a string/large_string array, no copies."""
    offset_type = np.int64 if pa.types.is_large_string(array.type) else np.int32
    buffers = array.buffers()
    offsets = np.frombuffer(buffers[1], dtype=offset_type)[array.offset : array.offset + len(array) + 1]
    data = np.frombuffer(buffers[2], dtype=np.uint8) if buffers[2] is not None else np.zeros(0, np.uint8)
    return offsets, data


def text_bytes(array: pa.Array) -> int:
    """The bytes of text of a string/large_string array (a slice's own), from its offsets (a wide table's chunks
    call this per column: Arrow's sum of lengths cost ~14 us a call)."""
    if len(array) == 0:
        return 0
    offsets, _ = string_buffers(array)
    return int(offsets[-1]) - int(offsets[0])


def hash_strings(array: pa.Array) -> np.ndarray:
    """uint64 hash of each string of a null-free string/large_string array."""
    if len(array) == 0:
        return np.zeros(0, dtype=np.uint64)
    return _kernels.hash_strings(*string_buffers(array))


def group_strings(
    array: pa.Array, hash_bits: int = 64, *, skip_empty: bool = False
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, int]:
    """(first row of each distinct non-null value, in order of first occurrence; its count; its hash; each row's
    hash, MISSING_HASH for nulls; the empty strings left out) of a string/large_string array, exact (equal hashes
    are compared as text). `skip_empty`: empty strings are in no group (counted apart, hashed as nulls).

    `hash_bits` below 64 cuts the hash, so that tests can make different values collide."""
    valid = np.zeros(0, np.uint8)
    if array.null_count:
        valid = array.is_valid().to_numpy(zero_copy_only=False).view(np.uint8)
    return _kernels.group_strings(*string_buffers(array), valid, int(MISSING_HASH), (1 << hash_bits) - 1, skip_empty)


def take_strings(array: pa.Array, rows: np.ndarray) -> pa.Array:
    """The non-null strings at int64 `rows`, as a new array of the same type (a compiled gather)."""
    offsets, data = _kernels.take_strings(*string_buffers(array), rows)
    return pa.Array.from_buffers(array.type, len(rows), [None, pa.py_buffer(offsets), pa.py_buffer(data)])


def combine(row_hashes: np.ndarray, column_hashes: np.ndarray) -> np.ndarray:
    """Fold one column's per-row hashes into the running row hashes (order-sensitive), in place:
    splitmix64(row * 31 + value), in a compiled loop."""
    _kernels.combine_rows(row_hashes, column_hashes)
    return row_hashes

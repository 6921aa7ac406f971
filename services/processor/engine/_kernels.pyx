# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Compiled loops over Arrow string buffers: the engine's value hash (5-9x the numpy passes it replaced) and the
per-string byte counts of the type and pattern pre-filters.

`hashing.py` documents the hash; tests/engine/test_hashing.py defines it in plain Python and checks this loop
against it, so part states written by processors of two versions stay interchangeable. The loops run without
the GIL.
"""

from libc.stdint cimport int32_t, int64_t, uint8_t, uint64_t
from libc.string cimport memcpy

import numpy as np

ctypedef fused offset_t:
    int32_t
    int64_t

cdef uint64_t POSITION = 0xD6E8FEB86659FD93ULL
cdef uint64_t LENGTH = 0xFF51AFD7ED558CCDULL


cdef inline uint64_t splitmix64(uint64_t z) noexcept nogil:
    z = z + 0x9E3779B97F4A7C15ULL
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL
    return z ^ (z >> 31)


cdef inline uint64_t hash_bytes(const uint8_t* p, int64_t n) noexcept nogil:
    # Little-endian 8-byte words (x86-64 and arm64; hashing.py checks the byte order at import), the last one
    # zero-padded, each mixed with its position; the sum finalised with the length.
    cdef uint64_t total = 0
    cdef uint64_t word
    cdef int64_t i = 0
    cdef uint64_t k = 0
    while i + 8 <= n:
        memcpy(&word, p + i, 8)
        total += splitmix64(word ^ (k * POSITION))
        i += 8
        k += 1
    if i < n:
        word = 0
        memcpy(&word, p + i, n - i)
        total += splitmix64(word ^ (k * POSITION))
    return splitmix64(total ^ (<uint64_t>n * LENGTH))


def hash_strings(const offset_t[::1] offsets, const uint8_t[::1] data):
    """uint64 hash of each of the len(offsets) - 1 strings (offsets into `data`)."""
    cdef Py_ssize_t n = offsets.shape[0] - 1
    out = np.empty(max(n, 0), dtype=np.uint64)
    cdef uint64_t[::1] hashes = out
    cdef const uint8_t* base = &data[0] if data.shape[0] else NULL
    cdef Py_ssize_t i
    with nogil:
        for i in range(n):
            hashes[i] = hash_bytes(base + offsets[i], offsets[i + 1] - offsets[i])
    return out


def count_in_range(
    const offset_t[::1] offsets, const uint8_t[::1] data, uint8_t low, uint8_t high, const uint8_t[::1] where
):
    """How many bytes of each string lie in [low, high]; strings whose `where` byte is 0 get 0."""
    cdef Py_ssize_t n = offsets.shape[0] - 1
    out = np.zeros(max(n, 0), dtype=np.int64)
    cdef int64_t[::1] counts = out
    cdef const uint8_t* base = &data[0] if data.shape[0] else NULL
    cdef uint8_t span = high - low
    cdef Py_ssize_t i
    cdef int64_t k, total
    with nogil:
        for i in range(n):
            if not where[i]:
                continue
            total = 0
            for k in range(offsets[i], offsets[i + 1]):
                total += <uint8_t>(base[k] - low) <= span  # one unsigned comparison: bytes below `low` wrap
            counts[i] = total
    return out

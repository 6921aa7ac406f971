"""The value hash is part of the part-state format: parts of one job may be profiled by processors of two
versions during a rollout, and their distinct-value tables and row hashes are merged. So the compiled loop
(services/processor/engine/_kernels.pyx) must give exactly the hash defined here in plain Python, the definition
the earlier numpy implementation followed too (the pinned values below were computed by that one)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from services.processor.engine import hashing
from services.processor.engine.hashing import combine, hash_strings

MASK = (1 << 64) - 1


def splitmix64(z: int) -> int:
    z = (z + 0x9E3779B97F4A7C15) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def value_hash(text: str) -> int:
    """The definition: the UTF-8 bytes as little-endian 64-bit words (the last zero-padded), each mixed with its
    position by splitmix64, summed modulo 2**64, the sum finalised with the byte length."""
    data = text.encode()
    total = 0
    for k in range(0, len(data), 8):
        word = int.from_bytes(data[k : k + 8], "little")
        total = (total + splitmix64(word ^ ((k // 8) * 0xD6E8FEB86659FD93 & MASK))) & MASK
    return splitmix64(total ^ (len(data) * 0xFF51AFD7ED558CCD & MASK))


def test_pinned_values_of_the_hash_stay_the_same() -> None:
    # Computed by the numpy implementation the compiled loop replaced (commit 2c339ca).
    values = ["", "a", "12345678", "123456789", "é", "user@example.com", "2024-01-31"]
    pinned = [0xE220A8397B1DCDAF, 0x0947C0AEFE51279D, 0x8FDEF539679EC7CE, 0xCA1BD27E1E389ACA,
              0x3415A4C1509ADE1D, 0x5A58F8755BB6943F, 0x778E784570FDEDD9]  # fmt: skip
    assert [value_hash(v) for v in values] == pinned
    assert hash_strings(pa.array(values)).tolist() == pinned


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=40), max_size=30), st.integers(0, 5), st.booleans())
def test_the_compiled_hash_matches_the_definition(values: list[str], skip: int, large: bool) -> None:
    # Both offset widths, and arrays that start inside their buffers (slices: offsets do not start at 0).
    array = pa.array(["x" * 9] * skip + values, pa.large_string() if large else pa.string()).slice(skip)
    got = hash_strings(array)
    assert got.dtype == np.uint64
    assert got.tolist() == [value_hash(v) for v in values]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, MASK), st.integers(0, MASK)), max_size=30))
def test_row_hashes_fold_columns_as_defined(pairs: list[tuple[int, int]]) -> None:
    """A row's hash folds in each column's value hash as splitmix64(row * 31 + value): part states hold row hashes,
    so processors of two versions must agree on them."""
    rows = np.array([r for r, _ in pairs], dtype=np.uint64)
    values = np.array([v for _, v in pairs], dtype=np.uint64)
    assert combine(rows, values).tolist() == [splitmix64((r * 31 + v) & MASK) for r, v in pairs]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, MASK), max_size=30), st.integers(0, MASK))
def test_the_samples_priorities_are_splitmix64_of_the_row_hash_xor_the_seed(hashes: list[int], seed: int) -> None:
    """Part states hold the correlation sample's priorities, so the compiled pass must match the definition."""
    got = hashing.splitmix64(np.array(hashes, dtype=np.uint64), seed)
    assert got.dtype == np.uint64
    assert got.tolist() == [splitmix64(h ^ seed) for h in hashes]

"""The HLL feed's shortcut (values that cannot raise a register are not offered) leaves DataSketches' sketch exactly
as if every value had been offered: same registers, same HIP estimate, same serialised bytes."""

from __future__ import annotations

import numpy as np
import pytest
from datasketches import hll_sketch, tgt_hll_type
from hypothesis import given, settings
from hypothesis import strategies as st

from services.processor.engine.hll import HyperLogLog, coupons


def fed_every_value(lg_k: int, values: np.ndarray) -> bytes:
    sketch = hll_sketch(lg_k, tgt_hll_type.HLL_8)
    for value in values.view(np.int64).tolist():
        sketch.update(value)
    return bytes(sketch.serialize_updatable())


def image(hll: HyperLogLog) -> bytes:
    return bytes(hll.sketch().serialize_updatable())


@settings(max_examples=60, deadline=None)
@given(
    lg_k=st.sampled_from([4, 7, 10, 12]),
    n=st.integers(0, 20_000),
    pieces=st.integers(1, 9),
    repeats=st.booleans(),
    seed=st.integers(0, 2**32 - 1),
)
def test_the_sketch_is_the_one_fed_every_value(lg_k: int, n: int, pieces: int, repeats: bool, seed: int) -> None:
    rng = np.random.default_rng(seed)
    values = rng.integers(0, 2**64, n, dtype=np.uint64)
    if repeats:  # the same values offered again (a later chunk of the same column)
        values = np.concatenate([values, values[: n // 2]])
    hll = HyperLogLog(lg_k)
    for piece in np.array_split(values, pieces):
        hll.update(piece)
    assert image(hll) == fed_every_value(lg_k, values)


def test_a_merged_or_loaded_sketch_reads_its_registers_again() -> None:
    rng = np.random.default_rng(7)
    first, second, third = (rng.integers(0, 2**64, 30_000, dtype=np.uint64) for _ in range(3))
    left, right = HyperLogLog(12), HyperLogLog(12)
    left.update(first)
    right.update(second)
    left.merge(right)
    left.update(third)  # the union raised registers the filter's copy did not know of
    loaded = HyperLogLog(12, left.state)
    loaded.update(first[:5000])
    reference = HyperLogLog(12)
    reference.update(first)
    other = HyperLogLog(12)
    other.update(second)
    reference.merge(other)
    for values in (third, first[:5000]):
        for value in values.view(np.int64).tolist():
            reference.sketch().update(value)
    assert loaded.state == reference.state
    assert loaded.estimate() == pytest.approx(90_000, rel=0.05)


def test_coupons_are_datasketches_own() -> None:
    """A one-value sketch lists its coupon (26-bit address, rank above it) in its image: ours must match."""
    rng = np.random.default_rng(3)
    for value in rng.integers(0, 2**64, 200, dtype=np.uint64):
        sketch = hll_sketch(4, tgt_hll_type.HLL_8)
        sketch.update(int(np.array([value]).view(np.int64)[0]))
        slots, ranks = coupons(np.array([value]), 4)
        coupon = int.from_bytes(bytes(sketch.serialize_updatable())[8:12], "little")
        assert (coupon & 0xF, coupon >> 26) == (slots[0], ranks[0])


@pytest.mark.parametrize("lg_k", [8, 12])
def test_a_large_batch_at_once_gives_the_same_sketch(lg_k: int) -> None:
    """Two million row hashes arrive in one call when the exact duplicate-row set turns into a sketch: each is
    checked against the registers the ones before it raised."""
    values = np.random.default_rng(lg_k).integers(0, 2**64, 300_000, dtype=np.uint64)
    hll = HyperLogLog(lg_k)
    hll.update(values)
    assert image(hll) == fed_every_value(lg_k, values)


def test_an_hll4_state_of_an_earlier_version_takes_every_value() -> None:
    values = np.random.default_rng(11).integers(0, 2**64, 20_000, dtype=np.uint64)
    old = hll_sketch(12, tgt_hll_type.HLL_4)
    for value in values[:10_000].view(np.int64).tolist():
        old.update(value)
    loaded = HyperLogLog(12, bytes(old.serialize_compact()))
    loaded.update(values[10_000:])
    for value in values[10_000:].view(np.int64).tolist():
        old.update(value)
    assert loaded.state == bytes(old.serialize_compact())

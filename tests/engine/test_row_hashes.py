"""The distinct row-hash set behind duplicate rows: exact up to its limit however the hashes arrive, then a sketch."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from services.processor.engine.row_hashes import DistinctRowHashes

CHUNKS = st.lists(st.lists(st.integers(0, 300), max_size=80), max_size=12)


def feed(chunks: list[list[int]], limit: int) -> DistinctRowHashes:
    rows = DistinctRowHashes(limit, lg_k=12)
    for chunk in chunks:  # as a table offers them: a chunk's row hashes unsorted, repeats included
        rows.add(np.array(chunk, np.uint64))
    return rows


@given(CHUNKS, st.integers(1, 400))
def test_exact_while_within_the_limit_and_a_sketch_beyond(chunks: list[list[int]], limit: int) -> None:
    everything = np.unique(np.array([h for c in chunks for h in c], np.uint64))
    rows = feed(chunks, limit)
    if len(everything) <= limit:
        assert not rows.approximate
        exact = rows.exact()
        assert exact is not None
        np.testing.assert_array_equal(np.sort(exact), everything)  # the set, in no particular order
        assert rows.count() == len(everything)
    else:
        assert rows.approximate and rows.exact() is None
        assert abs(rows.count() - len(everything)) <= 0.1 * len(everything) + 3


@given(CHUNKS, CHUNKS, st.integers(1, 400))
def test_merging_two_sets_equals_one_set_fed_everything(a: list[list[int]], b: list[list[int]], limit: int) -> None:
    merged = feed(a, limit)
    merged.merge(feed(b, limit))
    whole = feed(a + b, limit)
    assert merged.approximate == whole.approximate
    if not whole.approximate:
        np.testing.assert_array_equal(np.sort(merged.exact()), np.sort(whole.exact()))  # type: ignore[arg-type]
    else:
        assert abs(merged.count() - whole.count()) <= 0.1 * whole.count() + 3


def test_a_state_round_trip_keeps_the_set() -> None:
    rows = feed([[5, 1, 9], [1, 2]], limit=10)
    again = DistinctRowHashes.from_state(10, 12, rows.exact(), None)
    again.add(np.array([3], np.uint64))
    np.testing.assert_array_equal(np.sort(again.exact()), np.array([1, 2, 3, 5, 9], np.uint64))  # type: ignore[arg-type]


def test_the_set_grows_chunk_by_chunk_and_gives_way_just_past_its_limit() -> None:
    """Random 64-bit hashes, as rows give them, with repeats within and across chunks: the set grows several
    times and stays exact through its limit; one hash more and the sketch takes over with them all."""
    rng = np.random.default_rng(11)
    pool = rng.integers(1, 2**64 - 1, 30_000, dtype=np.uint64)
    chunks = [rng.choice(pool, 9_000) for _ in range(6)]
    everything = np.unique(np.concatenate(chunks))
    exact = feed([c.tolist() for c in chunks], limit=len(everything))
    np.testing.assert_array_equal(np.sort(exact.exact()), everything)  # type: ignore[arg-type]
    assert exact.count() == len(everything)
    over = feed([c.tolist() for c in chunks], limit=len(everything) - 1)
    assert over.approximate and abs(over.count() - len(everything)) <= 0.05 * len(everything)

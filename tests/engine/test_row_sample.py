"""The correlation sample holds exactly the `size` rows with the smallest seeded hash, however the rows come in
chunks, with or without missing values."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from services.processor.engine import row_sample
from services.processor.engine.hashing import splitmix64
from services.processor.engine.row_sample import RowSample


def _chunks(cuts: list[int], rows: int) -> list[tuple[int, int]]:
    """(start, end) of the non-empty chunks that `cuts` (chunk lengths, the rest last) make of `rows` rows."""
    spans, start = [], 0
    for cut in [*cuts, rows]:
        end = min(rows, start + cut)
        if end > start:
            spans.append((start, end))
        start = end
    return spans


CELL = st.one_of(st.none(), st.sampled_from(["", "a", "bb", "ccc", "1.5", "é"]))


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(CELL, CELL), min_size=1, max_size=120),
    st.lists(st.integers(1, 40), min_size=1, max_size=6),
    st.integers(1, 50),
    st.booleans(),
)
def test_the_sample_is_the_rows_with_the_smallest_priorities(
    rows: list[tuple[str | None, str | None]], cuts: list[int], size: int, large: bool
) -> None:
    hashes = np.arange(1, len(rows) + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)  # distinct rows
    sample = RowSample(size, 7, ["x", "y"])
    for number, (start, end) in enumerate(_chunks(cuts, len(rows))):
        part = rows[start:end]
        kind = pa.large_string() if large and number % 2 else pa.string()  # `large`: chunks of both kinds
        columns = [pa.array([r[i] for r in part], kind) for i in (0, 1)]
        sample.offer(columns, hashes[start:end])
    table, priority = sample.state()
    expected = np.argsort(splitmix64(hashes ^ np.uint64(7)), kind="stable")[:size]
    assert table.column("x").to_pylist() == [rows[i][0] for i in expected]
    assert table.column("y").to_pylist() == [rows[i][1] for i in expected]
    assert table.schema.field("x").type == pa.large_string()
    assert priority.tolist() == sorted(priority.tolist())


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(0, 12), min_size=1, max_size=150),
    st.lists(st.integers(1, 40), min_size=1, max_size=8),
    st.integers(1, 30),
)
def test_copies_of_a_row_share_a_priority_and_the_sample_still_holds_exactly_size_rows(
    keys: list[int], cuts: list[int], size: int
) -> None:
    # Copies of one row have one hash, so one priority: which copies stay does not matter, but how many does. As
    # the bound falls between chunks, the pieces kept must still add up to the `size` smallest.
    hashes = (np.asarray(keys, dtype=np.uint64) + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15)
    sample = RowSample(size, 3, ["k"])
    for start, end in _chunks(cuts, len(keys)):
        sample.offer([pa.array([str(k) for k in keys[start:end]])], hashes[start:end])
    table, priority = sample.state()
    expected = np.argsort(splitmix64(hashes ^ np.uint64(3)), kind="stable")[:size]
    assert table.column("k").to_pylist() == [str(keys[i]) for i in expected]
    assert len(sample) == len(expected) and priority.tolist() == sorted(priority.tolist())


def test_pieces_are_joined_as_they_are_unless_their_text_could_pass_a_string_arrays_offsets(monkeypatch) -> None:
    # 2 GiB of sampled text is too much for a test: the limit is lowered to a few bytes instead (a stand-in for the
    # size; the code path is the real one). Arrow refuses to join string arrays past their offsets' range.
    pieces = [pa.array([text], pa.string()) for text in ("abcdef", "ghijkl", "mnopqr")]
    joined = row_sample._joined(pieces)
    assert joined.type == pa.string()  # no copy of the offsets while they fit
    monkeypatch.setattr(row_sample, "STRING_BYTES", 8)
    joined = row_sample._joined(pieces)
    assert joined.type == pa.large_string()
    assert joined.to_pylist() == ["abcdef", "ghijkl", "mnopqr"]
    sample = RowSample(10, 5, ["x"])
    for i, piece in enumerate(pieces):
        sample.offer([piece], np.array([i + 1], dtype=np.uint64))
    table, _ = sample.state()
    order = np.argsort(splitmix64(np.arange(1, 4, dtype=np.uint64) ^ np.uint64(5)), kind="stable")
    assert table.column("x").to_pylist() == [["abcdef", "ghijkl", "mnopqr"][i] for i in order]
    assert table.schema.field("x").type == pa.large_string()


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.integers(0, 6), min_size=1, max_size=150),
    st.lists(st.integers(1, 60), min_size=1, max_size=8),
    st.integers(1, 40),
)
def test_rows_of_one_priority_stay_in_the_order_they_came(keys: list[int], cuts: list[int], size: int) -> None:
    # Rows sharing a hash hold one text in a real table; here each row's text is its position, so the order the
    # sample keeps them in shows (the sort is numpy's quicksort unless two priorities are equal).
    hashes = (np.asarray(keys, dtype=np.uint64) + np.uint64(1)) * np.uint64(0x9E3779B97F4A7C15)
    sample = RowSample(size, 11, ["row"])
    for start, end in _chunks(cuts, len(keys)):
        sample.offer([pa.array([str(i) for i in range(start, end)])], hashes[start:end])
    table, priority = sample.state()
    kept = [int(i) for i in table.column("row").to_pylist()]
    expected = np.sort(splitmix64(hashes, 11))[:size]
    assert priority.tolist() == expected.tolist()
    assert priority.tolist() == [int(p) for p in splitmix64(hashes[kept], 11)]
    for value in set(priority.tolist()):  # within one priority, in the order the rows came
        tied = [row for row, p in zip(kept, priority.tolist(), strict=True) if p == value]
        assert tied == sorted(tied)

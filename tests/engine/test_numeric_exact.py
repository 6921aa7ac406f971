"""The exact numeric table: a chunk's numbers found in it by their bits add to its counts, new ones are summed by
number and appended, and the table gives way to the KLL sketch exactly when it would outgrow its limit."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.processor.engine import TableProfiler, _kernels, profile_dataframe
from services.processor.engine.numeric import NumericAccumulator

chunks = st.lists(
    st.lists(st.tuples(st.sampled_from([0.0, -0.0, 1.0, -2.5, 3.0, 1e300, 7.25, -1e-300]), st.integers(1, 5))),
    max_size=6,
)


def reference(batches: list[list[tuple[float, int]]]) -> tuple[list[float], list[int]]:
    """What np.unique over every value with its counts gives (-0.0 and 0.0 are one value)."""
    values = np.array([v for batch in batches for v, _ in batch], dtype=np.float64) + 0.0
    counts = np.array([c for batch in batches for _, c in batch], dtype=np.int64)
    unique, inverse = np.unique(values, return_inverse=True)
    return unique.tolist(), np.bincount(inverse, weights=counts, minlength=len(unique)).astype(int).tolist()


@settings(max_examples=200, deadline=None)
@given(chunks, st.integers(1, 8))
def test_the_exact_table_is_numpys_unique_with_counts_until_it_overflows(
    batches: list[list[tuple[float, int]]], limit: int
) -> None:
    acc = NumericAccumulator(limit, 200, integer=False)
    for batch in batches:  # a chunk's values may repeat a number ("1" and "1.0" both parse to 1.0)
        acc.update(np.array([v for v, _ in batch]), np.array([c for _, c in batch], dtype=np.int64))
    values, counts = reference(batches)
    if len(values) > limit:
        assert acc.table() is None and acc.sketch is not None
        assert acc.sketch.n == sum(counts)  # every value went into the sketch once, with its count
    else:
        table = acc.table()
        assert acc.sketch is None and table is not None
        assert table[0].tolist() == values and table[1].tolist() == counts
        assert not (np.signbit(table[0]) & (table[0] == 0)).any()  # -0.0 is kept as 0.0


def test_a_copy_sharing_the_tables_arrays_leaves_the_original_alone() -> None:
    acc = NumericAccumulator(100, 200, integer=True)
    acc.update(np.array([1.0, 2.0]), np.array([3, 4]))
    copy = NumericAccumulator.from_state(acc.to_state(), 100, 200)  # as a column profile's finish copies it
    copy.update(np.array([5.0, 2.0]), np.array([1, 1]))
    assert [a.tolist() for a in acc.table() or ()] == [[1.0, 2.0], [3, 4]]
    assert [a.tolist() for a in copy.table() or ()] == [[1.0, 2.0, 5.0], [3, 5, 1]]


@given(st.lists(st.integers(0, 20)), st.lists(st.integers(0, 20)))
def test_key_positions_finds_the_first_equal_key(keys: list[int], queries: list[int]) -> None:
    positions = _kernels.key_positions(np.array(keys, np.uint64), np.array(queries, np.uint64))
    assert positions.tolist() == [keys.index(q) if q in keys else -1 for q in queries]


def test_huge_numbers_in_two_chunks_give_infinite_moments_not_an_error() -> None:
    acc = NumericAccumulator(100, 200, integer=False)
    acc.update(np.array([0.0]), np.array([1]))
    acc.update(np.array([1e300]), np.array([1]))  # Python's 1e300**3 raised OverflowError here
    assert acc.maximum == 1e300 and acc.moments.n == 2


@given(st.lists(st.tuples(st.integers(0, 12), st.integers(1, 9))))
def test_sum_by_key_groups_in_order_of_first_sight(pairs: list[tuple[int, int]]) -> None:
    keys = np.array([k for k, _ in pairs], np.uint64)
    first, sums = _kernels.sum_by_key(keys, np.array([c for _, c in pairs], np.int64))
    distinct = list(dict.fromkeys(k for k, _ in pairs))
    assert keys[first].tolist() == distinct
    assert sums.tolist() == [sum(c for k, c in pairs if k == key) for key in distinct]
    assert first.tolist() == [[k for k, _ in pairs].index(key) for key in distinct]


def test_quantiles_of_numbers_seen_out_of_order_are_those_of_the_sorted_table() -> None:
    acc = NumericAccumulator(100, 200, integer=True)
    acc.update(np.array([9.0, 1.0, 5.0]), np.array([1, 1, 1]))
    acc.update(np.array([3.0, 1.0]), np.array([1, 2]))  # values 1 x3, 3, 5, 9
    assert acc.quantiles((0.0, 0.5, 0.75, 1.0)) == [1.0, 2.0, 4.5, 9.0]  # pandas' linear interpolation
    state = acc.to_state()
    assert state["values"].tolist() == [1.0, 3.0, 5.0, 9.0]  # states keep the table sorted, as earlier versions


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=3000), st.integers(1, 2000))
def test_the_sketch_gets_each_number_as_often_as_counted(counts: list[int], heavy: int) -> None:
    """Numbers mostly seen once, a few repeated and one counted `heavy` times: the sketch holds each as often as
    counted, and its ranks stay within twice its error bound (a 99% bound, per rank) of the exact weighted ones."""
    weights = np.array([*counts, heavy], dtype=np.int64)
    values = np.random.default_rng(len(counts)).permutation(len(weights)).astype(np.float64)
    acc = NumericAccumulator(0, 200, integer=False)  # limit 0: straight into the sketch
    acc.update(values, weights)
    assert acc.sketch is not None and acc.sketch.n == int(weights.sum())
    order = np.argsort(values)
    exact_rank = np.cumsum(weights[order]) / weights.sum()  # share of the weight at or below each number
    got = np.array([acc.sketch.get_rank(v, inclusive=True) for v in values[order]])
    assert np.abs(got - exact_rank).max() <= 2 * acc.sketch.normalized_rank_error(False)  # as test_merge allows


@pytest.mark.parametrize("exact_limit", [100, 2])  # the exact table's histogram, and the sketch's
def test_a_column_spanning_more_than_the_largest_float_has_a_histogram(exact_limit: int) -> None:
    """-1e308 to 1e308 is wider than any float: the bin edges were NaN and numpy's histogram raised (the profile
    stopped with a stack trace). The edges are halved first, exactly for such numbers."""
    acc = NumericAccumulator(exact_limit, 200, integer=False)
    acc.update(np.array([-1e308, 1.0, 9e307, 1e308]), np.array([1, 2, 1, 1], dtype=np.int64))
    edges, counts = acc.histogram(4)
    assert edges == [-1e308, -5e307, 0.0, 5e307, 1e308]
    assert counts == [1, 0, 2, 2]


@pytest.mark.parametrize("values", [["9e307", "-9e307", "1"], ["1e200", "2e200", "3", "4"]])
def test_a_variance_too_large_for_a_float_is_inf_as_in_pandas(values: list[str]) -> None:
    """The squared deviations overflow: the variance and standard deviation were NaN, as if undefined."""
    numeric = profile_dataframe(pd.DataFrame({"x": values})).column("x").numeric
    expected = pd.Series(values).astype(float)
    assert numeric is not None
    with np.errstate(over="ignore"):
        assert (numeric.variance, numeric.std) == (expected.var(), expected.std()) == (math.inf, math.inf)
    assert math.isnan(numeric.skewness) and math.isnan(numeric.kurtosis)  # as pandas: no finite moments


def test_a_small_spread_far_from_zero_keeps_its_skewness_and_a_constant_has_none() -> None:
    """Epoch seconds over five minutes have a spread tiny against their mean: a relative cut-off reported their
    skewness as 0. A real outlier among near-equal values must read as skewed, and a constant column has no
    skewness or kurtosis at all (NaN, as in pandas), not 0."""
    epoch = [str(1_700_000_000 + (i * i) % 300) for i in range(1000)]
    outlier = ["0.1"] * 999 + ["0.1000000001"]
    frame = pd.DataFrame({"epoch": epoch, "outlier": outlier, "constant": ["5"] * 1000})
    profile = profile_dataframe(frame)
    for name in ("epoch", "outlier"):
        numeric, expected = profile.column(name).numeric, frame[name].astype(float)
        assert numeric is not None
        assert math.isclose(numeric.skewness, expected.skew(), rel_tol=1e-6)
        assert math.isclose(numeric.kurtosis, expected.kurt(), rel_tol=1e-6)
    assert profile.column("outlier").numeric.skewness > 30  # type: ignore[union-attr]
    assert {(a.code, a.column) for a in profile.alerts if a.code == "SKEWED"} == {("SKEWED", "outlier")}
    constant = profile.column("constant").numeric
    assert constant is not None and math.isnan(constant.skewness) and math.isnan(constant.kurtosis)
    assert math.isnan(frame["constant"].astype(float).skew())


@pytest.mark.parametrize(
    ("values", "mean"),
    [(["1e308", "1e308", "1"], 1e308 / 3 * 2), (["1.7e308", "-1.7e308", "1e308"], 1e308 / 3)],
)
def test_the_mean_of_numbers_near_the_float_range_is_their_mean(values: list[str], mean: float) -> None:
    """The sum overflows (or the deviations from it do): the mean was NaN, shown as no mean at all. pandas divides
    the overflowed sum and says inf for the first; the mean itself is a float, in one pass and merged chunks."""
    one = profile_dataframe(pd.DataFrame({"x": values})).column("x").numeric
    chunked = TableProfiler()
    for value in values:
        chunked.update(pd.DataFrame({"x": [value]}, dtype="string"))
    merged = chunked.finish().column("x").numeric
    assert one is not None and merged is not None
    assert math.isclose(one.mean, mean, rel_tol=1e-12) and math.isclose(merged.mean, mean, rel_tol=1e-12)

"""The compiled Spearman correlation against pandas' DataFrame.corr(method="spearman"), to the bit."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from services.processor.engine import profile_dataframe
from services.processor.engine.correlations import spearman


def pandas_spearman(columns: np.ndarray) -> np.ndarray:
    return pd.DataFrame(columns.T).corr(method="spearman").to_numpy()


# Few distinct values (ties), missing values (NaN) in different rows per column, signed zeros, constant columns.
cells = st.one_of(st.sampled_from([np.nan, -0.0, 0.0, 1.0, 2.5, -3.0]), st.floats(-1e6, 1e6, allow_nan=False))


@settings(max_examples=300, deadline=None)
@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(0, 40)), elements=cells))
def test_spearman_equals_pandas_bit_for_bit(columns: np.ndarray) -> None:
    np.testing.assert_array_equal(spearman(columns), pandas_spearman(columns))


def test_pairs_missing_different_rows_are_ranked_over_their_common_rows() -> None:
    # Where two columns miss different rows, each pair's ranks are over the rows both have: ranking over each
    # column's own rows instead gives another value here.
    rng = np.random.default_rng(5)
    columns = rng.normal(size=(4, 2000))
    columns[rng.random(size=columns.shape) < 0.2] = np.nan
    columns[3] = np.round(columns[3])  # ties
    got = spearman(columns)
    np.testing.assert_array_equal(got, pandas_spearman(columns))
    both = np.isfinite(columns[0]) & np.isfinite(columns[1])
    own_ranks = [pd.Series(c).rank().to_numpy()[both] for c in columns[:2]]
    assert got[0, 1] != np.corrcoef(*own_ranks)[0, 1]


def test_infinite_values_are_missing_values() -> None:
    inf = np.inf
    columns = np.array([[-inf, 1.0, 2.0, 3.0, 4.0], [5.0, 3.0, inf, 1.0, 2.0], [1.0, 2.0, 2.0, 0.5, -inf]])
    missing = np.where(np.isfinite(columns), columns, np.nan)
    np.testing.assert_array_equal(spearman(columns), pandas_spearman(missing))


def test_no_common_rows_or_a_constant_column_give_no_correlation() -> None:
    nan = np.nan
    columns = np.array([[1.0, 2.0, nan, nan], [nan, nan, 3.0, 4.0], [5.0, 5.0, 5.0, 5.0], [1.0, 3.0, 2.0, 4.0]])
    got = spearman(columns)
    assert np.isnan(got[0, 1]) and np.isnan(got[2, 3]) and np.isnan(got[2, 2])
    assert got[0, 3] == 1.0 and got[1, 3] == 1.0
    np.testing.assert_array_equal(got, pandas_spearman(columns))


def test_profile_reports_pandas_spearman_on_a_sample_with_missing_values() -> None:
    rng = np.random.default_rng(8)
    n = 3000
    x = rng.normal(size=n)
    frame = pd.DataFrame({"x": x, "y": x**3 + rng.normal(size=n), "z": np.round(rng.exponential(size=n), 1)})
    frame = frame.mask(rng.random(size=frame.shape) < 0.1)
    text = frame.round(6).astype("string")
    profile = profile_dataframe(text)
    expected = text.astype("float64").corr(method="spearman")
    got = {(c.column_a, c.column_b): c.value for c in profile.correlations if c.method == "spearman"}
    assert len(got) == 3
    for (a, b), value in got.items():
        assert value == expected.loc[a, b]

"""The chi-square test behind UNIFORM: its exact survival function, and the alert on few, equal categories."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.processor.engine import profile_dataframe
from services.processor.engine.chi_square import chi_square_sf, uniform_p


@given(st.floats(0.0, 400.0))
def test_two_degrees_of_freedom_is_the_exponential_tail(x: float) -> None:
    assert math.isclose(chi_square_sf(x, 2), math.exp(-x / 2), rel_tol=1e-12, abs_tol=1e-300)


@pytest.mark.parametrize(
    ("x", "df"),  # the 5% critical values of the chi-square tables
    [(3.841459, 1), (5.991465, 2), (18.307038, 10), (124.342113, 100), (1074.679449, 1000)],
)
def test_the_five_percent_critical_values_give_five_percent(x: float, df: int) -> None:
    assert math.isclose(chi_square_sf(x, df), 0.05, rel_tol=1e-5)


def test_equal_counts_have_p_one_and_three_equal_categories_read_as_uniform() -> None:
    """The normal approximation gave 0.996 for three equal counts, under the alert's 0.999: never UNIFORM."""
    assert uniform_p(np.array([50.0, 50.0, 50.0])) == 1.0
    frame = pd.DataFrame({"plan": ["basic", "plus", "pro"] * 100}, dtype="string")
    profile = profile_dataframe(frame)
    assert profile.column("plan").uniformity_p == 1.0
    assert ("UNIFORM", "plan") in {(a.code, a.column) for a in profile.alerts}


def test_clearly_unequal_counts_are_not_uniform() -> None:
    assert uniform_p(np.array([100.0, 10.0, 10.0])) < 1e-20

"""The chi-square test of equal counts behind the UNIFORM alert, with the exact survival function.

P(X >= x) for X ~ chi-square(df) is the regularized upper incomplete gamma function Q(df/2, x/2), evaluated as
in Numerical Recipes (6.2): its power series below a + 1, Lentz's continued fraction above. The normal
approximation used before (Wilson-Hilferty) is poor for few categories: three equal counts gave p = 0.996
where the exact answer is 1, below the alert's 0.999 threshold.
"""

from __future__ import annotations

import math

import numpy as np

_EPS = 1e-15
_TINY = 1e-300
_MAX_STEPS = 100_000


def uniform_p(counts: np.ndarray) -> float:
    """The p-value of Pearson's chi-square test that every count is equal (df = number of counts - 1)."""
    expected = float(counts.sum()) / len(counts)
    chi2 = float(((counts - expected) ** 2).sum() / expected)
    return chi_square_sf(chi2, len(counts) - 1)


def chi_square_sf(x: float, df: int) -> float:
    """P(X >= x) for X ~ chi-square with df degrees of freedom."""
    return upper_gamma_q(df / 2.0, x / 2.0)


def upper_gamma_q(a: float, x: float) -> float:
    """The regularized upper incomplete gamma function Q(a, x) = Γ(a, x) / Γ(a), for a > 0."""
    if x <= 0.0:
        return 1.0
    if math.isinf(x):
        return 0.0
    log_front = -x + a * math.log(x) - math.lgamma(a)
    if x < a + 1.0:
        return max(0.0, 1.0 - _series(a, x) * math.exp(log_front))
    return _continued_fraction(a, x) * math.exp(log_front)


def _series(a: float, x: float) -> float:
    term = total = 1.0 / a
    n = a
    for _ in range(_MAX_STEPS):
        n += 1.0
        term *= x / n
        total += term
        if abs(term) < abs(total) * _EPS:
            break
    return total


def _continued_fraction(a: float, x: float) -> float:
    b = x + 1.0 - a
    c = 1.0 / _TINY
    d = 1.0 / b
    h = d
    for i in range(1, _MAX_STEPS):
        an = -i * (i - a)
        b += 2.0
        d = an * d + b
        d = _TINY if abs(d) < _TINY else d
        c = b + an / c
        c = _TINY if abs(c) < _TINY else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < _EPS:
            break
    return h

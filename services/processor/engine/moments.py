"""Mergeable central moments (count, mean, M2, M3, M4) with the Chan/Pébay parallel update.

Definitions match pandas exactly:
  variance  = M2 / (n - 1)                                   (ddof=1; NaN when n < 2)
  skewness  = sqrt(n (n - 1)) / (n - 2) * m3 / m2**1.5       (adjusted Fisher-Pearson G1; NaN when n < 3)
  kurtosis  = n (n + 1) (n - 1) M4 / ((n - 2)(n - 3) M2**2) - 3 (n - 1)**2 / ((n - 2)(n - 3))
                                                              (excess G2, bias-corrected; NaN when n < 4)
with m_k = M_k / n; a constant column (M2 = 0) has no skewness or kurtosis (NaN), as in pandas 3, and any spread
however small has them (a relative cut-off zeroed those of epoch seconds over five minutes). A constant column's
M2 is exactly 0 here: values are grouped, each distinct number's deviation from the mean is 0, and merging equal
means adds nothing. A chunk's own moments come
from a compiled loop (_kernels.numeric_summary): the mean, corrected by the mean of the deviations from it (which
keeps it accurate when values are large and close together), then the centred sums.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass
class Moments:
    n: int = 0
    mean: float = 0.0  # from `pivot`: the mean is pivot + mean
    m2: float = 0.0
    m3: float = 0.0
    m4: float = 0.0
    # An integer the values were taken from (an integer column's first chunk's least value; 0 for floats): large
    # integers close together (epoch microseconds, 1.6e15 plus a few thousand) have a mean that float64 rounds,
    # and the moments built on that rounding differed by chunking and from the exact ones (3% at 1e15).
    pivot: int = 0

    @property
    def absolute_mean(self) -> float:
        return self.pivot + self.mean if self.pivot else self.mean

    def merge(self, other: Moments) -> None:
        if other.n == 0:
            return
        if self.n == 0:
            self.n, self.mean, self.m2, self.m3, self.m4 = other.n, other.mean, other.m2, other.m3, other.m4
            self.pivot = other.pivot
            return
        na, nb = float(self.n), float(other.n)
        n = na + nb
        # The other's mean from this pivot: their difference is an exact integer, so close values stay exact.
        other_mean = other.mean + float(other.pivot - self.pivot) if other.pivot != self.pivot else other.mean
        delta = other_mean - self.mean
        d_n = delta / n
        # d_n * d_n * d_n, not d_n**3: Python's power raises OverflowError where a product goes to inf (values near
        # 1e300 in two chunks stopped the profile).
        m4 = (
            self.m4
            + other.m4
            + delta * d_n * d_n * d_n * na * nb * (na * na - na * nb + nb * nb)
            + 6.0 * d_n * d_n * (na * na * other.m2 + nb * nb * self.m2)
            + 4.0 * d_n * (na * other.m3 - nb * self.m3)
        )
        m3 = self.m3 + other.m3 + delta * d_n * d_n * na * nb * (na - nb) + 3.0 * d_n * (na * other.m2 - nb * self.m2)
        m2 = self.m2 + other.m2 + delta * d_n * na * nb
        # Means far apart near the float range (1.7e308, -1.7e308) overflow the difference, not the weighted mean.
        self.mean = self.mean + d_n * nb if math.isfinite(d_n) else self.mean * (na / n) + other_mean * (nb / n)
        self.n, self.m2, self.m3, self.m4 = self.n + other.n, m2, m3, m4

    @property
    def variance(self) -> float:
        if self.n < 2:
            return math.nan
        # The moments are of finite numbers: an M2 gone NaN is squares that overflowed (1e200 beside 3) and
        # inf - inf after them. The variance is then too large for a float, inf, as pandas gives it.
        return math.inf if math.isnan(self.m2) else self.m2 / (self.n - 1)

    @property
    def std(self) -> float:
        return math.sqrt(self.variance) if self.n >= 2 else math.nan

    @property
    def skewness(self) -> float:
        n = self.n
        if n < 3 or not math.isfinite(self.variance):
            return math.nan
        m2 = self.m2 / n
        if m2 == 0.0:
            return math.nan
        return math.sqrt(n * (n - 1)) / (n - 2) * (self.m3 / n) / m2**1.5

    @property
    def kurtosis(self) -> float:
        n = self.n
        if n < 4 or not math.isfinite(self.variance):
            return math.nan
        if self.m2 == 0.0:
            return math.nan
        adj = 3.0 * (n - 1) ** 2 / ((n - 2) * (n - 3))
        return n * (n + 1) * (n - 1) * self.m4 / ((n - 2) * (n - 3) * self.m2**2) - adj

    def to_state(self) -> dict[str, Any]:
        return {"n": self.n, "mean": self.mean, "m2": self.m2, "m3": self.m3, "m4": self.m4, "pivot": self.pivot}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Moments:
        return cls(**state)

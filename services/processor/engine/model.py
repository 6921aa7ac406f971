"""The profile as frozen dataclasses; `to_dict()` gives JSON-serialisable dicts.

In `to_dict()` a NaN float (a statistic that does not exist, e.g. the skewness of two values) becomes None and
an infinite float becomes the string "inf" or "-inf"; tuples become lists. Timestamps are ISO 8601 strings (UTC).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any


def _clean(value: Any) -> Any:
    if isinstance(value, float):
        if math.isnan(value):
            return None
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return value
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


class _ToDict:
    def to_dict(self) -> dict[str, Any]:
        result = _clean(dataclasses.asdict(self))  # type: ignore[call-overload]
        assert isinstance(result, dict)
        return result


@dataclass(frozen=True)
class Histogram(_ToDict):
    edges: tuple[float, ...]  # len(counts) + 1 bin edges; the last bin includes its upper edge
    counts: tuple[int, ...]
    approximate: bool


@dataclass(frozen=True)
class NumericProfile(_ToDict):
    min: float
    max: float
    mean: float
    std: float
    variance: float
    sum: float
    skewness: float
    kurtosis: float
    zeros: int
    negatives: int
    infinite: int
    quantiles: dict[str, float]  # keys "0.01", "0.05", ... "0.99"
    quantiles_approximate: bool
    quantile_rank_error: float  # KLL normalized rank error when approximate, else 0
    histogram: Histogram


@dataclass(frozen=True)
class TextProfile(_ToDict):
    length_min: int
    length_mean: float
    length_max: int


@dataclass(frozen=True)
class DatetimeProfile(_ToDict):
    min: str
    max: str
    granularity: str  # subsecond, second, minute, hour, day, month or year
    iso_share: float  # share of the values written in ISO 8601


@dataclass(frozen=True)
class TopValue(_ToDict):
    value: str
    count: int


@dataclass(frozen=True)
class ColumnProfile(_ToDict):
    name: str
    position: int
    inferred_type: str  # integer, float, boolean, datetime, date, categorical, text or empty
    semantic: str | None  # a pattern of text.PATTERNS that at least type_threshold of present values match
    patterns: dict[str, int]  # values matching each pattern
    count: int
    missing: int
    missing_nulls: int
    missing_empty: int
    missing_tokens: int
    distinct: int
    distinct_approximate: bool
    distinct_bounds: tuple[int, int]  # (lower, upper) at 3 standard deviations; equal to distinct when exact
    uniqueness: float  # distinct / present values
    # Some value was seen twice. Exact while the distinct count is; once sketched, only repeats inside one chunk
    # (or part) and values the frequent-items sketch counts twice for sure are seen.
    repeated_values: bool
    type_counts: dict[str, int]  # present values fitting each candidate type
    invalid: int  # present values not fitting the inferred type
    invalid_examples: tuple[str, ...]
    top_values: tuple[TopValue, ...]
    top_values_approximate: bool
    top_values_error: int  # largest possible error of a top-value count (0 when exact)
    text: TextProfile | None
    numeric: NumericProfile | None = None
    datetime: DatetimeProfile | None = None
    # 1 - normalised entropy of the value counts (categorical/boolean, exact counts only): 0 balanced, 1 one value.
    imbalance: float | None = None
    # Chi-square goodness-of-fit p-value against equal counts (categories or exact histogram bins); see alerts.py.
    uniformity_p: float | None = None

    @property
    def present(self) -> int:
        return self.count - self.missing


@dataclass(frozen=True)
class Correlation(_ToDict):
    method: str  # pearson, spearman or cramers_v
    column_a: str
    column_b: str
    value: float


@dataclass(frozen=True)
class Alert(_ToDict):
    code: str
    column: str  # "" for a table-wide alert
    severity: str  # info, warning or error
    message: str
    value: float  # the number that triggered it


@dataclass(frozen=True)
class QualityScore(_ToDict):
    score: float  # 0-100
    completeness: float  # each component 0-1
    validity: float
    uniqueness: float
    parse_health: float
    weights: dict[str, float]


@dataclass(frozen=True)
class TableProfile(_ToDict):
    rows: int
    columns: int
    missing_cells: int
    missing_cells_share: float
    duplicate_rows: int
    duplicates_approximate: bool
    column_profiles: tuple[ColumnProfile, ...]
    correlations: tuple[Correlation, ...]
    correlations_sampled: bool
    correlation_sample_size: int  # rows the correlations were computed on
    alerts: tuple[Alert, ...]
    quality: QualityScore
    parse: dict[str, Any] = field(default_factory=dict)  # ParseReport.to_dict(), empty when none was given

    def column(self, name: str) -> ColumnProfile:
        for profile in self.column_profiles:
            if profile.name == name:
                return profile
        raise KeyError(name)

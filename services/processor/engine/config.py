"""Every tunable of the profiler in one frozen dataclass, with the defaults documented beside each field.

Missing values: a cell is missing when the reader gave a null, when it is empty or only whitespace, or when its
text (whitespace-trimmed) is one of `na_tokens` (default: pandas' default `na_values`, compared case-sensitively
like pandas does).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .parse_report import ParseReport

# pandas.io.parsers' default na_values (STR_NA_VALUES), minus "" which is always missing here.
DEFAULT_NA_TOKENS: frozenset[str] = frozenset(
    {
        "#N/A",
        "#N/A N/A",
        "#NA",
        "-1.#IND",
        "-1.#QNAN",
        "-NaN",
        "-nan",
        "1.#IND",
        "1.#QNAN",
        "<NA>",
        "N/A",
        "NA",
        "NULL",
        "NaN",
        "None",
        "n/a",
        "nan",
        "null",
    }
)


_MIN_LG_MAP = 6  # the smallest frequent-items map a wide table's column gets: 64 slots, errors up to 5.5%


@dataclass(frozen=True)
class ProfileConfig:
    """Thresholds of the profile, its sketches, alerts and quality score."""

    na_tokens: frozenset[str] = field(default=DEFAULT_NA_TOKENS)
    # Type inference: the most specific type that at least this share of present values fits wins;
    # the rest are counted as invalid (MIXED_TYPES), with up to `mixed_examples` examples kept.
    type_threshold: float = 0.95
    mixed_examples: int = 5
    # The file's decimal mark: "," also reads "1,5" and "1.234,50" as numbers (see types.py). The processor sets
    # it from the dialect of delimited text; a profile's parts must agree on it.
    decimal: str = "."
    # Dates written D/M/YYYY are day first (13/01/2020) rather than month first; set like `decimal`.
    day_first: bool = False
    # A text column is categorical when it has at most this many distinct values, and they are at most
    # this share of its present values.
    categorical_max_distinct: int = 50
    categorical_max_ratio: float = 0.5
    # Distinct values are counted exactly (with their counts, which also give exact top values) up to this many
    # per column, or this many bytes of text; beyond, an HLL sketch (lg_k below) and a frequent-items sketch.
    # All columns' exact tables together hold at most `exact_distinct_total` values (~100 bytes each), so a
    # wide table gets fewer per column (see `for_columns`).
    exact_distinct_limit: int = 100_000
    exact_distinct_total: int = 500_000
    # Their text: enough for 100,000 values of 80 bytes (2 MiB sketched 70,000 UUIDs), all columns together at
    # most `exact_distinct_total_bytes` (shared as the values are).
    exact_distinct_bytes: int = 8 * 1024 * 1024
    exact_distinct_total_bytes: int = 64 * 1024 * 1024
    hll_lg_k: int = 12  # relative standard error about 1.04 / sqrt(2**lg_k) = 1.6 %
    # The frequent-items sketch's map: 2**lg slots, a count's error at most 3.5 / 2**lg of the column's values. All
    # columns' maps together hold at most `frequent_items_total_map_size` slots (~60 bytes each), so a wide table's
    # are smaller (at least 2**6): 4,000 columns of 2,500 rows held 90 MiB in maps of 1,024.
    frequent_items_lg_max_map_size: int = 10
    frequent_items_total_map_size: int = 1 << 18
    # Numeric quantiles and histograms are exact while a column has at most this many distinct numbers (and all
    # columns together at most `exact_quantile_total`, 16 bytes each); beyond, a KLL sketch with parameter k
    # (normalized rank error about 1.65 % at k=200).
    exact_quantile_limit: int = 100_000
    exact_quantile_total: int = 2_000_000
    kll_k: int = 200
    quantiles: tuple[float, ...] = (0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99)
    histogram_bins: int = 20
    top_values: int = 10
    # Duplicate rows are counted exactly from 64-bit row hashes while at most this many distinct hashes are seen;
    # beyond, an HLL sketch of the row hashes estimates them (duplicates = rows - distinct rows).
    exact_duplicate_limit: int = 2_000_000
    # Correlations use every row while the table has at most this many; beyond, a deterministic, mergeable
    # bottom-k sample of this many rows (the k rows with the smallest seeded hash of their content). The sample
    # holds the first `correlation_sample_columns` columns only (those correlated are among them) and at most
    # `correlation_sample_cells` cells, so a wide table samples fewer rows (but at least 1,000). A 5,000 x 1,000
    # table with every column sampled (5 million cells, copied twice at the finish) peaked at 660 MiB, 470-500 MiB so.
    correlation_sample_size: int = 20_000
    correlation_sample_columns: int = 1_000
    correlation_sample_cells: int = 2_000_000
    sample_seed: int = 0x5EED
    cramers_max_distinct: int = 50  # columns with more categories get no Cramér's V
    # Pairs grow with the square of the columns: only the first this many columns of each kind are correlated.
    correlation_max_columns: int = 50

    # Alert thresholds.
    missing_alert: float = 0.05  # MISSING: share of missing cells above this
    zeros_alert: float = 0.10  # ZEROS: share of zeros among numbers above this
    high_correlation: float = 0.9  # HIGH_CORRELATION: |r| or V at or above this
    high_cardinality: int = 50  # HIGH_CARDINALITY: text column (not unique) with more distinct values
    duplicates_alert: float = 0.0  # DUPLICATES: share of duplicate rows above this
    skew_alert: float = 20.0  # SKEWED: |skewness| above this
    imbalance_alert: float = 0.5  # IMBALANCE: categorical/boolean column whose normalized entropy is below 1 - this
    uniform_p_value: float = 0.999  # UNIFORM: chi-square uniformity statistic small enough (see alerts.py)
    uniform_min_distinct: int = 3
    unique_min_rows: int = 2  # UNIQUE: all present values distinct (needs at least this many)

    # Quality score weights (normalised by their sum) and what counts as a bad share; see quality.py.
    weight_completeness: float = 0.35
    weight_validity: float = 0.30
    weight_uniqueness: float = 0.15
    weight_parse_health: float = 0.20

    def __post_init__(self) -> None:
        if self.decimal not in (".", ","):
            raise ValueError(f"decimal must be '.' or ',', not {self.decimal!r}")

    def as_read(self, report: ParseReport) -> ProfileConfig:
        """This configuration for a table read as `report` says: with its decimal mark and its date order."""
        return replace(self, decimal=report.decimal, day_first=report.day_first)

    def for_columns(self, columns: int) -> ProfileConfig:
        """The configuration of each column of a table with this many columns: the tables' budgets shared out."""
        share = max(columns, 1)
        sample_rows = max(1_000, self.correlation_sample_cells // min(share, max(1, self.correlation_sample_columns)))
        return replace(
            self,
            exact_distinct_limit=min(self.exact_distinct_limit, max(1, self.exact_distinct_total // share)),
            exact_distinct_bytes=min(self.exact_distinct_bytes, max(1, self.exact_distinct_total_bytes // share)),
            exact_quantile_limit=min(self.exact_quantile_limit, max(1, self.exact_quantile_total // share)),
            frequent_items_lg_max_map_size=min(
                self.frequent_items_lg_max_map_size,
                max(_MIN_LG_MAP, (self.frequent_items_total_map_size // share).bit_length() - 1),
            ),
            correlation_sample_size=min(self.correlation_sample_size, sample_rows),
        )

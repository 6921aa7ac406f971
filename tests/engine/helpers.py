"""Shared checks: a profile's exact statistics against pandas' own computations."""

from __future__ import annotations

import io
import math
from typing import Any

import numpy as np
import pandas as pd

from services.processor.engine import ColumnProfile, ParseReport, ProfileConfig, TableProfile, TableProfiler
from services.processor.engine.options import Dialect
from services.processor.engine.reading import ReadOptions, open_table
from services.processor.engine.types import BOOLEAN_FALSE, BOOLEAN_TRUE

RTOL = 1e-9


def close(a: float | None, b: float, rtol: float = RTOL, atol: float = 1e-9) -> bool:
    if a is None or (isinstance(a, float) and math.isnan(a)):
        return b is None or math.isnan(b)
    return math.isclose(a, b, rel_tol=rtol, abs_tol=atol)


def _missing(text: pd.Series, config: ProfileConfig) -> pd.Series:
    trimmed = text.str.strip()
    return (text.isna() | trimmed.eq("") | trimmed.isin(config.na_tokens)).fillna(True)


def present_values(raw: pd.Series, config: ProfileConfig) -> pd.Series:
    text = raw.astype("string")
    return text[~_missing(text, config)].astype(object)


def boolean_values(present: pd.Series) -> pd.Series:
    """A boolean column's values as the profile counts them: every spelling of true "true", of false "false"."""
    word = present.str.strip().str.lower()
    return present.where(~word.isin(BOOLEAN_TRUE), "true").where(~word.isin(BOOLEAN_FALSE), "false")


def number_values(present: pd.Series, inferred_type: str) -> pd.Series | None:
    """A numeric column's values as pandas reads them when every present value is a number (-0 is 0); else
    None: a column holding any other text is text to pandas, its values compared as written."""
    if inferred_type not in ("integer", "float"):
        return None
    numbers = pd.to_numeric(present.str.strip(), errors="coerce")
    return numbers.astype("float64") + 0.0 if numbers.notna().all() else None


def most_written(present: pd.Series, numbers: pd.Series) -> dict[float, str]:
    """Each number's text as a top value shows it: its most frequent spelling, then the shortest, then the first."""
    spellings = pd.DataFrame({"number": numbers, "text": present}).value_counts().reset_index(name="count")
    spellings["length"] = spellings["text"].str.len()
    spellings = spellings.sort_values(["count", "length", "text"], ascending=[False, True, True])
    return dict(spellings.drop_duplicates("number")[["number", "text"]].itertuples(index=False, name=None))


def check_column(col: ColumnProfile, raw: pd.Series, config: ProfileConfig) -> None:
    present = present_values(raw, config)
    lengths = present.str.len()
    if col.inferred_type == "boolean":
        present = boolean_values(present)
    assert col.count == len(raw)
    assert col.missing == len(raw) - len(present)
    text = raw.astype("string")
    trimmed = text.str.strip()
    assert col.missing_nulls == int(text.isna().sum())
    assert col.missing_empty == int(trimmed.eq("").fillna(False).sum())
    assert col.missing_tokens == int((trimmed.isin(config.na_tokens) & ~trimmed.eq("")).fillna(False).sum())
    numbers = number_values(present, col.inferred_type)
    distinct = present.nunique() if numbers is None else numbers.nunique()
    assert col.distinct == distinct
    if len(present):
        assert close(col.uniqueness, distinct / len(present))
    if len(present):
        assert col.text is not None
        assert col.text.length_min == lengths.min()
        assert col.text.length_max == lengths.max()
        assert close(col.text.length_mean, lengths.mean())
        if numbers is None:
            counts = present.value_counts()
            expected_top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[: config.top_values]
        else:
            shown = most_written(present, numbers)
            counts = numbers.value_counts()
            ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[: config.top_values]
            expected_top = [(shown[number], count) for number, count in ranked]
        assert [(t.value, t.count) for t in col.top_values] == expected_top
    if col.inferred_type in ("integer", "float"):
        numbers = pd.to_numeric(present.str.strip(), errors="coerce").dropna()
        if col.inferred_type == "integer":
            numbers = numbers[present.str.strip().str.fullmatch(r"[+-]?\d{1,18}").reindex(numbers.index)]
        numbers = numbers.astype("float64")
        numbers = numbers[np.isfinite(numbers)]
        n = col.numeric
        assert n is not None
        assert n.min == numbers.min() and n.max == numbers.max()
        assert close(n.mean, numbers.mean())
        assert close(n.sum, numbers.sum())
        assert close(n.std, numbers.std(), atol=1e-7 * max(1.0, abs(numbers.mean())))
        assert close(n.variance, numbers.var(), atol=1e-7 * max(1.0, numbers.mean() ** 2))
        # Any spread has a skewness and kurtosis, however small against the mean; none has NaN (pandas 3). Where
        # the spread is within rounding of the mean, both are rounding noise and only the NaN-or-not must agree.
        noise = numbers.std() <= 1e-6 * max(1.0, abs(numbers.mean()))
        for mine, theirs in ((n.skewness, numbers.skew()), (n.kurtosis, numbers.kurt())):
            assert close(mine, theirs, rtol=1e-7, atol=1e-7) or (noise and math.isnan(theirs) == math.isnan(mine))
        assert n.zeros == int((numbers == 0).sum())
        assert n.negatives == int((numbers < 0).sum())
        if not n.quantiles_approximate:
            for q, v in n.quantiles.items():
                assert close(v, numbers.quantile(float(q)), rtol=1e-12), q
            if len(numbers) and n.histogram.edges:  # numpy's histogram over the profile's edges
                expected, _ = np.histogram(numbers.to_numpy(), bins=np.asarray(n.histogram.edges))
                assert list(n.histogram.counts) == expected.tolist()


def check_table(profile: TableProfile, df: pd.DataFrame, config: ProfileConfig) -> None:
    assert profile.rows == len(df)
    assert profile.columns == df.shape[1]
    # A missing cell is missing however it is spelled (null, blank, an NA token), as when pandas reads a CSV.
    values = df.astype("string")
    values = values.apply(lambda column: column.where(~_missing(column, config)))
    assert profile.duplicate_rows == int(values.duplicated().sum())
    assert profile.missing_cells == sum(len(df) - len(present_values(df[name], config)) for name in df.columns)
    for name in df.columns:
        check_column(profile.column(str(name)), df[name], config)


def profile_in_byte_ranges(
    data: bytes, dialect: Dialect, bounds: list[tuple[int, int]], options: ReadOptions
) -> tuple[TableProfiler, ParseReport]:
    """The file's byte-range parts read and profiled apart (each as its report says it was read), stored, and
    merged by a parent with its own default configuration, as the processor's coordinator merges them."""
    merged = TableProfiler(ProfileConfig())
    merged_report: ParseReport | None = None
    for start, end in bounds:
        reader = open_table(io.BytesIO(data[start:]), byte_range=(start, end), dialect=dialect, options=options)
        part = TableProfiler(ProfileConfig().as_read(reader.report))
        for chunk in reader.chunks():
            part.update(chunk)
        merged.merge(TableProfiler.from_bytes(part.to_bytes(), ProfileConfig()))
        if merged_report is None:
            merged_report = reader.report
        else:
            merged_report.merge(reader.report, line_offset=merged_report.lines_read)
    assert merged_report is not None
    return merged, merged_report


def assert_same(a: Any, b: Any, path: str = "") -> None:
    """Equal, floats to 1e-9 (merged moments round differently than one pass)."""
    if isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for k in a:
            assert_same(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9), (path, a, b)
    else:
        assert a == b, (path, a, b)

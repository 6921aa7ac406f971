"""The profile engine against pandas' own exact computations, and independent of chunking."""

import io

import numpy as np
import pandas as pd
import pytest

from services.processor.profiling import TableProfiler, sniff_delimiter


def _csv(rows: int = 3000, seed: int = 3) -> str:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "id": np.arange(rows),
            "amount": rng.normal(100, 15, rows).round(3),
            "qty": rng.integers(-5, 50, rows),
            "flag": rng.choice(["true", "false"], rows),
            "day": pd.date_range("2026-01-01", periods=rows, freq="h").strftime("%Y-%m-%dT%H:%M:%S"),
            "city": rng.choice(["Köln", "Paris", "Osaka", "Lima"], rows),
        }
    )
    frame.loc[rng.choice(rows, rows // 10, replace=False), "amount"] = np.nan
    frame.loc[rng.choice(rows, rows // 20, replace=False), "city"] = np.nan
    return frame.to_csv(index=False)


def _profile(text: str, chunk_rows: int, distinct_limit: int = 100_000) -> TableProfiler:
    profiler = TableProfiler(distinct_limit=distinct_limit)
    for chunk in pd.read_csv(io.StringIO(text), dtype=str, chunksize=chunk_rows):
        profiler.update(chunk)
    return profiler


def test_statistics_equal_pandas_exact_values():
    text = _csv()
    expected = pd.read_csv(io.StringIO(text))
    profiler = _profile(text, chunk_rows=700)
    columns = {c.name: c for c in profiler.columns()}

    assert profiler.rows == len(expected)
    assert profiler.missing_cells == int(expected.isna().sum().sum())
    assert [c.inferred_type for c in profiler.columns()] == [
        "integer",
        "float",
        "integer",
        "boolean",
        "datetime",
        "text",
    ]
    for name in ("amount", "qty", "id"):
        column = columns[name]
        assert column.missing == int(expected[name].isna().sum())
        assert column.distinct == expected[name].nunique()
        assert column.mean == pytest.approx(expected[name].mean(), rel=1e-12)
        assert float(column.min_value) == expected[name].min()
        assert float(column.max_value) == expected[name].max()
    assert columns["city"].distinct == expected["city"].nunique()
    assert columns["city"].min_value == expected["city"].min()
    assert columns["city"].max_value == expected["city"].max()
    assert columns["day"].min_value.startswith("2026-01-01T00:00:00")


@pytest.mark.parametrize("chunk_rows", [1, 7, 1000, 10_000])
def test_result_does_not_depend_on_chunking(chunk_rows):
    text = _csv(rows=400)
    chunked, whole = _profile(text, chunk_rows).columns(), _profile(text, 400).columns()
    # Every statistic is identical; the float mean may differ in its last bits (summation order).
    for a, b in zip(chunked, whole, strict=True):
        assert a.mean == b.mean or a.mean == pytest.approx(b.mean, rel=1e-12)
    assert [c.__dict__ | {"mean": None} for c in chunked] == [c.__dict__ | {"mean": None} for c in whole]


def test_one_bad_value_late_in_the_file_demotes_the_type():
    text = "n\n" + "\n".join(str(i) for i in range(100)) + "\nabc\n"
    (column,) = _profile(text, chunk_rows=10).columns()
    assert column.inferred_type == "text"
    assert column.mean is None


def test_distinct_beyond_the_limit_is_marked_approximate():
    text = "n\n" + "\n".join(str(i) for i in range(50)) + "\n"
    (column,) = _profile(text, chunk_rows=10, distinct_limit=20).columns()
    assert column.distinct_approximate is True
    assert column.distinct == 20  # a lower bound, labelled as such


def test_all_missing_column_is_empty():
    column = _profile("x,y\n,1\n,2\n", chunk_rows=10).columns()[0]
    assert column.inferred_type == "empty"
    assert column.min_value is None and column.max_value is None


def test_huge_integers_stay_exact():
    text = "big\n123456789012345678901234567890\n-5\n"
    (column,) = _profile(text, chunk_rows=10).columns()
    assert column.inferred_type == "integer"
    assert column.max_value == "123456789012345678901234567890"


@pytest.mark.parametrize(
    ("sample", "media_type", "expected"),
    [
        ("a;b;c\n1;2;3\n4;5;6\n", "text/csv", ";"),
        ("a,b\n1,2\n", "text/csv", ","),
        ("a b\n", "text/tab-separated-values", "\t"),
        ("a|b|c\n1|2|3\n4|5|6\n", "text/csv", "|"),
    ],
)
def test_delimiter_detection(sample, media_type, expected):
    assert sniff_delimiter(sample, media_type) == expected

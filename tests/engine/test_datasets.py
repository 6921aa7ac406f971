"""Real-world CSVs bundled inside the vega_datasets package (no network), read by the engine's own reader as a
processor reads an upload: every exact statistic matches pandas' computation on the same file."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest
import vega_datasets

from services.processor.engine import ProfileConfig, TableProfile, TableProfiler, gathered
from services.processor.engine.options import ReadOptions
from services.processor.engine.reading import open_table

from .helpers import check_table, close, present_values

DATA = Path(vega_datasets.__file__).parent / "_data"
CSVS = sorted(p.name for p in DATA.glob("*.csv"))


def _profile(path: Path, config: ProfileConfig) -> TableProfile:
    """Through the reader in small blocks (many chunks), as the processor reads a file."""
    reader = open_table(io.BytesIO(path.read_bytes()), file_name=path.name, options=ReadOptions(block_size=16_384))
    profiler = TableProfiler(config)
    for chunk in gathered(reader.chunks()):
        profiler.update(chunk)
    assert not reader.report.problem_rows, reader.report.issues
    return profiler.finish(reader.report)


def test_every_bundled_csv_is_checked() -> None:
    assert len(CSVS) >= 8, CSVS  # a vega_datasets that ships fewer would leave this test checking less


@pytest.mark.parametrize("name", CSVS)
def test_bundled_csv(name: str) -> None:
    config = ProfileConfig()
    profile = _profile(DATA / name, config)
    df = pd.read_csv(DATA / name, dtype="string", keep_default_na=False)
    check_table(profile, df, config)
    # Pearson between the numeric columns, over the rows where both are numbers (the table is not sampled).
    assert not profile.correlations_sampled
    numeric = [c.name for c in profile.column_profiles if c.inferred_type in ("integer", "float")]
    numbers = pd.DataFrame(
        {n: pd.to_numeric(present_values(df[n], config).str.strip(), errors="coerce") for n in numeric},
        index=df.index,
    )
    expected = numbers.corr()
    pearson = [c for c in profile.correlations if c.method == "pearson"]
    assert len(pearson) == len(numeric) * (len(numeric) - 1) // 2
    for corr in pearson:
        assert close(corr.value, expected.loc[corr.column_a, corr.column_b], rtol=1e-9, atol=1e-12), corr


def test_seattle_weather_types() -> None:
    profile = _profile(DATA / "seattle-weather.csv", ProfileConfig())
    types = {c.name: c.inferred_type for c in profile.column_profiles}
    assert types["date"] == "date" and types["weather"] == "categorical"
    assert types["precipitation"] == "float" and types["temp_max"] == "float"
    dates = profile.column("date").datetime
    assert dates is not None and dates.granularity == "day"
    days = pd.to_datetime(pd.read_csv(DATA / "seattle-weather.csv")["date"])
    assert (dates.min[:10], dates.max[:10]) == (str(days.min().date()), str(days.max().date()))
    assert dates.iso_share == 0.0  # written 2012/01/01: dates as text that is not ISO 8601
    assert ("TYPE_DATE", "date") in {(a.code, a.column) for a in profile.alerts}

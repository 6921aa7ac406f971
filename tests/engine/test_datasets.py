"""Real-world CSVs bundled inside the vega_datasets package (no network): exact statistics match pandas."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import vega_datasets

from services.processor.engine import ProfileConfig, TableProfiler

from .helpers import check_table

DATA = Path(vega_datasets.__file__).parent / "_data"
CSVS = ["airports.csv", "seattle-weather.csv", "stocks.csv", "iowa-electricity.csv", "la-riots.csv", "sf-temps.csv"]


@pytest.mark.parametrize("name", CSVS)
def test_bundled_csv(name: str) -> None:
    df = pd.read_csv(DATA / name, dtype="string", keep_default_na=False)
    config = ProfileConfig()
    profiler = TableProfiler(config)
    for start in range(0, len(df), 1000):  # chunked like a reader would
        profiler.update(df.iloc[start : start + 1000])
    profile = profiler.finish()
    check_table(profile, df, config)
    assert profile.to_dict()["rows"] == len(df)


def test_seattle_weather_types() -> None:
    df = pd.read_csv(DATA / "seattle-weather.csv", dtype="string", keep_default_na=False)
    profiler = TableProfiler()
    profiler.update(df)
    profile = profiler.finish()
    types = {c.name: c.inferred_type for c in profile.column_profiles}
    assert types["date"] == "date" and types["weather"] == "categorical"
    assert types["precipitation"] == "float" and types["temp_max"] == "float"
    assert profile.column("date").datetime.granularity == "day"  # type: ignore[union-attr]

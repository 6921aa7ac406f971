"""A wide table's profile stays within the processor's memory: its correlation sample holds only its first columns."""

from __future__ import annotations

import numpy as np
import pandas as pd

from services.processor.engine import ProfileConfig, TableProfiler, codec, profile_dataframe
from services.processor.engine.model import TableProfile


def _wide(rows: int = 5000) -> pd.DataFrame:
    """a ~ b and d ~ e (numbers), c text: with 3 columns sampled, only a and b can be correlated."""
    rng = np.random.default_rng(3)
    a = rng.normal(size=rows)
    d = rng.normal(size=rows)
    frame = pd.DataFrame(
        {
            "a": a,
            "b": a * 2 + rng.normal(scale=0.01, size=rows),
            "c": rng.choice(["x", "y", "z"], rows),
            "d": d,
            "e": -d,
        }
    )
    return frame.astype(str).astype("string")


def _pairs(profile: TableProfile) -> set[tuple[str, str, str]]:
    return {(c.method, c.column_a, c.column_b) for c in profile.correlations}


def test_correlations_are_found_among_the_first_sampled_columns() -> None:
    frame = _wide()
    everything = profile_dataframe(frame)
    assert ("pearson", "d", "e") in _pairs(everything)  # the same table with every column sampled

    config = ProfileConfig(correlation_sample_columns=3, correlation_sample_size=20_000, correlation_sample_cells=9000)
    profile = profile_dataframe(frame, config)
    assert _pairs(profile) == {("pearson", "a", "b"), ("spearman", "a", "b")}
    # The cells bound is shared by the 3 sampled columns, not by all 5: 3,000 rows (1,800 with all 5).
    assert profile.correlations_sampled and profile.correlation_sample_size == 3000
    wide_sample = profile_dataframe(frame, ProfileConfig(correlation_sample_size=20_000, correlation_sample_cells=9000))
    assert wide_sample.correlation_sample_size == 1800


def test_parts_of_a_wide_table_merge_to_its_one_pass_sample() -> None:
    frame = _wide(3000)
    config = ProfileConfig(correlation_sample_columns=2, correlation_sample_size=500)
    merged = TableProfiler(config)
    for start in range(0, 3000, 1000):
        part = TableProfiler(config)
        part.update(frame.iloc[start : start + 1000])
        merged.merge(TableProfiler.from_bytes(part.to_bytes(), config))
    one = profile_dataframe(frame, config)
    two = merged.finish()
    assert two.correlation_sample_size == one.correlation_sample_size == 500
    assert [(c.method, c.column_a, c.column_b, c.value) for c in two.correlations] == [
        (c.method, c.column_a, c.column_b, c.value) for c in one.correlations
    ]
    assert merged.sample.names == ["a", "b"]


def test_a_part_state_that_sampled_every_column_still_merges() -> None:
    """A part profiled by a processor of an earlier version (every column sampled) meets one of this version during
    a rolling upgrade: its sample's other columns are dropped."""
    frame = _wide(2000)
    config = ProfileConfig(correlation_sample_columns=2, correlation_sample_size=500)
    everything = ProfileConfig(correlation_sample_columns=10, correlation_sample_size=500)
    old = TableProfiler(everything)
    old.update(frame.iloc[:1000])
    state = codec.loads(old.to_bytes())
    assert list(state["sample"]) == ["a", "b", "c", "d", "e"]
    new = TableProfiler(config)
    new.update(frame.iloc[1000:])
    new.merge(TableProfiler.from_bytes(old.to_bytes(), config))
    profile = new.finish()
    assert profile.correlation_sample_size == 500
    assert _pairs(profile) == {("pearson", "a", "b"), ("spearman", "a", "b")}
    assert _pairs(profile_dataframe(frame, config)) == _pairs(profile)


def test_a_wide_tables_columns_share_the_frequent_items_budget_and_their_top_values_stay_within_the_error() -> None:
    """Each sketched column's frequent-items map holds a share of the table's (4,000 columns: 64 slots, not 1,024:
    3,000 sketched columns of 2,500 rows held 90 MiB). A smaller map has a larger error, which the profile reports;
    a value that stands out above it is still listed, its count within it."""
    config = ProfileConfig()
    assert [config.for_columns(n).frequent_items_lg_max_map_size for n in (7, 256, 400, 4000)] == [10, 10, 9, 6]
    rows, width = 6000, 300
    rng = np.random.default_rng(11)
    hot = rng.random(rows) < 0.3
    data = {
        f"c{i}": np.where(hot, "HOT", np.char.add(f"v{i}-", rng.integers(0, 10**6, rows).astype(str)))
        for i in range(width)
    }
    frame = pd.DataFrame(data).astype("string")
    small = ProfileConfig(frequent_items_total_map_size=300 * 16, exact_distinct_total=300 * 50)
    assert small.for_columns(width).frequent_items_lg_max_map_size == 6  # (at least 64 slots)
    profiler = TableProfiler(small)
    for start in range(0, rows, 500):
        profiler.update(frame.iloc[start : start + 500])
    profile = profiler.finish()
    truth = int(hot.sum())
    for column in profile.column_profiles:
        assert column.top_values_approximate and column.top_values[0].value == "HOT"
        assert abs(column.top_values[0].count - truth) <= column.top_values_error
        frequent = profiler.columns[column.position].distinct.frequent
        assert frequent is not None and frequent.num_active_items <= 48  # 3/4 of 64 slots

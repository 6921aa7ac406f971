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

"""Exact statistics against pandas on generated data."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd

from services.processor.engine import ProfileConfig, TableProfiler, profile_dataframe
from services.processor.engine.reading import ReadOptions, open_table

from .helpers import check_table, close, present_values


def generated(n: int = 3000, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ints = rng.integers(-1000, 1000, n).astype(str).astype(object)
    ints[rng.random(n) < 0.05] = None
    floats = np.round(rng.normal(50, 20, n), 3).astype(str).astype(object)
    floats[rng.random(n) < 0.03] = ""
    floats[rng.random(n) < 0.02] = "NA"
    days = pd.to_datetime("2020-01-01") + pd.to_timedelta(rng.integers(0, 1000, n), unit="D")
    cats = rng.choice(["red", "green", "blue", "amber"], n, p=[0.5, 0.3, 0.15, 0.05])
    words = np.array(["lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing"])
    text = [" ".join(rng.choice(words, rng.integers(1, 6))) for _ in range(n)]
    emails = [f"user{i}@example.com" for i in rng.integers(0, 10**6, n)]
    return pd.DataFrame(
        {
            "int": ints,
            "float": floats,
            "date": days.strftime("%Y-%m-%d"),
            "cat": cats,
            "text": text,
            "email": emails,
            "flag": rng.choice(["true", "false"], n),
        }
    ).astype("string")


def test_exact_statistics_match_pandas() -> None:
    df = generated()
    config = ProfileConfig()
    profile = profile_dataframe(df, config)
    check_table(profile, df, config)
    types = {c.name: c.inferred_type for c in profile.column_profiles}
    assert types == {
        "int": "integer",
        "float": "float",
        "date": "date",
        "cat": "categorical",
        "text": "text",
        "email": "text",
        "flag": "boolean",
    }
    assert profile.column("email").semantic == "email"
    assert profile.column("date").datetime is not None
    assert profile.column("date").datetime.granularity == "day"
    assert profile.column("float").missing_empty > 0 and profile.column("float").missing_tokens > 0


def test_correlations_match_pandas_when_unsampled() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=500)
    df = pd.DataFrame({"x": x, "y": 2 * x + 0.3 * rng.normal(size=500), "z": rng.exponential(size=500)}).round(6)
    profile = profile_dataframe(df)
    assert not profile.correlations_sampled and profile.correlation_sample_size == 500
    numbers = df.astype("string").astype("float64")
    for method in ("pearson", "spearman"):
        expected = numbers.corr(method=method)
        got = {(c.column_a, c.column_b): c.value for c in profile.correlations if c.method == method}
        for (a, b), value in got.items():
            assert close(value, expected.loc[a, b], rtol=1e-9)
        assert len(got) == 3
    assert any(a.code == "HIGH_CORRELATION" for a in profile.alerts)


def _cramers_v_by_crosstab(a: pd.Series, b: pd.Series) -> float:
    """The definition: chi-square of the crosstab of rows where both are present, bias-corrected (Bergsma 2013, as
    ydata-profiling computes it)."""
    table = pd.crosstab(a, b).to_numpy(dtype=np.float64)  # crosstab leaves out rows with a missing value
    n = table.sum()
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / n
    phi2 = ((table - expected) ** 2 / expected).sum() / n
    r, k = table.shape
    phi2 = max(0.0, phi2 - (k - 1) * (r - 1) / (n - 1))
    r, k = r - (r - 1) ** 2 / (n - 1), k - (k - 1) ** 2 / (n - 1)
    return float(np.sqrt(phi2 / min(k - 1, r - 1)))


def test_cramers_v_matches_the_crosstab_definition_when_unsampled() -> None:
    rng = np.random.default_rng(11)
    n = 4000
    colour = rng.choice(["red", "green", "blue", "amber"], n)
    # Leans on colour, with its own categories and missing cells (empty, an NA token) in both columns.
    size = np.where(rng.random(n) < 0.6, np.char.add("size-", colour), rng.choice(["s", "m", "l"], n)).astype(object)
    size[rng.random(n) < 0.05] = ""
    colour = colour.astype(object)
    colour[rng.random(n) < 0.03] = "NA"
    # A category seen only where size is missing: not in that pair's table at all.
    shade = np.where(size == "", "unsized", np.char.add("light-", colour.astype(str)))
    df = pd.DataFrame(
        {
            "colour": colour,
            "size": size,
            "flag": rng.choice(["yes", "no"], n),
            "relabelled": pd.Series(colour).map({"red": "r", "green": "g", "blue": "b", "amber": "a", "NA": "NA"}),
            "shade": shade,
        }
    ).astype("string")
    profile = profile_dataframe(df)
    assert not profile.correlations_sampled
    got = {(c.column_a, c.column_b): c.value for c in profile.correlations if c.method == "cramers_v"}
    assert set(got) == {(a, b) for i, a in enumerate(df.columns) for b in df.columns[i + 1 :]}
    present = df.mask(df.isin(["", "NA"]))
    for (a, b), value in got.items():
        assert close(value, _cramers_v_by_crosstab(present[a], present[b]), rtol=1e-12)
    assert close(got[("colour", "relabelled")], 1.0, rtol=1e-12)  # one is the other renamed
    assert 0.5 < got[("colour", "size")] < 1.0 and got[("colour", "flag")] < 0.1
    assert any(a.code == "HIGH_CORRELATION" and "relabelled" in a.message for a in profile.alerts)


def test_few_rows_of_many_categories_are_not_read_as_associated() -> None:
    """20 rows, 10 stores twice against a segment that does not depend on them: uncorrected, V was 0.94 and
    HIGH_CORRELATION said they were highly correlated; bias-corrected (as ydata-profiling) it is 0.66."""
    store = ["s2", "s6", "s2", "s7", "s1", "s9", "s8", "s3", "s4", "s4", "s6", "s5", "s9", "s3", "s8", "s1", "s0"]
    store += ["s7", "s0", "s5"]
    df = pd.DataFrame({"store": store, "segment": list("BABBBBABABAABBABBBBA")}, dtype="string")
    profile = profile_dataframe(df)
    (v,) = [c.value for c in profile.correlations if c.method == "cramers_v"]
    assert close(v, _cramers_v_by_crosstab(df["store"], df["segment"]), rtol=1e-12) and v < 0.7
    assert "HIGH_CORRELATION" not in {a.code for a in profile.alerts}


def test_a_boolean_written_several_ways_is_one_pair_of_categories_for_cramers_v() -> None:
    """A flag written yes/Y/true and no/N/false, and a tier that follows it exactly: V is 1 and the pair is
    alerted on. Coded by spelling, the flag had six categories against the tier's two and V was 0.6."""
    rng = np.random.default_rng(5)
    flag = rng.random(3000) < 0.4
    written = np.where(flag, rng.choice(["yes", "Y", "true"], 3000), rng.choice(["no", "N", "false"], 3000))
    df = pd.DataFrame({"member": written, "tier": np.where(flag, "gold", "basic")}).astype("string")
    profile = profile_dataframe(df)
    assert profile.column("member").inferred_type == "boolean"
    (v,) = [c.value for c in profile.correlations if c.method == "cramers_v"]
    assert close(v, 1.0, rtol=1e-12)
    assert close(v, _cramers_v_by_crosstab(pd.Series(flag), df["tier"]), rtol=1e-12)
    assert any(a.code == "HIGH_CORRELATION" and "member" in a.message for a in profile.alerts)


def test_sketched_statistics_within_bounds() -> None:
    rng = np.random.default_rng(5)
    n = 60_000
    values = rng.normal(0, 1, n)
    df = pd.DataFrame({"v": values.astype(str), "id": [f"id{i}" for i in range(n)]}).astype("string")
    config = ProfileConfig(exact_distinct_limit=1000, exact_quantile_limit=1000, correlation_sample_size=500)
    profiler = TableProfiler(config)
    for start in range(0, n, 7000):
        profiler.update(df.iloc[start : start + 7000])
    profile = profiler.finish()
    col = profile.column("v")
    assert col.distinct_approximate
    low, high = col.distinct_bounds
    assert low <= n <= high and abs(col.distinct - n) / n < 0.05
    numeric = col.numeric
    assert numeric is not None and numeric.quantiles_approximate
    eps = numeric.quantile_rank_error
    assert 0 < eps < 0.05
    ordered = np.sort(values)
    for q, v in numeric.quantiles.items():
        rank = np.searchsorted(ordered, v) / n
        assert abs(rank - float(q)) <= 2 * eps, q
    # moments stay exact whatever the sketches do
    assert close(numeric.mean, float(pd.Series(values).mean()), atol=1e-12)
    assert close(numeric.std, float(pd.Series(values).std()))
    assert profile.correlations_sampled and profile.correlation_sample_size == 500
    assert profile.duplicate_rows == 0


def test_sketched_top_values_list_only_values_that_stand_out() -> None:
    # An id column has no frequent value: a sketch's estimate for any id is mostly its error, so none is
    # listed. A column where one value is a fifth of the rows lists that value, its count within the error.
    n = 60_000
    rng = np.random.default_rng(8)
    hot = np.where(rng.random(n) < 0.2, "HOT", np.char.add("u", np.arange(n).astype(str)))
    df = pd.DataFrame({"id": [f"id{i}" for i in range(n)], "hot": hot}).astype("string")
    profiler = TableProfiler(ProfileConfig(exact_distinct_limit=1000))
    for start in range(0, n, 7000):
        profiler.update(df.iloc[start : start + 7000])
    profile = profiler.finish()
    ids, skewed = profile.column("id"), profile.column("hot")
    assert ids.top_values_approximate and ids.top_values == ()
    assert skewed.top_values_approximate and [t.value for t in skewed.top_values] == ["HOT"]
    truth = int((hot == "HOT").sum())
    assert abs(skewed.top_values[0].count - truth) <= skewed.top_values_error < truth


def test_a_value_repeated_in_every_chunk_of_a_high_cardinality_column_stands_out() -> None:
    # Each chunk: 1,000 values seen once, "A" three times, "B" once; "C" twice in one. Only values seen twice or more
    # in a chunk feed the frequent-items sketch (the others are left out either way, which the error counts),
    # so the sketch's error stays small enough for "A" (60 in all) to be listed; "B" (20) is within the error.
    chunks, size = 20, 1000
    values: list[str] = []
    for c in range(chunks):
        rows = [f"u{c}-{i}" for i in range(size)]
        rows[10] = rows[500] = rows[900] = "A"
        rows[700] = "B"
        if c == 0:  # twice, and counted exactly, but "B" (never fed) could be as frequent: not listed
            rows[300] = rows[301] = "C"
        values += rows
    df = pd.DataFrame({"spread": values}).astype("string")
    profiler = TableProfiler(ProfileConfig(exact_distinct_limit=100, frequent_items_lg_max_map_size=3))
    for start in range(0, len(df), size):
        profiler.update(df.iloc[start : start + size])
    col = profiler.finish().column("spread")
    assert col.top_values_approximate and [t.value for t in col.top_values] == ["A"]
    assert abs(col.top_values[0].count - 3 * chunks) <= col.top_values_error < 3 * chunks
    assert chunks <= col.top_values_error  # "B", not listed, is within it


def test_values_seen_twice_by_the_hundred_are_left_out_so_a_moderately_frequent_value_stands_out() -> None:
    # Each chunk: 1,000 values twice (too many for the sketch's map, and each a Python call to feed), 2,840 once,
    # "WARM" 5 times and "HOT" 100 times. The values seen twice are left out (2 per chunk to the error, where
    # feeding them churned the sketch and took its error past 50), so "WARM" (50 in all) stands out too.
    chunks, rng = 10, np.random.default_rng(4)
    values: list[str] = []
    for c in range(chunks):
        rows = [f"p{c}-{i}" for i in range(1000)] * 2 + [f"u{c}-{i}" for i in range(2840)]
        rows += ["WARM"] * 5 + ["HOT"] * 100
        values += [rows[i] for i in rng.permutation(len(rows))]
    df = pd.DataFrame({"v": values}).astype("string")
    profiler = TableProfiler(ProfileConfig(exact_distinct_limit=100))
    size = len(values) // chunks
    for start in range(0, len(df), size):
        profiler.update(df.iloc[start : start + size])
    col = profiler.finish().column("v")
    assert col.top_values_approximate and [t.value for t in col.top_values] == ["HOT", "WARM"]
    for top, truth in zip(col.top_values, (100 * chunks, 5 * chunks), strict=True):
        assert abs(top.count - truth) <= col.top_values_error
    assert 2 * chunks <= col.top_values_error < 5 * chunks


def test_missing_tokens_configurable() -> None:
    df = pd.DataFrame({"a": ["1", "missing", "NA", " ", "2"]}).astype("string")
    config = ProfileConfig(na_tokens=frozenset({"missing"}))
    col = profile_dataframe(df, config).column("a")
    assert col.missing == 2 and col.missing_tokens == 1 and col.missing_empty == 1
    assert len(present_values(df["a"], config)) == 3
    # Tokens of one character, ending in a digit, or not ASCII: the byte pre-filter must not miss any.
    tokens = frozenset({"-", "?", "\u2014", "n.a.", "0000"})
    values = ["-", " - ", "--", "?", "\u2014", " \u2014", "\u2013", "n.a.", "N.A.", "0000", "00000", "1", "a-"]
    df = pd.DataFrame({"a": values}).astype("string")
    config = ProfileConfig(na_tokens=tokens)
    col = profile_dataframe(df, config).column("a")
    assert col.missing_tokens == 7 and col.missing == len(values) - len(present_values(df["a"], config))


def test_to_dict_is_json_serialisable() -> None:
    import json

    df = pd.DataFrame({"a": ["1", "inf", "2"], "b": ["x", "y", "z"]}).astype("string")
    data = profile_dataframe(df).to_dict()
    json.dumps(data, allow_nan=False)
    assert True
    assert data["column_profiles"][0]["numeric"]["infinite"] == 1


def test_value_hash_independent_of_neighbours() -> None:
    import pyarrow as pa

    from services.processor.engine.hashing import hash_strings

    together = hash_strings(pa.array(["0", "null", "", "null", "é", ""]))
    alone = [int(hash_strings(pa.array([v]))[0]) for v in ["0", "null", "", "null", "é", ""]]
    assert together.tolist() == alone
    assert len(set(alone)) == 4


def test_repeated_values_do_not_use_up_the_exact_byte_budget() -> None:
    # 20 distinct 10-byte values take 200 bytes, whatever how often and in how many chunks they come.
    values = [f"value-{i:04d}" for i in range(20)]
    config = ProfileConfig(exact_distinct_bytes=1000)
    profiler = TableProfiler(config)
    parts = [TableProfiler(config) for _ in range(2)]
    for chunk in range(30):
        frame = pd.DataFrame({"v": values * 5}).astype("string")
        profiler.update(frame)
        parts[chunk % 2].update(frame)
    parts[0].merge(parts[1])
    for profile in (profiler.finish(), parts[0].finish()):
        column = profile.column("v")
        assert not column.distinct_approximate and column.distinct == 20
        assert [t.count for t in column.top_values] == [150] * 10


def test_a_column_of_uuids_is_counted_exactly_up_to_the_limit_and_wide_tables_share_the_bytes() -> None:
    """70,000 UUIDs (36 bytes each, 2.5 MB) are within the 100,000 values counted exactly: a 2 MiB text budget
    sketched them, and the UNIQUE alert came from the sketch's bounds. Many columns share the text budget."""
    import uuid

    rng = np.random.default_rng(4)
    ids = [str(uuid.UUID(bytes=rng.bytes(16), version=4)) for _ in range(70_000)]
    profiler = TableProfiler()
    for start in range(0, len(ids), 10_000):
        profiler.update(pd.DataFrame({"id": ids[start : start + 10_000]}, dtype="string"))
    column = profiler.finish().column("id")
    assert not column.distinct_approximate and column.distinct == 70_000
    config = ProfileConfig()
    assert config.for_columns(64).exact_distinct_bytes == config.exact_distinct_total_bytes // 64 < 2 * 1024 * 1024


def test_a_typical_file_is_profiled_exactly_and_a_wide_one_shares_the_exact_budget() -> None:
    # 50,000 rows of an id and a measurement: exact distinct counts, exact quantiles, and the UNIQUE alert
    # (which needs an exact count) for the id, as any profiler would give on a file this size.
    n = 50_000
    rng = np.random.default_rng(3)
    measured = rng.normal(100, 15, n).round(6)
    df = pd.DataFrame({"id": np.arange(n).astype(str), "value": measured.astype(str)}).astype("string")
    profiler = TableProfiler()
    for start in range(0, n, 8000):
        profiler.update(df.iloc[start : start + 8000])
    profile = profiler.finish()
    ids, values = profile.column("id"), profile.column("value")
    assert not ids.distinct_approximate and ids.distinct == n
    assert ("UNIQUE", "id") in {(a.code, a.column) for a in profile.alerts}
    assert values.numeric is not None and not values.numeric.quantiles_approximate
    assert values.numeric.quantiles["0.5"] == float(np.median(measured))
    # 100 columns of 10,000 distinct values each: 1,000,000 exact values would exceed the table's budget
    # (500,000), so each column keeps at most 5,000 and goes over to its sketch.
    wide = pd.DataFrame({f"c{i}": (np.arange(10_000) + i).astype(str) for i in range(100)}).astype("string")
    columns = profile_dataframe(wide).column_profiles
    assert all(c.distinct_approximate for c in columns)
    assert all(c.distinct_bounds[0] <= 10_000 <= c.distinct_bounds[1] for c in columns)


def test_a_sketched_column_that_looks_unique_gets_an_approximate_unique_alert() -> None:
    n = 30_000
    df = pd.DataFrame(
        {
            "id": [f"id{i}" for i in range(n)],  # unique
            "spread": [f"w{i}" if i % 1000 else "hot" for i in range(n)],  # "hot" once per chunk, 30 times
        }
    ).astype("string")
    profiler = TableProfiler(ProfileConfig(exact_distinct_limit=1000))
    for start in range(0, n, 5000):
        profiler.update(df.iloc[start : start + 5000])
    profile = profiler.finish()
    unique = {a.column: a for a in profile.alerts if a.code == "UNIQUE"}
    assert all(profile.column(c).distinct_approximate for c in df.columns)
    assert "approximate" in unique["id"].message and not profile.column("id").repeated_values
    # (A single repeat chunks apart can go unseen by the sketches: "approximate" in the sentence admits it.)
    # Thirty copies spread one per chunk: the frequent-items sketch counts "hot" more than once for sure.
    assert profile.column("spread").repeated_values and "spread" not in unique


def test_integers_beyond_2_to_the_53_keep_exact_min_max_and_sum() -> None:
    """Ids and amounts in cents reach 18 digits, where float64 rounds (audit: a sum of 1 came out 0); the
    integer column's min, max and sum are exact, as pandas' int64 are, in one pass and from parts."""
    rng = np.random.default_rng(53)
    values = rng.integers(-(10**18) + 1, 10**18, 5000, dtype=np.int64)
    values[:2] = [9007199254740993, -9007199254740992]
    text = [f"+{v}" if i % 7 == 0 and v > 0 else str(v) for i, v in enumerate(values.tolist())]
    frame = pd.DataFrame({"n": text}).astype("string")
    expected = pd.Series(values)
    one = profile_dataframe(frame).column("n")
    parts = TableProfiler()
    for start in range(0, 5000, 1500):
        part = TableProfiler()
        part.update(frame.iloc[start : start + 1500])
        parts.merge(TableProfiler.from_bytes(part.to_bytes()))
    for column in (one, parts.finish().column("n")):
        assert column.inferred_type == "integer" and column.numeric is not None
        assert (column.numeric.min, column.numeric.max) == (int(expected.min()), int(expected.max()))
        assert column.numeric.sum == sum(values.tolist())  # Python ints: pandas' int64 sum would wrap around


def test_an_integer_columns_mean_is_its_exact_sum_over_its_count() -> None:
    """Streamed float moments rounded beyond 2**53, differently by chunking (audit: a mean of 0.5556 in one pass
    and 0.3333 from parts, for a sum of 1 over 3 values)."""
    frame = pd.DataFrame({"n": ["99999999999999999", "-99999999999999999", "1"], "f": ["1.5", "3", "2"]})
    frame = frame.astype("string")
    one = profile_dataframe(frame)
    parts = TableProfiler()
    for start in range(3):
        part = TableProfiler()
        part.update(frame.iloc[start : start + 1])
        parts.merge(TableProfiler.from_bytes(part.to_bytes()))
    for profile in (one, parts.finish()):
        numeric = profile.column("n").numeric
        assert numeric is not None and (numeric.sum, numeric.mean) == (1, 1 / 3)
        floats = profile.column("f").numeric
        assert floats is not None and (floats.min, floats.max) == (1.5, 3.0) and isinstance(floats.max, float)


def test_numbers_configured_as_missing_stay_out_of_correlations() -> None:
    # "-999" marks a missing reading here: the column profile counts it missing, and the correlations leave it
    # out too (read as a number, it would pull Pearson's r of y = 2x far from 1).
    rng = np.random.default_rng(11)
    x = rng.normal(0, 1, 400)
    xs = [f"{v:.6f}" for v in x]
    ys = [f"{2 * v:.6f}" for v in x]
    for i in range(0, 400, 10):
        xs[i], ys[i] = "-999", f"{rng.normal(50, 1):.6f}"
    df = pd.DataFrame({"x": xs, "y": ys}).astype("string")
    config = ProfileConfig(na_tokens=frozenset({"", "NA", "-999"}))
    profile = profile_dataframe(df, config)
    assert profile.column("x").missing_tokens == 40
    pearson = next(c for c in profile.correlations if c.method == "pearson")
    assert close(pearson.value, 1.0, rtol=1e-9)


def test_rows_differing_only_in_how_a_missing_cell_is_written_are_duplicates() -> None:
    """An empty cell, NA, NULL, null, a blank and a cell missing from a short row are all missing: rows that
    differ only there are duplicates, as pandas counts them after reading the CSV (each spelling was hashed as
    its text, so none of these rows were duplicates)."""
    data = b"a,b\n1,\n1,NA\n1,NULL\n1,null\n1,  \n1\n2,x\n2,x\n"
    reader = open_table(io.BytesIO(data), file_name="missing.csv", options=ReadOptions())
    profiler = TableProfiler(ProfileConfig().as_read(reader.report))
    for chunk in reader.chunks():
        profiler.update(chunk)
    profile = profiler.finish()
    expected = pd.read_csv(io.BytesIO(data), skipinitialspace=True).duplicated().sum()
    assert profile.duplicate_rows == expected == 6
    assert profile.column("b").missing == 6


def test_a_time_among_dates_makes_a_datetime_column_as_pandas_reads_it() -> None:
    """19 dates and one timestamp: pandas reads a datetime column of 20 valid values. The profile called it a
    date column with the timestamp invalid (and a MIXED_TYPES alert), as a float among integers once was."""
    values = [f"2020-01-{d:02d}" for d in range(1, 20)] + ["2020-01-05 10:30:00"]
    profile = profile_dataframe(pd.DataFrame({"when": values}, dtype="string"))
    column, expected = profile.column("when"), pd.to_datetime(pd.Series(values), format="ISO8601")
    assert column.inferred_type == "datetime" and column.invalid == 0
    assert column.datetime is not None and column.datetime.granularity == "minute"
    assert (column.datetime.min, column.datetime.max) == (
        expected.min().tz_localize("UTC").isoformat(),
        expected.max().tz_localize("UTC").isoformat(),
    )
    assert "MIXED_TYPES" not in {a.code for a in profile.alerts}


def test_a_frame_of_rows_without_columns_is_profiled() -> None:
    """profile_dataframe(pd.DataFrame(index=range(3))) stopped with an IndexError; its rows are counted, none a
    duplicate (as pandas' duplicated says)."""
    profile = profile_dataframe(pd.DataFrame(index=range(3)))
    assert (profile.rows, profile.columns) == (3, 0)
    assert profile.duplicate_rows == int(pd.DataFrame(index=range(3)).duplicated().sum()) == 0


def test_a_numeric_column_counts_numbers_not_spellings() -> None:
    """ "7", "+7", "007" and " 7" are one number to pandas, and "-0" is 0: a column of numbers only counts its
    distinct and top values by number (each shown as it is most often written, then shortest), in one pass and
    from parts. A column with other text among its numbers is text to pandas, its values compared as written."""
    data = b"i,f,t,c\n7,1.0,7,5\n+7,1,+7,5.0\n007,1.00,x,+5\n-0,2.5,-0,5\n0,2.50,0,05\n 7,2.5,7,5.00\n3,3,3,5\n"
    expected = pd.read_csv(io.BytesIO(data))
    reader = open_table(io.BytesIO(data), file_name="spellings.csv", options=ReadOptions())
    one = TableProfiler(ProfileConfig().as_read(reader.report))
    parts = TableProfiler(ProfileConfig().as_read(reader.report))
    for chunk in reader.chunks():
        one.update(chunk)
        for start in range(0, chunk.num_rows, 3):
            part = TableProfiler(ProfileConfig().as_read(reader.report))
            part.update(chunk.slice(start, 3))
            parts.merge(TableProfiler.from_bytes(part.to_bytes()))
    for profile in (one.finish(), parts.finish()):
        i, f, t = (profile.column(name) for name in "ift")
        assert (i.inferred_type, f.inferred_type) == ("integer", "float")
        assert (i.distinct, f.distinct, t.distinct) == tuple(expected[c].nunique() for c in "ift") == (3, 3, 6)
        assert [(v.value, v.count) for v in i.top_values] == [("7", 4), ("0", 2), ("3", 1)]
        assert [(v.value, v.count) for v in f.top_values] == [("1", 3), ("2.5", 3), ("3", 1)]
        assert expected["i"].value_counts().to_dict() == {7: 4, 0: 2, 3: 1}
        assert (i.uniqueness, t.top_values[0].value, t.top_values[0].count) == (3 / 7, "7", 2)
        assert i.repeated_values  # every text once, but 7 four times and 0 twice
        constant = profile.column("c")  # five spellings of 5: one value, as pandas reads the column
        assert (constant.distinct, expected["c"].nunique(), constant.top_values[0].value) == (1, 1, "5")
        assert {a.column for a in profile.alerts if a.code == "CONSTANT"} == {"c"}

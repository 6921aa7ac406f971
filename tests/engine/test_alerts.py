"""Each alert fires on a frame built for it, and none fires on a clean frame; quality score components."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from services.processor.engine import ParseReport, ProfileConfig, TableProfiler, profile_dataframe
from services.processor.engine.alerts import column_alerts
from services.processor.engine.hashing import hash_strings


def codes(df: pd.DataFrame, report: ParseReport | None = None, **config: object) -> set[str]:
    profile = profile_dataframe(df.astype("string"), ProfileConfig(**config), report)  # type: ignore[arg-type]
    for alert in profile.alerts:
        assert alert.message and alert.severity in ("info", "warning", "error")
    return {a.code for a in profile.alerts}


def clean() -> pd.DataFrame:
    rng = np.random.default_rng(2)
    n = 400
    return pd.DataFrame(
        {
            "amount": rng.normal(100, 15, n).round(2),
            "score": rng.gamma(2.0, 2.0, n).round(3),
            "group": rng.choice(["north", "south", "east", "west", "central"], n, p=[0.3, 0.25, 0.2, 0.15, 0.1]),
            "when": (pd.Timestamp("2022-01-01") + pd.to_timedelta(rng.integers(0, 300, n), unit="D")).strftime(
                "%Y-%m-%d"
            ),
        }
    )


def test_clean_frame_has_no_alerts() -> None:
    assert codes(clean()) == set()


N = 200
rng = np.random.default_rng(9)
CASES: dict[str, pd.DataFrame] = {
    "CONSTANT": pd.DataFrame({"a": ["x"] * N}),
    "ZEROS": pd.DataFrame({"a": [0] * 50 + list(range(1, 151))}),
    "HIGH_CORRELATION": pd.DataFrame({"a": np.arange(N), "b": np.arange(N) * 3 + 1}),
    "HIGH_CARDINALITY": pd.DataFrame({"a": [f"w{i % 120}" for i in range(N)]}),
    "UNSUPPORTED": pd.DataFrame({"a": ['{"k": 1}', "[1, 2]"] * (N // 2)}),
    "DUPLICATES": pd.DataFrame({"a": ["1", "2"] * (N // 2), "b": ["x", "y"] * (N // 2)}),
    "SKEWED": pd.DataFrame({"a": [1] * 999 + [10**6]}),
    "IMBALANCE": pd.DataFrame({"a": ["common"] * (N - 2) + ["rare", "other"]}),
    "MISSING": pd.DataFrame({"a": ["1", None, "", "NA"] * (N // 4)}),
    "INFINITE": pd.DataFrame({"a": ["1.5", "inf", "2.5", "-inf"] * (N // 4)}),
    "UNIQUE": pd.DataFrame({"a": [f"id-{i}" for i in range(N)]}),
    "CONSTANT_LENGTH": pd.DataFrame({"a": rng.choice(["AB12", "CD34", "EF56"], N)}),
    "UNIFORM": pd.DataFrame({"a": ["p", "q", "r", "s"] * (N // 4)}),
    "EMPTY": pd.DataFrame({"a": [None, "", "NA"] * 10, "b": ["1"] * 30}),
    "TYPE_DATE": pd.DataFrame({"a": [f"{m:02d}/15/2021" for m in range(1, 13)] * 10}),
    "MIXED_TYPES": pd.DataFrame({"a": [str(i) for i in range(N - 3)] + ["oops", "n/a?", "x"]}),
}


@pytest.mark.parametrize("code", sorted(CASES))
def test_alert_fires(code: str) -> None:
    assert code in codes(CASES[code])


def test_mixed_types_examples() -> None:
    profile = profile_dataframe(CASES["MIXED_TYPES"].astype("string"))
    col = profile.column("a")
    assert col.inferred_type == "integer" and col.invalid == 3
    assert col.invalid_examples == ("n/a?", "oops", "x")
    assert col.numeric is not None and col.numeric.max == N - 4


def test_dates_outside_the_nanosecond_range_are_dates_with_their_real_range() -> None:
    # 9999-12-31 (a common "no end" sentinel) and 1500-06-01 are beyond int64 nanoseconds: pandas parses them in
    # microseconds. They are dates (read as nanoseconds they once wrapped around, then counted as invalid), and
    # the range is theirs, the same in one pass, chunk by chunk (a chunk holding a timestamp with nanoseconds
    # made pandas parse its far dates as NaT) and from merged parts.
    values = [f"2024-01-{d:02d}" for d in range(1, 29)] * 10 + ["9999-12-31", "1500-06-01"]
    col = profile_dataframe(pd.DataFrame({"a": values}).astype("string")).column("a")
    assert col.inferred_type == "date" and col.invalid == 0
    assert col.datetime is not None and col.datetime.granularity == "day"
    assert col.datetime.min.startswith("1500-06-01") and col.datetime.max.startswith("9999-12-31")

    stamps = [f"2024-01-01T10:00:{s:02d}" for s in range(50)] + ["2024-01-02T00:00:00.000000001"]
    stamps += ["9999-12-31T23:59:59", "0001-01-01T00:00:00"]
    df = pd.DataFrame({"t": np.random.default_rng(7).permutation(stamps)}).astype("string")
    one = profile_dataframe(df).column("t")
    chunked, merged = TableProfiler(), TableProfiler()
    for start in range(0, len(df), 10):
        chunked.update(df.iloc[start : start + 10])
        part = TableProfiler()
        part.update(df.iloc[start : start + 10])
        merged.merge(TableProfiler.from_bytes(part.to_bytes()))
    for col in (one, chunked.finish().column("t"), merged.finish().column("t")):
        assert col.inferred_type == "datetime" and col.invalid == 0
        assert col.datetime is not None and col.datetime.granularity == "subsecond"
        assert col.datetime.min.startswith("0001-01-01T00:00:00") and col.datetime.max.startswith("9999-12-31T23:59:59")


def test_mixed_types_examples_are_the_smallest_hashes_whatever_the_chunks() -> None:
    # 40 words among 1,000 integers: more misfits than examples kept. The examples are the misfits with the
    # smallest value hashes (a pseudo-random choice), the same in one pass, chunk by chunk and from merged parts.
    words = [f"w{i:02d}-{'x' * (i % 7)}" for i in range(40)]
    values = [str(i) for i in range(1000)] + words
    df = pd.DataFrame({"a": np.random.default_rng(4).permutation(values)}).astype("string")
    by_hash = sorted(zip(hash_strings(pa.array(words)).tolist(), words, strict=True))
    expected = tuple(sorted(w for _, w in by_hash[:5]))

    one = profile_dataframe(df).column("a")
    chunked = TableProfiler()
    for start in range(0, len(df), 97):
        chunked.update(df.iloc[start : start + 97])
    merged = TableProfiler()
    for start in range(0, len(df), 300):
        part = TableProfiler()
        part.update(df.iloc[start : start + 300])
        merged.merge(TableProfiler.from_bytes(part.to_bytes()))
    for profiler in (chunked, merged):
        col = profiler.finish().column("a")
        assert col.inferred_type == "integer" and col.invalid == 40
        assert col.invalid_examples == one.invalid_examples == expected


@pytest.mark.parametrize(
    ("code", "report"),
    [
        ("RAGGED_ROWS", ParseReport(format="csv", rows_read=400, ragged_rows=3)),
        ("BAD_ENCODING", ParseReport(format="csv", rows_read=400, bad_encoding_rows=2)),
        ("ENCODING_FALLBACK", ParseReport(format="csv", rows_read=400, encoding="latin-1", encoding_fallback=True)),
    ],
)
def test_parse_alerts(code: str, report: ParseReport) -> None:
    assert code in codes(clean(), report)
    assert codes(clean(), ParseReport(format="csv", rows_read=400)) == set()


def test_thresholds_are_configurable() -> None:
    df = pd.DataFrame({"a": ["1", None, "3", "4", "5", "6", "7", "8", "9", "10"]})
    assert "MISSING" in codes(df)
    assert "MISSING" not in codes(df, missing_alert=0.2)


def test_quality_components() -> None:
    perfect = profile_dataframe(clean().astype("string")).quality
    assert perfect.score == 100.0
    assert (perfect.completeness, perfect.validity, perfect.uniqueness, perfect.parse_health) == (1.0, 1.0, 1.0, 1.0)

    df = pd.DataFrame({"a": ["1", "2", "3", "4"] * 10 + [None] * 10, "b": [str(i) for i in range(50)]})
    df.loc[0, "b"] = "bad"  # 1 invalid of 50 present integers in b... b still integer (98%)
    df.loc[49, "a"] = "1"  # and a row
    report = ParseReport(format="csv", rows_read=50, ragged_rows=5, encoding_fallback=True)
    q = profile_dataframe(df.astype("string"), parse_report=report).quality
    assert q.completeness == pytest.approx(1 - 9 / 100)
    assert q.validity == pytest.approx(1 - 1 / 91)
    assert q.uniqueness == 1.0
    assert q.parse_health == pytest.approx((1 - 5 / 50) * 0.9)
    w = ProfileConfig()
    expected = (
        100
        * (
            w.weight_completeness * q.completeness
            + w.weight_validity * q.validity
            + w.weight_uniqueness * q.uniqueness
            + w.weight_parse_health * q.parse_health
        )
        / (w.weight_completeness + w.weight_validity + w.weight_uniqueness + w.weight_parse_health)
    )
    assert q.score == round(expected, 2)


def test_a_table_with_nothing_to_measure_does_not_score_as_perfect() -> None:
    """A header-only file scored 100 ("good") beside its EMPTY warning; a table of only empty cells had a validity
    of 100%. What cannot be measured counts 0; parse health alone stays (nothing was misread)."""
    header_only = profile_dataframe(
        pd.DataFrame({"a": pd.Series([], dtype="string"), "b": pd.Series([], dtype="string")})
    )
    q = header_only.quality
    assert (q.completeness, q.validity, q.uniqueness, q.parse_health) == (0.0, 0.0, 0.0, 1.0)
    assert q.score == 20.0
    all_missing = profile_dataframe(pd.DataFrame({"a": ["", "NA", None] * 10}, dtype="string")).quality
    assert (all_missing.completeness, all_missing.validity) == (0.0, 0.0) and all_missing.score < 25


def test_correlations_take_only_the_first_columns_of_each_kind():
    """Pairs grow with the square of the columns: a wide table correlates its first columns only."""
    import pandas as pd

    from services.processor.engine import ProfileConfig, profile_dataframe

    frame = pd.DataFrame({f"c{i}": [str((r * (i + 1)) % 7) for r in range(40)] for i in range(8)}).astype(
        "string[pyarrow]"
    )
    profile = profile_dataframe(frame, ProfileConfig(correlation_max_columns=3))
    named = {c.column_a for c in profile.correlations} | {c.column_b for c in profile.correlations}
    assert named == {"c0", "c1", "c2"}


def test_far_datetimes_count_the_same_beside_a_far_value_with_nanoseconds() -> None:
    """pandas parses a batch in nanoseconds when one value has more than six fraction digits; a batch of only
    far values then failed whole and was not parsed again, so the type depended on the chunking (audit)."""
    df = pd.DataFrame({"ts": ["9999-12-31 00:00", "9999-12-31 00:00", "0001-01-01 00:00:00.000000000"]})
    df = df.astype("string")
    one = profile_dataframe(df).column("ts")
    chunked = TableProfiler()
    chunked.update(df.iloc[:2])
    chunked.update(df.iloc[2:])
    assert one.type_counts["datetime"] == chunked.finish().column("ts").type_counts["datetime"] == 2


def test_the_iso_share_counts_the_values_of_the_columns_kind() -> None:
    """An ISO date-time among US-style dates makes a datetime column (as pandas reads it), one value of twenty in
    ISO 8601 (audit: as a date column's invalid value it made the dates' ISO share 1/19)."""
    values = [f"03/{d:02d}/2021" for d in range(1, 20)] + ["2021-03-04T05:06"]
    col = profile_dataframe(pd.DataFrame({"d": values}).astype("string")).column("d")
    assert (col.inferred_type, col.invalid) == ("datetime", 0)
    assert col.datetime is not None and col.datetime.iso_share == 1 / 20
    assert [a.code for a in column_alerts(col, ProfileConfig()) if a.code == "TYPE_DATE"] == ["TYPE_DATE"]


def test_duplicates_counted_by_a_sketch_alert_only_beyond_its_error_and_say_so() -> None:
    """Past `exact_duplicate_limit` distinct rows, duplicates are rows minus a sketch's distinct estimate: a table
    of unique rows got a few dozen "exact duplicates" from the estimate's error alone, and a sketched count was
    worded as an exact one."""
    unique = pd.DataFrame({"a": np.arange(100_000) + 12_345, "b": np.arange(100_000) * 31 % 7})
    profile = profile_dataframe(unique, ProfileConfig(exact_duplicate_limit=1000))
    assert profile.duplicates_approximate
    assert "DUPLICATES" not in {a.code for a in profile.alerts}

    rng = np.random.default_rng(5)
    repeated = pd.DataFrame({"a": rng.integers(0, 40_000, 50_000), "b": rng.integers(0, 2, 50_000)})
    truth = int(repeated.duplicated().sum())
    profile = profile_dataframe(repeated, ProfileConfig(exact_duplicate_limit=1000))
    (alert,) = [a for a in profile.alerts if a.code == "DUPLICATES"]
    assert alert.message.startswith(f"About {profile.duplicate_rows:,} rows")
    assert "estimated from a sketch" in alert.message
    at_least = int(alert.message.split("at least ")[1].split(")")[0].replace(",", ""))
    assert at_least <= truth <= profile.duplicate_rows + (profile.duplicate_rows - at_least)

    exact = profile_dataframe(repeated)  # under the default limit: counted exactly, worded so
    (alert,) = [a for a in exact.alerts if a.code == "DUPLICATES"]
    assert alert.message.startswith(f"{truth:,} rows (") and "exact duplicates" in alert.message


def _numbers_with_junk(junk: int) -> pd.DataFrame:
    return pd.DataFrame({"v": [str(i) for i in range(100 - junk)] + [f"oops{i}" for i in range(junk)]})


def test_a_text_column_mostly_of_one_type_counts_the_rest_invalid_with_examples() -> None:
    """94 integers and 6 words make a text column (a type needs 95%): its 6 words were valid text, so the
    quality score went up as a column got dirtier (4 words: integer, 4 invalid, validity 0.96; 6: 1.0), and
    MIXED_TYPES showed no example of them."""
    profile = profile_dataframe(_numbers_with_junk(6))
    (col,) = profile.column_profiles
    assert col.inferred_type == "text"
    assert (col.invalid, col.invalid_examples[:2]) == (6, ("oops0", "oops1"))
    (alert,) = [a for a in profile.alerts if a.code == "MIXED_TYPES"]
    assert "94.0% of 'v' is integer" in alert.message and "'oops0'" in alert.message
    validities = [profile_dataframe(_numbers_with_junk(k)).quality.validity for k in (0, 4, 6, 30, 49)]
    assert validities == [1.0, 0.96, 0.94, 0.70, 0.51]  # falls as the junk grows, across the 95% line
    assert profile_dataframe(_numbers_with_junk(51)).column_profiles[0].invalid == 0  # words mostly: plain text


@pytest.mark.parametrize("tail", [["1.5", "2.25", "-3.5"], ["inf", "inf", "-inf"]])
def test_numbers_with_a_fraction_or_infinities_among_integers_make_a_float_column(tail: list[str]) -> None:
    """As pandas reads them: before, 97 integers made an integer column and these three were invalid, left out of
    its mean and sum, and an infinity was never counted as one."""
    values = [str(i) for i in range(97)] + tail
    col = profile_dataframe(pd.DataFrame({"v": values})).column("v")
    assert (col.inferred_type, col.invalid) == ("float", 0)
    expected = pd.Series(values).astype(float)
    assert col.numeric is not None
    finite = expected[np.isfinite(expected)]  # moments are over finite values; infinities are counted
    assert col.numeric.mean == pytest.approx(finite.mean())
    assert col.numeric.sum == pytest.approx(finite.sum())
    assert col.numeric.infinite == int(np.isinf(expected).sum())
    assert ("INFINITE" in codes(pd.DataFrame({"v": values}))) == (tail[0] == "inf")


def test_a_boolean_column_counts_values_not_spellings() -> None:
    """ "True" and "true" alternating were two distinct values, balanced, and no CONSTANT alert though every value
    is true; five spellings of two values made a UNIQUE column, "likely an identifier"."""
    constant = profile_dataframe(pd.DataFrame({"flag": ["True", "true"] * 50}))
    col = constant.column("flag")
    assert (col.inferred_type, col.distinct, [(t.value, t.count) for t in col.top_values]) == (
        "boolean",
        1,
        [("true", 100)],
    )
    assert "CONSTANT" in {a.code for a in constant.alerts}
    spelled = profile_dataframe(pd.DataFrame({"flag": ["true", "yes", "Y", "False", "no", " n "] * 20 + ["maybe"]}))
    col = spelled.column("flag")
    assert [(t.value, t.count) for t in col.top_values] == [("false", 60), ("true", 60), ("maybe", 1)]  # ties by value
    assert col.distinct == 3 and col.uniqueness == pytest.approx(3 / 121)
    assert not {"UNIQUE", "CONSTANT"} & {a.code for a in spelled.alerts}


def test_a_whole_number_too_long_for_int64_leaves_an_integer_column_integer() -> None:
    """A 19-digit whole number is a float to the parser but no fraction: it must not turn 18-digit integers into
    a float column, whose min, max and sum would be rounded (123456789012345678 -> 1.2345678901234568e+17)."""
    values = [str(123_456_789_012_345_678 + i) for i in range(99)] + ["1234567890123456789"]
    col = profile_dataframe(pd.DataFrame({"v": values})).column("v")
    assert (col.inferred_type, col.invalid, col.invalid_examples) == ("integer", 1, ("1234567890123456789",))
    assert col.numeric is not None
    assert (col.numeric.min, col.numeric.max) == (123_456_789_012_345_678, 123_456_789_012_345_776)


@pytest.mark.parametrize(
    "values",
    [["M", "F"] * 50, ["N", "S", "E", "W"] * 25, ["x", "y"] * 50, ["A", "B", "C", "D", "F", "F"] * 20],
)
def test_single_letter_categories_are_not_booleans_with_bad_values(values: list[str]) -> None:
    """F, N, T and Y are boolean spellings: half a column of them made a clean M/F column MIXED_TYPES ("50.0% of
    'sex' is boolean but the rest is not"), its M counted invalid and the validity cut to 0.75."""
    profile = profile_dataframe(pd.DataFrame({"c": values}, dtype="string"))
    column = profile.column("c")
    assert column.inferred_type == "categorical" and column.invalid == 0
    assert "MIXED_TYPES" not in {a.code for a in profile.alerts}
    assert profile.quality.validity == 1.0


def test_a_zero_one_flag_is_imbalanced_not_full_of_zeros() -> None:
    """A fraud flag, 99% zeros: ZEROS ("check whether zero means missing") and no IMBALANCE, where the same flag
    written false/true got IMBALANCE."""
    flags = pd.DataFrame({"is_fraud": ["0"] * 99 + ["1"], "as_words": ["false"] * 99 + ["true"]}, dtype="string")
    profile = profile_dataframe(flags)
    found = {(a.code, a.column) for a in profile.alerts}
    assert ("IMBALANCE", "is_fraud") in found and ("ZEROS", "is_fraud") not in found
    assert profile.column("is_fraud").imbalance == profile.column("as_words").imbalance
    # Zeros among other numbers still raise ZEROS.
    assert ("ZEROS", "a") in {(a.code, a.column) for a in profile_dataframe(CASES["ZEROS"]).alerts}


def test_equal_counts_have_no_imbalance_not_a_negative_one() -> None:
    column = profile_dataframe(pd.DataFrame({"c": list("abcde") * 2}, dtype="string")).column("c")
    assert column.imbalance == 0.0  # was -2.2e-16


def test_alert_sentences_read_right_for_one_and_for_shares_at_the_edges() -> None:
    one_missing = pd.DataFrame({"a": ["1"] * 2999 + [""], "b": [str(i) for i in range(3000)]}, dtype="string")
    (missing,) = [
        a.message for a in profile_dataframe(one_missing, ProfileConfig(missing_alert=0)).alerts if a.code == "MISSING"
    ]
    assert missing.startswith("<0.1% of 'a' is missing")  # was "0.0% of 'a' is missing"
    one_present = pd.DataFrame({"a": [""] * 2999 + ["1"]}, dtype="string")
    (missing,) = [a.message for a in profile_dataframe(one_present).alerts if a.code == "MISSING"]
    assert missing.startswith(">99.9% of 'a' is missing")  # was "100.0%"
    one_each = pd.DataFrame({"n": [str(i) for i in range(99)] + ["oops", "inf"], "k": ["ab"] * 99 + ["cd", "ef"]})
    messages = {a.code: a.message for a in profile_dataframe(one_each.astype("string")).alerts}
    assert messages["MIXED_TYPES"].startswith("1 value of float column 'n' is not float")
    assert "has 1 infinite value," in messages["INFINITE"]
    assert "have 2 characters" in messages["CONSTANT_LENGTH"]
    wide = pd.DataFrame({"w": [f"w{i % 1973}" for i in range(4000)]}, dtype="string")
    assert "1,973 distinct values" in {a.code: a.message for a in profile_dataframe(wide).alerts}["HIGH_CARDINALITY"]

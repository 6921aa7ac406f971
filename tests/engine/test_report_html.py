"""The HTML report: one well-formed, self-contained page (no scripts, no external references), data escaped."""

from __future__ import annotations

import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import vega_datasets

from services.processor.engine import ParseReport, ProfileConfig, profile_dataframe
from services.processor.report_html import render_html

DATA = Path(vega_datasets.__file__).parent / "_data"
EVIL = "<script>alert(1)</script>"
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
SVG_LEAVES = {"rect", "path", "line", "circle"}  # may be written self-closing


class PageWalker(HTMLParser):
    """Walks a page: checks that every element is closed in order, collects text, tags and attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.text: list[str] = []
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str]] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        for name, value in attrs:
            self.attrs.append((name, value or ""))
            if name == "id":
                self.ids.add(value or "")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend((name, value or "") for name, value in attrs)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1] if self.stack else 'nothing'}")
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def walk(page: str) -> PageWalker:
    walker = PageWalker()
    walker.feed(page)
    walker.close()
    assert walker.errors == []
    assert walker.stack == [], f"unclosed: {walker.stack}"
    return walker


def check_page(page: str, profile: dict[str, Any]) -> PageWalker:
    """The checks every page must pass, whatever the profile."""
    walker = walk(page)
    lowered = page.lower()
    assert page.startswith("<!DOCTYPE html>")
    assert "script" not in walker.tags
    assert "<script" not in lowered
    for needle in ("http://", "https://", "@import", "url(", "<link", "<img", "<iframe"):
        assert needle not in lowered, needle
    for name, value in walker.attrs:
        assert not name.startswith("on"), name
        if name in ("src", "href"):
            assert value.startswith(("#", "data:")), value
            if value.startswith("#"):
                assert value[1:] in walker.ids, f"dangling link {value}"
    text = "".join(walker.text)
    columns = profile.get("column_profiles") or []
    for col in columns:
        assert col["name"] in text
    for alert in profile.get("alerts") or []:
        assert alert["message"] in text
    charted = [c for c in columns if ((c.get("numeric") or {}).get("histogram") or {}).get("counts") or c["top_values"]]
    assert lowered.count("<svg") == len(charted)
    return walker


def report(profile: dict[str, Any], parse: ParseReport | None = None, name: str = "data.csv") -> dict[str, Any]:
    return {
        "job": {"id": "job-42", "file_name": name, "size_bytes": 123_456, "created_at": "2024-05-01T12:00:00+00:00"},
        "profile": profile,
        "parse": parse.to_dict() if parse else None,
    }


def text_of(page: str) -> str:
    return "".join(walk(page).text)


# ---------------------------------------------------------------------------------------------------- real data


@pytest.mark.parametrize("name", ["seattle-weather.csv", "airports.csv", "stocks.csv"])
def test_bundled_csv_page(name: str) -> None:
    df = pd.read_csv(DATA / name, dtype="string", keep_default_na=False)
    parse = ParseReport(format="csv", delimiter=",", rows_read=len(df))
    profile = profile_dataframe(df, parse_report=parse).to_dict()
    page = render_html(report(profile, parse, name))
    check_page(page, profile)
    text = text_of(page)
    assert name in text and "job-42" in text
    assert f"{len(df):,}" in text
    score = profile["quality"]["score"]
    assert (f"{score:.4g}" if score != int(score) else f"{int(score):,}") in text


def test_seattle_weather_details() -> None:
    df = pd.read_csv(DATA / "seattle-weather.csv", dtype="string", keep_default_na=False)
    parse = ParseReport(format="csv", delimiter=",", rows_read=len(df))
    parse.add_issue("ragged_row", 17, "expected 6 fields, got 7")
    profile = profile_dataframe(df, parse_report=parse).to_dict()
    page = render_html(report(profile, parse, "seattle-weather.csv"))
    check_page(page, profile)
    text = text_of(page)
    assert "Parse problems" in text and "expected 6 fields, got 7" in text and "17" in text
    assert "99.99" in text  # the score (one ragged row of 1,461)
    assert "Correlations (all 1,461 rows)" in text
    assert "2012-01-01" in text and "2015-12-31" in text and "day" in text  # date range and granularity
    assert "approximate" not in text  # everything is exact at this size
    assert "Day and month in dates" in text and "month first (01/13/2020)" in text
    # Errors come before warnings, warnings before info.
    severities = [a["severity"] for a in profile["alerts"]]
    assert "error" in severities
    order = [text.index(a["message"]) for a in sorted(profile["alerts"], key=lambda a: a["severity"] != "error")]
    assert order[0] == min(order)


def test_the_parse_table_names_the_date_order_the_file_was_read_in() -> None:
    frame = pd.DataFrame({"when": ["13/01/2020", "25/12/2021"]}, dtype="string")
    parse = ParseReport(format="csv", delimiter=";", decimal=",", day_first=True, rows_read=2)
    profile = profile_dataframe(frame, ProfileConfig().as_read(parse), parse_report=parse).to_dict()
    text = text_of(render_html(report(profile, parse, "termine.csv")))
    assert "day first (13/01/2020)" in text and "2021-12-25" in text


# ---------------------------------------------------------------------------------------------------- escaping


def hand_built() -> pd.DataFrame:
    n = 40
    return pd.DataFrame(
        {
            EVIL: [f"<u>v{i % 7}</u>" if i % 5 else None for i in range(n)],
            "amount & <tax>": [str(i * 1.5) for i in range(n)],
            "all missing": [None] * n,
            "mixed": [str(i) if i % 25 else f"x'\"{i}" for i in range(n)],
        },
        dtype="string",
    )


def test_script_column_name_is_text() -> None:
    profile = profile_dataframe(hand_built()).to_dict()
    assert any(a["column"] == EVIL and EVIL in a["message"] for a in profile["alerts"])
    page = render_html(report(profile, name=EVIL + ".csv"))
    walker = check_page(page, profile)
    text = "".join(walker.text)
    assert EVIL in text and EVIL + ".csv" in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<u>v" not in page and "&lt;u&gt;v1&lt;/u&gt;" in page  # values too (in the chart labels)
    assert "amount &amp; &lt;tax&gt;" in page
    assert "u" not in walker.tags


def test_all_missing_and_mixed_columns() -> None:
    profile = profile_dataframe(hand_built()).to_dict()
    page = render_html(report(profile))
    check_page(page, profile)
    text = text_of(page)
    assert "40 (100.0%)" in text  # the all-missing column's missing count and share
    assert "No present values to describe." in text
    assert 'style="width:100.0%"' in page  # its missing bar is full
    assert "Mixed types" in text and "x'\"0" in text  # an invalid example, quotes intact


# ---------------------------------------------------------------------------------------------------- approximate


def test_approximate_marks() -> None:
    rng = np.random.default_rng(0)
    n = 3000
    df = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "y": rng.integers(0, 100_000, size=n),
            # Every value twice (the first 100 rows' again below), more values than the sketch holds: no value
            # stands out.
            "s": [f"u{i}" for i in range(100)] + [f"v{i}" for i in rng.permutation(np.arange(n - 100) % 1450)],
            "k": ["hot" if i % 3 == 0 else f"w{i}" for i in range(n)],  # one value does
        }
    )
    df = pd.concat([df, df.head(100)], ignore_index=True)
    config = ProfileConfig(
        exact_distinct_limit=10, exact_quantile_limit=10, exact_duplicate_limit=10, correlation_sample_size=500
    )
    profile = profile_dataframe(df, config).to_dict()
    assert profile["duplicates_approximate"] and profile["correlations_sampled"]
    assert all(c["distinct_approximate"] for c in profile["column_profiles"])
    page = render_html(report(profile))
    check_page(page, profile)
    text = text_of(page)
    assert "sampled, 500 rows" in text
    assert text.count("\u2248") >= 1 + 2 * len(profile["column_profiles"])  # duplicates, table and sections
    assert "Quantiles (approximate, rank error" in text
    assert "Histogram (approximate" in text
    assert "Top values (approximate, counts within \u00b1" in text
    assert "No value stands out above the sketch's error (\u00b1" in text
    assert "approximate, bounds" in text  # the distinct count's bounds
    header = text[: text.index("Quality score")]
    assert "approximate" in header  # duplicate rows


# ---------------------------------------------------------------------------------------------------- edge cases


def test_empty_table() -> None:
    profile = profile_dataframe(pd.DataFrame()).to_dict()
    page = render_html(report(profile))
    check_page(page, profile)
    assert "no columns" in text_of(page)


def test_zero_rows() -> None:
    profile = profile_dataframe(pd.DataFrame({"a": [], "b": []}, dtype="string")).to_dict()
    page = render_html(report(profile))
    check_page(page, profile)


def test_missing_sections_and_none_values() -> None:
    profile = profile_dataframe(hand_built()).to_dict()
    profile.update(quality=None, alerts=None, correlations=None, parse=None)
    number = next(c for c in profile["column_profiles"] if c["numeric"])
    number["numeric"].update(skewness=None, kurtosis=None, max="inf", min="-inf", mean=None, histogram=None)
    number["numeric"]["quantiles"] = {"0.5": None}
    number["uniqueness"] = None
    number["text"] = None
    profile["column_profiles"][0]["top_values"] = [{"value": None, "count": 3}]
    page = render_html({"job": {"id": None}, "profile": profile, "parse": None})
    check_page(page, profile)
    text = text_of(page)
    assert "\u221e" in text and "\u2212\u221e" in text
    assert "Quality score" not in text and "No alerts." in text
    assert render_html({}).startswith("<!DOCTYPE html>")
    walk(render_html({}))


def test_histogram_bins_of_close_large_numbers_have_labels_that_differ() -> None:
    """Values from 10000.25 to 10000.75: every edge read '10,000' (whole numbers from 10,000 on), so each bin was
    labelled '10,000 to 10,000'. The edges take the decimals the bins need."""
    dash = "\u2013"
    values = [f"{10000.25 + i / 100:.2f}" for i in range(51)]
    profile = profile_dataframe(pd.DataFrame({"v": values}, dtype="string")).to_dict()
    page = render_html(report(profile))
    bins = [
        t.split("</title>")[0].rsplit(":", 1)[0] for t in page.split("<title>")[1:] if dash in t.split("</title>")[0]
    ]
    assert len(bins) == 20
    assert all(low.strip() != high.strip() for low, high in (b.split(dash) for b in bins))
    assert bins[0] == f"10,000.250 {dash} 10,000.275" and bins[-1].endswith("10,000.750")


def test_number_formatting() -> None:
    frame = pd.DataFrame({"n": ["1234567", "2", "3"], "f": ["0.000123456", "2.5", "1"], "p": ["0.99", "5", "1999.99"]})
    page = render_html(report(profile_dataframe(frame).to_dict()))
    text = text_of(page)
    assert "1,234,567" in text  # integers with separators
    assert "0.000123456" in text  # floats to 6 significant digits
    assert "1,999.99" in text and "2,000" not in text  # a price's maximum as it is (4 digits read 2,000)
    assert "411,524" in text  # the mean, a large float, rounded with separators
    assert "120.6 KB" in text  # the size


def test_correlations_capped() -> None:
    names = [f"c{i}" for i in range(60)]
    correlations = [
        {"method": "pearson", "column_a": a, "column_b": b, "value": 0.5}
        for i, a in enumerate(names)
        for b in names[i + 1 :]
    ]
    profile = {"rows": 10, "columns": 0, "correlations": correlations, "correlation_sample_size": 10}
    text = text_of(render_html({"job": {}, "profile": profile}))
    assert "Showing the strongest 500 of 1,770 pairs" in text


def wide_profile(columns: int) -> dict[str, Any]:
    """A profile of `columns` columns (copies of a small real profile's columns) with every pair correlated."""
    rng = np.random.default_rng(1)
    df = pd.DataFrame({f"c{i}": rng.normal(size=300) if i % 2 else rng.integers(0, 8, size=300) for i in range(10)})
    df["t"] = [f"word{i}" if i % 9 else None for i in rng.integers(0, 40, size=300)]
    profile = profile_dataframe(df).to_dict()
    base = profile["column_profiles"]
    cols = [{**base[i % len(base)], "name": f"col_{i}", "position": i} for i in range(columns)]
    names = [c["name"] for c in cols]
    correlations = [
        {"method": method, "column_a": a, "column_b": b, "value": float(rng.uniform(-1, 1))}
        for method in ("pearson", "spearman")
        for i, a in enumerate(names)
        for b in names[i + 1 :]
    ]
    alerts = [
        {"code": "MISSING", "column": n, "severity": "warning", "message": f"{n} has gaps", "value": 0.1} for n in names
    ]
    profile.update(column_profiles=cols, columns=columns, correlations=correlations, alerts=alerts)
    return profile


def test_many_columns_render_fast() -> None:
    profile = wide_profile(500)
    assert len(profile["correlations"]) == 249_500
    start = time.perf_counter()
    page = render_html(report(profile))
    elapsed = time.perf_counter() - start
    assert elapsed < 2.0, elapsed
    check_page(page, profile)
    assert "Showing the strongest 500 of 124,750 pairs" in text_of(page)


def test_a_text_columns_mixed_values_name_the_type_they_miss_and_long_ones_are_cut() -> None:
    """A mostly-integer text column's box said its values "do not fit text"; a 20,000-character value was
    printed whole in the box (and in the alert)."""
    values = [str(i) for i in range(60)] + ["x" * 20_000 + str(i) for i in range(40)]
    profile = profile_dataframe(pd.DataFrame({"n": values}, dtype="string")).to_dict()
    page = render_html(report(profile))
    check_page(page, profile)
    text = text_of(page)
    assert "40 values do not fit integer" in text
    assert "x" * 39 + "\u2026" in text and "x" * 41 not in text
    (alert,) = [a for a in profile["alerts"] if a["code"] == "MIXED_TYPES"]
    assert len(alert["message"]) < 400 and "x" * 39 + "\u2026" in alert["message"]  # three examples, cut

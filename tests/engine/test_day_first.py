"""Files that write dates day first, D/M/YYYY ("13/01/2020"): spreadsheet exports of most of the world outside
the US. The reader sniffs the order from its sample (a day beyond 12 first, no month beyond 12 second) and the
profile reads such dates as pandas does with dayfirst=True; files that show no day first stay month first.
Before, a column of them was text: its dates had no range, and no TYPE_DATE alert told of them."""

from __future__ import annotations

import io
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from services.processor.engine import ProfileConfig, TableProfiler
from services.processor.engine.dialect import sniff_day_first
from services.processor.engine.reading import ReadOptions, open_table, plan_parts, sniff_dialect

from .helpers import profile_in_byte_ranges
from .test_merge import assert_same


def _file(order: str, rows: int = 2000, seed: int = 3) -> tuple[bytes, pd.Series]:
    rng = np.random.default_rng(seed)
    days = pd.Timestamp("2019-01-01") + pd.to_timedelta(rng.integers(0, 1500, rows), unit="D")
    text = days.strftime("%d/%m/%Y" if order == "day" else "%m/%d/%Y")
    lines = ["id,when,amount"] + [f"{i},{t},{i % 17}.5" for i, t in enumerate(text)]
    return ("\n".join(lines) + "\n").encode(), pd.Series(days)


def _profile(data: bytes, **options: object) -> tuple[TableProfiler, object]:
    reader = open_table(io.BytesIO(data), file_name="dates.csv", options=ReadOptions(**options))  # type: ignore[arg-type]
    profiler = TableProfiler(ProfileConfig().as_read(reader.report))
    for chunk in reader.chunks():
        profiler.update(chunk)
    return profiler, reader.report


@pytest.mark.parametrize(
    ("cells", "day_first"),
    [
        (["13/01/2020", "02/01/2020"], True),
        (["01/13/2020", "02/01/2020"], False),  # month first: 13 is no month
        (["03/04/2020", "05/06/2021"], False),  # ambiguous only: month first, as pandas reads them
        (["13/01/2020", "01/13/2020"], False),  # both: neither order reads every date; month first
        (["2020-01-13", "a"], False),
    ],
)
def test_the_date_order_is_sniffed_from_unambiguous_dates(cells: list[str], day_first: bool) -> None:
    assert sniff_day_first([cells]) is day_first


@pytest.mark.parametrize("order", ["day", "month"])
def test_dates_are_read_in_the_files_order(order: str) -> None:
    data, days = _file(order)
    profiler, report = _profile(data)
    assert report.day_first is (order == "day")  # type: ignore[attr-defined]
    profile = profiler.finish(report)  # type: ignore[arg-type]
    assert profile.parse["day_first"] is (order == "day")
    when = profile.column("when")
    assert (when.inferred_type, when.invalid) == ("date", 0)
    assert when.datetime is not None
    assert (when.datetime.min[:10], when.datetime.max[:10]) == (str(days.min().date()), str(days.max().date()))
    assert ("TYPE_DATE", "when") in {(a.code, a.column) for a in profile.alerts}  # dates as text, not ISO 8601


def test_parts_of_a_day_first_file_merge_to_the_one_pass_profile() -> None:
    """The order travels with the dialect to every part, and with each part's state to the merge."""
    data, _ = _file("day", rows=3000, seed=5)
    options = ReadOptions(block_size=4096)
    dialect = sniff_dialect(data[:65536], options=options)
    assert dialect.day_first
    bounds = plan_parts(len(data), dialect, part_bytes=len(data) // 3 + 1)
    merged, merged_report = profile_in_byte_ranges(data, dialect, bounds, options)
    assert merged_report.day_first and merged.config.day_first
    one, report = _profile(data, block_size=4096)
    assert_same(merged.finish(merged_report).to_dict(), one.finish(report).to_dict())  # type: ignore[arg-type]
    day_first, month_first = TableProfiler(replace(ProfileConfig(), day_first=True)), TableProfiler()
    day_first.update(pd.DataFrame({"d": ["13/01/2020"]}).astype("string"))
    month_first.update(pd.DataFrame({"d": ["01/13/2020"]}).astype("string"))
    with pytest.raises(ValueError, match="different date orders"):
        day_first.merge(month_first)


@pytest.mark.parametrize(
    ("given", "expected"), [(None, ("2020-01-12", "2021-11-02")), (True, ("2020-04-03", "2021-02-11"))]
)
def test_a_caller_who_knows_the_order_sets_it_where_the_sample_cannot_show_it(
    given: bool | None, expected: tuple[str, str]
) -> None:
    data = b"shipped\n03/04/2020\n11/02/2021\n01/12/2020\n"
    profiler, report = _profile(data, day_first=given)
    assert report.day_first is bool(given)  # type: ignore[attr-defined]
    when = profiler.finish(report).column("shipped")  # type: ignore[arg-type]
    assert when.datetime is not None and (when.datetime.min[:10], when.datetime.max[:10]) == expected


def test_a_caller_who_says_month_first_is_taken_at_their_word() -> None:
    """The sample shows day first, the caller says otherwise: dates with a day beyond 12 first are then invalid
    dates, counted and shown, not silently re-read."""
    ambiguous = [f"{a:02d}/{b:02d}/2020" for a in range(3, 13) for b in range(1, 13)]  # 03/01 .. 12/12
    data = ("when\n" + "\n".join(ambiguous) + "\n13/01/2020\n25/12/2020\n").encode()
    assert sniff_dialect(data).day_first
    assert sniff_dialect(data, options=ReadOptions(day_first=False)).day_first is False
    profiler, report = _profile(data, day_first=False)
    assert report.day_first is False  # type: ignore[attr-defined]
    when = profiler.finish(report).column("when")  # type: ignore[arg-type]
    assert (when.inferred_type, when.invalid) == ("date", 2)
    assert when.datetime is not None  # month first: 03/01 is March 1st (day first it would be January 3rd)
    assert (when.datetime.min[:10], when.datetime.max[:10]) == ("2020-03-01", "2020-12-12")


def test_the_order_given_applies_to_json_lines_too() -> None:
    """Only delimited text has a sample to sniff; the order a caller gives reaches every format."""
    data = b'{"shipped": "03/04/2020"}\n{"shipped": "11/02/2021"}\n'
    for given, expected in ((None, "2020-03-04"), (True, "2020-04-03")):
        reader = open_table(io.BytesIO(data), file_name="s.jsonl", options=ReadOptions(day_first=given))
        profiler = TableProfiler(ProfileConfig().as_read(reader.report))
        for chunk in reader.chunks():
            profiler.update(chunk)
        when = profiler.finish(reader.report).column("shipped")
        assert reader.report.day_first is bool(given)
        assert when.datetime is not None and when.datetime.min[:10] == expected

"""Dates written in the common layouts other than ISO 8601 are dates (TYPE_DATE says to store them as ISO), read
as pandas reads them with that layout. Before, only YYYY/MM/DD, M/D/YYYY and D.M.YYYY were: a column of
05-01-2020, 2020-1-5, 5 Jan 2020, Jan 5, 2020 or 01/05/2020 10:30 was categorical, its dates unseen (or, of fixed width,
"likely a code")."""

from __future__ import annotations

import io

import pandas as pd
import pytest

from services.processor.engine import ProfileConfig, TableProfiler
from services.processor.engine.reading import ReadOptions, open_table


@pytest.mark.parametrize(
    ("cells", "kind", "layout"),
    [
        (["05-01-2020", "06-02-2021", "12-31-2020"], "date", "%m-%d-%Y"),
        (["13-01-2020", "05-02-2021", "31-12-2020"], "date", "%d-%m-%Y"),  # a day beyond 12 first: day first
        (["2020-1-5", "2021-12-3", "2020-2-29"], "date", "%Y-%m-%d"),
        (["2020/1/5", "2021/12/03", "2020/02/29"], "date", "%Y/%m/%d"),
        (["5 Jan 2020", "17 Mar 2021", "1 Dec 2020"], "date", "%d %b %Y"),
        (["5 January 2020", "17 September 2021", "1 December 2020"], "date", "%d %B %Y"),
        (["Jan 5, 2020", "Mar 17, 2021", "Dec 1, 2020"], "date", "%b %d, %Y"),  # quoted: the comma
        (["January 5, 2020", "September 17, 2021"], "date", "%B %d, %Y"),
        (["01/05/2020 10:30", "02/06/2021 11:45", "12/31/2020 23:59"], "datetime", "%m/%d/%Y %H:%M"),
        (["31/05/2020 10:30:05", "02/06/2021 11:45:00"], "datetime", "%d/%m/%Y %H:%M:%S"),
        (["2020/01/05 10:30:01", "2021/02/06 11:45:00"], "datetime", "%Y/%m/%d %H:%M:%S"),
        (["05.01.2020 10:30", "06.02.2021 11:45"], "datetime", "%d.%m.%Y %H:%M"),
    ],
)
def test_a_common_non_iso_layout_is_a_date_column_with_its_range(cells: list[str], kind: str, layout: str) -> None:
    data = ("id,when\n" + "".join(f'{i},"{cells[i % len(cells)]}"\n' for i in range(30))).encode()
    reader = open_table(io.BytesIO(data), file_name="dates.csv", options=ReadOptions())
    profiler = TableProfiler(ProfileConfig().as_read(reader.report))
    for chunk in reader.chunks():
        profiler.update(chunk)
    profile = profiler.finish(reader.report)
    column = profile.column("when")
    expected = pd.to_datetime(pd.read_csv(io.BytesIO(data), dtype=str)["when"], format=layout)
    assert (column.inferred_type, column.invalid) == (kind, 0)
    assert column.datetime is not None and column.datetime.iso_share == 0.0
    assert column.datetime.min == expected.min().tz_localize("UTC").isoformat()
    assert column.datetime.max == expected.max().tz_localize("UTC").isoformat()
    assert ("TYPE_DATE", "when") in {(a.code, a.column) for a in profile.alerts}

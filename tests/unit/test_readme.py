"""The README stays true: every setting documented with its real default, the two commands present."""

from pathlib import Path

from scripts.settings_table import metrics_table, table

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


def test_every_setting_is_in_the_readme_table():
    assert table() in README, "the README settings table is stale: run `make docs`"


def test_every_metric_is_in_the_readme_table():
    assert metrics_table() in README, "the README metrics table is stale: run `make docs`"


def test_quick_start_has_the_two_commands():
    assert "make run " in README and "make test " in README

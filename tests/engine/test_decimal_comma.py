"""Files that write numbers with a decimal comma ("1,5", "1.234,50"): spreadsheet exports of most of Europe and
South America. The reader sniffs the mark (or is told it) and the profile reads such numbers as pandas does with
decimal="," and thousands="."."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from services.processor.engine import ProfileConfig, TableProfiler, profile_dataframe
from services.processor.engine.reading import ReadOptions, open_table, plan_parts, sniff_dialect

from .helpers import close, profile_in_byte_ranges
from .test_merge import assert_same


def _german(value: float, grouped: bool, decimals: int) -> str:
    text = f"{value:,.{decimals}f}" if grouped else f"{value:.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def _file(rows: int = 3000, seed: int = 7) -> bytes:
    rng = np.random.default_rng(seed)
    price = np.round(rng.normal(50, 900, rows), 2)
    stock = rng.integers(-5, 2_000_000, rows)
    grouped = rng.random(rows) < 0.5
    lines = ["Artikel;Preis;Bestand"]
    for i in range(rows):
        cells = [f"A{i % 97}", _german(price[i], grouped[i], 2), _german(stock[i], grouped[i], 0)]
        if i % 11 == 0:
            cells[1] = ""
        lines.append(";".join(cells))
    return ("\n".join(lines) + "\n").encode()


def _profile(data: bytes, **options: object) -> tuple[TableProfiler, object]:
    reader = open_table(io.BytesIO(data), file_name="preise.csv", options=ReadOptions(**options))  # type: ignore[arg-type]
    profiler = TableProfiler(ProfileConfig(decimal=reader.report.decimal))
    for chunk in reader.chunks():
        profiler.update(chunk)
    return profiler, reader.report


def test_decimal_comma_numbers_match_pandas_read_with_that_mark() -> None:
    data = _file()
    profiler, report = _profile(data)
    assert (report.delimiter, report.decimal) == (";", ",")
    profile = profiler.finish(report)
    assert profile.parse["decimal"] == ","
    frame = pd.read_csv(io.BytesIO(data), sep=";", decimal=",", thousands=".")
    assert frame["Preis"].dtype == np.float64 and frame["Bestand"].dtype == np.int64  # pandas agrees on the values
    columns = {c.name: c for c in profile.column_profiles}
    assert (columns["Preis"].inferred_type, columns["Bestand"].inferred_type) == ("float", "integer")
    assert columns["Preis"].invalid == 0 and columns["Bestand"].invalid == 0
    for name in ("Preis", "Bestand"):
        expected = frame[name].dropna().astype("float64")
        numeric = columns[name].numeric
        assert numeric is not None and not numeric.quantiles_approximate
        assert (numeric.min, numeric.max) == (expected.min(), expected.max())
        assert close(numeric.mean, expected.mean()) and close(numeric.sum, expected.sum())
        assert close(numeric.std, expected.std(), rtol=1e-9, atol=1e-9)
        assert (numeric.zeros, numeric.negatives) == (int((expected == 0).sum()), int((expected < 0).sum()))
        for q, value in numeric.quantiles.items():
            assert close(value, float(expected.quantile(float(q)))), (name, q)
    correlations = {c.method: c.value for c in profile.correlations}
    for method in ("pearson", "spearman"):
        expected = frame[["Preis", "Bestand"]].corr(method=method).loc["Preis", "Bestand"]
        assert close(correlations[method], float(expected), rtol=1e-9), method


def test_parts_carry_the_decimal_mark_into_the_merged_profile() -> None:
    """The parent merges the parts' states with its own default configuration: the mark travels in the state,
    or the merged sample's correlations would read "1,5" as no number."""
    data = _file(rows=2000, seed=11)
    options = ReadOptions(block_size=4096)
    dialect = sniff_dialect(data[:65536], options=options)
    assert dialect.decimal == ","
    bounds = plan_parts(len(data), dialect, part_bytes=len(data) // 3 + 1)
    assert len(bounds) == 3
    merged, merged_report = profile_in_byte_ranges(data, dialect, bounds, options)
    one, report = _profile(data, block_size=4096)
    expected = one.finish(report).to_dict()
    got = merged.finish(merged_report).to_dict()
    assert {c["method"] for c in got["correlations"]} == {"pearson", "spearman"}
    assert_same(got, expected)


def test_profiles_read_with_different_marks_do_not_merge() -> None:
    comma, point = TableProfiler(ProfileConfig(decimal=",")), TableProfiler()
    comma.update(pd.DataFrame({"x": ["1,5"]}).astype("string"))
    point.update(pd.DataFrame({"x": ["1.5"]}).astype("string"))
    with pytest.raises(ValueError, match="decimal marks"):
        point.merge(comma)


@pytest.mark.parametrize(
    ("text", "options", "decimal"),
    [
        ("a;b\n1,5;2\n2,25;3\n", {}, ","),
        ("a\tb\n1,5\t2\n-0,25\t3\n", {}, ","),
        ("a;b\n1.234,5;x\n12.345,75;y\n", {}, ","),
        ("a;b\n1 234,5;x\n12\u00a0345,75;y\n", {}, ","),
        ("a;b\n1.5;2\n2.25;3\n", {}, "."),
        ("a;b\n1,5;2\n2.5;3\n3.5;4\n", {}, "."),  # more points than commas
        ("a;b\n1,5;2\n2;3\n", {}, "."),  # one comma number is too little to go on
        ('a,b\n"1,5",2\n"2,25",3\n', {}, "."),  # the comma delimits: no decimal comma unless told
        ('a,b\n"1,5",2\n"2,25",3\n', {"decimal": ","}, ","),
        ("a;b\n1,5;2\n2,25;3\n", {"decimal": "."}, "."),
    ],
)
def test_the_decimal_mark_is_sniffed_or_given(text: str, options: dict[str, str], decimal: str) -> None:
    dialect = sniff_dialect(text.encode(), options=ReadOptions(**options))  # type: ignore[arg-type]
    assert dialect.decimal == decimal


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("1,5;2,5\n3,5;4,5\n6,5;7,5\n", ";"),  # no header: both split every row evenly; ";" keeps cells whole
        ("a;b\n1,5;2,5\n3,5;4,5\n", ";"),
        ("name,tags\nann,x;y\nbob,z;w\n", ","),  # text holding the other: as before, the first candidate
        ("1,2\n3,4\n", ","),
    ],
)
def test_between_two_even_splits_the_delimiter_is_the_one_whose_cells_are_whole(text: str, delimiter: str) -> None:
    """A headerless ';' file of decimal-comma numbers was split at its commas: ['1', '5;2', '5']."""
    dialect = sniff_dialect(text.encode(), options=ReadOptions())
    assert dialect.delimiter == delimiter
    if delimiter == ";":
        assert dialect.decimal == ","


def test_with_a_decimal_comma_dots_group_thousands_and_other_numbers_read_as_usual() -> None:
    frame = pd.DataFrame({"x": ["1.500", "-2.000.000", "1,25", "1.234,5", "7", "0,0", "2.5"]})
    column = profile_dataframe(frame, ProfileConfig(decimal=",")).column_profiles[0]
    assert column.inferred_type == "float"
    assert column.type_counts["integer"] == 3  # 1500, -2000000 and 7
    assert column.type_counts["float"] == 7  # and 1.25, 1234.5, 0.0 and 2.5
    assert column.numeric is not None
    assert (column.numeric.min, column.numeric.max) == (-2_000_000.0, 1500.0)
    assert column.numeric.sum == pytest.approx(1500 - 2_000_000 + 1.25 + 1234.5 + 7 + 0 + 2.5)
    assert column.numeric.zeros == 1
    point = profile_dataframe(frame).column_profiles[0]
    assert point.type_counts["float"] == 3  # "1.500" is 1.5, with 7 and 2.5; the rest are no numbers
    assert point.inferred_type not in ("integer", "float")


def test_comma_numbers_missing_a_side_or_with_an_exponent_read_as_pandas_reads_them() -> None:
    texts = [",5", "12,", "1,5e3", "1.234,5e2", "-,5", "1.234e3", "1,5E-2", "+12,", ",5e1"]
    numbers = [float(pd.read_csv(io.StringIO(f"x\n{t}\n"), sep=";", decimal=",", thousands=".")["x"][0]) for t in texts]
    column = profile_dataframe(pd.DataFrame({"x": texts}), ProfileConfig(decimal=",")).column_profiles[0]
    assert column.inferred_type == "float" and column.type_counts["integer"] == 0  # a comma or exponent: floats
    assert column.numeric is not None
    assert (column.numeric.min, column.numeric.max) == (min(numbers), max(numbers))
    assert column.numeric.sum == pytest.approx(sum(numbers))
    for text in (",", "-,", "1,2,3", ",e3"):  # no numbers to pandas either
        read = pd.read_csv(io.StringIO(f"x\n{text}\n"), sep=";", decimal=",", thousands=".")["x"]
        assert not pd.api.types.is_numeric_dtype(read), text
        lone = profile_dataframe(pd.DataFrame({"x": [text]}), ProfileConfig(decimal=",")).column_profiles[0]
        assert lone.type_counts["float"] == 0, text


def test_spaces_group_thousands_as_french_and_nordic_exports_write_them() -> None:
    nbsp, narrow = "\u00a0", "\u202f"
    frame = pd.DataFrame({"x": ["1 234,50", f"12{nbsp}345", f"-1{narrow}000{narrow}000,5", "7,5", "1 23", "1.234 567"]})
    column = profile_dataframe(frame, ProfileConfig(decimal=",")).column_profiles[0]
    assert column.type_counts["integer"] == 1  # 12345
    assert column.type_counts["float"] == 4  # and 1234.5, -1000000.5, 7.5; "1 23" and "1.234 567" are no numbers
    numbers = profile_dataframe(frame.iloc[:4], ProfileConfig(decimal=",")).column_profiles[0].numeric
    assert numbers is not None and (numbers.min, numbers.max) == (-1_000_000.5, 12345.0)
    assert numbers.sum == pytest.approx(1234.5 + 12345 - 1_000_000.5 + 7.5)


def test_read_with_a_decimal_point_comma_numbers_are_numbers_stored_as_text() -> None:
    frame = pd.DataFrame({"x": ["1,50", "-2,25", "1.234,50", "0,99", "12,5", "1 234,75"]})
    column = profile_dataframe(frame).column_profiles[0]
    assert column.inferred_type not in ("integer", "float")
    assert column.semantic == "numeric_text" and column.patterns["numeric_text"] == 6


def test_the_decimal_mark_must_be_a_point_or_a_comma() -> None:
    with pytest.raises(ValueError, match="decimal"):
        ProfileConfig(decimal=";")
    with pytest.raises(ValueError, match="decimal"):
        ReadOptions(decimal="·")

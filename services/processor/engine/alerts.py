"""Alerts: a finding, the number that triggered it, and a sentence saying what to do about it.

Column alerts (thresholds in ProfileConfig):
  EMPTY            no present value at all
  MISSING          missing share > missing_alert
  CONSTANT         one distinct value
  UNIQUE           every present value distinct; once sketched: no value seen twice (within a chunk, or counted
                   twice for sure by the frequent-items sketch) and the distinct count's upper bound reaches the
                   present values (marked approximate in the sentence)
  HIGH_CARDINALITY categorical/text, not unique, more than high_cardinality distinct values
  ZEROS            share of zeros among the numbers > zeros_alert
  INFINITE         any infinite number
  SKEWED           |skewness| > skew_alert
  IMBALANCE        categorical/boolean with 1 - normalised entropy > imbalance_alert
  UNIFORM          chi-square p-value of equal counts (categories or histogram bins) > uniform_p_value
  CONSTANT_LENGTH  text/categorical values, more than one, all of one length (codes, ids)
  UNSUPPORTED      at least type_threshold of values are nested JSON-like text, profiled only as text
  TYPE_DATE        date/datetime column written (partly) in a non-ISO 8601 text layout
  MIXED_TYPES      typed column with invalid values, or a text column at least half of which fits one type
Table alerts: EMPTY (a header and no rows), DUPLICATES (duplicate-row share > duplicates_alert; when the rows
are too many to count exactly, the share certain beyond the sketch's error), HIGH_CORRELATION
(|r| or V >= high_correlation), and from the ParseReport RAGGED_ROWS, UNTERMINATED_QUOTES, BAD_ENCODING,
INVALID_RECORDS (JSON Lines lines holding no object, left out), LONG_LINES (lines of delimited text or JSON Lines
longer than a reader takes, left out), COLUMNS_LEFT_OUT (columns past ReadOptions.max_columns, not profiled),
ENCODING_FALLBACK.
"""

from __future__ import annotations

from collections.abc import Sequence

from . import options
from .config import ProfileConfig
from .model import Alert, ColumnProfile, Correlation
from .parse_report import ParseReport
from .types import TYPE_ORDER, fitted_type


def column_alerts(col: ColumnProfile, config: ProfileConfig) -> list[Alert]:
    c = config
    name = col.name
    out: list[Alert] = []

    def add(code: str, severity: str, message: str, value: float) -> None:
        out.append(Alert(code, name, severity, message, float(value)))

    if col.inferred_type == "empty":
        add("EMPTY", "warning", f"Column '{name}' has no values; drop it or check the export.", col.count)
        return out
    present = col.present
    missing_share = col.missing / col.count if col.count else 0.0
    if missing_share > c.missing_alert:
        add(
            "MISSING",
            "warning",
            f"{_share(missing_share)} of '{name}' is missing; impute, drop the column, or fix the source.",
            missing_share,
        )
    if col.distinct == 1:
        add("CONSTANT", "warning", f"'{name}' has a single value; it carries no information and can be dropped.", 1)
    elif not col.distinct_approximate and present >= c.unique_min_rows and col.distinct == present:
        add("UNIQUE", "info", f"Every value of '{name}' is distinct; it is likely an identifier, not a feature.", 1.0)
    elif col.distinct_approximate and not col.repeated_values and col.distinct_bounds[1] >= present:
        add(
            "UNIQUE",
            "info",
            f"'{name}' looks unique (approximate: no value was seen twice, and about {col.distinct:,} distinct of "
            f"{present:,}); it is likely an identifier, not a feature.",
            col.uniqueness,
        )
    elif col.inferred_type in ("categorical", "text") and col.distinct > c.high_cardinality:
        add(
            "HIGH_CARDINALITY",
            "info",
            f"'{name}' has {'about ' if col.distinct_approximate else ''}{col.distinct:,} distinct values; group rare "
            "values or treat it as free text.",
            col.distinct,
        )
    numeric = col.numeric
    if numeric is not None:
        numbers = present - col.invalid
        zero_share = numeric.zeros / numbers if numbers else 0.0
        if zero_share > c.zeros_alert and not _indicator(col):  # a 0/1 flag's zeros are its "no"s (IMBALANCE)
            add(
                "ZEROS",
                "info",
                f"{_share(zero_share)} of '{name}' is zero; check whether zero means missing.",
                zero_share,
            )
        if numeric.infinite:
            add(
                "INFINITE",
                "warning",
                f"'{name}' has {_count(numeric.infinite, 'infinite value')}, left out of its minimum, maximum, mean "
                "and other statistics; replace or remove them.",
                numeric.infinite,
            )
        if abs(numeric.skewness) > c.skew_alert:
            add(
                "SKEWED",
                "info",
                f"'{name}' is highly skewed ({numeric.skewness:.1f}); consider a log transform.",
                numeric.skewness,
            )
    if col.imbalance is not None and col.imbalance > c.imbalance_alert:
        add(
            "IMBALANCE",
            "info",
            f"'{name}' is dominated by a few values (imbalance {col.imbalance:.2f}); rebalance or stratify.",
            col.imbalance,
        )
    if col.uniformity_p is not None and col.distinct > 1 and col.uniformity_p > c.uniform_p_value:
        add(
            "UNIFORM",
            "info",
            f"'{name}' is uniformly distributed; check whether it is generated (an id or random value).",
            col.uniformity_p,
        )
    if (
        col.inferred_type in ("categorical", "text")
        and col.text is not None
        and col.distinct > 1
        and col.text.length_min == col.text.length_max
    ):
        add(
            "CONSTANT_LENGTH",
            "info",
            f"All values of '{name}' have {_count(col.text.length_min, 'character')}; it is likely a code or "
            "identifier.",
            col.text.length_min,
        )
    nested = col.patterns.get("nested", 0)
    if present and nested >= c.type_threshold * present:
        add(
            "UNSUPPORTED",
            "warning",
            f"'{name}' holds nested (JSON-like) values that are profiled only as text; flatten it to profile it.",
            nested / present,
        )
    if col.datetime is not None and col.datetime.iso_share < 1.0:
        add(
            "TYPE_DATE",
            "warning",
            f"'{name}' holds dates as non-ISO text; store them as ISO 8601 (YYYY-MM-DD) to avoid misreading.",
            1.0 - col.datetime.iso_share,
        )
    kind = col.inferred_type
    if kind in TYPE_ORDER and col.invalid:
        add(
            "MIXED_TYPES",
            "warning",
            f"{_count(col.invalid, 'value')} of {kind} column '{name}' {'is' if col.invalid == 1 else 'are'} not "
            f"{kind} (e.g. {_examples(col.invalid_examples)}); fix or remove them.",
            col.invalid,
        )
    elif kind in ("categorical", "text") and (best := fitted_type(kind, col.type_counts, present)):
        share = col.type_counts[best] / present
        add(
            "MIXED_TYPES",
            "warning",
            f"{_share(share)} of '{name}' is {best} but the rest is not (e.g. {_examples(col.invalid_examples)}); "
            "clean the other values to type it.",
            share,
        )
    return out


def table_alerts(
    rows: int,
    duplicate_rows: int,
    correlations: Sequence[Correlation],
    parse: ParseReport | None,
    config: ProfileConfig,
    *,
    duplicates_at_least: int | None = None,
    columns: int = 0,
) -> list[Alert]:
    """`duplicates_at_least`: the duplicate rows for certain when `duplicate_rows` is a sketch's estimate (None:
    counted exactly); the alert needs that many, so a sketch's error alone raises none. `columns`: those profiled."""
    out: list[Alert] = []
    if rows == 0:
        message = "The table has a header but no rows; check that the export or the query behind it is complete."
        out.append(Alert("EMPTY", "", "warning", message, 0))
    share = duplicate_rows / rows if rows else 0.0
    exact = duplicates_at_least is None
    certain = duplicate_rows if duplicates_at_least is None else duplicates_at_least
    if certain and certain / rows > config.duplicates_alert:
        message = (
            f"{_count(duplicate_rows, 'row')} ({_share(share)}) {_duplicates(duplicate_rows)}; deduplicate before "
            "analysis."
            if exact
            else f"About {duplicate_rows:,} rows ({_share(share)}) are exact duplicates of others, estimated from a "
            f"sketch of the row hashes (at least {certain:,}); deduplicate before analysis."
        )
        out.append(Alert("DUPLICATES", "", "warning", message, duplicate_rows))
    for corr in correlations:
        if corr.method != "spearman" and abs(corr.value) >= config.high_correlation:
            out.append(
                Alert(
                    "HIGH_CORRELATION",
                    corr.column_a,
                    "info",
                    f"'{corr.column_a}' and '{corr.column_b}' are highly correlated ({corr.method} {corr.value:.2f}); "
                    "one of them may be redundant.",
                    corr.value,
                )
            )
    if parse is not None:
        if parse.ragged_rows:
            out.append(
                Alert(
                    "RAGGED_ROWS",
                    "",
                    "error",
                    f"{_count(parse.ragged_rows, 'row')} had more or fewer fields than the header and "
                    f"{'was' if parse.ragged_rows == 1 else 'were'} padded or cut; "
                    "check the delimiter and quoting.",
                    parse.ragged_rows,
                )
            )
        if parse.unterminated_quotes:
            out.append(
                Alert(
                    "UNTERMINATED_QUOTES",
                    "",
                    "error",
                    f"{_count(parse.unterminated_quotes, 'row')} {'has' if parse.unterminated_quotes == 1 else 'have'}"
                    " an unterminated quote; fix the quoting in the source.",
                    parse.unterminated_quotes,
                )
            )
        if parse.bad_encoding_rows:
            out.append(
                Alert(
                    "BAD_ENCODING",
                    "",
                    "error",
                    f"{_count(parse.bad_encoding_rows, 'row')} held bytes invalid in {parse.encoding} (replaced); "
                    "re-export the file as UTF-8.",
                    parse.bad_encoding_rows,
                )
            )
        if parse.invalid_records:
            out.append(
                Alert(
                    "INVALID_RECORDS",
                    "",
                    "error",
                    f"{_count(parse.invalid_records, 'line')} {'holds' if parse.invalid_records == 1 else 'hold'} "
                    "no JSON object, left out of the table; fix or remove them (the first are listed with their line "
                    "numbers).",
                    parse.invalid_records,
                )
            )
        if parse.long_lines:
            out.append(
                Alert(
                    "LONG_LINES",
                    "",
                    "error",
                    f"{_count(parse.long_lines, 'line')} {'was' if parse.long_lines == 1 else 'were'} longer than "
                    f"{options.MAX_LINE_BYTES / options.MIB:g} MiB and left out of the table (the first are listed "
                    "with their line numbers); a line break or a closing quote is probably missing there.",
                    parse.long_lines,
                )
            )
        if parse.columns_left_out:
            out.append(
                Alert(
                    "COLUMNS_LEFT_OUT",
                    "",
                    "warning",
                    f"The table has {columns + parse.columns_left_out:,} columns; the first {columns:,} were "
                    f"profiled (the most a processor profiles within its memory) and "
                    f"{_count(parse.columns_left_out, 'column')} left out: to profile those, upload them as a file of "
                    "their own.",
                    parse.columns_left_out,
                )
            )
        if parse.encoding_fallback:
            out.append(
                Alert(
                    "ENCODING_FALLBACK",
                    "",
                    "warning",
                    f"The file was not valid in any detected encoding and was read as {parse.encoding}; "
                    "accented characters may be wrong: re-export it as UTF-8.",
                    1,
                )
            )
    return out


# ---- wording ---------------------------------------------------------------------------------------------------

EXAMPLE_CHARS = 40  # an example value is cut to this many characters (a 20,000-character value filled a message)


def _share(share: float) -> str:
    """A share as a percentage that never rounds a part to none or to all."""
    if 0.0 < share < 0.001:
        return "<0.1%"
    if 0.999 < share < 1.0:
        return ">99.9%"
    return f"{share:.1%}"


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _duplicates(n: int) -> str:
    return "is an exact duplicate of another" if n == 1 else "are exact duplicates of others"


def _examples(values: Sequence[str]) -> str:
    return ", ".join(repr(v if len(v) <= EXAMPLE_CHARS else v[: EXAMPLE_CHARS - 1] + "\u2026") for v in values)


def _indicator(col: ColumnProfile) -> bool:
    """A 0/1 flag: the one kind of integer column the profile gives an imbalance (column.py, _flag_counts)."""
    return col.inferred_type == "integer" and col.imbalance is not None

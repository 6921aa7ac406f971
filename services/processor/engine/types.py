"""Which type each distinct (whitespace-trimmed) text value fits, decided vectorially with pyarrow.compute.

Candidate types, from the most specific: boolean (true/false/yes/no/t/f/y/n, any case), integer (optional sign
and at most 18 digits, so it fits int64 exactly), float (decimal or scientific notation, inf/infinity), date
(ISO 8601 YYYY-MM-DD, or YYYY/MM/DD, MM/DD/YYYY, DD.MM.YYYY), datetime (ISO 8601 date and time, optional fraction
and zone; zoned values are converted to UTC). Integers are also floats; dates are also datetimes.

Decision rule (at finish, from totals, so chunking cannot change it): the first of boolean, integer, float, date,
datetime that at least `type_threshold` of present values fit is the type; the other present values are invalid
(MIXED_TYPES). A column no type fits is categorical (few distinct values, see ProfileConfig) or text;
"empty" when it has no present value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

INTEGER_RE = r"^[+-]?\d{1,18}$"
FLOAT_RE = r"^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|(?i:inf|infinity))$"
BOOLEAN_TRUE = ["true", "yes", "t", "y"]
BOOLEAN_FALSE = ["false", "no", "f", "n"]
ISO_DATE_RE = r"^\d{4}-\d{2}-\d{2}$"
ISO_DATETIME_RE = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$"
# Non-ISO date layouts: (regex, strptime format). Text dates in these trigger TYPE_DATE.
OTHER_DATES: list[tuple[str, str]] = [
    (r"^\d{4}/\d{2}/\d{2}$", "%Y/%m/%d"),
    (r"^\d{1,2}/\d{1,2}/\d{4}$", "%m/%d/%Y"),
    (r"^\d{1,2}\.\d{1,2}\.\d{4}$", "%d.%m.%Y"),
]

TYPE_ORDER = ("boolean", "integer", "float", "date", "datetime")


@dataclass
class ParsedValues:
    """Masks over one chunk's distinct present values, and the parsed numbers and timestamps."""

    boolean: np.ndarray  # bool mask
    boolean_true: np.ndarray
    integer: np.ndarray
    float_only: np.ndarray  # floats that are not integers
    numbers: np.ndarray  # float64 (NaN where not a number)
    date: np.ndarray  # dates without time
    datetime_only: np.ndarray  # date-times with a time part
    iso: np.ndarray  # the date/datetime was ISO 8601
    stamps: np.ndarray  # int64 ns since epoch, UTC (meaningful where date | datetime_only)


def _mask(array: pa.Array) -> np.ndarray:
    return np.asarray(pc.fill_null(array, False).to_numpy(zero_copy_only=False), dtype=bool)


def parse(trimmed: pa.Array) -> ParsedValues:
    n = len(trimmed)
    lower = pc.utf8_lower(trimmed)
    is_true = _mask(pc.is_in(lower, value_set=pa.array(BOOLEAN_TRUE)))
    is_bool = is_true | _mask(pc.is_in(lower, value_set=pa.array(BOOLEAN_FALSE)))
    is_float = _mask(pc.match_substring_regex(trimmed, FLOAT_RE))
    is_int = is_float & _mask(pc.match_substring_regex(trimmed, INTEGER_RE))
    numbers = np.full(n, np.nan)
    if is_float.any():
        numbers[is_float] = pc.cast(trimmed.filter(pa.array(is_float)), pa.float64()).to_numpy(zero_copy_only=False)

    stamps = np.zeros(n, dtype=np.int64)
    date = np.zeros(n, dtype=bool)
    with_time = np.zeros(n, dtype=bool)
    iso = np.zeros(n, dtype=bool)
    # Dates need a digit first and a separator at position 2-4: skip the regexes for columns that cannot hold any.
    if n and not is_float.all():
        iso_date = _mask(pc.match_substring_regex(trimmed, ISO_DATE_RE))
        iso_time = _mask(pc.match_substring_regex(trimmed, ISO_DATETIME_RE))
        for pattern_mask, has_time in ((iso_date, False), (iso_time, True)):
            if pattern_mask.any():
                text = trimmed.filter(pa.array(pattern_mask)).to_numpy(zero_copy_only=False)
                parsed = pd.to_datetime(pd.Series(text), format="ISO8601", utc=True, errors="coerce")
                ok = parsed.notna().to_numpy()
                idx = np.flatnonzero(pattern_mask)[ok]
                stamps[idx] = parsed[ok].to_numpy(dtype="datetime64[ns]").astype(np.int64)
                (with_time if has_time else date)[idx] = True
                iso[idx] = True
        for regex, fmt in OTHER_DATES:
            pattern_mask = _mask(pc.match_substring_regex(trimmed, regex))
            if pattern_mask.any():
                text = trimmed.filter(pa.array(pattern_mask)).to_numpy(zero_copy_only=False)
                parsed = pd.to_datetime(pd.Series(text), format=fmt, errors="coerce")
                ok = parsed.notna().to_numpy()
                idx = np.flatnonzero(pattern_mask)[ok]
                stamps[idx] = parsed[ok].to_numpy(dtype="datetime64[ns]").astype(np.int64)
                date[idx] = True
    return ParsedValues(
        boolean=is_bool,
        boolean_true=is_true,
        integer=is_int,
        float_only=is_float & ~is_int,
        numbers=numbers,
        date=date,
        datetime_only=with_time,
        iso=iso,
        stamps=stamps,
    )


def fits(parsed: ParsedValues) -> dict[str, np.ndarray]:
    """Mask of values fitting each candidate type (integers are floats; dates are datetimes)."""
    return {
        "boolean": parsed.boolean,
        "integer": parsed.integer,
        "float": parsed.integer | parsed.float_only,
        "date": parsed.date,
        "datetime": parsed.date | parsed.datetime_only,
    }

"""Which type each distinct (whitespace-trimmed) text value fits, decided vectorially with pyarrow.compute.

Candidate types, from the most specific: boolean (true/false/yes/no/t/f/y/n, any case), integer (optional sign
and at most 18 digits, so it fits int64 exactly), float (decimal or scientific notation, inf/infinity), date
(ISO 8601 YYYY-MM-DD, or YYYY/MM/DD, MM/DD/YYYY, DD.MM.YYYY; DD/MM/YYYY instead of MM/DD/YYYY in a file whose
sample writes a day beyond 12 first, as 13/01/2020, and no month so: `day_first`), datetime (ISO 8601 date and
time, optional fraction and zone; zoned values are converted to UTC). Integers are also floats; dates are also
datetimes.

Where the file writes numbers with a decimal comma (the dialect's `decimal`, sniffed or given: "1,5", "-0,25",
"1.234,50", "1 234,50", ",5", "12,", "1,5e3"), such values are floats too, and a dot or a space between groups
of three digits is a thousands separator ("1.234" is the integer 1234, as pandas reads with decimal="," and
thousands="."); other numbers read as they would anyway.

Decision rule (at finish, from totals, so chunking cannot change it): the first of boolean, integer, float, date,
datetime that at least `type_threshold` of present values fit is the type; the other present values are invalid
(MIXED_TYPES). Integer only while no value is a float alone, but for whole numbers too long for int64 exactly
(LONG_INTEGER_RE): a number with a fraction, an exponent or inf among integers makes a float column whose
statistics count it, as pandas reads it. (A date and time among dates stays an invalid value of a date column.)
A column no type fits is categorical (few distinct values, see ProfileConfig) or text; "empty" when it has no
present value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from . import _kernels
from .hashing import string_buffers

INTEGER_RE = r"^[+-]?\d{1,18}$"
FLOAT_RE = r"^[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?|(?i:inf|infinity))$"
BOOLEAN_TRUE = ["true", "yes", "t", "y"]
BOOLEAN_FALSE = ["false", "no", "f", "n"]
ISO_DATE_RE = r"^\d{4}-\d{2}-\d{2}$"
ISO_DATETIME_RE = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$"
# Non-ISO date layouts: (regex, strptime format, with a time). Text dates in these trigger TYPE_DATE. Each starts
# with a digit, or with a month's name and ends in ", YYYY" (the compiled pre-filter's date candidates).
_TIME = r" \d{1,2}:\d{2}"
OTHER_DATES: list[tuple[str, str, bool]] = [
    (r"^\d{4}/\d{1,2}/\d{1,2}$", "%Y/%m/%d", False),
    (r"^\d{4}-\d{1,2}-\d{1,2}$", "%Y-%m-%d", False),  # 2020-1-5: not zero-padded, so not ISO 8601
    (r"^\d{1,2}/\d{1,2}/\d{4}$", "%m/%d/%Y", False),
    (r"^\d{1,2}-\d{1,2}-\d{4}$", "%m-%d-%Y", False),
    (r"^\d{1,2}\.\d{1,2}\.\d{4}$", "%d.%m.%Y", False),
    (r"^\d{1,2} [A-Za-z]{3} \d{4}$", "%d %b %Y", False),  # 5 Jan 2020
    (r"^\d{1,2} [A-Za-z]{4,9} \d{4}$", "%d %B %Y", False),  # 5 January 2020
    (r"^[A-Za-z]{3} \d{1,2}, \d{4}$", "%b %d, %Y", False),  # Jan 5, 2020
    (r"^[A-Za-z]{4,9} \d{1,2}, \d{4}$", "%B %d, %Y", False),  # January 5, 2020
    (r"^\d{4}/\d{1,2}/\d{1,2}" + _TIME + "$", "%Y/%m/%d %H:%M", True),
    (r"^\d{4}/\d{1,2}/\d{1,2}" + _TIME + r":\d{2}$", "%Y/%m/%d %H:%M:%S", True),
    (r"^\d{1,2}/\d{1,2}/\d{4}" + _TIME + "$", "%m/%d/%Y %H:%M", True),
    (r"^\d{1,2}/\d{1,2}/\d{4}" + _TIME + r":\d{2}$", "%m/%d/%Y %H:%M:%S", True),
    (r"^\d{1,2}\.\d{1,2}\.\d{4}" + _TIME + "$", "%d.%m.%Y %H:%M", True),
    (r"^\d{1,2}\.\d{1,2}\.\d{4}" + _TIME + r":\d{2}$", "%d.%m.%Y %H:%M:%S", True),
]
# The layouts of a file whose sample writes days beyond 12 first.
DAY_FIRST = {
    "%m/%d/%Y": "%d/%m/%Y",
    "%m-%d-%Y": "%d-%m-%Y",
    "%m/%d/%Y %H:%M": "%d/%m/%Y %H:%M",
    "%m/%d/%Y %H:%M:%S": "%d/%m/%Y %H:%M:%S",
}

TYPE_ORDER = ("boolean", "integer", "float", "date", "datetime")
# A text column at least this share of whose present values fit one type is of mixed types (MIXED_TYPES): the
# others are counted invalid, with examples, as in a typed column.
MOSTLY = 0.5


def fitted_type(kind: str, type_counts: Mapping[str, int], present: int) -> str | None:
    """The type a column's values are held to: its inferred type, or for a text or categorical column the one at
    least MOSTLY of its values fit (then MIXED_TYPES), if any. Not boolean: single letters are boolean spellings
    (F, N, T, Y), and a column of M and F, of compass points or of x and y is categorical, not booleans with bad
    values."""
    if kind in TYPE_ORDER:
        return kind
    best = max(TYPE_ORDER[1:], key=lambda t: type_counts.get(t, 0))
    return best if present and type_counts.get(best, 0) >= MOSTLY * present else None


# A number written with a decimal comma, or with dots or spaces (plain, no-break or narrow no-break, as French
# and Nordic exports write them) between groups of three digits (thousands), or both.
THOUSANDS_SEPARATORS = (".", " ", "\u00a0", "\u202f")
# One spelling for Arrow's RE2 and Python's re (the spaces as characters: the two escape them differently); the
# sniffer (dialect.py) and the numeric_text pattern (text.py) build on it too.
GROUPED_THOUSANDS = r"\d{1,3}((\.\d{3})+|([" + "".join(THOUSANDS_SEPARATORS[1:]) + r"]\d{3})+)"
# As pandas reads with decimal="," (and FLOAT_RE with a point): digits on one side of the comma may be missing
# (",5", "12,"), and an exponent may follow ("1,5e3").
_EXPONENT = r"([eE][+-]?\d+)?"
DECIMAL_COMMA_RE = (
    r"^[+-]?((" + GROUPED_THOUSANDS + r")(,\d*)?" + _EXPONENT + r"|\d+,\d*" + _EXPONENT + r"|,\d+" + _EXPONENT + r")$"
)


@dataclass
class ParsedValues:
    """Masks over one chunk's distinct present values, and the parsed numbers and timestamps."""

    boolean: np.ndarray  # bool mask
    boolean_true: np.ndarray
    integer: np.ndarray
    float_only: np.ndarray  # floats that are not integers
    numbers: np.ndarray  # float64 (NaN where not a number)
    integers: np.ndarray  # int64, exact beyond 2**53 too (meaningful where integer)
    date: np.ndarray  # dates without time
    datetime_only: np.ndarray  # date-times with a time part
    iso: np.ndarray  # the date/datetime was ISO 8601
    stamps: np.ndarray  # int64 ns since epoch, UTC, or µs where `far` (meaningful where date | datetime_only)
    far: np.ndarray  # a timestamp outside int64 nanoseconds' range (before 1677-09-22 or after 2262-04-11)


def bool_mask(array: pa.Array) -> np.ndarray:
    if array.null_count:  # results on null-free values have none: skip the copy
        array = pc.fill_null(array, False)
    return np.asarray(array.to_numpy(zero_copy_only=False), dtype=bool)


class ByteView:
    """Byte lengths, first and last bytes and per-string byte-class counts of a null-free string array, from its
    buffers.

    The cheap, exact pre-filters that keep regexes off values that cannot match (a date starts with a digit,
    an e-mail address holds one '@', ...): on a free-text column most regexes then run on nothing.
    """

    def __init__(self, array: pa.Array) -> None:
        self.array = array
        offsets, self.data = string_buffers(array)  # the offsets as stored (int32 or int64): no copy
        self.offsets = offsets
        self.lengths, self.first, self.last = _kernels.byte_view(offsets, self.data)  # first/last 0 when empty
        self._segment = self.data[offsets[0] : offsets[-1]] if len(array) else self.data[:0]

    def count(self, low: int, high: int | None = None, where: np.ndarray | None = None) -> np.ndarray:
        """How many bytes of each string lie in [low, high] (high defaults to low); strings outside `where` get 0."""
        selected = np.ones(len(self.array), np.uint8) if where is None else np.ascontiguousarray(where).view(np.uint8)
        return _kernels.count_in_range(self.offsets, self.data, low, low if high is None else high, selected)

    def char_lengths(self) -> np.ndarray:
        """Length of each string in characters (its byte length when all of it is ASCII)."""
        if len(self._segment) == 0 or int(self._segment.max()) < 0x80:
            return self.lengths
        return np.asarray(pc.utf8_length(self.array).to_numpy(zero_copy_only=False), dtype=np.int64)

    def subset(self, mask: np.ndarray) -> pa.Array:
        return self.array if mask.all() else self.array.filter(pa.array(mask))


def byte_table(chars: str | bytes) -> np.ndarray:
    table = np.zeros(256, dtype=bool)
    table[list(chars.encode() if isinstance(chars, str) else chars)] = True
    return table


_COMMA_FIRST = byte_table("0123456789+-,")
_COMMA_LAST = byte_table("0123456789,")


LONG_INTEGER_RE = r"^[+-]?\d{19,}$"  # a float to the parser (more than 18 digits), a whole number to a person


def long_integers(view: ByteView, floats: np.ndarray) -> np.ndarray:
    """Mask of the `floats` written as whole numbers of more than 18 digits (LONG_INTEGER_RE). The regex runs on
    values of 19 bytes or more only: a float column's every value went through it, a chunk at a time."""
    return _regex(view, floats & (view.lengths >= 19), LONG_INTEGER_RE)


def _regex(view: ByteView, candidates: np.ndarray, pattern: str) -> np.ndarray:
    """Mask of the values matching `pattern`, the regex run on `candidates` only."""
    out = np.zeros(len(candidates), dtype=bool)
    if candidates.any():
        out[candidates] = bool_mask(pc.match_substring_regex(view.subset(candidates), pattern))
    return out


# Timestamps are int64 nanoseconds from 1677-09-22 to 2262-04-11 (midnight), the range pandas parses most texts
# in. Dates outside it (a 9999-12-31 "no end" sentinel, 1500-06-01) pandas parses in microseconds; they are kept
# in microseconds and marked far, so they neither wrap around nor stop counting as dates.
_NS_FIRST = np.datetime64("1677-09-22")
_NS_LAST = np.datetime64("2262-04-11")


def _stamps(values: pa.Array, fmt: str, utc: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(parsed, far, stamps: nanoseconds since the epoch, or microseconds where far) of pandas' parse of texts,
    each as pandas parses it alone (a value must parse the same in whichever chunk or part it is): pandas parses
    a batch in the finest unit any of its values needs, and a value with more than six fraction digits makes
    it nanoseconds, which turns the batch's far dates into NaT. Such values are parsed apart from the others."""
    nanos = bool_mask(pc.match_substring_regex(values, r"\.\d{7}"))
    if nanos.any() and not nanos.all():
        ok, far, stamps = np.zeros(len(values), bool), np.zeros(len(values), bool), np.zeros(len(values), np.int64)
        for group in (nanos, ~nanos):
            ok[group], far[group], stamps[group] = _stamps(values.filter(pa.array(group)), fmt, utc)
        return ok, far, stamps
    text = values.to_numpy(zero_copy_only=False)
    parsed = pd.to_datetime(pd.Series(text), format=fmt, utc=utc, errors="coerce")
    raw = parsed.to_numpy(dtype=f"datetime64[{parsed.dt.unit}]")
    ok = ~np.isnat(raw)
    near = ok & (raw >= _NS_FIRST.astype(raw.dtype)) & (raw <= _NS_LAST.astype(raw.dtype))
    far = ok & ~near
    stamps = np.zeros(len(raw), np.int64)
    stamps[near] = raw[near].astype("datetime64[ns]").astype(np.int64)
    stamps[far] = raw[far].astype("datetime64[us]").astype(np.int64)
    return ok, far, stamps


def decimal_comma_numbers(view: ByteView) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mask, integer, numbers) of the values written with a decimal comma or grouped thousands (DECIMAL_COMMA_RE):
    which they are, which of them are integers (no comma, at most 18 digits: exact in int64), and their values."""
    n = len(view.array)
    mask, integer, numbers = np.zeros(n, bool), np.zeros(n, bool), np.full(n, np.nan)
    # A separator is needed: a comma or a dot (with "-", the bytes 0x2C to 0x2E), a space, or the last byte of a
    # no-break space (A0) or of a narrow one (AF); and a digit or a comma at the end.
    candidates = _COMMA_FIRST[view.first] & _COMMA_LAST[view.last] & (view.lengths >= 2)
    separators = view.count(0x2C, 0x2E, where=candidates) - (view.first == ord("-"))
    separators += view.count(0x20, where=candidates) + view.count(0xA0, 0xAF, where=candidates)
    candidates &= separators > 0
    mask = _regex(view, candidates, DECIMAL_COMMA_RE)
    if mask.any():
        text = pc.replace_substring(_without_separators(view.subset(mask)), ",", ".")
        digits = pc.utf8_length(pc.replace_substring(pc.replace_substring(text, "-", ""), "+", ""))
        point_or_exponent = pc.match_substring_regex(text, r"[.eE]")
        whole = bool_mask(pc.and_(pc.invert(point_or_exponent), pc.less_equal(digits, 18)))
        numbers[mask] = pc.cast(text, pa.float64()).to_numpy(zero_copy_only=False)
        integer[np.flatnonzero(mask)[whole]] = True
    return mask, integer, numbers


def _without_separators(text: pa.Array) -> pa.Array:
    for separator in THOUSANDS_SEPARATORS:
        text = pc.replace_substring(text, separator, "")
    return text


def _exact_integers(text: pa.Array, decimal: str) -> np.ndarray:
    """Integer texts (INTEGER_RE, or grouped thousands where the decimal mark is a comma) as exact int64."""
    if decimal == ",":
        text = _without_separators(text)
    text = pc.replace_substring_regex(text, r"^\+", "")  # Arrow's cast takes a "-" but no "+"
    return np.asarray(pc.cast(text, pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)


def parse(
    trimmed: pa.Array, view: ByteView | None = None, decimal: str = ".", *, day_first: bool = False
) -> ParsedValues:
    """`view`: `trimmed`'s ByteView when the caller has it already; `decimal`: the file's decimal mark;
    `day_first`: D/M/YYYY dates put the day first."""
    n = len(trimmed)
    view = view if view is not None else ByteView(trimmed)
    # One compiled pass finds boolean words, integers (INTEGER_RE is exactly "no dot, 1 to 18 digits", which it
    # also parses, exactly) and other plain decimals (an optional sign, digits, at most one dot, a digit at least),
    # which match FLOAT_RE, and marks the rest that could still be a float (exponents, inf, ...: the regex decides)
    # or a date.
    shapes, numbers, integers, float_candidates, date_candidates = _kernels.number_shapes(view.offsets, view.data)
    is_true = shapes == 1
    is_bool = is_true | (shapes == 2)
    is_int = shapes == 3
    plain = is_int | (shapes == 4)
    is_float = plain | _regex(view, float_candidates, FLOAT_RE)
    # The kernel parsed the plain decimals within Clinger's fast path; Arrow's cast reads the rest.
    pending = is_float & np.isnan(numbers)
    if pending.any():
        numbers[pending] = pc.cast(view.subset(pending), pa.float64()).to_numpy(zero_copy_only=False)
    if decimal == ",":
        comma, comma_integer, comma_numbers = decimal_comma_numbers(view)
        numbers[comma] = comma_numbers[comma]
        is_int = (is_int & ~comma) | comma_integer
        is_float |= comma
        if comma_integer.any():
            integers[comma_integer] = numbers[comma_integer].astype(np.int64)
            long = comma_integer & (view.lengths > 15)  # past 2**53 a float64 is not exact: read again
            if long.any():
                integers[long] = _exact_integers(view.subset(long), decimal)

    stamps = np.zeros(n, dtype=np.int64)
    date = np.zeros(n, dtype=bool)
    with_time = np.zeros(n, dtype=bool)
    iso = np.zeros(n, dtype=bool)
    far = np.zeros(n, dtype=bool)
    # Every date layout starts with a digit and is at least 8 bytes long, or with a month's name and ends in ", YYYY";
    # no float is a date.
    maybe_date = date_candidates & ~is_float
    if maybe_date.any():
        # Plain YYYY-MM-DD dates in a compiled pass; pandas parses the rest (other years, impossible days, ...).
        ten = maybe_date & (view.lengths == 10)
        plain, day_stamps = _kernels.iso_dates(view.offsets, view.data, ten.view(np.uint8))
        plain = plain.view(bool)
        stamps[plain] = day_stamps[plain]
        date |= plain
        iso |= plain
        iso_date = _regex(view, ten & ~plain, ISO_DATE_RE)
        iso_time = _regex(view, maybe_date & (view.lengths >= 16), ISO_DATETIME_RE)
        for pattern_mask, has_time in ((iso_date, False), (iso_time, True)):
            if pattern_mask.any():
                ok, far_ones, parsed_stamps = _stamps(view.subset(pattern_mask), "ISO8601", utc=True)
                idx = np.flatnonzero(pattern_mask)[ok]
                stamps[idx], far[idx] = parsed_stamps[ok], far_ones[ok]
                (with_time if has_time else date)[idx] = True
                iso[idx] = True
        # The ISO ones are read: 2020-01-05 is no other layout ("%Y-%m-%d" reads only the unpadded).
        other = maybe_date & ~plain & ~iso_date & ~iso_time
        dates_only = other & (view.lengths <= 18)  # September 17, 2020
        with_a_time = other & (view.lengths > 10)
        for regex, fmt, has_time in OTHER_DATES:
            fmt = DAY_FIRST.get(fmt, fmt) if day_first else fmt
            pattern_mask = _regex(view, with_a_time if has_time else dates_only, regex)
            if pattern_mask.any():
                ok, far_ones, parsed_stamps = _stamps(view.subset(pattern_mask), fmt, utc=False)
                idx = np.flatnonzero(pattern_mask)[ok]
                stamps[idx], far[idx] = parsed_stamps[ok], far_ones[ok]
                (with_time if has_time else date)[idx] = True
    return ParsedValues(
        boolean=is_bool,
        boolean_true=is_true,
        integer=is_int,
        float_only=is_float & ~is_int,
        numbers=numbers,
        integers=integers,
        date=date,
        datetime_only=with_time,
        iso=iso,
        stamps=stamps,
        far=far,
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

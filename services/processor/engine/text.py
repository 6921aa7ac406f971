"""Text statistics: string lengths (in characters, of the value as given) and semantic patterns.

Patterns are matched on the whitespace-trimmed text of values that are not numbers, booleans or dates. A
column "is" a pattern when at least `type_threshold` of its present values match it; the shares are reported
either way. `numeric_text` is a number a parser would not take: thousands separators, currency or percent signs,
a decimal comma where the file is read with a decimal point.
`nested` is JSON-like text (objects/arrays), which the profiler does not look into (UNSUPPORTED).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import _kernels
from .types import GROUPED_THOUSANDS, ByteView, bool_mask

_HEX = "[0-9a-fA-F]{1,4}"
# IPv6 in full or with one "::" standing for the zero groups (RE2 has no look-ahead: one branch per place of the
# "::"); the same addresses as Python's ipaddress module. A time of day such as 08:30:00 is none.
_IPV6 = (
    rf"({_HEX}:){{7}}{_HEX}|({_HEX}:){{1,7}}:|({_HEX}:){{1,6}}:{_HEX}|({_HEX}:){{1,5}}(:{_HEX}){{1,2}}"
    rf"|({_HEX}:){{1,4}}(:{_HEX}){{1,3}}|({_HEX}:){{1,3}}(:{_HEX}){{1,4}}|({_HEX}:){{1,2}}(:{_HEX}){{1,5}}"
    rf"|{_HEX}:(:{_HEX}){{1,6}}|:((:{_HEX}){{1,7}}|:)"
)
PATTERNS: dict[str, str] = {
    "email": r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$",
    "url": r"^(?i:https?|ftp)://[^\s/$.?#][^\s]*$",
    "uuid": r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
    "ip_address": (r"^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$" + rf"|^({_IPV6})$"),
    # Also 7 to 15 digits in all (PHONE_DIGITS; E.164 numbers have at most 15): a version 3.11.4 or a code
    # 12-34-56 is none.
    "phone": r"^\+?\(?\d{1,4}\)?([\s.-]\(?\d{1,4}\)?){2,5}$|^\+\d{7,15}$",
    "numeric_text": (
        r"^[+-]?[$€£¥]?\s?\d{1,3}(,\d{3})+(\.\d+)?\s?%?$|^[+-]?[$€£¥]\s?\d+(\.\d+)?$|^[+-]?\d+([.,]\d+)?\s?%$"
        r"|^[+-]?(" + GROUPED_THOUSANDS + r"|\d+),\d+$"  # a decimal comma, read with a point
    ),
    "nested": r"^(\{.*\}|\[.*\])$",
}


# _kernels.pattern_flags decides the e-mail pattern itself (an e-mail column is mostly distinct, and Arrow's
# regex took ~95 ns a value); for the other patterns its bit marks the values the regex could match, a necessary
# condition on bytes.
_EMAIL_BIT = _kernels.PATTERN_BITS["email"]
_FLAG_BITS = {name: bit for name, bit in _kernels.PATTERN_BITS.items() if name != "email"}


PHONE_DIGITS = (7, 15)


def pattern_matches(values: pa.Array, name: str) -> np.ndarray:
    """Which `values` (trimmed text) match the pattern `name` (PATTERNS' regex, and for a phone its digit count)."""
    matched = bool_mask(pc.match_substring_regex(values, PATTERNS[name]))
    if name == "phone" and matched.any():
        digits = pc.count_substring_regex(values, r"\d").to_numpy(zero_copy_only=False)
        matched &= (digits >= PHONE_DIGITS[0]) & (digits <= PHONE_DIGITS[1])
    return matched


class TextAccumulator:
    def __init__(self) -> None:
        self.count = 0
        self.length_min = math.inf
        self.length_max = -math.inf
        self.length_sum = 0
        self.patterns: dict[str, int] = dict.fromkeys(PATTERNS, 0)

    def update(
        self, values: pa.Array, trimmed: pa.Array, counts: np.ndarray, untyped: np.ndarray, view: ByteView | None = None
    ) -> None:
        """`values` are distinct present values with `counts`; `untyped` marks those patterns are tried on.
        `view`: `trimmed`'s ByteView when the caller has it already."""
        if len(values) == 0:
            return
        view = view if view is not None else ByteView(trimmed)
        lengths = (view if trimmed is values else ByteView(values)).char_lengths()
        self.count += int(counts.sum())
        self.length_min = min(self.length_min, int(lengths.min()))
        self.length_max = max(self.length_max, int(lengths.max()))
        self.length_sum += int(np.dot(lengths, counts))
        if untyped.any():
            view = view if untyped.all() else ByteView(trimmed.filter(pa.array(untyped)))
            weights = counts[untyped]
            flags = _kernels.pattern_flags(view.offsets, view.data)
            self.patterns["email"] += int(weights[(flags & _EMAIL_BIT) != 0].sum())
            for name, bit in _FLAG_BITS.items():
                candidates = (flags & bit) != 0
                if candidates.any():
                    matched = pattern_matches(view.subset(candidates), name)
                    self.patterns[name] += int(weights[candidates][matched].sum())

    def merge(self, other: TextAccumulator) -> None:
        self.count += other.count
        self.length_min = min(self.length_min, other.length_min)
        self.length_max = max(self.length_max, other.length_max)
        self.length_sum += other.length_sum
        for name, count in other.patterns.items():
            self.patterns[name] = self.patterns.get(name, 0) + count

    @property
    def length_mean(self) -> float:
        return self.length_sum / self.count if self.count else math.nan

    def to_state(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "min": self.length_min,
            "max": self.length_max,
            "sum": self.length_sum,
            "patterns": self.patterns,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> TextAccumulator:
        acc = cls()
        acc.count, acc.length_min, acc.length_max = state["count"], state["min"], state["max"]
        acc.length_sum, acc.patterns = state["sum"], dict(state["patterns"])
        return acc


class DatetimeAccumulator:
    """Range of parsed timestamps (nanoseconds since the epoch, UTC, as Python ints: a far date such as 9999-12-31
    is beyond int64 nanoseconds) and which units vary, for the granularity."""

    UNITS = ("subsecond", "second", "minute", "hour", "day", "month")

    def __init__(self) -> None:
        self.count = 0
        self.minimum: int | None = None
        self.maximum: int | None = None
        self.varies: set[str] = set()

    def update(self, stamps: np.ndarray, counts: np.ndarray, unit: str = "ns") -> None:
        """`stamps`: int64 since the epoch in `unit`, "ns" or "us" (dates outside nanoseconds' range)."""
        if len(stamps) == 0:
            return
        self.count += int(counts.sum())
        to_ns = 1 if unit == "ns" else 1000
        low, high = int(stamps.min()) * to_ns, int(stamps.max()) * to_ns
        self.minimum = low if self.minimum is None else min(self.minimum, low)
        self.maximum = high if self.maximum is None else max(self.maximum, high)
        second = 1_000_000_000 // to_ns
        checks = {
            "subsecond": stamps % second,
            "second": (stamps // second) % 60,
            "minute": (stamps // (60 * second)) % 60,
            "hour": (stamps // (3600 * second)) % 24,
        }
        for name, residue in checks.items():
            if name not in self.varies and residue.any():
                self.varies.add(name)
        days = stamps.astype(f"datetime64[{unit}]")
        if "day" not in self.varies and (days.astype("datetime64[D]") != days.astype("datetime64[M]")).any():
            self.varies.add("day")
        if "month" not in self.varies and (days.astype("datetime64[M]") != days.astype("datetime64[Y]")).any():
            self.varies.add("month")

    @property
    def granularity(self) -> str:
        """The finest unit in which values differ from a whole coarser unit: second, minute, hour, day, ..."""
        for unit in self.UNITS:
            if unit in self.varies:
                return unit
        return "year"

    def merge(self, other: DatetimeAccumulator) -> None:
        self.count += other.count
        for bound in (other.minimum, other.maximum):
            if bound is not None:
                self.minimum = bound if self.minimum is None else min(self.minimum, bound)
                self.maximum = bound if self.maximum is None else max(self.maximum, bound)
        self.varies |= other.varies

    def to_state(self) -> dict[str, Any]:
        return {"count": self.count, "min": self.minimum, "max": self.maximum, "varies": sorted(self.varies)}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> DatetimeAccumulator:
        acc = cls()
        acc.count, acc.minimum, acc.maximum, acc.varies = (
            state["count"],
            state["min"],
            state["max"],
            set(state["varies"]),
        )
        return acc

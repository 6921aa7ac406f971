"""Streaming table profile: pure computation over pandas chunks, no I/O.

Every cell is read as text; a column's type is the narrowest one that every present value of
every chunk fits (integer < float, boolean, datetime, else text), so the result does not depend
on how the file was chunked. Statistics are kept for each candidate type until it is ruled out.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from sluice.jobstore import ColumnResult

_INTEGER = re.compile(r"^[+-]?\d+$")
_BOOLEAN_WORDS = {"true", "false", "yes", "no", "t", "f", "y", "n"}
# ISO 8601 dates and date-times only: unambiguous, and fast to reject for other text.
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$")


@dataclass
class ColumnAccumulator:
    """Running statistics of one column; `update` takes one chunk's values as strings (NaN = missing)."""

    name: str
    position: int
    distinct_limit: int
    count: int = 0
    missing: int = 0
    distinct_values: set[str] = field(default_factory=set)
    distinct_overflow: bool = False
    maybe_integer: bool = True
    maybe_float: bool = True
    maybe_boolean: bool = True
    maybe_datetime: bool = True
    numeric_count: int = 0
    numeric_sum: float = 0.0
    numeric_min: float = math.inf
    numeric_max: float = -math.inf
    integer_min: int | None = None
    integer_max: int | None = None
    datetime_min: pd.Timestamp | None = None
    datetime_max: pd.Timestamp | None = None
    text_min: str | None = None
    text_max: str | None = None

    def update(self, values: pd.Series) -> None:
        self.count += len(values)
        present = values.dropna().astype(str)
        self.missing += len(values) - len(present)
        if present.empty:
            return
        self._update_distinct(present)
        low, high = present.min(), present.max()
        self.text_min = low if self.text_min is None else min(self.text_min, low)
        self.text_max = high if self.text_max is None else max(self.text_max, high)
        stripped = present.str.strip()
        if self.maybe_boolean:
            self.maybe_boolean = bool(stripped.str.lower().isin(_BOOLEAN_WORDS).all())
        if self.maybe_float:
            self._update_numeric(stripped)
        if self.maybe_datetime:
            self._update_datetime(stripped)

    def _update_distinct(self, present: pd.Series) -> None:
        if self.distinct_overflow:
            return
        self.distinct_values.update(present.unique())
        if len(self.distinct_values) > self.distinct_limit:
            self.distinct_overflow = True
            self.distinct_values = set(list(self.distinct_values)[: self.distinct_limit])

    def _update_numeric(self, stripped: pd.Series) -> None:
        numbers = pd.to_numeric(stripped, errors="coerce")
        if numbers.isna().any():
            self.maybe_float = self.maybe_integer = False
            return
        if self.maybe_integer and not stripped.str.fullmatch(_INTEGER).all():
            self.maybe_integer = False
        if self.maybe_integer:
            if numbers.dtype.kind == "i":
                low, high = int(numbers.min()), int(numbers.max())
            else:  # beyond int64: exact Python integers
                ints = [int(v) for v in stripped]
                low, high = min(ints), max(ints)
            self.integer_min = low if self.integer_min is None else min(self.integer_min, low)
            self.integer_max = high if self.integer_max is None else max(self.integer_max, high)
        as_float = numbers.astype("float64")
        self.numeric_count += len(as_float)
        self.numeric_sum += math.fsum(as_float)
        self.numeric_min = min(self.numeric_min, float(as_float.min()))
        self.numeric_max = max(self.numeric_max, float(as_float.max()))

    def _update_datetime(self, stripped: pd.Series) -> None:
        if not stripped.str.fullmatch(_ISO_DATE).all():
            self.maybe_datetime = False
            return
        stamps = pd.to_datetime(stripped, errors="coerce", format="ISO8601", utc=True)
        if stamps.isna().any():
            self.maybe_datetime = False
            return
        low, high = stamps.min(), stamps.max()
        self.datetime_min = low if self.datetime_min is None else min(self.datetime_min, low)
        self.datetime_max = high if self.datetime_max is None else max(self.datetime_max, high)

    @property
    def inferred_type(self) -> str:
        if self.count == self.missing:
            return "empty"
        if self.maybe_boolean and not self.maybe_float:
            return "boolean"
        if self.maybe_integer:
            return "integer"
        if self.maybe_float:
            return "float"
        if self.maybe_datetime:
            return "datetime"
        return "text"

    def result(self) -> ColumnResult:
        kind = self.inferred_type
        low: str | None
        high: str | None
        mean: float | None = None
        if kind == "integer":
            low, high = str(self.integer_min), str(self.integer_max)
            mean = self.numeric_sum / self.numeric_count
        elif kind == "float":
            low, high = _render_float(self.numeric_min), _render_float(self.numeric_max)
            mean = self.numeric_sum / self.numeric_count
        elif kind == "datetime":
            assert self.datetime_min is not None and self.datetime_max is not None
            low, high = self.datetime_min.isoformat(), self.datetime_max.isoformat()
        else:
            low, high = self.text_min, self.text_max
        return ColumnResult(
            position=self.position,
            name=self.name,
            inferred_type=kind,
            count=self.count,
            missing=self.missing,
            distinct=len(self.distinct_values),
            distinct_approximate=self.distinct_overflow,
            min_value=low,
            max_value=high,
            mean=mean if mean is None or math.isfinite(mean) else None,
        )


def _render_float(value: float) -> str:
    return repr(float(value))


class TableProfiler:
    """Feed it chunks (DataFrames of strings, same columns); `columns()` gives the results."""

    def __init__(self, *, distinct_limit: int):
        self._distinct_limit = distinct_limit
        self._columns: list[ColumnAccumulator] | None = None
        self.rows = 0

    def update(self, chunk: pd.DataFrame) -> None:
        if self._columns is None:
            self._columns = [
                ColumnAccumulator(name=str(name), position=i, distinct_limit=self._distinct_limit)
                for i, name in enumerate(chunk.columns)
            ]
        self.rows += len(chunk)
        for accumulator, (_, values) in zip(self._columns, chunk.items(), strict=True):
            accumulator.update(values)

    def columns(self) -> list[ColumnResult]:
        return [c.result() for c in self._columns or []]

    @property
    def missing_cells(self) -> int:
        return sum(c.missing for c in self._columns or [])


def sniff_delimiter(sample: str, media_type: str, requested: str = "") -> str:
    """The requested delimiter, else tab for TSV, else what csv.Sniffer finds, else a comma."""
    if requested:
        return requested
    if media_type == "text/tab-separated-values":
        return "\t"
    lines = sample.splitlines()
    if len(lines) > 1:
        sample = "\n".join(lines[:-1])  # the last line of a sample may be cut in half
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def profile_frames(frames: Iterable[pd.DataFrame], *, distinct_limit: int) -> TableProfiler:
    """Convenience for tests and small inputs: profile an iterable of chunks."""
    profiler = TableProfiler(distinct_limit=distinct_limit)
    for frame in frames:
        profiler.update(frame)
    return profiler

"""One column's accumulator: every statistic is computed on the chunk's distinct values, weighted by counts.

A chunk's values are grouped once (a compiled scan that hashes every value, which the distinct counts and duplicate
rows need anyway); missing detection, type parsing, patterns, lengths and distinct counting then run on the
distinct values only, which is what makes low-cardinality columns cheap.
Values are compared as given ("1" and "1.0" are two texts), but a column of numbers only counts its distinct and top
values by number, as pandas does; type parsing trims whitespace.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .chi_square import uniform_p
from .config import ProfileConfig
from .distinct import DistinctAccumulator
from .hashing import MISSING_HASH, group_strings, hash_strings, take_strings
from .missing import MissingValues
from .model import ColumnProfile, DatetimeProfile, Histogram, NumericProfile, TextProfile, TopValue
from .numeric import NumericAccumulator
from .text import PATTERNS, DatetimeAccumulator, TextAccumulator
from .types import TYPE_ORDER, ByteView, fits, fitted_type, long_integers, parse


class ColumnAccumulator:
    def __init__(self, name: str, position: int, config: ProfileConfig) -> None:
        self.name, self.position, self.config = name, position, config
        self.count = 0
        self.nulls = 0
        self.empties = 0
        self.tokens = 0
        self.fit_counts: dict[str, int] = dict.fromkeys(TYPE_ORDER, 0)
        self.long_integers = 0  # floats to the parser that are whole numbers of more than 18 digits
        # Per type: up to `mixed_examples` (value hash, value) of values not fitting it, smallest first.
        self.misfit_examples: dict[str, list[tuple[int, str]]] = {t: [] for t in TYPE_ORDER}
        self.iso_dates = 0  # values written in ISO 8601: dates without a time
        self.iso_datetimes = 0  # and dates with one
        c = config
        self.integers = NumericAccumulator(c.exact_quantile_limit, c.kll_k, integer=True)
        self.floats = NumericAccumulator(c.exact_quantile_limit, c.kll_k, integer=False)
        self.dates = DatetimeAccumulator()
        self.datetimes = DatetimeAccumulator()
        self.text = TextAccumulator()
        self.distinct = DistinctAccumulator(
            c.exact_distinct_limit, c.exact_distinct_bytes, c.hll_lg_k, c.frequent_items_lg_max_map_size
        )
        self._missing = MissingValues(c.na_tokens)

    def update(self, array: pa.Array) -> np.ndarray:
        """Account one chunk of this column; returns each row's 64-bit value hash (for duplicate rows)."""
        self.count += len(array)
        self.nulls += array.null_count
        dictionary, counts, hashes, row_hashes, empty_rows = _group(array)
        self.empties += empty_rows

        trimmed, view, could_be_token = self._missing.trim(dictionary)
        empty = view.lengths == 0
        token = self._missing.tokens_among(view, could_be_token)
        self.empties += int(counts[empty].sum())
        self.tokens += int(counts[token].sum())
        present = ~(empty | token)
        if not present.all():  # blanks and tokens (empty cells have the null's hash already)
            _hash_as_missing(row_hashes, hashes[~present])
            keep = pa.array(present)
            same = trimmed is dictionary
            dictionary = dictionary.filter(keep)
            trimmed = dictionary if same else trimmed.filter(keep)
            view = ByteView(trimmed)
            counts, hashes = counts[present], hashes[present]
        if len(dictionary) == 0:
            return row_hashes

        parsed = parse(trimmed, view, self.config.decimal, day_first=self.config.day_first)
        fit_masks = fits(parsed)
        present_count = int(counts.sum())
        for type_name, mask in fit_masks.items():
            self.fit_counts[type_name] += _weight(counts, mask, present_count)
        if parsed.float_only.any():
            self.long_integers += _weight(counts, long_integers(view, parsed.float_only), present_count)
        for misfit, type_names in _misfit_groups(fit_masks):
            self._keep_examples(type_names, dictionary, hashes, misfit)
        numbers, number_counts, integers = _picked(parsed.integer, parsed.numbers, counts, parsed.integers)
        self.integers.update(numbers, number_counts, exact=integers)
        self.floats.update(*_picked(parsed.float_only, parsed.numbers, counts))
        any_far = bool(parsed.far.any())  # stamps in microseconds there
        for accumulator, mask in ((self.dates, parsed.date), (self.datetimes, parsed.datetime_only)):
            if any_far:
                far = mask & parsed.far
                accumulator.update(parsed.stamps[far], counts[far], unit="us")
                mask = mask & ~parsed.far
            stamps, stamp_counts = _picked(mask, parsed.stamps, counts)
            accumulator.update(stamps, stamp_counts)
        if parsed.iso.any():
            self.iso_dates += int(counts[parsed.iso & parsed.date].sum())
            self.iso_datetimes += int(counts[parsed.iso & parsed.datetime_only].sum())
        untyped = ~(parsed.boolean | parsed.integer | parsed.float_only | parsed.date | parsed.datetime_only)
        self.text.update(dictionary, trimmed, counts, untyped, view)
        self.distinct.update(dictionary, counts, hashes)
        return row_hashes

    def _keep_examples(self, type_names: list[str], values: pa.Array, hashes: np.ndarray, misfit: np.ndarray) -> None:
        """Keep the misfits with the smallest value hashes: a pseudo-random choice (not, say, the values sorting
        first, which are mostly punctuation), the same whatever the chunking or merge order, found with numpy
        on hashes the grouping computed anyway."""
        k = self.config.mixed_examples
        kept = [self.misfit_examples[t] for t in type_names]
        if k == 0:
            return
        if all(len(examples) >= k for examples in kept):  # full: only hashes up to a largest kept one can enter
            bound = max(examples[-1][0] for examples in kept)
            misfit = misfit & (hashes <= np.uint64(bound))
        rows = np.flatnonzero(misfit)
        if len(rows) == 0:
            return
        if len(rows) > k:  # the k smallest hashes, ties at the k-th included (two texts may share a hash)
            kth = np.partition(hashes[rows], k - 1)[k - 1]
            rows = rows[hashes[rows] <= kth]
        found = set(zip(hashes[rows].tolist(), take_strings(values, rows).to_pylist(), strict=True))
        for type_name, examples in zip(type_names, kept, strict=True):
            self.misfit_examples[type_name] = sorted(found.union(examples))[:k]

    def merge(self, other: ColumnAccumulator) -> None:
        self.count += other.count
        self.nulls += other.nulls
        self.empties += other.empties
        self.tokens += other.tokens
        self.iso_dates += other.iso_dates
        self.iso_datetimes += other.iso_datetimes
        k = self.config.mixed_examples
        self.long_integers += other.long_integers
        for t in TYPE_ORDER:
            self.fit_counts[t] += other.fit_counts[t]
            self.misfit_examples[t] = sorted(set(self.misfit_examples[t]).union(other.misfit_examples[t]))[:k]
        self.integers.merge(other.integers)
        self.floats.merge(other.floats)
        self.dates.merge(other.dates)
        self.datetimes.merge(other.datetimes)
        self.text.merge(other.text)
        self.distinct.merge(other.distinct)

    @property
    def missing(self) -> int:
        return self.nulls + self.empties + self.tokens

    def inferred_type(self) -> str:
        present = self.count - self.missing
        if present == 0:
            return "empty"
        fits = self.fit_counts
        fractions = fits["float"] - fits["integer"] - self.long_integers
        times = fits["datetime"] - fits["date"]
        for type_name in TYPE_ORDER:
            if type_name == "integer" and fractions:
                continue  # 1.5 among integers: a float column, as pandas reads it (not integers and 1.5 invalid)
            if type_name == "date" and times:
                continue  # a time among dates: a datetime column, as pandas reads it (dates are at midnight)
            if fits[type_name] >= self.config.type_threshold * present:
                return type_name
        distinct = self.distinct.distinct()[0]
        c = self.config
        if distinct <= c.categorical_max_distinct and distinct <= c.categorical_max_ratio * present:
            return "categorical"
        return "text"

    def finish(self) -> ColumnProfile:
        c = self.config
        kind = self.inferred_type()
        present = self.count - self.missing
        distinct, low, high = self.distinct.distinct()
        # A sketch can overshoot, but there are never more distinct values than present ones.
        distinct, low, high = min(distinct, present), min(low, present), min(high, present)
        # The values not of the inferred type, or for text at least half of which fits one type (MIXED_TYPES),
        # not of that type: 94% integers among text are as invalid as 4% text among integers.
        fitted = fitted_type(kind, self.fit_counts, present)
        invalid = present - self.fit_counts[fitted] if fitted else 0
        booleans = self._boolean_values() if kind == "boolean" else None
        numbers = self._number_values(c.top_values) if kind in ("integer", "float") and not invalid else None
        if booleans is not None:  # values, not spellings: "True" and "yes" are one value
            distinct = low = high = len(booleans[0])
            top = sorted(zip(booleans[0], booleans[1].tolist(), strict=True), key=lambda vc: (-vc[1], vc[0]))
        elif numbers is not None:  # numbers, not spellings: "1", "1.0" and "+1" are one value
            distinct = low = high = numbers[0]
            top = numbers[1]
        else:
            top = self.distinct.top(c.top_values)
        semantic = None
        if present and kind in ("categorical", "text"):
            best = max(PATTERNS, key=lambda p: self.text.patterns[p])
            if self.text.patterns[best] >= c.type_threshold * present:
                semantic = best
        return ColumnProfile(
            name=self.name,
            position=self.position,
            inferred_type=kind,
            semantic=semantic,
            patterns=dict(self.text.patterns),
            count=self.count,
            missing=self.missing,
            missing_nulls=self.nulls,
            missing_empty=self.empties,
            missing_tokens=self.tokens,
            distinct=distinct,
            distinct_approximate=not self.distinct.exact,
            distinct_bounds=(low, high),
            uniqueness=distinct / present if present else math.nan,
            repeated_values=distinct < present
            if booleans is not None or numbers is not None
            else self.distinct.repeated,
            type_counts=dict(self.fit_counts),
            invalid=invalid,
            invalid_examples=tuple(sorted(v for _, v in self.misfit_examples[fitted])) if fitted and invalid else (),
            top_values=tuple(TopValue(v, n) for v, n in top[: c.top_values]),
            top_values_approximate=not self.distinct.exact,
            top_values_error=self.distinct.top_bound,
            text=TextProfile(int(self.text.length_min), self.text.length_mean, int(self.text.length_max))
            if self.text.count
            else None,
            numeric=self._numeric(kind),
            datetime=self._datetime(kind),
            **self._balance(kind, booleans[1] if booleans is not None else None),
        )

    def _flag_counts(self) -> np.ndarray | None:
        """The counts of 0 and 1 when a column's numbers are only those two, counted exactly, else None."""
        table = self.integers.table() if self.integers.exact and self.floats.count == 0 else None
        return table[1] if table is not None and table[0].tolist() == [0.0, 1.0] else None

    def _boolean_values(self) -> tuple[list[str], np.ndarray] | None:
        """A boolean column's values and counts, each spelling of true (True, yes, Y, t...) counted as "true" and
        of false as "false", the other values as they are; None once the values are sketched."""
        if not self.distinct.exact:
            return None
        keys = self.distinct.keys
        parsed = parse(pc.utf8_trim_whitespace(keys))
        text = np.asarray(keys.to_pylist(), dtype=object)
        named = np.where(parsed.boolean, np.where(parsed.boolean_true, "true", "false"), text)
        values, inverse = np.unique(named.astype(str), return_inverse=True)
        counts = np.bincount(inverse, weights=self.distinct.counts, minlength=len(values)).astype(np.int64)
        return values.tolist(), counts

    def _number_values(self, k: int) -> tuple[int, list[tuple[str, int]]] | None:
        """A column of numbers only: how many distinct numbers, and the k most frequent with their counts (ties by
        number), each shown as it is written most often (ties: the shortest text, then the first in text order); None
        once the values are sketched.

        As pandas counts a numeric column: "1", "1.0", "+1" and " 1" are one value, "-0" is 0. A column holding
        any other text is read as text there, and here its values stay texts (the caller asks only when every
        present value is a number). The sketch counts texts, so a sketched column's spellings stay apart."""
        if not self.distinct.exact:
            return None
        keys, counts = self.distinct.keys, self.distinct.counts
        parsed = parse(pc.utf8_trim_whitespace(keys), decimal=self.config.decimal, day_first=self.config.day_first)
        groups, first = _group_numbers(parsed.numbers, np.where(parsed.integer, parsed.integers, 0))
        totals = np.bincount(groups, weights=counts, minlength=len(first)).astype(np.int64)
        top = np.lexsort((np.arange(len(first)), -totals))[:k]  # groups are numbered in ascending order of number
        rows = np.flatnonzero(np.isin(groups, top))  # the top numbers' spellings: only those are looked at
        shown: dict[int, tuple[tuple[int, int, str], str]] = {}
        for row, text in zip(rows.tolist(), take_strings(keys, rows).to_pylist(), strict=True):
            group, rank = int(groups[row]), (-int(counts[row]), len(text), text)
            if group not in shown or rank < shown[group][0]:
                shown[group] = (rank, text)
        return len(first), [(shown[g][1], int(totals[g])) for g in top.tolist()]

    def _balance(self, kind: str, values: np.ndarray | None = None) -> dict[str, float | None]:
        """`values`: the counts of a boolean column's values (not of its spellings)."""
        # A 0/1 flag's counts too: its balance is a boolean's (a fraud flag 99% zeros said only ZEROS).
        flag = self._flag_counts() if kind == "integer" else None
        if flag is not None:
            values = flag
        elif values is None and (exact := self.distinct.value_counts()) is not None:
            values = exact[1]
        counts: np.ndarray | None = None
        result: dict[str, float | None] = {"imbalance": None, "uniformity_p": None}
        if values is not None and (kind in ("categorical", "boolean") or flag is not None):
            counts = values.astype(np.float64)
            if len(counts) >= 2:
                share = counts / counts.sum()
                # Clamped: equal counts gave -2.2e-16 (rounding in the logarithms), shown as a negative balance.
                imbalance = 1.0 + (share * np.log(share)).sum() / math.log(len(counts))
                result["imbalance"] = min(1.0, max(0.0, float(imbalance)))
        elif kind in ("integer", "float") and self.integers.exact and self.floats.exact:
            acc = _copy_numeric(self.integers, self.config)
            if kind == "float":
                acc.merge(self.floats)
            counts = np.asarray(acc.histogram(self.config.histogram_bins)[1], dtype=np.float64)
        if counts is not None and len(counts) >= self.config.uniform_min_distinct:
            result["uniformity_p"] = uniform_p(counts)
        return result

    def _numeric(self, kind: str) -> NumericProfile | None:
        if kind not in ("integer", "float"):
            return None
        c = self.config
        acc = _copy_numeric(self.integers, c)
        if kind == "float":
            acc.merge(self.floats)
        m = acc.moments
        quantiles = acc.quantiles(c.quantiles)
        edges, counts = acc.histogram(c.histogram_bins)
        empty = acc.finite_count == 0
        integer = kind == "integer"
        return NumericProfile(
            # An integer column's min, max and sum are exact integers, its mean their correctly rounded quotient
            # (the streamed moments round beyond 2**53, and differently by chunking); a float column's are floats.
            min=math.nan if empty else (acc.minimum if integer else float(acc.minimum)),
            max=math.nan if empty else (acc.maximum if integer else float(acc.maximum)),
            mean=(acc.total / m.n if integer else m.absolute_mean) if m.n else math.nan,
            std=m.std,
            variance=m.variance,
            sum=acc.total if integer else float(acc.total),
            skewness=m.skewness,
            kurtosis=m.kurtosis,
            zeros=acc.zeros,
            negatives=acc.negatives,
            infinite=acc.infinite,
            quantiles={f"{q:g}": v for q, v in zip(c.quantiles, quantiles, strict=True)},
            quantiles_approximate=not acc.exact,
            quantile_rank_error=acc.rank_error,
            histogram=Histogram(tuple(edges), tuple(counts), not acc.exact),
        )

    def _datetime(self, kind: str) -> DatetimeProfile | None:
        if kind not in ("date", "datetime"):
            return None
        acc = DatetimeAccumulator()
        acc.merge(self.dates)
        if kind == "datetime":
            acc.merge(self.datetimes)
        if acc.minimum is None or acc.maximum is None:
            return None
        # Of the values of the column's kind (a date column has no values with a time: they make it datetime).
        iso = self.iso_dates + (self.iso_datetimes if kind == "datetime" else 0)
        return DatetimeProfile(_iso(acc.minimum), _iso(acc.maximum), acc.granularity, iso / acc.count)

    def to_state(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "position": self.position,
            "counts": [self.count, self.nulls, self.empties, self.tokens, self.iso_dates, self.iso_datetimes],
            "fits": self.fit_counts,
            "long_integers": self.long_integers,
            "examples": {t: [v for _, v in examples] for t, examples in self.misfit_examples.items()},
            "integers": self.integers.to_state(),
            "floats": self.floats.to_state(),
            "dates": self.dates.to_state(),
            "datetimes": self.datetimes.to_state(),
            "text": self.text.to_state(),
            "distinct": self.distinct.to_state(),
        }

    @classmethod
    def from_state(cls, state: dict[str, Any], config: ProfileConfig) -> ColumnAccumulator:
        c = config
        acc = cls(state["name"], state["position"], config)
        acc.count, acc.nulls, acc.empties, acc.tokens, acc.iso_dates, *datetimes = state["counts"]
        acc.iso_datetimes = datetimes[0] if datetimes else 0  # a state written before they were counted apart
        acc.fit_counts = dict(state["fits"])
        acc.long_integers = state.get("long_integers", 0)  # a state written before they were counted
        acc.misfit_examples = {t: _with_hashes(values) for t, values in state["examples"].items()}
        acc.integers = NumericAccumulator.from_state(state["integers"], c.exact_quantile_limit, c.kll_k)
        acc.floats = NumericAccumulator.from_state(state["floats"], c.exact_quantile_limit, c.kll_k)
        acc.dates = DatetimeAccumulator.from_state(state["dates"])
        acc.datetimes = DatetimeAccumulator.from_state(state["datetimes"])
        acc.text = TextAccumulator.from_state(state["text"])
        acc.distinct = DistinctAccumulator.from_state(
            state["distinct"],
            c.exact_distinct_limit,
            c.exact_distinct_bytes,
            c.hll_lg_k,
            c.frequent_items_lg_max_map_size,
        )
        return acc


def _with_hashes(values: list[str]) -> list[tuple[int, str]]:
    hashes = hash_strings(pa.array(values, pa.string())).tolist()
    return sorted(zip(hashes, values, strict=True))


def _misfit_groups(fit_masks: dict[str, np.ndarray]) -> list[tuple[np.ndarray, list[str]]]:
    """(misfit mask, types) for the types some value does not fit; types with the same misfits share an entry
    (a text column misfits all five alike), so their examples are searched for once."""
    groups: dict[bytes, tuple[np.ndarray, list[str]]] = {}
    for type_name, mask in fit_masks.items():
        if mask.all():
            continue
        # Keyed by the mask's bits: a wide table's short chunks compared masks pairwise for 5 us a comparison.
        key = np.packbits(mask).tobytes()
        if key in groups:
            groups[key][1].append(type_name)
        else:
            groups[key] = (~mask, [type_name])
    return list(groups.values())


def _weight(counts: np.ndarray, mask: np.ndarray, total: int) -> int:
    """counts[mask].sum(), without the gather when the mask holds all or none (a column's usual type masks)."""
    selected = np.count_nonzero(mask)
    return total if selected == len(mask) else 0 if selected == 0 else int(counts[mask].sum())


def _picked(mask: np.ndarray, *arrays: np.ndarray) -> list[np.ndarray]:
    """Each array at `mask`, without the gathers when it holds all or none: a column of one type gathers its
    numbers, counts and exact integers from nothing into its other types' accumulators otherwise (~0.3 ms a chunk
    of 86,000 values)."""
    selected = np.count_nonzero(mask)
    if selected == len(mask):
        return list(arrays)
    if selected == 0:
        return [array[:0] for array in arrays]
    return [array[mask] for array in arrays]


def _group(array: pa.Array) -> tuple[pa.Array, np.ndarray, np.ndarray, np.ndarray, int]:
    """(distinct non-null non-empty values in order of first occurrence, their counts, their hashes, each row's
    hash, the rows of empty strings)."""
    first, counts, hashes, row_hashes, empty_rows = group_strings(array, skip_empty=True)
    if len(first) == len(array):  # all present and distinct: the chunk is its own dictionary
        return array, counts, hashes, row_hashes, empty_rows
    return take_strings(array, first), counts, hashes, row_hashes, empty_rows


def _hash_as_missing(row_hashes: np.ndarray, missing: np.ndarray) -> None:
    """Give the rows holding a missing value (blank or an NA token) the null's hash, in place: a row is a duplicate
    of another whatever spelling its missing cells have (as in pandas, which reads them all as NaN)."""
    row_hashes[np.isin(row_hashes, missing)] = MISSING_HASH


def _group_numbers(numbers: np.ndarray, integers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Values that are one number: each value's group (0, 1, ... in ascending order of number) and each group's
    first value. `integers`: the exact integer where a value is one, else 0; integers beyond 2**53, which float64
    rounds together, are told apart by it. -0.0 is 0.0; NaNs are one value."""
    numbers = numbers + 0.0
    exact = np.where(np.abs(integers) > 2**53, integers, 0)
    order = np.lexsort((exact, numbers))
    by_number, by_exact = numbers[order], exact[order]
    same = (by_number[1:] == by_number[:-1]) | (np.isnan(by_number[1:]) & np.isnan(by_number[:-1]))
    starts = np.concatenate([[True], ~same | (by_exact[1:] != by_exact[:-1])])
    groups = np.empty(len(numbers), np.int64)
    groups[order] = np.cumsum(starts) - 1
    return groups, order[starts]


def _copy_numeric(acc: NumericAccumulator, config: ProfileConfig) -> NumericAccumulator:
    return NumericAccumulator.from_state(acc.to_state(), config.exact_quantile_limit, config.kll_k)


def _iso(nanoseconds: int) -> str:
    if -(2**63) < nanoseconds < 2**63:
        return pd.Timestamp(nanoseconds, unit="ns", tz="UTC").isoformat()
    return pd.Timestamp(nanoseconds // 1000, unit="us", tz="UTC").isoformat()  # a far date: whole microseconds

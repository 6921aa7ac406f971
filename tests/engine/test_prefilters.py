"""The byte-level shortcuts of type parsing and pattern matching agree with running every regex on every value."""

from __future__ import annotations

import ipaddress

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from services.processor.engine import _kernels, types
from services.processor.engine.distinct import DistinctAccumulator, _most_counted, _to_feed
from services.processor.engine.hashing import MISSING_HASH, group_strings, hash_strings, string_buffers, take_strings
from services.processor.engine.numeric import _RUN, _sort_runs
from services.processor.engine.text import PATTERNS, TextAccumulator, pattern_matches

PIECES = [
    *"0123456789",
    *"+-.eE:/@T Z{}[]()$%,;_",
    "inf",
    "Infinity",
    "nan",
    "2024",
    "-01-",
    "12:30",
    "http://",
    "ftp://",
    "€",
    "£",
    "¥",
    "é",
    "true",
    "No",
    "x.com",
    "0000000000000000000",
    "a",
    "ab",
    "f",
    "\t",
    "\x0b",
    "\u00a0",
    "@b.co",
]
VALUE = st.lists(st.sampled_from(PIECES), min_size=1, max_size=8).map(lambda parts: "".join(parts).strip())
EXAMPLES = [
    "1",
    "+1",
    "-0",
    "-00",
    "+007",
    "-123456789012345678",
    "1.",
    ".5",
    "+.5",
    ".",
    "-",
    "1e5",
    "1.5E-3",
    "-inf",
    "Infinity",
    "123456789012345678",
    "1234567890123456789",
    "2024-01-05",
    "2024-01-05T10:20:30Z",
    "2024-01-05 10:20",
    "2024/01/05",
    "1/2/2024",
    "01.02.2024",
    "1.1.2024",
    "2024-1-5",
    "05-01-2024",
    "5 Jan 2024",
    "17 September 2024",
    "17 Septembre 2024",
    "1/2/2024 10:30",
    "2024/01/05 10:30:59",
    "01.02.2024 25:00",
    "Jan 5, 2024",
    "September 17, 2024",
    "Foo 5, 2024",
    "jan 5, 2024",
    "Jan 5,2024",
    "TRUE",
    "y",
    "Yes",
    "FALSE",
    "nO",
    "T",
    "ye",
    "falsey",
    "a@b.co",
    "a@@b.co",
    "ftp://x",
    "http://example.com/a",
    "HTTPS://Example.org/x",
    "fTp://a",
    "fox://a",
    "123e4567-e89b-12d3-a456-426614174000",
    "192.168.0.1",
    "::1",
    "fe80::1:2",
    "FE80::A:2",
    "1:2:3:4:5:6:7:8",
    "+1 (555) 123-4567",
    "$1,234.50",
    "€ 12",
    "12,5 %",
    '{"a": 1}',
    "[1, 2]",
    "١٢",  # Arabic-Indic digits are not \\d
]


def reference_parse(trimmed: pa.Array) -> dict[str, np.ndarray]:
    """Every regex on every value, as the parser did before its byte-level shortcuts."""

    def regex(pattern: str) -> np.ndarray:
        return types.bool_mask(pc.match_substring_regex(trimmed, pattern))

    lower = pc.utf8_lower(trimmed)
    is_true = types.bool_mask(pc.is_in(lower, value_set=pa.array(types.BOOLEAN_TRUE)))
    is_false = types.bool_mask(pc.is_in(lower, value_set=pa.array(types.BOOLEAN_FALSE)))
    is_float = regex(types.FLOAT_RE)
    date = np.zeros(len(trimmed), dtype=bool)
    with_time = np.zeros(len(trimmed), dtype=bool)
    text = np.asarray(trimmed.to_pylist(), dtype=object)

    def alone(values: np.ndarray, fmt: str, utc: bool) -> np.ndarray:  # parsed by pandas, each value on its own
        return np.array(
            [pd.notna(pd.to_datetime(pd.Series([v]), format=fmt, utc=utc, errors="coerce").iloc[0]) for v in values],
            dtype=bool,
        )

    for pattern, target, fmt in [(types.ISO_DATE_RE, date, "ISO8601"), (types.ISO_DATETIME_RE, with_time, "ISO8601")]:
        hit = regex(pattern)
        target[np.flatnonzero(hit)[alone(text[hit], fmt, utc=True)]] = True
    for pattern, fmt, has_time in types.OTHER_DATES:
        hit = regex(pattern)
        (with_time if has_time else date)[np.flatnonzero(hit)[alone(text[hit], fmt, utc=False)]] = True
    return {
        "boolean": is_true | is_false,
        "boolean_true": is_true,
        "integer": is_float & regex(types.INTEGER_RE),
        "float_only": is_float & ~regex(types.INTEGER_RE),
        "date": date,
        "datetime_only": with_time,
    }


def check(values: list[str]) -> None:
    trimmed = pa.array(values, pa.string())
    parsed = types.parse(trimmed)
    for name, expected in reference_parse(trimmed).items():
        assert getattr(parsed, name).tolist() == expected.tolist(), name
    numbers = np.full(len(values), np.nan)
    floats = parsed.integer | parsed.float_only
    numbers[floats] = pc.cast(trimmed.filter(pa.array(floats)), pa.float64()).to_numpy(zero_copy_only=False)
    assert np.array_equal(parsed.numbers, numbers, equal_nan=True)
    assert np.signbit(parsed.numbers).tolist() == np.signbit(numbers).tolist()  # "-0" is -0.0, as Arrow reads it

    counts = np.arange(1, len(values) + 1)
    untyped = np.ones(len(values), dtype=bool)
    acc = TextAccumulator()
    acc.update(trimmed, trimmed, counts, untyped)
    for name in PATTERNS:
        hit = pattern_matches(trimmed, name)
        assert acc.patterns[name] == int(counts[hit].sum()), name


def test_examples_agree_with_regexes() -> None:
    check(EXAMPLES)


@settings(max_examples=300, deadline=None)
@given(st.lists(VALUE.filter(bool), min_size=1, max_size=40))
def test_generated_values_agree_with_regexes(values: list[str]) -> None:
    check(values)


def _patterns(values: list[str]) -> dict[str, int]:
    acc = TextAccumulator()
    array = pa.array(values, pa.string())
    acc.update(array, array, np.ones(len(values), np.int64), np.ones(len(values), bool))
    return {name: count for name, count in acc.patterns.items() if count}


def test_times_versions_and_codes_are_no_addresses_or_phone_numbers() -> None:
    """A time of day matched the old IPv6 pattern, a version or a six-digit code the phone one: a column of them
    was labelled ip_address or phone."""
    assert _patterns(["08:30:00", "23:59", "12:00:00.5"]) == {}
    assert _patterns(["1.2.3", "3.11.4", "12-34-56", "10.0.1"]) == {}
    assert _patterns(["::1", "fe80::1ff:fe23:4567:890a", "2001:DB8:0:0:8:800:200C:417A", "1::"]) == {"ip_address": 4}
    assert _patterns(["+1 (555) 123-4567", "555-123-4567", "+442071838750", "030 1234 5678"]) == {"phone": 4}


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 2**128 - 1), st.lists(st.integers(0, 7), max_size=8), st.sampled_from(["c", "e", "u"]))
def test_ipv6_addresses_are_those_pythons_ipaddress_reads(bits: int, zero: list[int], form: str) -> None:
    for group in zero:  # runs of zero groups, which "::" stands for
        bits &= ~(0xFFFF << (16 * group))
    address = ipaddress.IPv6Address(bits)
    text = {"c": address.compressed, "e": address.exploded, "u": address.compressed.upper()}[form]
    assert _patterns([text]) == {"ip_address": 1}
    for broken in (text + ":1", text.replace(":", ":::", 1), text + "g", text.rsplit(":", 1)[0]):
        try:
            ipaddress.IPv6Address(broken)
        except ValueError:
            assert "ip_address" not in _patterns([broken]), broken


# Long pieces too: the check reads eight bytes at a time, whitespace inside a word of them must still count.
EMAIL_PIECES = ["a", "Z", "é", "1", "-", "@", ".", "x.com", "@b.co", " ", "\t", "\x0b", "\x0c", "\r", "\n", "\u00a0"]
EMAIL_PIECES += ["first.last+tag", "@mail.example.org", "\x1f", "\x7f"]


EMAIL_EDGES = ["a@b.co", "a@b.c", "@b.co", "a@.co", "a@b.co1", "a@b@c.co", "a.b@c", "a@b.co.", "a\x0b@b.co", "a @b.co"]
EMAIL_EDGES += ["first.last@mail.example.org", "first.last@mail.exam ple.org", "first.last@mail.example.o\trg"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.sampled_from(EMAIL_PIECES), max_size=8).map("".join), min_size=1, max_size=40))
@example(EMAIL_EDGES)
def test_email_addresses_are_those_the_regex_matches(values: list[str]) -> None:
    """The compiled e-mail check against Arrow's regex, whitespace as RE2 reads it (\\s has no \\v)."""
    acc = TextAccumulator()
    array = pa.array(values, pa.string())
    acc.update(array, array, np.ones(len(values), np.int64), np.ones(len(values), bool))
    assert acc.patterns["email"] == int(types.bool_mask(pc.match_substring_regex(array, PATTERNS["email"])).sum())


@given(st.lists(st.text(max_size=30), min_size=1, max_size=20))
def test_string_hash_depends_only_on_the_text(values: list[str]) -> None:
    together = hash_strings(pa.array(values, pa.string()))
    alone = [int(hash_strings(pa.array([v], pa.string()))[0]) for v in values]
    assert together.tolist() == alone
    distinct = {v: int(h) for v, h in zip(values, together.tolist(), strict=True)}
    assert len(set(distinct.values())) == len(distinct)


def _grouped_by_arrow(array: pa.Array) -> tuple[list[str], list[int], list[int]]:
    """The reference: Arrow's dictionary encoding (first-occurrence order), counts and each row's value hash."""
    encoded = pc.dictionary_encode(array)
    indices = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False)
    counts = np.bincount(indices + 1, minlength=len(encoded.dictionary) + 1)[1:]
    hashes = np.append(hash_strings(encoded.dictionary), MISSING_HASH)[indices]
    return encoded.dictionary.to_pylist(), counts.tolist(), hashes.tolist()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.one_of(st.none(), VALUE, st.sampled_from(["a", "b", "", "ab", "ba"])), max_size=60),
    st.sampled_from([64, 3, 0]),
)
# Equal lengths, differing only past eight bytes or in the last byte: compared a word at a time, then the rest.
@example(["abcdefgh1", "abcdefgh2", "abcdefgh1", "abcdefghijklmnop", "abcdefghijklmnoq", "abcdefgh", "abcdefgi"], 0)
def test_grouping_equals_arrows_dictionary_encoding(values: list[str | None], hash_bits: int) -> None:
    """Also with the hash cut to 3 bits or none, so different values really share a hash: they are compared
    as text and stay apart."""
    array = pa.array(values, pa.string())
    first, counts, hashes, row_hashes, empties = group_strings(array, hash_bits)
    dictionary, want_counts, want_row_hashes = _grouped_by_arrow(array)
    assert array.take(pa.array(first, pa.int64())).to_pylist() == dictionary
    assert counts.tolist() == want_counts and empties == 0
    if hash_bits == 64:
        assert hashes.tolist() == hash_strings(pa.array(dictionary, pa.string())).tolist()
        assert row_hashes.tolist() == want_row_hashes
    # Empty strings left out of the groups (the column counts them as missing), hashed as nulls.
    first, counts, hashes, skipped_row_hashes, empties = group_strings(array, hash_bits, skip_empty=True)
    kept = [(value, count) for value, count in zip(dictionary, want_counts, strict=True) if value != ""]
    assert array.take(pa.array(first, pa.int64())).to_pylist() == [value for value, _ in kept]
    assert counts.tolist() == [count for _, count in kept] and empties == values.count("")
    assert skipped_row_hashes.tolist() == [
        int(MISSING_HASH) if value == "" else hashed for value, hashed in zip(values, row_hashes.tolist(), strict=True)
    ]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.one_of(st.none(), VALUE), min_size=1, max_size=30), st.data())
def test_taking_strings_equals_arrows_take(values: list[str | None], data: st.DataObject) -> None:
    start = data.draw(st.integers(0, len(values) - 1))
    for kind in (pa.string(), pa.large_string()):
        array = pa.array(values, kind).slice(start)
        present = [i for i, v in enumerate(values[start:]) if v is not None]
        rows = np.array(data.draw(st.lists(st.sampled_from(present), max_size=20)) if present else [], np.int64)
        taken = take_strings(array, rows)
        taken.validate(full=True)
        assert taken.type == kind and taken.equals(array.take(pa.array(rows, pa.int64())))


def test_short_strings_taken_by_words_are_cut_at_their_ends() -> None:
    # Strings of up to 16 bytes are copied as two words where 16 bytes can be read (a long value last makes that
    # hold for all the others); each word's tail is overwritten by the next string, or lies past the data.
    values = ["", "a", "12345678", "123456789", "abcdefghijklmnop", "q", "x" * 17, "é", "y" * 40]
    rows = np.array([6, 1, 4, 0, 3, 2, 5, 7, 1, 4, 8, 3], np.int64)
    for kind in (pa.string(), pa.large_string()):
        taken = take_strings(pa.array(values, kind), rows)
        taken.validate(full=True)
        assert taken.to_pylist() == [values[i] for i in rows]


def test_grouping_reads_sliced_and_large_string_arrays() -> None:
    values = ["x", None, "y", "x", "zz", None, "y", "x"]
    for array in (pa.array(values, pa.large_string()), pa.array(["pad", *values], pa.string()).slice(1)):
        first, counts, _, row_hashes, _ = group_strings(array)
        assert array.take(pa.array(first)).to_pylist() == ["x", "y", "zz"]
        assert counts.tolist() == [3, 2, 1]
        assert row_hashes[1] == row_hashes[5] == MISSING_HASH and row_hashes[0] == row_hashes[3] != row_hashes[2]


def test_exact_distinct_counting_gives_way_to_the_sketch_on_a_hash_collision() -> None:
    # A fake, as above: the hashes are made up so that "c" collides with "a". The table must not count "c" as
    # "a"; it goes over to its sketches, which say they are approximate.
    acc = DistinctAccumulator(exact_limit=100, exact_bytes=1000, lg_k=12, lg_map=6)
    acc.update(pa.array(["a", "b"]), np.array([3, 1]), np.array([1, 2], dtype=np.uint64))
    assert acc.exact and acc.distinct() == (2, 2, 2) and acc.top(5) == [("a", 3), ("b", 1)]
    acc.update(pa.array(["b", "c"]), np.array([1, 1]), np.array([2, 1], dtype=np.uint64))
    assert not acc.exact
    _, low, high = acc.distinct()
    assert low <= 3 <= high


@pytest.mark.parametrize("size", [3, 200])  # a clash among few values and among many
def test_a_collision_among_many_values_or_two_new_texts_with_one_hash_gives_way_too(size: int) -> None:
    # Fakes again: made-up hashes. A chunk whose last value shares a kept value's hash, in a chunk of `size`.
    acc = DistinctAccumulator(exact_limit=1000, exact_bytes=10**6, lg_k=12, lg_map=6)
    words = [f"w{i}" for i in range(size)]
    acc.update(pa.array(words), np.ones(size, np.int64), np.arange(size, dtype=np.uint64))
    acc.update(pa.array(words), np.ones(size, np.int64), np.arange(size, dtype=np.uint64))
    assert acc.exact and acc.counts.tolist() == [2] * size
    acc.update(pa.array([*words[:-1], "other"]), np.ones(size, np.int64), np.arange(size, dtype=np.uint64))
    assert not acc.exact
    # Two new texts with one hash in one chunk are both kept. The hash finds only the first of them: seen again it
    # is counted exactly, and the second, which the hash cannot find, makes the table give way.
    acc = DistinctAccumulator(exact_limit=1000, exact_bytes=10**6, lg_k=12, lg_map=6)
    acc.update(pa.array(["x", "y"]), np.array([1, 1]), np.array([7, 7], dtype=np.uint64))
    acc.update(pa.array(["x"]), np.array([1]), np.array([7], dtype=np.uint64))
    assert acc.exact and acc.top(5) == [("x", 2), ("y", 1)]
    acc.update(pa.array(["y"]), np.array([1]), np.array([7], dtype=np.uint64))
    assert not acc.exact


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.lists(st.integers(0, 90), min_size=1, max_size=80), min_size=1, max_size=4),
    st.sampled_from([(40, 10**6), (10**6, 120)]),  # the table overflows by its values, or by its bytes
)
def test_an_exact_table_overflowing_feeds_the_sketches_as_one_joined_table_would(
    chunks: list[list[int]], limits: tuple[int, int]
) -> None:
    """The chunk that overflows the exact table is fed to the new sketches beside the kept table without joining
    their text first: the sketches must be those of the joined table fed at once, as before."""
    limit, size = limits
    acc = DistinctAccumulator(exact_limit=limit, exact_bytes=size, lg_k=12, lg_map=3)
    kept: dict[str, int] = {}  # the exact table a reference accumulator is fed when `acc` overflows
    reference = None
    for chunk in chunks:
        values, counts = np.unique(np.array([f"value {v}" for v in chunk]), return_counts=True)
        texts = pa.array(values.tolist(), pa.string())
        was_exact = acc.exact
        acc.update(texts, counts.astype(np.int64), hash_strings(texts))
        if was_exact and not acc.exact:
            # A chunk too big alone is fed after the kept table; else the kept values in order of first sight
            # (with this chunk's counts), then the new ones, as one table.
            alone = len(values) > limit or sum(len(v.encode()) for v in values.tolist()) > size
            joined = dict(kept)
            for value, count in zip(values.tolist(), counts.tolist(), strict=True):
                if not alone:
                    joined[value] = joined.get(value, 0) + count
            reference = DistinctAccumulator(exact_limit=0, exact_bytes=0, lg_k=12, lg_map=3)
            if joined:
                keys = pa.array(list(joined), pa.large_string())
                reference.update(keys, np.array(list(joined.values()), np.int64), hash_strings(keys))
            if alone:
                reference.update(texts, counts.astype(np.int64), hash_strings(texts))
        elif acc.exact:
            for value, count in zip(values.tolist(), counts.tolist(), strict=True):
                kept[value] = kept.get(value, 0) + count
            assert acc.keys.to_pylist() == list(kept) and acc.counts.tolist() == list(kept.values())
        elif reference is not None:
            reference.update(texts, counts.astype(np.int64), hash_strings(texts))
    if reference is not None:
        assert acc.hll is not None and reference.hll is not None and acc.frequent is not None
        assert acc.hll.state == reference.hll.state
        assert acc.frequent.serialize() == reference.frequent.serialize()
        assert (acc.top_error, acc.repeats) == (reference.top_error, reference.repeats)


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(st.lists(st.integers(1, 5), min_size=1, max_size=300), st.lists(st.integers(1, 10**9), min_size=1)),
    st.data(),
)
def test_top_counted_values_are_those_a_full_stable_sort_picks(counts: list[int], data: st.DataObject) -> None:
    """The frequent-items sketch is fed a chunk's most counted values, ties in order of first sight.

    Small counts take the histogram path, counts spread far past the array's length the sorting one."""
    n = data.draw(st.integers(1, len(counts)))
    array = np.array(counts)
    assert _most_counted(array, n).tolist() == np.argsort(-array, kind="stable")[:n].tolist()


@settings(max_examples=300, deadline=None)
@given(
    # Small counts (counted by a histogram) and, among them, counts far apart (sorted instead).
    st.lists(st.one_of(st.integers(1, 6), st.integers(1, 5_000)), min_size=1, max_size=80),
    st.integers(1, 20),
    st.sampled_from([0.01, 0.1, 0.2, 0.5, 0.9]),
)
@example(counts=[1, 1, 2, 2], keep=3, epsilon=0.5)  # the values seen once that fill the keep: no gain beyond L
def test_the_values_fed_to_the_frequent_items_sketch_are_the_keep_most_counted(
    counts: list[int], keep: int, epsilon: float
) -> None:
    """The definition: all values in given order when they fit, else the `keep` most counted (a full stable sort)
    and the largest count left out, L; then the values counted at most L are left out too, and of the counts c
    above L that the others have, the one where epsilon times how many are counted above L and at most c, less
    c - L, is largest (the smallest such c on ties): when that is not negative, the values counted at most c are
    left out too, and c is the largest count left out. The sketch's a-priori bound (epsilon times the weight fed,
    plus the counts left out) never rises by it."""
    array = np.array(counts)
    order, left_out = np.arange(len(array)), 0
    if len(array) > keep:
        ranked = np.argsort(-array, kind="stable")
        order, left_out = ranked[:keep], int(array[ranked[keep]])
    fed = [int(array[i]) for i in order]
    cut, best_gain = left_out, -1.0
    for c in sorted({f for f in fed if f > left_out}):
        gain = epsilon * sum(1 for f in fed if left_out < f <= c) - (c - left_out)
        if gain > best_gain:
            cut, best_gain = c, gain
    if best_gain < 0:
        cut = left_out
    expected = [int(i) for i in order if array[i] > cut]
    assert epsilon * sum(int(array[i]) for i in expected) + cut <= epsilon * sum(fed) + left_out + 1e-9
    got, got_left_out = _to_feed(array, keep, epsilon)
    assert (got.tolist(), got_left_out) == (expected, cut)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text(max_size=20), min_size=1, max_size=30),
    st.integers(0, 255),
    st.integers(0, 255),
    st.data(),
)
def test_byte_counts_per_string_are_exact(values: list[str], low: int, high: int, data: st.DataObject) -> None:
    # The compiled count behind the pre-filters (digits, '@', ':' ...), on a slice (offsets not from 0),
    # counting only where asked.
    low, high = min(low, high), max(low, high)
    where = np.array(data.draw(st.lists(st.booleans(), min_size=len(values), max_size=len(values))))
    view = types.ByteView(pa.array(["pad", *values]).slice(1))
    expected = [sum(low <= b <= high for b in v.encode()) if w else 0 for v, w in zip(values, where, strict=True)]
    assert view.count(low, high, where=where).tolist() == expected
    assert view.count(low).tolist() == [v.encode().count(low) for v in values]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=6), min_size=1, max_size=30), st.integers(0, 3), st.booleans())
def test_byte_view_holds_each_strings_length_and_end_bytes(values: list[str], skip: int, large: bool) -> None:
    # A slice (an array with an offset) and both offset widths, as chunks and dictionaries come.
    array = pa.array(values, pa.large_string() if large else pa.string())[skip:]
    view = types.ByteView(array)
    encoded = [v.encode() for v in values[skip:]]
    assert view.lengths.tolist() == [len(b) for b in encoded]
    assert view.first.tolist() == [b[0] if b else 0 for b in encoded]
    assert view.last.tolist() == [b[-1] if b else 0 for b in encoded]


DECIMAL = st.builds(
    lambda sign, whole, fraction: f"{sign}{whole}.{fraction}",
    st.sampled_from(["", "-", "+"]),
    st.text("0123456789", max_size=20),
    st.text("0123456789", max_size=25),
).filter(lambda s: any(c.isdigit() for c in s))


@settings(max_examples=500, deadline=None)
@given(st.lists(DECIMAL, min_size=1, max_size=30))
@example(["9007199254740992.0", "9007199254740993.0", "0.9007199254740993", "1.0000000000000000000001", "-0.0", "5."])
@example(["900719925474099.7", "0.1", "0.30000000000000004", "1." + "0" * 22, "1." + "0" * 23, ".5", "-.5"])
def test_plain_decimals_parse_exactly_as_arrow(values: list[str]) -> None:
    # The kernel parses most plain decimals itself (Clinger's fast path); every value must equal Arrow's cast,
    # bit for bit, around 2**53 and 22 digits after the dot too.
    parsed = types.parse(pa.array(values, pa.string()))
    arrow = pc.cast(pa.array(values, pa.string()), pa.float64()).to_numpy(zero_copy_only=False)
    assert parsed.numbers.view(np.uint64).tolist() == arrow.view(np.uint64).tolist()


SHORT_NUMBER = st.builds(  # trimmed, as the column hands values to the parser and the patterns (VALUE too)
    lambda sign, text: (sign + text).strip(),
    st.sampled_from(["", "-", "+"]),
    st.text("0123456789" * 4 + ".,eé a", min_size=1, max_size=9),
).filter(bool)
SHORT_EDGES = ["12345678", "-12345678", "+00000000", "99999999", "1234.567", ".1234567", "1234567.", "-0", "-0.0"]
SHORT_EDGES += ["1.2", "12.34.5", "123456789", "1234567.8", ".", "+.", "1é", "12 4", "-", "0.0000001", "9999999.9"]


@settings(max_examples=500, deadline=None)
@given(st.lists(SHORT_NUMBER, min_size=1, max_size=30))
@example(SHORT_EDGES)
def test_short_numbers_read_eight_bytes_at_a_time_parse_as_the_regexes_and_arrow_do(values: list[str]) -> None:
    # Values of at most eight bytes after the sign are read in one load wherever eight bytes follow them in the
    # buffer (a longer last value makes that hold for every one of them): the shapes, every number's bits and
    # the exact integers must be those the regexes, Arrow's cast and Python's int give.
    values = [*values, "#" * 8]
    check(values)
    parsed = types.parse(pa.array(values, pa.string()))
    for value, integer, exact in zip(values, parsed.integer, parsed.integers, strict=True):
        if integer:
            assert exact == int(value), value


DATE_LIKE = st.one_of(
    st.builds(
        lambda y, m, d: f"{y:04d}-{m:02d}-{d:02d}",
        st.integers(0, 9999) | st.sampled_from([1677, 1678, 1900, 2000, 2024, 2100, 2261, 2262]),
        st.integers(0, 13),
        st.integers(0, 32),
    ),
    st.text("0123456789-/.T: ", min_size=8, max_size=12),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(DATE_LIKE, min_size=1, max_size=40))
@example(["2024-02-29", "2023-02-29", "1900-02-29", "2000-02-29", "1677-09-22", "1678-01-01", "2262-04-11"])
@example(["2261-12-31", "1970-01-01", "1969-12-31", "0000-01-01", "2024-13-01", "2024-00-10", "2024-01-00"])
@example(["9999-12-31", "2020-01-01T00:00:00.000000001", "9999-12-31T10:00", "1500-06-01 10:00", "12/31/9999", "x"])
def test_dates_parse_as_pandas_parses_them(values: list[str]) -> None:
    # YYYY-MM-DD dates are parsed by a compiled pass, the rest by pandas: each value's date flag and timestamp
    # must be what pandas' ISO 8601 parse (or a non-ISO layout's) gives.
    parsed = types.parse(pa.array(values, pa.string()))
    expected = reference_parse(pa.array(values, pa.string()))
    assert parsed.date.tolist() == expected["date"].tolist()
    assert parsed.datetime_only.tolist() == expected["datetime_only"].tolist()
    for i, value in enumerate(values):
        if parsed.date[i] and parsed.iso[i]:
            stamp = pd.Timestamp(value, tz="UTC")  # in microseconds outside nanoseconds' range
            near = pd.Timestamp("1677-09-22", tz="UTC") <= stamp <= pd.Timestamp("2262-04-11", tz="UTC")
            assert parsed.far[i] == (not near), value
            assert parsed.stamps[i] == stamp.as_unit("us" if parsed.far[i] else "ns").asm8.view("i8"), value


@settings(max_examples=300, deadline=None)
@given(
    st.binary(max_size=64),
    st.sampled_from([0x0A, 0x00, 0x80, 0xFF]),
    st.integers(0, 3000),
    st.integers(0, 9),
)
def test_byte_facts_are_isascii_and_two_counts(head: bytes, byte: int, run: int, tail: int) -> None:
    """The reader's compiled scan: a run of the counted byte longer than a byte counter holds (it counts in runs
    of 255), ends that are not whole vector widths, and bytes at the ASCII boundary."""
    data = head + bytes([byte]) * run + bytes(range(0x7E, 0x7E + tail))
    for other in (0x0D, 0x7F, byte):
        assert _kernels.byte_facts(data, byte, other) == (data.isascii(), data.count(byte), data.count(other))


@pytest.mark.parametrize("n", [0, 1, 255, 256, 257, 1000])
def test_kll_batches_keep_every_value_and_sort_each_run(n: int) -> None:
    values = np.random.default_rng(n).random(n)
    got = _sort_runs(values.copy())
    assert np.array_equal(np.sort(got), np.sort(values))  # the same values, only reordered
    for start in range(0, n, _RUN):
        run = got[start : start + _RUN]
        assert np.all(run[:-1] <= run[1:]), start


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["", "a", "ab", "ba", "abc", "é", "a\x00"]), min_size=1, max_size=30), st.data())
def test_same_strings_compares_the_texts_at_the_given_rows(words: list[str], data: st.DataObject) -> None:
    keys = pa.array(data.draw(st.permutations(words)), pa.large_string())
    start = data.draw(st.integers(0, len(words) - 1))
    for kind in (pa.string(), pa.large_string()):
        values = pa.array(["pad", *words], kind).slice(1 + start)  # sliced: offsets read from the array's offset
        rows = data.draw(st.lists(st.integers(0, len(values) - 1), max_size=10)) if len(values) else []
        key_rows = [data.draw(st.integers(0, len(keys) - 1)) for _ in rows]
        expected = all(values[r].as_py() == keys[k].as_py() for r, k in zip(rows, key_rows, strict=True))
        got = _kernels.same_strings(
            *string_buffers(values), np.array(rows, np.int64), *string_buffers(keys), np.array(key_rows, np.int64)
        )
        assert got == expected


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=40), st.data())
def test_the_readers_gil_free_byte_search_matches_pythons(tail: bytes, data: st.DataObject) -> None:
    # The block reader's search for a quote, in a block of bytes or in its reused buffer.
    byte, start = data.draw(st.integers(0, 255)), data.draw(st.integers(0, len(tail) + 1))
    assert _kernels.find_byte(tail, byte, start) == tail.find(bytes([byte]), start)
    assert _kernels.find_byte(bytearray(tail), byte, start) == tail.find(bytes([byte]), start)

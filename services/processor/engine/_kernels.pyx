# cython: language_level=3, boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Compiled loops: over Arrow string buffers, the engine's value hash (5-9x the numpy passes it replaced), the
grouping of a chunk's values by it, the per-string byte counts of the type pre-filters, the e-mail pattern and
the other patterns' pre-filters; over a chunk's distinct numbers, their weighted moments; over a block, the lines
that end inside a quoted field; over value hashes, DataSketches' HLL coupons and its HLL_8 update itself, applied
to the sketch's serialised image.

`hashing.py` documents the hash; tests/engine/test_hashing.py defines it in plain Python and checks this loop
against it, so part states written by processors of two versions stay interchangeable. The loops run without
the GIL.
"""

from libc.math cimport INFINITY, NAN, fabs, isfinite, ldexp, sqrt
from libc.stdint cimport int32_t, int64_t, uint8_t, uint32_t, uint64_t
from libc.string cimport memchr, memcmp, memcpy

import numpy as np

ctypedef fused offset_t:
    int32_t
    int64_t

cdef uint64_t POSITION = 0xD6E8FEB86659FD93ULL
cdef uint64_t LENGTH = 0xFF51AFD7ED558CCDULL


cdef inline uint64_t splitmix64(uint64_t z) noexcept nogil:
    z = z + 0x9E3779B97F4A7C15ULL
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL
    return z ^ (z >> 31)


cdef inline uint64_t hash_bytes(const uint8_t* p, int64_t n, const uint8_t* end) noexcept nogil:
    # Little-endian 8-byte words (x86-64 and arm64; hashing.py checks the byte order at import), the last one
    # zero-padded, each mixed with its position; the sum finalised with the length. The last word is one 8-byte
    # load, masked, wherever 8 bytes can be read before `end` (the buffer's end): a variable-length copy costs
    # a call to memcpy per string.
    cdef uint64_t total = 0
    cdef uint64_t word
    cdef int64_t i = 0
    cdef uint64_t k = 0
    while i + 8 <= n:
        memcpy(&word, p + i, 8)
        total += splitmix64(word ^ (k * POSITION))
        i += 8
        k += 1
    if i < n:
        if p + i + 8 <= end:
            memcpy(&word, p + i, 8)
            word &= (<uint64_t>1 << (8 * (n - i))) - 1
        else:
            word = 0
            memcpy(&word, p + i, n - i)
        total += splitmix64(word ^ (k * POSITION))
    return splitmix64(total ^ (<uint64_t>n * LENGTH))


def hash_strings(const offset_t[::1] offsets, const uint8_t[::1] data):
    """uint64 hash of each of the len(offsets) - 1 strings (offsets into `data`)."""
    cdef Py_ssize_t n = offsets.shape[0] - 1
    out = np.empty(max(n, 0), dtype=np.uint64)
    cdef uint64_t[::1] hashes = out
    cdef const uint8_t* base = &data[0] if data.shape[0] else NULL
    cdef const uint8_t* end = base + data.shape[0]
    cdef Py_ssize_t i
    with nogil:
        for i in range(n):
            hashes[i] = hash_bytes(base + offsets[i], offsets[i + 1] - offsets[i], end)
    return out


def byte_view(const offset_t[::1] offsets, const uint8_t[::1] data):
    """(byte length, first byte, last byte) of each string in one pass; 0 and 0 for an empty one."""
    cdef Py_ssize_t n = offsets.shape[0] - 1
    lengths_out = np.empty(max(n, 0), dtype=np.int64)
    first_out = np.zeros(max(n, 0), dtype=np.uint8)
    last_out = np.zeros(max(n, 0), dtype=np.uint8)
    cdef int64_t[::1] lengths = lengths_out
    cdef uint8_t[::1] first = first_out
    cdef uint8_t[::1] last = last_out
    cdef const uint8_t* base = &data[0] if data.shape[0] else NULL
    cdef Py_ssize_t i
    cdef int64_t size
    with nogil:
        for i in range(n):
            size = offsets[i + 1] - offsets[i]
            lengths[i] = size
            if size > 0:
                first[i] = base[offsets[i]]
                last[i] = base[offsets[i + 1] - 1]
    return lengths_out, first_out, last_out


def edge_marks(
    const int64_t[::1] lengths,
    const uint8_t[::1] first,
    const uint8_t[::1] last,
    const uint8_t[::1] token_first,
    const uint8_t[::1] token_last,
    int64_t token_bytes,
):
    """From a ByteView's lengths, first and last bytes: (whether some non-empty string starts or ends with a byte
    that may be whitespace: a space, a control character or any non-ASCII byte; per string, 1 where it could be a
    missing-value token: at most `token_bytes` long, its first and last bytes in the tokens' tables)."""
    cdef Py_ssize_t n = lengths.shape[0], i
    tokens_out = np.zeros(n, dtype=np.uint8)
    cdef uint8_t[::1] tokens = tokens_out
    cdef bint spaced = False
    cdef uint8_t a, b
    with nogil:
        for i in range(n):
            a, b = first[i], last[i]
            if lengths[i] > 0 and (a <= 0x20 or a >= 0x80 or b <= 0x20 or b >= 0x80):
                spaced = True
            tokens[i] = lengths[i] <= token_bytes and token_first[a] and token_last[b]
    return spaced, tokens_out.view(bool)


def count_in_range(
    const offset_t[::1] offsets, const uint8_t[::1] data, uint8_t low, uint8_t high, const uint8_t[::1] where
):
    """How many bytes of each string lie in [low, high]; strings whose `where` byte is 0 get 0."""
    cdef Py_ssize_t n = offsets.shape[0] - 1
    out = np.zeros(max(n, 0), dtype=np.int64)
    cdef int64_t[::1] counts = out
    cdef const uint8_t* base = &data[0] if data.shape[0] else NULL
    cdef uint8_t span = high - low
    cdef Py_ssize_t i
    cdef int64_t k, total
    with nogil:
        for i in range(n):
            if not where[i]:
                continue
            total = 0
            for k in range(offsets[i], offsets[i + 1]):
                total += <uint8_t>(base[k] - low) <= span  # one unsigned comparison: bytes below `low` wrap
            counts[i] = total
    return out


cdef inline bint is_word(const uint8_t* p, int64_t n, const char* word, int64_t size) noexcept nogil:
    """The n bytes at p are `word` (lower-case ASCII) in any case."""
    cdef int64_t k
    if n != size:
        return False
    for k in range(n):
        if (p[k] | 32) != <uint8_t>word[k]:
            return False
    return True


cdef double POW10[23]  # 1e0 .. 1e22: every one exactly a double
for _k in range(23):
    POW10[_k] = 10.0 ** _k
_MANTISSA_STEP_MAX = (2**53 - 9) // 10  # a mantissa up to this can take one more digit and stay <= 2**53


cdef uint8_t[256] FLOAT_FIRST  # a first byte FLOAT_RE allows: a digit, a sign, a dot, or the i of inf
for _c in range(256):
    FLOAT_FIRST[_c] = chr(_c) in "0123456789+-.iI"


cdef extern from *:
    int __builtin_ctzll(unsigned long long x) noexcept nogil

cdef uint64_t ALL_BYTES = 0xFFFFFFFFFFFFFFFFULL
cdef uint64_t ZEROS = 0x3030303030303030ULL  # eight '0' bytes
cdef uint64_t LOW_SEVEN_BITS = 0x7F7F7F7F7F7F7F7FULL
cdef uint64_t TOP_BITS = 0x8080808080808080ULL
cdef uint64_t SIX_AND_SEVENTIES = 0x7676767676767676ULL  # 0x76 + a byte's low seven bits sets its top bit from 10 on


cdef inline uint64_t non_digits(uint64_t x) noexcept nogil:
    # `x`: eight bytes xor '0' (a digit becomes 0-9). The top bit of each byte that was not a digit; no carry
    # crosses a byte (at most 0x7F + 0x76).
    return (((x & LOW_SEVEN_BITS) + SIX_AND_SEVENTIES) | x) & TOP_BITS


cdef inline uint64_t eight_digits(uint64_t x) noexcept nogil:
    # The number written by eight digit values 0-9, the first in the low byte (leading zeros as 0 bytes): pairs,
    # then fours, then the eight, in three multiplications (Lemire, "Fast conversion of ASCII digits").
    x = x * 10 + (x >> 8)
    return (((x & 0x000000FF000000FFULL) * (100 + (1000000ULL << 32)))
            + (((x >> 16) & 0x000000FF000000FFULL) * (1 + (10000ULL << 32)))) >> 32


def number_shapes(const offset_t[::1] offsets, const uint8_t[::1] data):
    """(shape, value, integer, float candidate, date candidate) of each string, in one pass.

    shape: 1 a boolean true word (true/yes/t/y in any case), 2 a false one (false/no/f/n), 3 an integer (an
    optional sign and 1 to 18 digits, so int64 holds it exactly), 4 another plain decimal (an optional sign,
    digits, at most one dot, a digit at least), 0 anything else. value: the integer's float64 (what a correctly
    rounded parse of its text gives, -0.0 for a negative zero), the plain decimal's when its digits make a
    mantissa of at most 2**53 with at most 22 after the dot (then mantissa and 10**k are exact doubles and one
    IEEE division rounds correctly: Clinger's fast path), NaN for the others. integer: the integer's exact int64
    (0 for the others). For shape 0: float candidate, a first byte FLOAT_RE allows and an e or an i where the
    decimal stops (an exponent, inf: the regex decides); date candidate, a digit first and at least 8 bytes
    (every date layout's). The pre-filters as masks here spared a
    chunk's column a dozen numpy passes (~0.5 ms a numeric column of 86,000 values)."""
    cdef Py_ssize_t n = offsets.shape[0] - 1
    shapes_out = np.zeros(max(n, 0), dtype=np.uint8)
    values_out = np.full(max(n, 0), np.nan)
    integers_out = np.zeros(max(n, 0), dtype=np.int64)
    float_out = np.zeros(max(n, 0), dtype=np.uint8)
    date_out = np.zeros(max(n, 0), dtype=np.uint8)
    cdef uint8_t[::1] shapes = shapes_out
    cdef double[::1] values = values_out
    cdef int64_t[::1] integers = integers_out
    cdef uint8_t[::1] float_candidates = float_out
    cdef uint8_t[::1] date_candidates = date_out
    cdef const uint8_t* base = &data[0] if data.shape[0] else NULL
    cdef const uint8_t* p
    cdef Py_ssize_t i
    cdef const uint8_t* end = base + data.shape[0]
    cdef int64_t size, k, start, digits, dots, magnitude, fraction, length, dot
    cdef uint64_t mantissa, word, kept, odd, below
    cdef uint64_t step_max = _MANTISSA_STEP_MAX
    cdef uint8_t c
    cdef bint plain, exact
    cdef double value
    with nogil:
        for i in range(n):
            p = base + offsets[i]
            size = offsets[i + 1] - offsets[i]
            if size == 0:
                continue
            c = p[0] | 32
            if size <= 5 and (c == 116 or c == 121 or c == 102 or c == 110):  # t y f n
                if is_word(p, size, "true", 4) or is_word(p, size, "yes", 3) or is_word(p, size, "t", 1) \
                        or is_word(p, size, "y", 1):
                    shapes[i] = 1
                elif is_word(p, size, "false", 5) or is_word(p, size, "no", 2) or is_word(p, size, "f", 1) \
                        or is_word(p, size, "n", 1):
                    shapes[i] = 2
                continue
            start = 1 if (p[0] == 43 or p[0] == 45) else 0  # + -
            length = size - start
            if 0 < length <= 8 and p + start + 8 <= end:
                # Up to eight bytes after the sign in one load: all digits (an integer), or digits and one dot
                # (a plain decimal of at most seven digits, exact in Clinger's fast path). Anything else is
                # scanned byte by byte below.
                memcpy(&word, p + start, 8)
                word ^= ZEROS
                kept = ALL_BYTES >> (8 * (8 - length))
                odd = non_digits(word) & kept
                if odd == 0:
                    magnitude = <int64_t>eight_digits(word << (8 * (8 - length)))  # bytes past it shifted out
                    shapes[i] = 3
                    integers[i] = -magnitude if p[0] == 45 else magnitude
                    values[i] = -<double>magnitude if p[0] == 45 else <double>magnitude
                    continue
                if length >= 2 and (odd & (odd - 1)) == 0:
                    dot = __builtin_ctzll(odd) >> 3
                    if p[start + dot] == 46:
                        below = (<uint64_t>1 << (8 * dot)) - 1  # the digits before the dot stay, those after move
                        word = (word & below) | ((word >> 8) & ~below)  # down one byte over it
                        value = <double>eight_digits(word << (8 * (9 - length))) / POW10[length - 1 - dot]
                        shapes[i] = 4
                        values[i] = -value if p[0] == 45 else value
                        continue
            digits = 0
            dots = 0
            magnitude = 0
            mantissa = 0
            fraction = 0
            exact = True
            plain = True
            for k in range(start, size):
                c = p[k]
                if <uint8_t>(c - 48) <= 9:
                    digits += 1
                    if digits <= 18:
                        magnitude = magnitude * 10 + (c - 48)
                    fraction += dots
                    if mantissa > step_max:
                        exact = False
                    else:
                        mantissa = mantissa * 10 + (c - 48)
                elif c == 46:
                    dots += 1
                else:
                    plain = False
                    break
            if not plain or digits == 0 or dots > 1:
                # FLOAT_RE's other floats are a plain decimal with an exponent, or inf: the scan stopped at its
                # e, E or i (a date or a phone number, stopped at a dash or a space, goes to no regex).
                float_candidates[i] = FLOAT_FIRST[p[0]] and not plain and (c | 32 == 101 or c | 32 == 105)
                # A date starts with a digit, or is a month's name first ("Jan 5, 2020": ", YYYY" at its end).
                date_candidates[i] = (<uint8_t>(p[0] - 48) <= 9 and size >= 8) or (
                    size >= 11 and <uint8_t>((p[0] | 32) - 97) < 26 and p[size - 6] == 44 and p[size - 5] == 32
                )
                continue
            if dots == 0 and digits <= 18:
                shapes[i] = 3
                integers[i] = -magnitude if p[0] == 45 else magnitude
                values[i] = -<double>magnitude if p[0] == 45 else <double>magnitude
            else:
                shapes[i] = 4
                if exact and fraction <= 22:
                    value = <double>mantissa / POW10[fraction]
                    values[i] = -value if p[0] == 45 else value
    return shapes_out, values_out, integers_out, float_out.view(bool), date_out.view(bool)


cdef inline int64_t two_digits(const uint8_t* p) noexcept nogil:
    """The number of two ASCII digits, -1 if either is not one."""
    if <uint8_t>(p[0] - 48) > 9 or <uint8_t>(p[1] - 48) > 9:
        return -1
    return (p[0] - 48) * 10 + (p[1] - 48)


cdef inline int64_t days_from_civil(int64_t y, int64_t m, int64_t d) noexcept nogil:
    """Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm), for years >= 0."""
    y -= m <= 2
    cdef int64_t era = y // 400
    cdef int64_t yoe = y - era * 400
    cdef int64_t doy = (153 * (m - 3 if m > 2 else m + 9) + 2) // 5 + d - 1
    return era * 146097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719468


def iso_dates(const offset_t[::1] offsets, const uint8_t[::1] data, const uint8_t[::1] where):
    """(ok, nanoseconds since the epoch at midnight UTC) of each `where` string that is a YYYY-MM-DD date of a
    year from 1678 to 2261 (inside pandas' nanosecond range) with a real month and day; the rest (other years,
    days like 02-30, other layouts) get ok 0, for pandas to decide."""
    cdef Py_ssize_t n = offsets.shape[0] - 1
    ok_out = np.zeros(max(n, 0), dtype=np.uint8)
    stamps_out = np.zeros(max(n, 0), dtype=np.int64)
    cdef uint8_t[::1] ok = ok_out
    cdef int64_t[::1] stamps = stamps_out
    cdef const uint8_t* base = &data[0] if data.shape[0] else NULL
    cdef const uint8_t* p
    cdef Py_ssize_t i
    cdef int64_t hi, lo, year, month, day, last
    cdef int64_t ns_per_day = 86400 * 1000000000
    with nogil:
        for i in range(n):
            if not where[i] or offsets[i + 1] - offsets[i] != 10:
                continue
            p = base + offsets[i]
            if p[4] != 45 or p[7] != 45:  # '-'
                continue
            hi, lo, month, day = two_digits(p), two_digits(p + 2), two_digits(p + 5), two_digits(p + 8)
            if hi < 0 or lo < 0 or month < 1 or month > 12 or day < 1:
                continue
            year = hi * 100 + lo
            if year < 1678 or year > 2261:
                continue
            if month == 2:
                last = 29 if (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)) else 28
            elif month == 4 or month == 6 or month == 9 or month == 11:
                last = 30
            else:
                last = 31
            if day > last:
                continue
            ok[i] = 1
            stamps[i] = days_from_civil(year, month, day) * ns_per_day
    return ok_out, stamps_out


cdef inline bint is_space(uint8_t c) noexcept nogil:
    return c == 32 or c == 9 or c == 10 or c == 12 or c == 13  # RE2's \s: [\t\n\f\r ]


cdef inline bint is_letter(uint8_t c) noexcept nogil:
    return <uint8_t>((c | 32) - 97) < 26  # ASCII A-Z or a-z


cdef enum:
    # Bits of pattern_flags: the e-mail pattern matched; the other patterns' necessary conditions (text.py)
    EMAIL = 1
    URL = 2
    UUID = 4
    IP_ADDRESS = 8
    PHONE = 16
    NUMERIC_TEXT = 32
    NESTED = 64

# The same bits for Python (text.py), by pattern name: one definition.
PATTERN_BITS = {
    "email": EMAIL, "url": URL, "uuid": UUID, "ip_address": IP_ADDRESS, "phone": PHONE,
    "numeric_text": NUMERIC_TEXT, "nested": NESTED,
}

cdef uint64_t BELOW_33 = 0x2121212121212121ULL  # bytes below 33: the space and every control character


cdef inline bint has_space(const uint8_t* p, int64_t n) noexcept nogil:
    # Eight bytes at a time: a word with no byte below 33 holds no whitespace ((w - 0x21..) & ~w & 0x80.. is
    # nonzero exactly when some byte is below 0x21); only a word that has one is looked at byte by byte.
    cdef int64_t k = 0, j
    cdef uint64_t word
    while k + 8 <= n:
        memcpy(&word, p + k, 8)
        if (word - BELOW_33) & ~word & TOP_BITS:
            for j in range(k, k + 8):
                if is_space(p[j]):
                    return True
        k += 8
    for j in range(k, n):
        if is_space(p[j]):
            return True
    return False


cdef inline bint is_email(const uint8_t* p, int64_t n) noexcept nogil:
    # text.PATTERNS["email"], ^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$: one '@' with text before it, no whitespace, and a
    # last '.' after the '@' and a character past it, followed by two or more ASCII letters to the end (the
    # letters hold no '.', so the dot the regex ends on is the last one). Vectorised scans (memchr, has_space) and
    # a walk back over the final letters: a byte-by-byte loop with a branch per byte took twice as long.
    cdef const uint8_t* at = <const uint8_t*>memchr(p, 64, n)
    cdef int64_t k, dot
    if at == NULL or at == p:  # most text holds no '@': one vectorised scan
        return False
    if memchr(at + 1, 64, n - (at + 1 - p)) != NULL:
        return False
    k = n - 1
    while k >= 0 and is_letter(p[k]):
        k -= 1
    dot = k
    if dot < 0 or p[dot] != 46 or n - 1 - dot < 2 or dot < (at - p) + 2:
        return False
    return not has_space(p, n)


cdef inline bint is_hex(uint8_t c) noexcept nogil:
    return <uint8_t>(c - 48) < 10 or <uint8_t>((c | 32) - 97) < 6


def pattern_flags(const offset_t[::1] offsets, const uint8_t[::1] data):
    """Per string, in one pass: EMAIL when the e-mail pattern matches it, and the bit of each other pattern it
    could match (a necessary condition on its length and first bytes; the regex decides):
    URL: "http", "https" and "ftp" start with h or f, a t second, at least 7 bytes ("ftp://x");
    UUID: 36 bytes, a '-' ninth; IP_ADDRESS: a digit first and at most 15 bytes (IPv4), or a hex digit or ':'
    first, at most 39 bytes and two ':' (IPv6: at most 8 groups of 4 hex digits); PHONE: a digit, '+' or '('
    first; NUMERIC_TEXT: a digit, a sign, '$' or the lead byte of '€' (E2) or of '£' and '¥' (C2) first;
    NESTED: '{' or '[' first."""
    cdef Py_ssize_t n = offsets.shape[0] - 1
    out = np.zeros(max(n, 0), dtype=np.uint8)
    cdef uint8_t[::1] flags = out
    cdef const uint8_t* base = &data[0] if data.shape[0] else NULL
    cdef const uint8_t* p
    cdef const uint8_t* colon
    cdef Py_ssize_t i
    cdef int64_t size, colons
    cdef uint8_t c, f
    cdef bint digit
    with nogil:
        for i in range(n):
            size = offsets[i + 1] - offsets[i]
            if size == 0:
                continue
            p = base + offsets[i]
            c = p[0]
            digit = <uint8_t>(c - 48) < 10
            f = EMAIL if is_email(p, size) else 0
            if (c | 32) in (104, 102) and size >= 7 and (p[1] | 32) == 116:  # h or f, then t
                f |= URL
            if size == 36 and p[8] == 45:
                f |= UUID
            if digit and size <= 15:
                f |= IP_ADDRESS
            elif (is_hex(c) or c == 58) and size <= 39:
                colons = 0
                colon = <const uint8_t*>memchr(p, 58, size)
                while colon != NULL and colons < 2:
                    colons += 1
                    colon = <const uint8_t*>memchr(colon + 1, 58, size - (colon + 1 - p))
                if colons >= 2:
                    f |= IP_ADDRESS
            if digit or c == 43 or c == 40:
                f |= PHONE
            if digit or c == 43 or c == 45 or c == 36 or c == 0xE2 or c == 0xC2:
                f |= NUMERIC_TEXT
            if c == 123 or c == 91:
                f |= NESTED
            flags[i] = f
    return out


cdef inline int _field_state(int state, uint8_t c, uint8_t delimiter, uint8_t quote) noexcept nogil:
    """The state after byte `c` (not a line end) of a line read as Arrow reads it: 0 field start, 1 unquoted,
    2 quoted, 3 just after a quote inside a quoted field (a quote opens a field only at its start, two quotes
    inside one stand for one, text after the closing quote joins the field)."""
    if state == 2:
        return 3 if c == quote else 2
    if state == 3:
        return 2 if c == quote else (0 if c == delimiter else 1)
    if c == delimiter:
        return 0
    return 2 if state == 0 and c == quote else 1


def open_quote_lines(const uint8_t[::1] data, uint8_t delimiter, uint8_t quote):
    """One flag per line of `data` (lines end at \\n, \\r\\n or \\r; the text after the last end is a line too): 1 when
    the line ends inside a quoted field, read the way Arrow's CSV parser reads (a quote opens a field only at its
    start, two quotes inside one stand for one, text after the closing quote joins the field), each line alone."""
    cdef Py_ssize_t n = data.shape[0], i = 0
    cdef Py_ssize_t lines = 1, returns = 0
    cdef uint8_t c
    with nogil:
        for i in range(n):  # branch-free, so the compiler can vectorise it
            lines += data[i] == 10
            returns += data[i] == 13
        if returns:  # a \r alone ends a line too
            lines = 1
            for i in range(n):
                c = data[i]
                if c == 10 or (c == 13 and (i + 1 == n or data[i + 1] != 10)):
                    lines += 1
    out = np.zeros(lines, dtype=np.uint8)
    cdef uint8_t[::1] flags = out
    # Bytes that end a run: in a quoted field a quote or a line end, in an unquoted one a delimiter or a line end.
    cdef uint8_t[256] quoted_stop, unquoted_stop
    for i in range(256):
        quoted_stop[i] = i == quote or i == 10 or i == 13
        unquoted_stop[i] = i == delimiter or i == 10 or i == 13
    cdef Py_ssize_t line = 0
    cdef int state = 0  # 0 field start, 1 unquoted, 2 quoted, 3 just after a quote inside a quoted field
    i = 0
    with nogil:
        while i < n:
            c = data[i]
            if c == 10 or c == 13:
                if not (c == 13 and i + 1 < n and data[i + 1] == 10):  # the \n of \r\n ends the line
                    flags[line] = state == 2
                    line += 1
                    state = 0
            else:
                state = _field_state(state, c, delimiter, quote)
                # Bytes that cannot change the state are skipped in one run.
                if state == 2:
                    i += 1
                    while i < n and not quoted_stop[data[i]]:
                        i += 1
                    continue
                if state == 1:
                    i += 1
                    while i < n and not unquoted_stop[data[i]]:
                        i += 1
                    continue
            i += 1
        flags[line] = state == 2
    return out



cdef bint _ends_in_quotes(const uint8_t* data, Py_ssize_t i, Py_ssize_t end, uint8_t delimiter, uint8_t quote) noexcept nogil:
    """Whether the text [i, end) of one line, starting at a field's start, ends inside a quoted field (as
    open_quote_lines reads a line)."""
    cdef int state = 0
    while i < end:
        state = _field_state(state, data[i], delimiter, quote)
        i += 1
    return state == 2


def quoted_spans(
    const uint8_t[::1] data,
    uint8_t delimiter,
    uint8_t quote,
    const uint8_t[::1] flags,
    const int64_t[::1] starts,
    const int64_t[::1] text_ends,
    const uint8_t[::1] left_open,
    bint final,
    Py_ssize_t max_bytes,
):
    """The spans of a block's lines that end inside a quoted field (`flags`, from open_quote_lines; `starts` and
    `text_ends` per line): (firsts, lasts, goes_on, open_at_end). A span's last line is where its record ends:
    the open field's closing quote is followed by a delimiter or a line end within `max_bytes` of the first
    line's start (two quotes stand for one), and no quoted field is left open at the end of that line; -1 when
    the quote is taken as left open (no such quote, other text after it, or the line is in `left_open`). A record
    still open at the block's end stops the scan at its line (goes_on) unless `final`, where it is left open
    (open_at_end)."""
    cdef Py_ssize_t n = data.shape[0], lines = flags.shape[0]
    firsts_out = np.empty(lines, dtype=np.int64)
    lasts_out = np.empty(lines, dtype=np.int64)
    cdef int64_t[::1] firsts = firsts_out
    cdef int64_t[::1] lasts = lasts_out
    cdef Py_ssize_t count = 0, line, covered = -1, limit, position, q, k, last
    cdef Py_ssize_t goes_on = -1
    cdef bint open_at_end = False
    cdef const uint8_t* base = &data[0] if n else NULL
    cdef const uint8_t* found
    with nogil:
        for line in range(lines):
            if not flags[line] or line <= covered:
                continue
            last = -1
            if not left_open[line]:
                limit = starts[line] + max_bytes
                position = text_ends[line]  # inside the quoted field, at its line break
                k = line
                while True:
                    found = NULL
                    if position < min(limit, n):
                        found = <const uint8_t*>memchr(base + position, quote, min(limit, n) - position)
                    if found == NULL:
                        if limit > n:
                            last = -2  # the block ends first
                        break
                    q = found - base
                    if q + 1 < n and data[q + 1] == quote:  # a doubled quote stands for one
                        position = q + 2
                        continue
                    while k + 1 < lines and starts[k + 1] <= q:
                        k += 1
                    if q + 1 >= n or data[q + 1] == 10 or data[q + 1] == 13:
                        last = k
                        break
                    if data[q + 1] != delimiter:
                        break
                    if _ends_in_quotes(base, q + 2, text_ends[k], delimiter, quote):
                        position = text_ends[k]  # another quoted field goes on past this line
                        continue
                    last = k
                    break
            if last == -2:
                if not final:
                    goes_on = line
                    break
                open_at_end = True
                last = -1
            firsts[count] = line
            lasts[count] = last
            count += 1
            if last >= 0:
                covered = last
    return firsts_out[:count], lasts_out[:count], goes_on, open_at_end

cdef extern from *:
    void __builtin_prefetch(const void* address) noexcept nogil
    int __builtin_clzll(unsigned long long x) noexcept nogil


def byte_facts(const uint8_t[::1] data, uint8_t first, uint8_t second):
    """(whether every byte is ASCII, how many bytes equal `first`, how many `second`) in one pass without the GIL:
    bytes.isascii and a numpy count held the GIL for about 8 ms per 8 MiB block. A plain byte loop, counted in runs
    of 255 (a byte counter cannot overflow), which the compiler vectorises: 0.53 ms per 8 MiB block (0.42 with one
    count), where eight bytes at a time by hand took 1.02."""
    cdef Py_ssize_t n = data.shape[0], i = 0, k, stop
    cdef const uint8_t* p = &data[0] if n else NULL
    cdef uint8_t high = 0, run_first, run_second
    cdef int64_t firsts = 0, seconds = 0
    with nogil:
        while i < n:
            stop = i + 255 if i + 255 < n else n
            run_first = run_second = 0
            for k in range(i, stop):
                high |= p[k]
                run_first += p[k] == first
                run_second += p[k] == second
            firsts += run_first
            seconds += run_second
            i = stop
    return (high & 0x80) == 0, firsts, seconds


def find_byte(const uint8_t[::1] data, uint8_t byte, Py_ssize_t start=0):
    """The first position of `byte` in data[start:], or -1 (memchr without the GIL: bytes.find holds it)."""
    cdef Py_ssize_t n = data.shape[0]
    cdef const void* found = NULL
    if start < 0 or start >= n:
        return -1
    with nogil:
        found = memchr(&data[start], byte, n - start)
    return -1 if found == NULL else <Py_ssize_t>(<const uint8_t*>found - &data[0])


def blank_lines(const uint8_t[::1] data, Py_ssize_t start=0, bint lone_cr=False):
    """How many lines of `data[start:]` are empty (line ends \\n and \\r\\n, and a lone \\r too when `lone_cr`;
    `start` begins a line; the nothing after a last line end is no line), without the GIL:
    Arrow skips such lines without numbering them, and the reader counts them back into its line numbers."""
    cdef Py_ssize_t n = data.shape[0], i = start, cr = -1, lf = -1, k, stop
    cdef const uint8_t* p = &data[0] if n else NULL
    cdef const uint8_t* found
    cdef int64_t count = 0
    cdef uint8_t run
    with nogil:
        if lone_cr:  # the next \r and the next \n, each searched again only once passed
            while i < n:  # i starts a line
                if cr < i:
                    found = <const uint8_t*>memchr(p + i, 13, n - i)
                    cr = n if found == NULL else found - p
                if lf < i:
                    found = <const uint8_t*>memchr(p + i, 10, n - i)
                    lf = n if found == NULL else found - p
                if cr == n and lf == n:
                    break
                if cr < lf:  # a \r ends the line, with the \n right after it if there is one
                    count += cr == i
                    i = cr + 2 if lf == cr + 1 else cr + 1
                else:
                    count += lf == i
                    i = lf + 1
        elif start < n:
            # A line starts at `start` and after every \n; it is empty when it starts with \n or \r\n. One
            # branch-free pass, counted in runs of 255 as byte_facts is (a memchr per line: 0.67 ms an 8 MiB block of
            # 95-byte lines, ~1 ms in a run; this pass 0.6, bound by reading the block).
            count = p[start] == 10 or (p[start] == 13 and start + 1 < n and p[start + 1] == 10)
            i = start + 1
            while i < n - 1:
                stop = i + 255 if i + 255 < n - 1 else n - 1
                run = 0
                for k in range(i, stop):
                    run += (p[k - 1] == 10) & ((p[k] == 10) | ((p[k] == 13) & (p[k + 1] == 10)))
                count += run
                i = stop
            if n - 1 > start:  # the last byte starts an empty line only as a \n
                count += p[n - 2] == 10 and p[n - 1] == 10
    return count


cdef inline bint same_bytes(const uint8_t* a, const uint8_t* b, int64_t n, const uint8_t* end) noexcept nogil:
    # memcmp(a, b, n) == 0 inline: words while eight bytes remain, the rest as one masked load wherever eight
    # bytes can be read before `end` (a call to memcmp per row cost a chunk's low-cardinality column ~4%).
    cdef uint64_t x, y
    cdef int64_t i = 0
    while i + 8 <= n:
        memcpy(&x, a + i, 8)
        memcpy(&y, b + i, 8)
        if x != y:
            return False
        i += 8
    if i == n:
        return True
    if a + i + 8 <= end and b + i + 8 <= end:
        memcpy(&x, a + i, 8)
        memcpy(&y, b + i, 8)
        return ((x ^ y) & ((<uint64_t>1 << (8 * (n - i))) - 1)) == 0
    return memcmp(a + i, b + i, n - i) == 0


cdef uint64_t EMPTY = 0xFFFFFFFFFFFFFFFFULL
DEF PREFETCH = 16  # rows ahead: a slot is a random read in a table larger than the core's cache


def group_strings(
    const offset_t[::1] offsets,
    const uint8_t[::1] data,
    const uint8_t[::1] valid,
    uint64_t missing,
    uint64_t hash_mask=0xFFFFFFFFFFFFFFFFULL,
    bint skip_empty=False,
):
    """Group the strings by value: (first row of each distinct value, in order of first occurrence; its count; its
    hash; each row's hash, `missing` where `valid` is 0; how many empty strings were left out of the groups). An
    empty `valid` means no nulls. `skip_empty`: empty strings get their hash but no group (they are missing
    values, which the column would otherwise filter out of a chunk's whole dictionary: ~1 ms a chunk of 86,000)
    and `missing` as their hash, as nulls (found again by their hash, a numeric column's empty cells cost ~0.3 ms
    a chunk).

    An open-addressing table (linear probing, at most half full) keyed by the value hash: a slot holds the hash's
    high 32 bits and the group number, and a row whose high bits match a slot's is compared byte for byte with the
    group's first row, so the grouping is exact whatever the hash does (the tests cut the hash with `hash_mask` to
    make collisions happen). Every row is hashed first, so the probes can prefetch their slots.
    """
    cdef Py_ssize_t n = offsets.shape[0] - 1
    cdef Py_ssize_t size = 16
    while size < 2 * n:
        size *= 2
    cdef uint64_t mask = size - 1
    slots_array = np.full(size, EMPTY, dtype=np.uint64)
    first_array = np.empty(max(n, 0), dtype=np.int64)
    counts_array = np.empty(max(n, 0), dtype=np.int64)
    row_hash_array = np.empty(max(n, 0), dtype=np.uint64)
    cdef uint64_t[::1] slots = slots_array
    cdef int64_t[::1] first = first_array
    cdef int64_t[::1] counts = counts_array
    cdef uint64_t[::1] row_hashes = row_hash_array
    cdef const uint8_t* base = &data[0] if data.shape[0] else NULL
    cdef const uint8_t* end = base + data.shape[0]
    cdef bint all_valid = valid.shape[0] == 0
    cdef Py_ssize_t i, groups = 0, empties = 0
    cdef int64_t g, start, length, other
    cdef uint64_t h, high, slot, position
    with nogil:
        for i in range(n):
            if all_valid or valid[i]:
                row_hashes[i] = hash_bytes(base + offsets[i], offsets[i + 1] - offsets[i], end) & hash_mask
            else:
                row_hashes[i] = missing
        for i in range(n):
            if i + PREFETCH < n:
                __builtin_prefetch(&slots[row_hashes[i + PREFETCH] & mask])
            if not all_valid and not valid[i]:
                continue
            h = row_hashes[i]
            high = h & 0xFFFFFFFF00000000ULL
            start = offsets[i]
            length = offsets[i + 1] - start
            if length == 0 and skip_empty:
                empties += 1
                row_hashes[i] = missing  # a missing value, as a null
                continue
            position = h & mask
            while True:
                slot = slots[position]
                if slot == EMPTY:
                    slots[position] = high | <uint64_t>groups
                    first[groups] = i
                    counts[groups] = 1
                    groups += 1
                    break
                if slot & 0xFFFFFFFF00000000ULL == high:
                    g = slot & 0xFFFFFFFFULL
                    other = offsets[first[g]]
                    if offsets[first[g] + 1] - other == length and same_bytes(base + start, base + other, length, end):
                        counts[g] += 1
                        break
                position = (position + 1) & mask
    # Views, not copies: a chunk's groups live only while its column is profiled (copying a high-cardinality
    # column's cost ~1.4 MB a chunk, mostly into fresh pages).
    first_array = first_array[:groups]
    return first_array, counts_array[:groups], row_hash_array[first_array], row_hash_array, empties


def combine_rows(uint64_t[::1] row_hashes, const uint64_t[::1] column_hashes):
    """Fold one column's value hashes into the running row hashes, in place: splitmix64(row * 31 + value)."""
    cdef Py_ssize_t n = row_hashes.shape[0], i
    with nogil:
        for i in range(n):
            row_hashes[i] = splitmix64(row_hashes[i] * 31 + column_hashes[i])


def mixed(const uint64_t[::1] values, uint64_t seed):
    """splitmix64(value ^ seed) of each value: the row sample's priorities."""
    cdef Py_ssize_t n = values.shape[0], i
    out = np.empty(n, dtype=np.uint64)
    cdef uint64_t[::1] mixed_values = out
    with nogil:
        for i in range(n):
            mixed_values[i] = splitmix64(values[i] ^ seed)
    return out


def take_strings(const offset_t[::1] offsets, const uint8_t[::1] data, const int64_t[::1] rows):
    """(offsets, data) of the strings at `rows`, offsets of the input's width: Arrow's take for a chunk's
    dictionary, about 3x quicker for lack of its general machinery. A string of at most 16 bytes is copied as two
    8-byte words (its tail overwritten by the next string; the output has 16 bytes to spare) where 16 bytes can be
    read: a call to memcpy per short string cost half of a numeric column's gather."""
    cdef Py_ssize_t n = rows.shape[0], i
    offsets_out = np.empty(n + 1, dtype=np.int32 if offset_t is int32_t else np.int64)
    cdef offset_t[::1] out = offsets_out
    cdef int64_t total = 0, length
    with nogil:
        out[0] = 0
        for i in range(n):
            total += offsets[rows[i] + 1] - offsets[rows[i]]
            out[i + 1] = <offset_t>total
    padded = np.empty(total + 16, dtype=np.uint8)
    cdef uint8_t[::1] target = padded
    cdef const uint8_t* base = &data[0] if data.shape[0] else NULL
    cdef const uint8_t* end = base + data.shape[0]
    cdef const uint8_t* source
    cdef uint8_t* into
    with nogil:
        for i in range(n):
            length = out[i + 1] - out[i]
            source = base + offsets[rows[i]]
            into = &target[out[i]]
            if length <= 16 and source + 16 <= end:
                memcpy(into, source, 8)
                memcpy(into + 8, source + 8, 8)
            elif length:
                memcpy(into, source, length)
    return offsets_out, padded[:total]



def same_strings(
    const offset_t[::1] offsets,
    const uint8_t[::1] data,
    const int64_t[::1] rows,
    const int64_t[::1] other_offsets,
    const uint8_t[::1] other_data,
    const int64_t[::1] other_rows,
):
    """Whether the string at each of `rows` equals the other array's (large_string) at the same place in
    `other_rows`: a chunk's values found by hash in the exact distinct table, checked as text in one pass (Arrow's
    filter, take and equal cost ~60 us a call, paid by every column of a wide table's every chunk)."""
    cdef Py_ssize_t n = rows.shape[0], i
    cdef const uint8_t* base = &data[0] if data.shape[0] else NULL
    cdef const uint8_t* other_base = &other_data[0] if other_data.shape[0] else NULL
    cdef int64_t start, size, other_start
    cdef bint same = True
    with nogil:
        for i in range(n):
            start = offsets[rows[i]]
            size = offsets[rows[i] + 1] - start
            other_start = other_offsets[other_rows[i]]
            if other_offsets[other_rows[i] + 1] - other_start != size or (
                size and memcmp(base + start, other_base + other_start, size) != 0
            ):
                same = False
                break
    return same


cdef inline Py_ssize_t find_slot(
    const uint64_t* keys, const int64_t* slots, uint64_t mask, uint64_t key
) noexcept nogil:
    # An open-addressing table of positions into `keys` (linear probing from splitmix64 of the key, -1 empty): the
    # slot holding the position of a key equal to `key`, or the empty slot where it goes.
    cdef uint64_t position = splitmix64(key) & mask
    while slots[position] >= 0 and keys[slots[position]] != key:
        position = (position + 1) & mask
    return position


cdef inline object empty_slots(Py_ssize_t n):
    # At most half full: a power of two at least 2n (16 at least).
    cdef Py_ssize_t size = 16
    while size < 2 * n:
        size *= 2
    return np.full(size, -1, dtype=np.int64)


def key_positions(const uint64_t[::1] keys, const uint64_t[::1] queries):
    """For each query, the position of the key equal to it (the first, of equal keys), or -1. Keys are any 64-bit
    words (a double's bits).

    A table of the keys' positions (find_slot), built per call: an exact table of 100,000 values looked up in O(n)
    where a binary search into it (a random read per step) cost 8.6 ms for a chunk's 86,000 values on an AMD
    EPYC."""
    cdef Py_ssize_t n = keys.shape[0], m = queries.shape[0], i, at
    slots_array = empty_slots(n)
    positions_array = np.empty(m, dtype=np.int64)
    cdef int64_t[::1] slots = slots_array
    cdef int64_t[::1] positions = positions_array
    cdef uint64_t mask = slots.shape[0] - 1
    cdef const uint64_t* key_words = &keys[0] if n else NULL
    with nogil:
        for i in range(n):
            at = find_slot(key_words, &slots[0], mask, keys[i])
            if slots[at] < 0:
                slots[at] = i
        for i in range(m):
            positions[i] = slots[find_slot(key_words, &slots[0], mask, queries[i])]
    return positions_array


def sum_by_key(const uint64_t[::1] keys, const int64_t[::1] counts):
    """Group 64-bit keys (a double's bits): (the position of each distinct key's first occurrence, in order of
    first occurrence; the sum of its counts). The table of key_positions (find_slot): a chunk's 86,000 numbers
    grouped in about a millisecond, where sorting them (np.unique, or argsort to sum equal ones) took 6."""
    cdef Py_ssize_t n = keys.shape[0], i, at
    slots_array = empty_slots(n)
    first_array = np.empty(n, dtype=np.int64)
    sums_array = np.empty(n, dtype=np.int64)
    group_array = np.empty(n, dtype=np.int64)  # the group of a first occurrence
    cdef int64_t[::1] slots = slots_array
    cdef int64_t[::1] first = first_array
    cdef int64_t[::1] sums = sums_array
    cdef int64_t[::1] group = group_array
    cdef uint64_t mask = slots.shape[0] - 1
    cdef const uint64_t* key_words = &keys[0] if n else NULL
    cdef Py_ssize_t groups = 0
    with nogil:
        for i in range(n):
            at = find_slot(key_words, &slots[0], mask, keys[i])
            if slots[at] < 0:
                slots[at] = i
                group[i] = groups
                first[groups] = i
                sums[groups] = counts[i]
                groups += 1
            else:
                sums[group[slots[at]]] += counts[i]
    return first_array[:groups].copy(), sums_array[:groups].copy()


def set_insert(uint64_t[::1] slots, const uint64_t[::1] keys, Py_ssize_t start, Py_ssize_t room):
    """Insert keys[start:] into an open-addressing set of 64-bit keys (0 marks an empty slot, so a key 0 is left
    to the caller; linear probing from splitmix64 of the key; the size a power of two) until `room` new keys went
    in: (where it stopped, the new keys it added). A chunk's 86,000 row hashes in about a millisecond, where
    sorting them cost 3-4 ms on an AMD EPYC (numpy's AVX-512 sort is slow there)."""
    cdef Py_ssize_t n = keys.shape[0], i = start, added = 0
    cdef uint64_t mask = slots.shape[0] - 1
    cdef uint64_t key, position, slot
    cdef bint full = False
    with nogil:
        while i < n:
            if i + PREFETCH < n:
                __builtin_prefetch(&slots[splitmix64(keys[i + PREFETCH]) & mask])
            key = keys[i]
            if key != 0:
                position = splitmix64(key) & mask
                while True:
                    slot = slots[position]
                    if slot == 0:
                        if added == room:
                            full = True
                        else:
                            slots[position] = key
                            added += 1
                        break
                    if slot == key:
                        break
                    position = (position + 1) & mask
                if full:
                    break
            i += 1
    return i, added

# DataSketches' HLL coupon of a 64-bit value: MurmurHash3_x64_128 of its 8 little-endian bytes, seed 9001; the
# register is the low lg_k bits of the first half, the rank the second half's leading zeros + 1 (at most 63).
cdef uint64_t MURMUR_SEED = 9001
cdef uint64_t MURMUR_C1 = 0x87C37B91114253D5ULL
cdef uint64_t MURMUR_C2 = 0x4CF5AD432745937FULL


cdef inline uint64_t fmix64(uint64_t k) noexcept nogil:
    k ^= k >> 33
    k *= 0xFF51AFD7ED558CCDULL
    k ^= k >> 33
    k *= 0xC4CEB9FE1A85EC53ULL
    k ^= k >> 33
    return k


cdef inline void coupon(uint64_t value, uint64_t mask, uint64_t* slot, uint8_t* rank) noexcept nogil:
    cdef uint64_t k1 = value * MURMUR_C1
    k1 = ((k1 << 31) | (k1 >> 33)) * MURMUR_C2
    cdef uint64_t h1 = (MURMUR_SEED ^ k1) ^ 8
    cdef uint64_t h2 = MURMUR_SEED ^ 8
    h1 += h2
    h2 += h1
    h1 = fmix64(h1)
    h2 = fmix64(h2)
    h1 += h2
    h2 += h1
    slot[0] = h1 & mask
    cdef int zeros = 64 if h2 == 0 else __builtin_clzll(h2)
    rank[0] = (zeros if zeros < 62 else 62) + 1


def hll_coupons(const uint64_t[::1] values, int lg_k):
    """(register, rank) DataSketches gives each value."""
    cdef Py_ssize_t n = values.shape[0], i
    slots_out = np.empty(n, dtype=np.intp)
    ranks_out = np.empty(n, dtype=np.uint8)
    cdef Py_ssize_t[::1] slots = slots_out
    cdef uint8_t[::1] ranks = ranks_out
    cdef uint64_t slot
    cdef uint64_t mask = (<uint64_t>1 << lg_k) - 1
    with nogil:
        for i in range(n):
            coupon(values[i], mask, &slot, &ranks[i])
            slots[i] = slot
    return slots_out, ranks_out


# DataSketches' HLL_8 updatable image in HLL mode (hll/include/HllUtil.hpp): the flags byte, then the HIP estimate,
# kxq0 and kxq1 (doubles), the count of zero registers (uint32) and the k one-byte registers.
DEF HLL_FLAGS = 5
DEF HLL_OUT_OF_ORDER = 16
DEF HLL_HIP = 8
DEF HLL_KXQ0 = 16
DEF HLL_KXQ1 = 24
DEF HLL_ZEROS = 32
DEF HLL_REGISTERS = 40


def hll_update(const uint64_t[::1] values, uint8_t[::1] image, int lg_k):
    """Offer `values` to an HLL_8 sketch's updatable image in HLL mode, in place, as the library's own update does
    (Hll8Array::internalCouponUpdate and HllArray::hipAndKxQIncrementalUpdate): a coupon above its register raises
    it, adds k / (kxq0 + kxq1) to the HIP estimate first (unless the sketch is out of order, a union's), then moves
    the register's 2^-value from kxq0 (values below 32) or kxq1, and counts a zero register gone. Same doubles,
    same order of operations: the image is the one the library would hold (tests compare the bytes)."""
    if image.shape[0] != HLL_REGISTERS + (1 << lg_k):
        raise ValueError("not an HLL_8 image in HLL mode of this lg_k")
    cdef Py_ssize_t n = values.shape[0], i
    cdef uint8_t* base = &image[0]
    cdef uint8_t* registers = base + HLL_REGISTERS
    cdef double hip, kxq0, kxq1
    cdef uint32_t zeros
    memcpy(&hip, base + HLL_HIP, 8)
    memcpy(&kxq0, base + HLL_KXQ0, 8)
    memcpy(&kxq1, base + HLL_KXQ1, 8)
    memcpy(&zeros, base + HLL_ZEROS, 4)
    cdef bint in_order = (base[HLL_FLAGS] & HLL_OUT_OF_ORDER) == 0
    cdef double k = <double>(<uint32_t>1 << lg_k)
    cdef uint64_t slot, mask = (<uint64_t>1 << lg_k) - 1
    cdef uint8_t rank, old
    cdef Py_ssize_t raised = 0
    with nogil:
        for i in range(n):
            coupon(values[i], mask, &slot, &rank)
            old = registers[slot]
            if rank > old:
                registers[slot] = rank
                if in_order:
                    hip += k / (kxq0 + kxq1)
                if old < 32:
                    kxq0 -= ldexp(1.0, -old)
                else:
                    kxq1 -= ldexp(1.0, -old)
                if rank < 32:
                    kxq0 += ldexp(1.0, -rank)
                else:
                    kxq1 += ldexp(1.0, -rank)
                zeros -= old == 0
                raised += 1
    memcpy(base + HLL_HIP, &hip, 8)
    memcpy(base + HLL_KXQ0, &kxq0, 8)
    memcpy(base + HLL_KXQ1, &kxq1, 8)
    memcpy(base + HLL_ZEROS, &zeros, 4)
    return raised


cdef struct Sum:
    double total
    double lost  # the low-order bits the total's rounding dropped (Neumaier's compensation)


cdef inline void add(Sum* sum, double x) noexcept nogil:
    # Knuth's TwoSum: the rounding error of total + x exactly, as Neumaier's ordered form gives it, without its
    # branch on which is larger (signs of cubed deviations flip at random: mispredicted half the time).
    cdef double t = sum.total + x
    cdef double back = t - sum.total
    sum.lost += (sum.total - (t - back)) + (x - back)
    sum.total = t


def numeric_summary(const double[::1] values, const int64_t[::1] counts):
    """(finite count, non-finite count, zeros, negatives, min, max, mean, M2, M3, M4) of `values`, each seen
    `counts` times; all but the non-finite count over the finite values only (min, max, mean and the central
    sums M2 to M4 are nan when there are none). Three loops: the mean, its correction by the mean of the
    deviations from it (which keeps it accurate when values are large and close together), then the centred sums.
    The sums are compensated (Neumaier): a skewness near zero is a difference of large cubes, and plain running
    sums lost digits that numpy's pairwise sums kept."""
    cdef Py_ssize_t n = values.shape[0], i
    cdef int64_t finite = 0, other = 0, zeros = 0, negatives = 0, count
    cdef double v, w, d, d2, mean
    cdef double low = INFINITY, high = -INFINITY
    cdef Sum total = Sum(0.0, 0.0), correction = Sum(0.0, 0.0)
    cdef Sum m2 = Sum(0.0, 0.0), m3 = Sum(0.0, 0.0), m4 = Sum(0.0, 0.0)
    with nogil:
        for i in range(n):
            v = values[i]
            if not isfinite(v):
                other += counts[i]
                continue
            # Branchless: a column's signs come at random (a branch on them was mispredicted half the time,
            # 20-30% of the loop).
            count = counts[i]
            finite += count
            add(&total, <double>count * v)
            zeros += count * (v == 0)
            negatives += count * (v < 0)
            low = v if v < low else low
            high = v if v > high else high
    if finite == 0:
        return 0, other, 0, 0, NAN, NAN, NAN, NAN, NAN, NAN
    with nogil:
        mean = (total.total + total.lost) / <double>finite
        if not isfinite(mean):
            # The sum overflowed (values near 1e308): the mean of the values scaled down first is still a float.
            # (pandas divides the overflowed sum and gives inf; the mean itself is finite, so it is reported.)
            total = Sum(0.0, 0.0)
            for i in range(n):
                v = values[i]
                if isfinite(v):
                    add(&total, (<double>counts[i] / <double>finite) * v)
            mean = total.total + total.lost
        for i in range(n):
            v = values[i]
            if isfinite(v):
                add(&correction, <double>counts[i] * (v - mean))
        d = (correction.total + correction.lost) / <double>finite
        if isfinite(d):  # deviations beyond the float range (1.7e308 and -1.7e308): no correction to be had
            mean += d
        for i in range(n):
            v = values[i]
            if isfinite(v):
                w = <double>counts[i]
                d = v - mean
                d2 = d * d
                add(&m2, w * d2)
                add(&m3, w * d2 * d)
                add(&m4, w * d2 * d2)
    return (
        finite, other, zeros, negatives, low, high, mean,
        m2.total + m2.lost, m3.total + m3.lost, m4.total + m4.lost,
    )


cdef void rank_rows(
    const double* ordered, const int64_t* order, Py_ssize_t n, const double* other, double* ranks
) noexcept nogil:
    # Average ranks (1-based, ties sharing their mean) of a column's finite values, given in ascending order
    # (`ordered`, non-finite values last) with their rows (`order`), leaving out the rows where `other` (when
    # given) is not finite; written at each row's place.
    cdef Py_ssize_t start = 0, stop, j
    cdef int64_t kept, below = 0
    cdef double value, rank
    while start < n and isfinite(ordered[start]):
        value = ordered[start]
        stop = start
        kept = 0
        while stop < n and ordered[stop] == value:
            if other == NULL or isfinite(other[order[stop]]):
                kept += 1
            stop += 1
        rank = <double>below + <double>(kept + 1) / 2.0  # the mean of below + 1 .. below + kept: exact
        for j in range(start, stop):
            ranks[order[j]] = rank
        below += kept
        start = stop


def spearman_matrix(const double[:, ::1] columns, const int64_t[:, ::1] orders):
    """Spearman's rank correlation of every pair of `columns` (one per row of the array) over the rows where both
    are finite, as pandas' DataFrame.corr(method="spearman") computes it, to the bit: average ranks of those rows,
    then their Pearson correlation with the ranks' mean (nobs + 1) / 2, summed in row order; NaN without rows or
    when a column is constant over them. `orders`: each column's argsort (non-finite values last).

    pandas ranks every pair's rows again with a sort of each column whenever missing values differ between the
    two (~4 ms a pair of 20,000 rows, 4.5 s for 50 columns); here a pair's ranks come from one walk of each
    column's order, sorted once."""
    cdef Py_ssize_t k = columns.shape[0], n = columns.shape[1], x, y, i
    result_array = np.full((k, k), np.nan)
    own_array = np.zeros((k, n))
    ordered_array = np.take_along_axis(np.asarray(columns), np.asarray(orders), axis=1)
    cdef double[:, ::1] result = result_array
    cdef double[:, ::1] own = own_array
    cdef const double[:, ::1] ordered = ordered_array
    cdef double[::1] rx = np.zeros(n)
    cdef double[::1] ry = np.zeros(n)
    cdef int64_t[::1] valid = np.zeros(k, np.int64)
    cdef int64_t nobs
    cdef const double* a
    cdef const double* b
    cdef double* ra
    cdef double* rb
    cdef double mean, dx, dy, sxy, sxx, syy, divisor
    if n == 0:
        return result_array
    with nogil:
        for x in range(k):
            rank_rows(&ordered[x, 0], &orders[x, 0], n, NULL, &own[x, 0])
            for i in range(n):
                if isfinite(columns[x, i]):
                    valid[x] += 1
        for x in range(k):
            a = &columns[x, 0]
            for y in range(x + 1):
                b = &columns[y, 0]
                nobs = 0
                for i in range(n):
                    nobs += isfinite(a[i]) and isfinite(b[i])
                if nobs == 0:
                    continue
                if nobs == valid[x] and nobs == valid[y]:  # the same rows: each column's own ranks
                    ra, rb = &own[x, 0], &own[y, 0]
                else:
                    rank_rows(&ordered[x, 0], &orders[x, 0], n, b, &rx[0])
                    rank_rows(&ordered[y, 0], &orders[y, 0], n, a, &ry[0])
                    ra, rb = &rx[0], &ry[0]
                mean = (<double>nobs + 1.0) / 2.0
                sxy = sxx = syy = 0.0
                for i in range(n):
                    if isfinite(a[i]) and isfinite(b[i]):
                        dx = ra[i] - mean
                        dy = rb[i] - mean
                        sxy += dx * dy
                        sxx += dx * dx
                        syy += dy * dy
                divisor = sqrt(sxx * syy)
                if divisor != 0:
                    result[x, y] = result[y, x] = sxy / divisor
    return result_array

"""Upload checks that need no I/O: the header, file names and the first bytes vs the media type."""

from __future__ import annotations

import codecs
import re

from sluice.convert import date_order_option
from sluice.errors import FailedPrecondition, InvalidArgument

# Media types the processor can profile, and their accepted aliases.
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TABLE_TYPES = {
    "text/csv": "text/csv",
    "application/csv": "text/csv",
    "text/tab-separated-values": "text/tab-separated-values",
    "text/tsv": "text/tab-separated-values",
    "text/plain": "text/plain",
    "application/jsonl": "application/jsonl",
    "application/x-ndjson": "application/jsonl",
    "application/x-jsonlines": "application/jsonl",
    "application/gzip": "application/gzip",
    "application/x-gzip": "application/gzip",
    "application/zip": "application/zip",
    "application/x-zip-compressed": "application/zip",
    "application/vnd.apache.parquet": "application/vnd.apache.parquet",
    "application/x-parquet": "application/vnd.apache.parquet",
    XLSX: XLSX,
}
# Binary table formats and the signature their first bytes must carry.
_EXPECTED_SIGNATURES = {
    "application/gzip": (b"\x1f\x8b", "gzip"),
    "application/zip": (b"PK\x03\x04", "a ZIP archive"),
    "application/vnd.apache.parquet": (b"PAR1", "Parquet"),
    XLSX: (b"PK\x03\x04", "an Excel .xlsx workbook"),
}

# How much of the file is looked at before the media type is accepted.
SNIFF_BYTES = 8192

# Signatures of common binary formats, named for the error message.
_BINARY_SIGNATURES = (
    (b"PK\x03\x04", "a ZIP archive (or .xlsx/.docx)"),
    (b"\x1f\x8b", "a gzip file"),
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"\x7fELF", "an ELF executable"),
    (b"PAR1", "a Parquet file"),
    (b"BZh", "a bzip2 file"),
    (b"\xfd7zXZ", "an xz file"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
    (b"\xd0\xcf\x11\xe0", "an old Office document (.xls/.doc)"),
    (b"SQLite format 3", "an SQLite database"),
)
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def normalize_media_type(media_type: str) -> str:
    """'Text/CSV; charset=utf-8' -> 'text/csv', or INVALID_ARGUMENT naming what is supported."""
    base = media_type.split(";", 1)[0].strip().lower()
    if base not in TABLE_TYPES:
        supported = ", ".join(sorted(set(TABLE_TYPES.values())))
        raise InvalidArgument(
            f"media type {media_type!r} is not supported; use one of: {supported}",
            field="header.media_type",
            reason="UNSUPPORTED_MEDIA_TYPE",
        )
    return TABLE_TYPES[base]


def safe_file_name(name: str) -> str:
    """The last path component, with characters that are awkward in object keys replaced."""
    base = re.split(r"[\\/]", name.strip())[-1]
    cleaned = re.sub(r"[^A-Za-z0-9._ -]", "_", base).strip(" .")[:200]
    if not cleaned:
        raise InvalidArgument("file_name must name a file", field="header.file_name", reason="FILE_NAME_INVALID")
    return cleaned


def check_declared_size(declared: int | None, limit: int) -> None:
    if declared is None:
        return
    if declared < 0:
        raise InvalidArgument("declared_size cannot be negative", field="header.declared_size")
    if declared > limit:
        raise FailedPrecondition(
            f"the file is {declared} bytes; the largest accepted upload is {limit} bytes",
            reason="UPLOAD_TOO_LARGE",
            metadata={"limit_bytes": str(limit)},
        )


def check_read_options(delimiter: str, decimal: str) -> None:
    """The reading options a processor would refuse, refused at upload (not after the file is stored)."""
    # Arrow's CSV parser takes a one-byte (ASCII) delimiter: "¦" or "§" would fail every processor's read.
    if len(delimiter) > 1 or not delimiter.isascii() or delimiter in ('"', "\n", "\r"):
        raise InvalidArgument(
            f"options.delimiter must be one ASCII character other than a quote or a line break, not {delimiter!r}",
            field="header.options.delimiter",
            reason="DELIMITER_INVALID",
        )
    if decimal not in ("", ".", ","):
        raise InvalidArgument(
            f"options.decimal must be '.', ',' or empty (detect it), not {decimal!r}",
            field="header.options.decimal",
            reason="DECIMAL_INVALID",
        )
    if decimal and decimal == delimiter:
        raise InvalidArgument(
            f"options.decimal and options.delimiter cannot both be {decimal!r}",
            field="header.options.decimal",
            reason="DECIMAL_INVALID",
        )


# Encodings whose decoder keeps a state across the processor's reads (escape sequences): not read correctly.
_STATEFUL = ("iso2022", "utf-7", "utf_7", "hz")


def check_encoding(value: str) -> str:
    """options.encoding as stored: the codec's canonical name ("" detects it)."""
    if not value:
        return ""
    try:
        codec = codecs.lookup(value)
    except LookupError:
        codec = None
    if codec is None or not getattr(codec, "_is_text_encoding", True):  # base64, zlib: bytes to bytes
        raise InvalidArgument(
            f"options.encoding {value!r} is no text encoding: give a codec name such as 'utf-8', 'cp1252',"
            " 'shift_jis', 'gb18030' or 'utf-16', or leave it empty (detect it)",
            field="header.options.encoding",
            reason="ENCODING_INVALID",
        )
    if codec.name.startswith(_STATEFUL):
        raise InvalidArgument(
            f"options.encoding {value!r} keeps a state across the file (escape sequences) and is not supported:"
            " convert the file to UTF-8",
            field="header.options.encoding",
            reason="ENCODING_INVALID",
        )
    return codec.name


def check_date_order(value: int) -> str:
    """The stored form of options.date_order (see sluice.convert)."""
    option = date_order_option(value)
    if option is None:
        raise InvalidArgument(
            f"options.date_order {value} is no DateOrder: leave it unspecified (detect it), or give"
            " DATE_ORDER_MONTH_FIRST or DATE_ORDER_DAY_FIRST",
            field="header.options.date_order",
            reason="DATE_ORDER_INVALID",
        )
    return option


def check_sha256_format(value: str) -> str:
    value = value.strip().lower()
    if value and not re.fullmatch(r"[0-9a-f]{64}", value):
        raise InvalidArgument("sha256 must be 64 hex digits", field="header.sha256", reason="SHA256_MALFORMED")
    return value


def check_content_matches(media_type: str, head: bytes) -> None:
    """Reject a file whose first bytes contradict its declared type, saying what it looks like instead."""
    if media_type in _EXPECTED_SIGNATURES:
        expected, name = _EXPECTED_SIGNATURES[media_type]
        if not head.startswith(expected):
            raise InvalidArgument(
                f"the file was declared as {media_type} but its first bytes are not those of {name}",
                field="header.media_type",
                reason="CONTENT_TYPE_MISMATCH",
            )
        return
    for signature, what in _BINARY_SIGNATURES:
        if head.startswith(signature):
            raise InvalidArgument(
                f"the file was declared as {media_type} but its first bytes are those of {what}",
                field="header.media_type",
                reason="CONTENT_TYPE_MISMATCH",
            )
    if head.startswith(_BOMS[1:]):  # UTF-16 text legitimately has NUL bytes
        return
    sample = head.removeprefix(_BOMS[0])
    # Text has no NUL bytes and few control characters; binary data has plenty of both.
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    if b"\x00" in sample or (sample and controls / len(sample) > 0.05):
        raise InvalidArgument(
            f"the file was declared as {media_type} but its first bytes are binary, not text",
            field="header.media_type",
            reason="CONTENT_TYPE_MISMATCH",
        )

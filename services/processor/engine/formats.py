"""Which format a file is: magic bytes first, then the file name's extension, then the declared media type."""

from __future__ import annotations

import re

from services.processor.engine.options import NotATableError

# Formats we cannot read but can name, so the error tells the uploader what to do instead.
_KNOWN_BINARIES: tuple[tuple[bytes, str], ...] = (
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Excel .xls (or other Office) file: save it as .xlsx or CSV"),
    (b"%PDF", "a PDF document, not a table"),
    (b"\x89PNG", "a PNG image, not a table"),
    (b"\xff\xd8\xff", "a JPEG image, not a table"),
    (b"GIF8", "a GIF image, not a table"),
    (b"SQLite format 3\x00", "an SQLite database: export a table as CSV"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive: use zip or gzip"),
    (b"Rar!", "a RAR archive: use zip or gzip"),
    (b"BZh", "a bzip2 file: use gzip or zip"),
    (b"\xfd7zXZ\x00", "an xz file: use gzip or zip"),
    (b"\x7fELF", "a program, not a table"),
    (b"MZ\x90\x00", "a Windows program, not a table"),
)
_ARRAY_OF_OBJECTS = re.compile(r"\[\s*\{")  # '[{"a": 1}, ...]' whatever the file is named
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_EXTENSIONS = {
    "gz": "gzip",
    "gzip": "gzip",
    "zip": "zip",
    "parquet": "parquet",
    "pq": "parquet",
    "xlsx": "xlsx",
    "xlsm": "xlsx",
    "jsonl": "jsonl",
    "ndjson": "jsonl",
    "tsv": "tsv",
    "tab": "tsv",
}
_MEDIA_TYPES = {
    "application/gzip": "gzip",
    "application/x-gzip": "gzip",
    "application/zip": "zip",
    "application/vnd.apache.parquet": "parquet",
    "application/x-parquet": "parquet",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/x-ndjson": "jsonl",
    "application/jsonl": "jsonl",
    "application/json-lines": "jsonl",
    "text/tab-separated-values": "tsv",
}


def declared_format(file_name: str, media_type: str) -> str:
    """What the name or the media type says the file is ("" if neither says)."""
    extension = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    return _EXTENSIONS.get(extension) or _MEDIA_TYPES.get(media_type.split(";")[0].strip().lower(), "")


def container_format(sample: bytes) -> str:
    """gzip, zip, parquet or text, from the first bytes alone: each container has its magic bytes, so a name that
    says otherwise is wrong (a browser that un-gzips a download keeps its .gz name; that plain CSV stopped the
    profile with gzip's own error)."""
    if not sample:
        raise NotATableError("The file is empty.")
    if sample.startswith(b"\x1f\x8b"):
        return "gzip"
    if sample.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if sample.startswith(b"PAR1"):
        return "parquet"
    for magic, what in _KNOWN_BINARIES:
        if sample.startswith(magic):
            raise NotATableError(f"This looks like {what}.")
    return "text"


def strip_extension(file_name: str, extension: str) -> str:
    return file_name[: -len(extension) - 1] if file_name.lower().endswith("." + extension) else file_name


def check_text(text: str, sample_full: bool) -> None:
    """Refuse text that is no table: binary noise, nothing but blanks, or one endless line."""
    if not text.strip():
        raise NotATableError("The file has no rows: it holds only blank space.")
    # Control characters (NUL among them) beyond 1% of the start: binary. A stray NUL in a text file is a value's
    # (it refused the file before, where one past the first 64 KiB was read as any character).
    controls = len(_CONTROL.findall(text[:65536]))
    if controls > max(8, len(text[:65536]) // 100):
        raise NotATableError("The file looks like binary data, not a table of text (CSV, TSV, JSON Lines).")
    if sample_full and "\n" not in text and "\r" not in text:
        raise NotATableError(
            f"The first {len(text) // 1024} KiB hold no line break: this is one blob of text, not rows of a table "
            "(a table's first line, its header, ends well within that)."
        )


def text_format(text: str, file_name: str, media_type: str) -> str:
    """jsonl when the text starts with a JSON object; else delimited (csv or tsv, as declared)."""
    head = text.lstrip()
    first_line = head.split("\n", 1)[0].strip()
    if first_line == "{":  # an object spread over lines: one JSON document, its fields read as bad records
        raise NotATableError(
            "This is one JSON document written over many lines; upload JSON Lines instead (one JSON object per line)."
        )
    if head.startswith("{"):
        return "jsonl"
    declared = declared_format(file_name, media_type)
    named_json = declared == "jsonl" or file_name.lower().endswith(".json")
    if head.startswith("[") and (named_json or _ARRAY_OF_OBJECTS.match(head)):
        raise NotATableError("This is a JSON array; upload JSON Lines instead (one JSON object per line).")
    return "tsv" if declared == "tsv" else "csv"

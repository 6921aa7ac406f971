"""The readers of the profiling engine: any supported upload as bounded DataFrame chunks of string columns.

`open_table` finds the format from magic bytes (then the file name, then the media type), unwraps gzip and
zip, finds the encoding and the CSV dialect on a peeked sample (the stream need not seek), and returns a
TableReader that yields chunks and fills a ParseReport. Delimited files can be read in byte-range parts:
`sniff_dialect` on a sample of the start, `plan_parts` for the ranges, then `open_table(..., byte_range=,
dialect=)` for each part in any process; reports merge in part order (ParseReport.merge with
line_offset = the earlier parts' lines_read).
"""

from __future__ import annotations

import gzip
import itertools
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from typing import BinaryIO, cast

import pandas as pd
import pyarrow as pa

from services.processor.engine import dialect as sniffing
from services.processor.engine.column_slices import ColumnSlice
from services.processor.engine.delimited import DelimitedChunks
from services.processor.engine.encoding import EncodingGuess, detect_encoding, encoded_size, sample_text
from services.processor.engine.formats import check_text, container_format, strip_extension, text_format
from services.processor.engine.options import (
    MAX_COLUMNS,
    STRING_DTYPE,
    Chunk,
    Dialect,
    NotATableError,
    ReadOptions,
    as_frame,
    unique_names,
)
from services.processor.engine.parse_report import ParseReport
from services.processor.engine.streams import CountingStream, DamageChecked, RangeStream, peek, spool
from services.processor.engine.structured import (
    JsonLinesChunks,
    SharedParquet,
    XlsxChunks,
    parquet_chunks,
    parquet_columns,
    parquet_passes,
    parquet_slices,
)

__all__ = [
    "STRING_DTYPE",
    "Dialect",
    "NotATableError",
    "ReadOptions",
    "TableReader",
    "open_table",
    "plan_parts",
    "sniff_dialect",
]

_SKIPPED_MEMBERS = ("__MACOSX/", ".DS_Store", "Thumbs.db")
_GZIP_ERRORS = (gzip.BadGzipFile, EOFError, zlib.error)
_ZIP_ERRORS = (zipfile.BadZipFile, EOFError, zlib.error)
_TABLE_EXTENSIONS = (".csv", ".tsv", ".tab", ".psv", ".jsonl", ".ndjson", ".parquet", ".xlsx", ".gz")


class TableReader:
    """Iterate it once, for DataFrame chunks or (`chunks()`) as the reader parsed them; `report` is complete when
    the iteration ends. A Parquet file read in column passes (column_slices.py) has no whole rows: `chunks()`
    only."""

    def __init__(
        self,
        chunks: Iterable[Chunk],
        report: ParseReport,
        columns: list[str],
        counter: CountingStream,
        dialect: Dialect | None = None,
        closers: tuple[BinaryIO, ...] = (),
        max_columns: int = MAX_COLUMNS,
    ) -> None:
        """`max_columns`: the columns handed on, the first ones; the others are counted as left out."""
        self._chunks = chunks
        self._max_columns = max_columns
        self.report = report
        self._columns = columns
        self._counter = counter
        self.dialect = dialect
        self._closers = closers

    @property
    def columns(self) -> list[str]:
        """Column names (the first `max_columns`); for JSON Lines, keys first met past the sample are appended as
        they appear."""
        return list(self._columns[: self._max_columns])

    @property
    def bytes_read(self) -> int:
        """Bytes pulled from the caller's stream so far (compressed bytes for gzip/zip)."""
        return self._counter.count

    def __iter__(self) -> Iterator[pd.DataFrame]:
        for chunk in self.chunks():
            yield as_frame(chunk)

    def chunks(self) -> Iterator[Chunk]:
        """The chunks as parsed: Arrow for delimited text and Parquet (TableProfiler.update takes them as they are,
        which skips a round trip through pandas: 9% of a 400-column file's time), DataFrames otherwise."""
        try:
            empty = True
            for chunk in self._chunks:
                empty = False
                yield self._capped(chunk)
            if empty and self._columns:  # a header and no rows: the profile still has the table's columns
                self._capped_width(len(self._columns))
                yield pa.table({name: pa.array([], pa.string()) for name in self.columns})
        finally:
            self.close()

    def _capped(self, chunk: Chunk) -> Chunk:
        """The chunk's first `max_columns` columns (delimited text, JSON Lines and Parquet are read so already)."""
        if isinstance(chunk, ColumnSlice) or not self._capped_width(len(chunk.columns)):
            return chunk
        if isinstance(chunk, pd.DataFrame):
            return chunk.iloc[:, : self._max_columns]
        return chunk.select(range(self._max_columns))

    def _capped_width(self, width: int) -> bool:
        """Whether a table `width` columns wide is cut, counting the columns left out."""
        if width <= self._max_columns:
            return False
        self.report.columns_left_out = max(self.report.columns_left_out, width - self._max_columns)
        return True

    def close(self) -> None:
        for stream in self._closers:
            stream.close()
        self._closers = ()


def open_table(
    stream: BinaryIO,
    *,
    file_name: str = "",
    media_type: str = "",
    options: ReadOptions | None = None,
    byte_range: tuple[int, int] | None = None,
    dialect: Dialect | None = None,
) -> TableReader:
    """A reader over `stream` (which need not seek). Raises NotATableError for a file that is no table.

    With `byte_range=(start, end)`, `stream` is positioned at `start` of an uncompressed delimited file whose
    `dialect` was sniffed on its start; the part reads the lines that begin in (start, end] (part 0: [0, end])
    and so may read past `end` to the end of the line crossing it (fetch ranges open-ended, e.g. bytes=start-).
    """
    options = options or ReadOptions()
    counter = CountingStream(stream)
    source = cast(BinaryIO, counter)
    if byte_range is not None:
        if dialect is None:
            raise ValueError("a byte-range part needs the dialect sniffed on the start of the file")
        return _open_part(source, counter, byte_range, dialect, options)
    reader = _open(source, counter, file_name, media_type, options, compression="")
    if options.day_first is not None:  # delimited text has it from its dialect; JSON Lines, Parquet, Excel here
        reader.report.day_first = options.day_first
    return reader


def sniff_dialect(
    sample: bytes, *, file_name: str = "", media_type: str = "", options: ReadOptions | None = None
) -> Dialect:
    """The dialect of a delimited file from a sample of its start. Raises NotATableError if it is none."""
    options = options or ReadOptions()
    if container_format(sample) != "text":
        raise NotATableError("Only uncompressed delimited text has a dialect.")
    guess = detect_encoding(sample, options.encoding)
    text = sample_text(sample, guess)
    whole = len(sample) < options.sample_bytes
    check_text(text, not whole)
    if text_format(text, file_name, media_type) == "jsonl":
        raise NotATableError("JSON Lines has no delimited dialect.")
    return _sniff(text, guess, file_name, media_type, options, whole=whole)


_MIN_PART_BYTES = 64 * 1024  # the count is not rounded up when that would make parts smaller than this


def plan_parts(
    size: int, dialect: Dialect, *, part_bytes: int, min_split_bytes: int = 0, count_multiple: int = 1
) -> list[tuple[int, int]]:
    """Equal byte ranges of at most `part_bytes` covering [0, size); one range when the file must not be split.

    A file is split only when it is above `min_split_bytes` and its dialect is splittable (no quoted line
    breaks in the sample, a single-byte line break, no compression). The number of parts is rounded up to a
    multiple of `count_multiple`: with 4, two or four processors get the same number of parts and finish
    together instead of one of them doing the last part alone.
    """
    if part_bytes <= 0 or count_multiple <= 0:
        raise ValueError("part_bytes and count_multiple must be positive")
    if size <= max(part_bytes, min_split_bytes) or not dialect.splittable:
        return [(0, size)]
    count = -(-size // part_bytes)
    rounded = -(-count // count_multiple) * count_multiple
    if size // rounded >= _MIN_PART_BYTES:
        count = rounded
    # No cut before the first data row: a part must not begin among the lines part 0 skips.
    bounds = sorted({0, size, *(max(size * i // count, dialect.data_start) for i in range(1, count))})
    return list(itertools.pairwise(bounds))


# ---- whole files ------------------------------------------------------------------------------------------


def _open(
    raw: BinaryIO, counter: CountingStream, name: str, media_type: str, options: ReadOptions, compression: str
) -> TableReader:
    sample, stream = peek(raw, options.sample_bytes)
    kind = container_format(sample)
    if kind == "gzip" and compression:
        raise NotATableError(f"A gzip file inside a {compression} file is not supported: compress the table once.")
    if kind == "gzip":
        unzipped = gzip.GzipFile(fileobj=stream, mode="rb")
        inner = cast(BinaryIO, DamageChecked(cast(BinaryIO, unzipped), "gzip file", _GZIP_ERRORS))
        return _open(inner, counter, strip_extension(name, "gz"), "", options, "gzip")
    if kind == "zip":
        return _open_zip(spool(stream), counter, options, compression)
    report = ParseReport(format=kind, compression=compression)
    if kind == "parquet":
        seekable = spool(stream)
        parquet, columns = parquet_columns(seekable)
        groups = parquet_passes(parquet, options.max_columns, options.parquet_page_budget)
        if groups is None:
            chunks: Iterable[Chunk] = parquet_chunks(
                parquet, columns, report, chunk_rows=options.chunk_rows, max_columns=options.max_columns
            )
            closers: tuple[BinaryIO, ...] = (seekable,)
        else:  # read in column passes: the file closes once their last slice is let go
            shared = SharedParquet(parquet, seekable)
            chunks, closers = parquet_slices(shared, columns, report, groups, chunk_rows=options.chunk_rows), ()
        return TableReader(chunks, report, columns, counter, closers=closers, max_columns=options.max_columns)
    return _open_text(stream, sample, counter, name, media_type, options, report)


def _open_zip(archive: BinaryIO, counter: CountingStream, options: ReadOptions, compression: str) -> TableReader:
    """A zip archive's table, or an Excel workbook (a zip too; also packed in a zip or gzip file)."""
    try:
        zipped = zipfile.ZipFile(archive)
    except zipfile.BadZipFile as error:
        raise NotATableError(f"The zip file is damaged: {error}.") from error
    names = zipped.namelist()
    if "xl/workbook.xml" in names:
        zipped.close()
        archive.seek(0)
        report = ParseReport(format="xlsx", compression=compression)
        sheet = XlsxChunks(archive, report, chunk_rows=options.chunk_rows, has_header=options.has_header)
        return TableReader(sheet, report, sheet.columns, counter, closers=(archive,), max_columns=options.max_columns)
    if compression:
        zipped.close()
        raise NotATableError(f"A zip file inside a {compression} file is not supported: compress the table once.")
    members = [i for i in zipped.infolist() if not i.is_dir() and not i.filename.startswith(_SKIPPED_MEMBERS)]
    members = [i for i in members if not i.filename.rsplit("/", 1)[-1].startswith(("._", "."))]
    if not members:
        raise NotATableError("The zip file holds no file.")
    # The first member named as a table, else the largest: a README or licence packed first is not the table.
    tables = [i for i in members if i.filename.lower().endswith(_TABLE_EXTENSIONS)]
    member = tables[0] if tables else max(members, key=lambda i: i.file_size)
    if member.flag_bits & 0x1:
        raise NotATableError(f"The zip file's {member.filename} is encrypted: upload it without a password.")
    try:
        opened = zipped.open(member)
    except (RuntimeError, NotImplementedError, zipfile.BadZipFile) as error:  # Deflate64 or LZMA, a bad header
        reason = str(error).rstrip(".")
        raise NotATableError(f"The zip file's {member.filename} cannot be read: {reason}.") from error
    inner = cast(BinaryIO, DamageChecked(cast(BinaryIO, opened), "zip file", _ZIP_ERRORS))
    reader = _open(inner, counter, member.filename, "", options, "zip")
    reader.report.member = member.filename
    reader._closers = (*reader._closers, inner, archive)
    return reader


def _open_text(
    stream: BinaryIO,
    sample: bytes,
    counter: CountingStream,
    name: str,
    media_type: str,
    options: ReadOptions,
    report: ParseReport,
) -> TableReader:
    guess = detect_encoding(sample, options.encoding)
    text = sample_text(sample, guess)
    check_text(text, len(sample) >= options.sample_bytes)
    report.format = text_format(text, name, media_type)
    report.encoding, report.encoding_fallback = guess.name, guess.fallback
    if report.format == "jsonl":
        lines = JsonLinesChunks(
            stream, guess, report, chunk_rows=options.chunk_rows, sample=text, max_columns=options.max_columns
        )
        report.delimiter, report.quotechar, report.has_header = "", "", True
        return TableReader(lines, report, lines.columns, counter, max_columns=options.max_columns)
    found = _sniff(text, guess, name, media_type, options, whole=len(sample) < options.sample_bytes)
    _describe(report, found)
    chunks = DelimitedChunks(
        stream,
        found,
        report,
        block_size=options.block_size,
        skip_lines=found.lines_before_data,
        bom=found.bom,
        max_columns=options.max_columns,
    )
    return TableReader(chunks, report, list(found.columns), counter, dialect=found, max_columns=options.max_columns)


def _sniff(
    text: str, guess: EncodingGuess, name: str, media_type: str, options: ReadOptions, *, whole: bool
) -> Dialect:
    """`whole`: the sample is the whole file (its last line is complete, even without a line break)."""
    complete = lines = text if whole else sniffing.complete_lines(text)
    named, lines = sniffing.sep_line(lines)  # Excel's "sep=;" first line names the delimiter
    if not named.isascii():  # Arrow's parser reads a one-byte delimiter only
        raise NotATableError(f"The file's first line names {named!r} as its delimiter; only ASCII delimiters are read.")
    quotechar = sniffing.sniff_quotechar(lines, options.quotechar)
    prefer_tab = text_format(text, name, media_type) == "tsv"
    override = options.delimiter or named
    delimiter = sniffing.sniff_delimiter(lines, quotechar, prefer_tab=prefer_tab, override=override)
    # Blank lines first are always skipped; titles and notes above the header are looked for only when the header
    # is: a caller who says whether the first line is a header is taken at their word.
    blank, lines = sniffing.blank_lines(lines)
    titles, lines = (0, lines) if options.has_header is not None else sniffing.preamble(lines, delimiter, quotechar)
    preamble = blank + titles
    rows = sniffing.parse_rows(lines, delimiter, quotechar)
    if not rows:
        raise NotATableError("The file has no rows.")
    has_header = sniffing.looks_like_header(rows) if options.has_header is None else options.has_header
    header_lines = 1
    if has_header:
        columns = unique_names(rows[0])
        header_lines = sniffing.row_lines(rows[0])
    else:
        widths = [len(r) for r in rows]
        columns = [f"column_{i}" for i in range(1, max(set(widths), key=widths.count) + 1)]
    bare_cr = sniffing.has_bare_carriage_returns(lines)
    splittable = (
        not sniffing.has_quoted_line_break(lines, delimiter, quotechar)
        and not (bare_cr and sniffing.ends_lines_in_bare_carriage_returns(lines))
        and guess.name in ("utf-8", "utf-8-sig", "cp1252")
    )
    data_start = 0
    if splittable:  # bytes up to the first data row: the BOM, a sep line, lines above the header, the header
        before = complete[: len(complete) - len(lines)] + (sniffing.first_line(lines) if has_header else "")
        data_start = guess.bom + encoded_size(before, guess.name)
    return Dialect(
        format="tsv" if delimiter == "\t" else "csv",
        encoding=guess.name,
        delimiter=delimiter,
        quotechar=quotechar,
        has_header=has_header,
        columns=tuple(columns),
        encoding_fallback=guess.fallback,
        splittable=splittable,
        bom=guess.bom,
        decimal=sniffing.sniff_decimal(rows[1:] if has_header else rows, delimiter, options.decimal),
        day_first=sniffing.sniff_day_first(rows[1:] if has_header else rows, options.day_first),
        sep_line=bool(named),
        preamble=preamble,
        data_start=data_start,
        bare_cr=bare_cr,
        header_lines=header_lines,
    )


def _describe(report: ParseReport, found: Dialect) -> None:
    report.format = found.format
    report.encoding, report.encoding_fallback = found.encoding, found.encoding_fallback
    report.delimiter, report.quotechar, report.has_header = found.delimiter, found.quotechar, found.has_header
    report.splittable = found.splittable
    report.decimal = found.decimal
    report.day_first = found.day_first
    report.preamble_lines = found.preamble


# ---- byte-range parts -------------------------------------------------------------------------------------


def _open_part(
    source: BinaryIO, counter: CountingStream, byte_range: tuple[int, int], found: Dialect, options: ReadOptions
) -> TableReader:
    start, end = byte_range
    report = ParseReport(format=found.format)
    _describe(report, found)
    part = cast(BinaryIO, RangeStream(source, start, end))
    chunks = DelimitedChunks(
        part,
        found,
        report,
        block_size=options.block_size,
        skip_lines=found.lines_before_data if start == 0 else 0,
        bom=found.bom if start == 0 else 0,
        max_columns=options.max_columns,
    )
    return TableReader(chunks, report, list(found.columns), counter, dialect=found, max_columns=options.max_columns)

"""Chunks of JSON Lines, Parquet and xlsx files, every value turned into its text (the profiler's contract).

<NA> stands only for a real null: JSON null or a missing key, a Parquet null, an empty xlsx cell.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import threading
import weakref
from collections.abc import Iterable, Iterator
from functools import partial
from typing import Any, BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from services.processor.engine import options
from services.processor.engine.column_slices import ColumnSlice, column_groups
from services.processor.engine.dialect import looks_like_header, rows_above_header
from services.processor.engine.encoding import EncodingGuess, TranscodingStream
from services.processor.engine.options import MIB, STRING_DTYPE, NotATableError, unique_names
from services.processor.engine.parse_report import ParseReport

_STRING = pa.string()


# ---- JSON Lines -------------------------------------------------------------------------------------------


class _RawNumber(str):
    """A JSON number kept as written (1.50 stays 1.50, big integers keep every digit)."""


def _json_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return str(value)  # also _RawNumber
    return _nested_json(value)


def _nested_json(value: Any) -> str:
    if isinstance(value, _RawNumber):
        return str(value)
    if isinstance(value, dict):
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + _nested_json(v) for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_nested_json(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)  # str, bool, null


def _parse_line(line: str) -> Any:
    return json.loads(line, parse_int=_RawNumber, parse_float=_RawNumber, parse_constant=_RawNumber)


def json_keys(sample: str) -> list[str]:
    """The keys of the objects on the sample's complete lines, in order of first appearance."""
    keys: dict[str, None] = {}
    for line in sample.split("\n")[:-1]:
        try:
            value = _parse_line(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            keys.update(dict.fromkeys(value))
    return list(keys)


class JsonLinesChunks:
    """One column per key, in order of first appearance; a key first seen later adds a column from that chunk on."""

    def __init__(
        self,
        source: BinaryIO,
        guess: EncodingGuess,
        report: ParseReport,
        *,
        chunk_rows: int,
        sample: str,
        max_columns: int = options.MAX_COLUMNS,
    ) -> None:
        """`max_columns`: the first keys made columns; the others are counted as left out."""
        self._text = TranscodingStream(source, guess)
        self._report = report
        self._chunk_rows = chunk_rows
        self._max_columns = max_columns
        self.columns = json_keys(sample)
        self._known = set(self.columns)

    def __iter__(self) -> Iterator[pd.DataFrame]:
        rows: list[dict[str, Any]] = []
        for number, line in enumerate(self._lines(), start=1):
            self._report.lines_read = number
            self._drain_bad_encoding()
            if isinstance(line, int):
                self._report.add_long_line(number, line)
                continue
            if not line.strip():
                continue
            row = self._row(line, number)
            if row is None:
                continue
            rows.append(row)
            if len(rows) >= options.chunk_rows_for(len(self.columns), self._chunk_rows):
                yield self._frame(rows)
                rows = []
        self._drain_bad_encoding()
        if rows:
            yield self._frame(rows)

    def _lines(self) -> Iterator[str | int]:
        """Each line's text; for a line longer than options.MAX_LINE_BYTES, read past without being kept, its length."""
        carry, past = b"", 0  # past: the bytes of a line too long, read so far
        while block := self._text.read(4 * MIB):
            if past:
                end = block.find(b"\n")
                if end < 0:
                    past += len(block)
                    continue
                yield past + end
                carry, past, block = b"", 0, block[end + 1 :]
            lines = (carry + block).split(b"\n")
            carry = lines.pop()
            for line in lines:
                yield len(line) if len(line) > options.MAX_LINE_BYTES else line.decode("utf-8")
            if len(carry) > options.MAX_LINE_BYTES:
                carry, past = b"", len(carry)
        if past:
            yield past
        elif carry:
            yield len(carry) if len(carry) > options.MAX_LINE_BYTES else carry.decode("utf-8")

    def _row(self, line: str, number: int) -> dict[str, Any] | None:
        try:
            value = _parse_line(line)
        except ValueError as error:
            self._report.add_issue("invalid_record", number, f"not valid JSON ({error.args[0][:60]}): {line[:80]}")
            return None
        if not isinstance(value, dict):
            kind = type(value).__name__
            self._report.add_issue("invalid_record", number, f"a JSON {kind}, not an object: {line[:80]}")
            return None
        for key in value:
            if key not in self._known:
                self._known.add(key)
                self.columns.append(key)
        return value

    def _frame(self, rows: list[dict[str, Any]]) -> pd.DataFrame:
        kept = self.columns[: self._max_columns]
        data = {c: pd.array([_json_text(r.get(c)) for r in rows], dtype=STRING_DTYPE) for c in kept}
        self._report.rows_read += len(rows)
        self._report.columns_left_out = len(self.columns) - len(kept)
        return pd.DataFrame(data, columns=kept)

    def _drain_bad_encoding(self) -> None:
        for line in self._text.bad_lines:
            self._report.add_issue("bad_encoding", line, "bytes not valid UTF-8, replaced")
        self._text.bad_lines.clear()


# ---- Parquet ----------------------------------------------------------------------------------------------


def _arrow_text(column: pa.Array) -> pa.Array:
    """A column as strings: Arrow casts what it can, nested and binary values go through Python."""
    kind = column.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return column.cast(_STRING)
    if pa.types.is_dictionary(kind):
        return _arrow_text(column.dictionary_decode())
    if pa.types.is_boolean(kind):
        return pc.if_else(column, "true", "false")
    if pa.types.is_nested(kind):
        return pa.array([None if v is None else _nested_json(v) for v in column.to_pylist()], _STRING)
    if pa.types.is_binary(kind) or pa.types.is_large_binary(kind) or pa.types.is_fixed_size_binary(kind):
        return pa.array([None if v is None else v.decode("utf-8", "replace") for v in column.to_pylist()], _STRING)
    try:
        return column.cast(_STRING)
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
        return pa.array([None if v is None else str(v) for v in column.to_pylist()], _STRING)


# pyarrow's buffered reads of a column chunk (per column being read); unbuffered, it reads each chunk whole.
PARQUET_READ_BUFFER = 64 * 1024
# A column chunk's largest page, which the metadata does not give: writers' default data page and dictionary page
# sizes (pyarrow, parquet-java, Spark) are 1 MiB each.
_PAGE_BYTES = MIB
# The row groups whose column chunks are sized, the largest: ~4 us a column chunk, so a file of 1,000 row groups and
# 1,000 columns would take 4 s to size in full.
_SIZED_ROW_GROUPS = 8


def parquet_columns(source: BinaryIO) -> tuple[pq.ParquetFile, list[str]]:
    try:
        # Not pre-buffered: the file is on local disk, and pyarrow's read cache kept the row groups' column chunks
        # resident (a 1,000-column file of 10,000-row groups: 650 MiB read at once, 340 MiB without it).
        parquet = pq.ParquetFile(source, pre_buffer=False, buffer_size=PARQUET_READ_BUFFER)
    except (pa.ArrowInvalid, OSError) as error:
        raise NotATableError(f"This looks like a Parquet file, but it cannot be read: {error}") from error
    names = parquet.schema_arrow.names
    if not names:
        raise NotATableError("The Parquet file has no columns.")
    return parquet, unique_names(names)


def parquet_page_costs(parquet: pq.ParquetFile, width: int) -> list[int] | None:
    """The bytes a reader holds for each of the first `width` columns while it reads them: ~2.5 times a column
    chunk's pages (its dictionary and a data page, decompressed and decoded; measured on 1,000-column files: 250 MiB
    for row groups of 106 MiB, 1.1 GiB for 563 MiB) and its read buffer, in the largest row groups
    (`_SIZED_ROW_GROUPS`); a nested column's, its leaves' together. None when the metadata's leaves are not the
    schema's."""
    leaves = [_leaves(field.type) for field in parquet.schema_arrow]
    if sum(leaves) != len(parquet.schema):
        return None
    firsts = list(itertools.accumulate(leaves, initial=0))  # each column's first leaf
    costs = [0] * width
    metadata = parquet.metadata
    largest = sorted(range(metadata.num_row_groups), key=lambda i: -metadata.row_group(i).total_byte_size)
    for i in largest[:_SIZED_ROW_GROUPS]:
        group = metadata.row_group(i)
        for j in range(width):
            pages = (
                min(group.column(k).total_uncompressed_size, 2 * _PAGE_BYTES)
                for k in range(firsts[j], firsts[j] + leaves[j])
            )
            costs[j] = max(costs[j], sum(p * 5 // 2 + PARQUET_READ_BUFFER for p in pages))
    return costs


def _leaves(kind: pa.DataType) -> int:
    """The Parquet leaf columns (primitive columns in the file) of a column of this Arrow type."""
    if isinstance(kind, pa.StructType):
        return sum(_leaves(kind.field(i).type) for i in range(kind.num_fields))
    if isinstance(kind, pa.MapType):
        return _leaves(kind.key_type) + _leaves(kind.item_type)
    if isinstance(kind, pa.ListType | pa.LargeListType | pa.FixedSizeListType):
        return _leaves(kind.value_type)
    return 1


def parquet_passes(parquet: pq.ParquetFile, max_columns: int, page_budget: int) -> list[range] | None:
    """The groups of columns (of the first `max_columns`) to read a row group in, each of about a quarter of
    `page_budget`, when the file's pages need more than `page_budget`; None to read it in one pass. Columns are
    read by name, so a file whose names repeat is read in one pass."""
    names = parquet.schema_arrow.names
    if len(set(names)) != len(names):
        return None
    costs = parquet_page_costs(parquet, min(max_columns, len(names)))
    if costs is None or sum(costs) <= page_budget:
        return None
    return column_groups(costs, page_budget // 4)


def parquet_chunks(
    parquet: pq.ParquetFile, columns: list[str], report: ParseReport, *, chunk_rows: int, max_columns: int
) -> Iterator[pa.RecordBatch]:
    """The file's batches as text, their first `max_columns` columns (the others are counted as left out, and not
    read when the names of the kept ones are their own)."""
    names = parquet.schema_arrow.names
    kept = names[:max_columns]
    report.columns_left_out = len(names) - len(kept)
    read = kept if len(kept) < len(names) and len(set(names)) == len(names) else None
    rows = options.chunk_rows_for(len(names if read is None else kept), chunk_rows)
    batches = parquet.iter_batches(batch_size=rows, columns=read, use_threads=False)
    while True:
        batch = _next_batch(batches, report)
        if batch is None:
            return
        width = min(batch.num_columns, max_columns)
        arrays = [_arrow_text(batch.column(i)) for i in range(width)]
        report.rows_read += batch.num_rows
        report.lines_read += batch.num_rows
        yield pa.RecordBatch.from_arrays(arrays, names=columns[:width])


def _next_batch(batches: Iterator[pa.RecordBatch], report: ParseReport) -> pa.RecordBatch | None:
    try:  # the file is spooled to local disk by now: an error reading it is damage, not storage
        return next(batches)
    except StopIteration:
        return None
    except (OSError, pa.ArrowException) as error:
        reason = str(error).rstrip(".")
        raise NotATableError(f"The Parquet file is damaged after row {report.rows_read}: {reason}.") from error


class SharedParquet:
    """A Parquet file read in column passes, by two threads (the reader's read-ahead and the profiler's sample
    gathering), one batch at a time. It owns the file it reads, closed once it is let go: with read-ahead, the
    reader reads the last slice before the profiler gathers the last block's sample rows."""

    def __init__(self, parquet: pq.ParquetFile, source: BinaryIO) -> None:
        self.parquet = parquet
        self._lock = threading.Lock()
        weakref.finalize(self, source.close)

    def batches(self, row_group: int, names: list[str], rows: int, report: ParseReport) -> Iterator[pa.RecordBatch]:
        with self._lock:
            batches = self.parquet.iter_batches(rows, row_groups=[row_group], columns=names, use_threads=False)
        while True:
            with self._lock:
                batch = _next_batch(batches, report)
            if batch is None:
                return
            yield batch


def parquet_slices(
    parquet: SharedParquet,
    columns: list[str],
    report: ParseReport,
    groups: list[range],
    *,
    chunk_rows: int,
) -> Iterator[ColumnSlice]:
    """Each row group in `groups` of columns (`parquet_passes`), as text (`columns`: the names as profiled)."""
    names = parquet.parquet.schema_arrow.names
    kept = groups[-1].stop
    names, columns = names[:kept], columns[:kept]
    report.columns_left_out = len(parquet.parquet.schema_arrow.names) - kept
    metadata = parquet.parquet.metadata
    for i in range(metadata.num_row_groups):
        block_rows = metadata.row_group(i).num_rows
        gather = partial(_gather, parquet, i, names, groups, chunk_rows, report)
        for g, group in enumerate(groups):
            rows = options.chunk_rows_for(len(group), chunk_rows)
            row_start = 0
            for batch in parquet.batches(i, names[group.start : group.stop], rows, report):
                arrays = [_arrow_text(column) for column in batch.columns]
                if g == 0:
                    report.rows_read += batch.num_rows
                    report.lines_read += batch.num_rows
                part = pa.RecordBatch.from_arrays(arrays, names=columns[group.start : group.stop])
                yield ColumnSlice(columns, group.start, part, block_rows, row_start, g == len(groups) - 1, gather)
                row_start += batch.num_rows


def _gather(
    parquet: SharedParquet,
    row_group: int,
    names: list[str],
    groups: list[range],
    chunk_rows: int,
    report: ParseReport,
    rows: np.ndarray,
    width: int,
) -> list[pa.Array]:
    """The text of the first `width` columns at the row group's `rows` (ascending), read again group by group."""
    gathered: list[pa.Array] = []
    for group in groups:
        if group.start >= width:
            break
        read = names[group.start : min(group.stop, width)]
        pieces: list[list[pa.Array]] = [[] for _ in read]
        offset = 0
        for batch in parquet.batches(row_group, read, options.chunk_rows_for(len(read), chunk_rows), report):
            low, high = np.searchsorted(rows, [offset, offset + batch.num_rows])
            if high > low:
                where = pa.array(rows[low:high] - offset)
                for k, column in enumerate(batch.columns):
                    pieces[k].append(_arrow_text(column.take(where)))
            offset += batch.num_rows
            if high == len(rows):
                break
        gathered += [pa.concat_arrays(p) if p else pa.array([], _STRING) for p in pieces]
    return gathered


# ---- xlsx -------------------------------------------------------------------------------------------------


def _cell_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"  # as Excel shows them
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ") if value.time() != dt.time() else value.date().isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _with_empty_rows(numbered: list[tuple[int, list[str | None]]]) -> list[list[str]]:
    """The sheet's rows from the first on, the empty ones (skipped by the reader) back in their places."""
    rows: list[list[str]] = []
    for number, cells in numbered:
        rows.extend([] for _ in range(number - 1 - len(rows)))
        rows.append([c or "" for c in cells])
    return rows


def _trimmed(row: Iterable[Any]) -> list[str | None]:
    cells = [_cell_text(v) for v in row]
    while cells and cells[-1] is None:
        cells.pop()
    return cells


class XlsxChunks:
    """The workbook's active worksheet, or when it is empty the first that is not, streamed row by row (openpyxl
    read-only; `ParseReport.sheet` names it); empty rows are skipped."""

    def __init__(self, source: BinaryIO, report: ParseReport, *, chunk_rows: int, has_header: bool | None) -> None:
        import openpyxl

        try:
            self._book = openpyxl.load_workbook(source, read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises many kinds for a broken workbook
            raise NotATableError(f"This looks like an Excel workbook, but it cannot be read: {error}") from error
        self._report = report
        self._chunk_rows = chunk_rows
        active = self._book.active
        sheets = [active] if active in self._book.worksheets else []  # (the active sheet may be a chart)
        sheets += [sheet for sheet in self._book.worksheets if sheet is not active]
        for sheet in sheets:
            self._rows = self._numbered_rows(sheet)
            self._head = self._take_head(50)
            if self._head:
                report.sheet = sheet.title
                break
        else:
            self._book.close()
            reason = "Every worksheet of the workbook is empty." if sheets else "The workbook has no worksheet."
            raise NotATableError(reason)
        texts = [[c or "" for c in row] for _, row in self._head]
        if has_header is None and (above := rows_above_header(_with_empty_rows(self._head), texts)):
            # A title and notes above the table (`above` counts the sheet's rows up to the header, empty ones too).
            report.preamble_lines = above
            start = next(i for i, (number, _) in enumerate(self._head) if number > above)
            self._head, texts = self._head[start:], texts[start:]
        self.has_header = looks_like_header(texts) if has_header is None else has_header
        width = max(len(row) for _, row in self._head)
        if self.has_header:
            first = self._head.pop(0)[1]
            width = len(first)
            self.columns = unique_names([c or "" for c in first])
        else:
            self.columns = [f"column_{i}" for i in range(1, width + 1)]
        report.has_header = self.has_header

    def _numbered_rows(self, sheet: Any) -> Iterator[tuple[int, list[str | None]]]:
        # A read-only sheet reads as far as its <dimension> says, which some writers leave at "A1" (openpyxl's
        # documentation warns of it): every column but the first and every row but the header were left out.
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = _trimmed(row)
            if cells:
                yield number, cells

    def _take_head(self, count: int) -> list[tuple[int, list[str | None]]]:
        head = []
        for item in self._rows:
            head.append(item)
            if len(head) >= count:
                break
        return head

    def __iter__(self) -> Iterator[pd.DataFrame]:
        batch: list[list[str | None]] = []
        try:
            for number, cells in self._all_rows():
                self._report.lines_read = number
                batch.append(self._fit(cells, number))
                if len(batch) >= options.chunk_rows_for(len(self.columns), self._chunk_rows):
                    yield self._frame(batch)
                    batch = []
            if batch:
                yield self._frame(batch)
        finally:
            self._book.close()

    def _all_rows(self) -> Iterator[tuple[int, list[str | None]]]:
        yield from self._head
        self._head = []
        yield from self._rows

    def _fit(self, cells: list[str | None], number: int) -> list[str | None]:
        width = len(self.columns)
        if len(cells) > width:
            extra = ", ".join(c or "" for c in cells[width:])[:80]
            self._report.add_issue("ragged_row", number, f"{len(cells)} cells, expected {width}: extra {extra}")
            return cells[:width]
        return cells + [None] * (width - len(cells))

    def _frame(self, rows: list[list[str | None]]) -> pd.DataFrame:
        self._report.rows_read += len(rows)
        data = {c: pd.array([r[i] for r in rows], dtype=STRING_DTYPE) for i, c in enumerate(self.columns)}
        return pd.DataFrame(data, columns=self.columns)

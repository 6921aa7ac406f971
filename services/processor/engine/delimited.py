"""CSV/TSV chunks, every column read as a string: blocks cut at line breaks, each parsed by Arrow.

Problem rows never stop the read:
- a ragged row is kept: short rows are padded with <NA> (the field is absent, not empty), long rows are
  truncated; both counted as ragged_row. Arrow hands each such row to `invalid_row_handler`; we skip it there,
  re-parse its text ourselves and put it back in its place in the chunk, so row order is the file's;
- an unterminated quote would make Arrow read the following lines into one field (up to the next quote or the
  end of its block). A compiled scan finds the lines that end inside a quoted field, read as Arrow reads them
  (dialect.open_quote_lines). Where the field closes cleanly a few lines on, they are one record (a quoted line
  break: quoted_lines), and a record still open at a block's end moves to the next block; otherwise the line is
  read alone, its quote taken literally (unterminated_quote). The lines between such spans are read by Arrow (a
  block with more than _MAX_OPEN_LINES spans line by line). A header holding a line break takes the lines it
  spans (Dialect.header_lines); delimiter and quote are one byte each (Arrow reads no other).
Arrow numbers rows 1-based with the header as row 1, skipping empty lines without numbering them; issue line
numbers follow it, plus the line breaks inside quoted fields before them, plus the empty lines before them
(line_numbers.BlockLines): physical lines. Lines may end in \n, \r\n or, in a file whose lines end so
(Dialect.bare_cr: classic Mac OS, Excel's "CSV (Macintosh)") or where some stray one was seen (text pasted into a
value), a lone \r, which Arrow reads as a line end too.
Blocks are parsed on Arrow's threads, which do not number rows: a block with a rejected row is parsed again on
one thread (the repairs need the numbers), and so is one with a line longer than a thread's share of it.
A line longer than options.MAX_LINE_BYTES is left out (long_line, with its length), read past without being kept:
in memory a line takes several times its length (a 60 MB line peaked at 600 MiB, a 214 MB one at 2.9 GiB). It
stays in the line numbers as an empty line.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import BinaryIO, Literal

import pyarrow as pa
import pyarrow.csv as pacsv

from services.processor.engine import _kernels, options
from services.processor.engine import dialect as sniffing
from services.processor.engine.arrow_loans import Loans
from services.processor.engine.encoding import EncodingGuess, TranscodingStream
from services.processor.engine.line_numbers import Block, BlockLines, after_lines, line_count
from services.processor.engine.options import Dialect
from services.processor.engine.parse_report import ParseReport
from services.processor.engine.quoted_lines import BlockSpans, LineBounds, Span, find_spans, spans_with_fields

_STRING = pa.string()
# Past this many lines with a quote left open in one block, the block is read line by line (one Arrow call
# between each two of them would cost more).
_MAX_OPEN_LINES = 256
_UTF8_BOM = "\ufeff".encode()
# A block's share for one of Arrow's threads: 8 per 8 MiB block, enough for both cores. Each share costs Arrow
# several KiB per column outside its pool, so a wide table's shares are larger: a 5,000-column table's 8 MiB blocks
# in one share each peaked 30-40 MiB lower (and no slower: its time goes to the columns).
_THREAD_BLOCK = 1 << 20
_THREAD_BLOCK_PER_COLUMN = 16 << 10
Rows = list[list[str | None]]


class _Repairs:
    """Rows Arrow rejected, re-parsed, waiting to be put back into the chunk they came from."""

    def __init__(self, dialect: Dialect, report: ParseReport) -> None:
        self._dialect = dialect
        self._width = len(dialect.columns)
        self._report = report
        self.base = 0  # Arrow numbers rows per call: the rows before the current block
        self.shift = 0  # extra physical lines inside swallowed text, which Arrow counted as one row
        self.pending: list[tuple[int, list[list[str | None]]]] = []  # (arrow row number, repaired rows)
        self.physical: Callable[[int], int] = lambda line: line  # a line as numbered -> its physical line

    def handle(self, row: pacsv.InvalidRow) -> str:
        number = self.base + (row.number if row.number is not None else 0)
        self.pending.append((number, self.repair(row.text, number)))
        return "skip"

    def repair(self, text: str, number: int) -> list[list[str | None]]:
        """The rows in the text of a rejected record (Arrow's row `number`)."""
        line = number + self.shift
        quote = self._dialect.quotechar
        if not quote:
            return [self._fit(self._split(text, quote), line)]
        pieces = sniffing.LINE_END.split(text)
        dialect = self._dialect
        # The text is one line, or lines a quote left open took.
        flags = sniffing.open_quote_lines(text.encode(), dialect.delimiter, dialect.quotechar)
        assert flags is not None  # a Dialect's delimiter and quote are one byte each
        if len(pieces) == 1:
            return [self.line_row(text, line, open_quote=bool(flags[0]))]
        self.shift += len(pieces) - 1
        return [
            self.line_row(piece, line + i, open_quote=bool(open_quote))
            for i, (piece, open_quote) in enumerate(zip(pieces, flags, strict=True))
            if piece
        ]

    def line_row(self, text: str, line: int, *, open_quote: bool) -> list[str | None]:
        """The row of one line; a line left inside a quoted field is kept with its quote taken literally."""
        if open_quote:
            self._report.add_issue("unterminated_quote", self.physical(line), _clip(text))
            return self._pad(self._split(text, ""))
        return self._fit(self._split(text, self._dialect.quotechar), line)

    def _split(self, text: str, quote: str) -> list[str]:
        quoting: Literal[0, 3] = csv.QUOTE_MINIMAL if quote else csv.QUOTE_NONE
        reader = csv.reader([text], delimiter=self._dialect.delimiter, quotechar=quote or '"', quoting=quoting)
        try:
            return next(reader, [""])
        except csv.Error:  # a field past the csv module's size limit (128 KiB): split it without quoting rules
            return text.split(self._dialect.delimiter)

    def _fit(self, fields: list[str], line: int) -> list[str | None]:
        if len(fields) != self._width:
            detail = f"{len(fields)} fields, expected {self._width}: {_clip(self._dialect.delimiter.join(fields))}"
            self._report.add_issue("ragged_row", self.physical(line), detail)
        return self._pad(fields)

    def _pad(self, fields: list[str]) -> list[str | None]:
        return [*fields[: self._width], *[None] * (self._width - len(fields))]


class _Rejections:
    """An invalid_row_handler that only notes that Arrow rejected a row (skipped; the caller reads again)."""

    def __init__(self) -> None:
        self.seen = False

    def __call__(self, _row: pacsv.InvalidRow) -> str:
        self.seen = True
        return "skip"


def _last_line_end(data: bytearray, start: int, *, lone_cr: bool) -> int:
    """Where the last line of data[start:] ends (its last byte's index in `data`), -1 when no line does. With
    `lone_cr`, a lone \\r ends a line too, except one at the very end of `data`: the next read may start with its
    \\n."""
    cut = data.rfind(b"\n", start)
    return max(cut, data.rfind(b"\r", max(cut + 1, start), len(data) - 1)) if lone_cr else cut


def _keep_bom(data: Block) -> Block:
    """Arrow drops a BOM at the start of its input, which here may be a line in mid-file (two exports put one
    after the other): a blank line first keeps it, as in any other line (blank lines are no rows)."""
    return b"\n" + data if data.startswith(_UTF8_BOM) else data


def _find(data: Block, text: bytes, start: int) -> int:
    """data.find(text, start), a single byte without the GIL (a block without quotes is scanned to its end)."""
    return _kernels.find_byte(data, text[0], start) if len(text) == 1 else data.find(text, start)


def _batches(part: pa.RecordBatch | pa.Table) -> list[pa.RecordBatch]:
    return part.to_batches() if isinstance(part, pa.Table) else [part]


def _clip(text: str, limit: int = 120) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


class DelimitedChunks:
    """Iterates DataFrame chunks of a delimited text stream; fills `report` as it goes."""

    def __init__(
        self,
        source: BinaryIO,
        dialect: Dialect,
        report: ParseReport,
        *,
        block_size: int,
        skip_lines: int,
        bom: int,
        max_columns: int = options.MAX_COLUMNS,
    ) -> None:
        """`skip_lines`: lines before the first data row (the header, and Excel's "sep=" line before it);
        `max_columns`: the columns read, the first ones (Arrow converts only those); the others are left out."""
        guess = EncodingGuess(dialect.encoding, bom, dialect.encoding_fallback)
        # Lone \r ending lines too: bad bytes are placed by counting them as well.
        self._text = TranscodingStream(source, guess)
        self._dialect = dialect
        self._report = report
        self._repairs = _Repairs(dialect, report)
        self._block_size = block_size
        self._skip = skip_lines
        self._next_row = 1 + skip_lines  # Arrow's number of the next record
        # The block being parsed, to put the empty lines Arrow skips back into line numbers.
        self._lines: BlockLines | None = None
        self._blank_before = 0  # empty lines before that block
        self._repairs.physical = self._physical_line
        self._kept = dialect.columns[:max_columns]
        report.columns_left_out = len(dialect.columns) - len(self._kept)
        self._thread_block = max(_THREAD_BLOCK, len(self._kept) * _THREAD_BLOCK_PER_COLUMN)

    def __iter__(self) -> Iterator[pa.RecordBatch | pa.Table]:
        for table in self._tables():
            self._report.rows_read += len(table)
            if len(table):
                yield table
        self._drain_bad_encoding()
        self._report.lines_read = self._lines_numbered()

    def _lines_numbered(self) -> int:
        """Physical lines read and numbered so far, the header's too: once a block's rows are all numbered."""
        blank = self._blank_before + (self._lines.blank if self._lines is not None else 0)
        return self._next_row - 1 + self._repairs.shift + blank

    @property
    def _counts_cr(self) -> bool:
        """Whether lone \\r are counted as line ends, as Arrow ends lines: in a file whose lines end so, and from the
        first \\r read on (a stray one in a file of \\n lines may come after the sniffed sample)."""
        return self._dialect.bare_cr or self._text.saw_cr

    def _physical_line(self, line: int) -> int:
        return self._lines.physical(line) if self._lines is not None else line

    def _tables(self) -> Iterator[pa.RecordBatch | pa.Table]:
        for group in self._blocks():
            parts = []
            for batch in group:  # each batch's rows are numbered before the next one is parsed
                self._drain_bad_encoding()
                parts.append(self._with_repairs(batch))
            if self._lines is not None:
                self._lines.done()  # every row of the block is numbered: its bytes may go
            if len(parts) == 1:
                yield parts[0]
            elif parts:  # a block read around its open quotes: one chunk still
                yield pa.Table.from_batches([b for p in parts for b in _batches(p)], schema=parts[0].schema)
        rest = self._repairs.pending  # rows rejected after the last batch, e.g. a file of nothing but bad rows
        if rest:
            self._next_row += len(rest)
            yield self._rows_batch([row for _, rows in rest for row in rows])
            rest.clear()

    def _blocks(self) -> Iterator[Iterator[pa.RecordBatch]]:
        """Whole lines, block by block, each parsed by its own Arrow call (the batches of one block together).

        Arrow's streaming reader reads about a dozen blocks ahead (~14 x block_size resident); cutting the
        blocks ourselves at line breaks keeps one block in flight. A record whose quoted field holds a line break
        and is still open at a block's end moves on to the next block.
        """
        carry = b""  # the text after the last line end read so far
        after_left_out = False  # the carry is the text after a line left out, its own lines not yet cut
        skip = self._skip  # lines still to skip: a first block may end before them (a file without a last break)
        lone_cr = self._dialect.bare_cr  # where blocks may end: a \n always ends a line
        buffer = bytearray()
        block: Block
        while True:
            buffer = self._fill(buffer, carry)
            final = len(buffer) == len(carry)
            if final:
                block, carry = carry, b""
            else:
                longest = options.MAX_LINE_BYTES
                if len(buffer) > longest and not 0 <= self._first_line_end(buffer) < longest:
                    carry = self._leave_out_line(buffer, skip)  # (only a line longer than a block carries so much)
                    after_left_out = True
                    continue
                # In the bytes just read, or after a line left out in all of them.
                cut = _last_line_end(buffer, 0 if after_left_out else len(carry), lone_cr=lone_cr)
                after_left_out = False
                if cut < 0:
                    carry = bytes(buffer)  # a line longer than a block: keep reading
                    continue
                carry = bytes(buffer[cut + 1 :])
                del buffer[cut + 1 :]  # the buffer is the block: the carried line, then the new lines
                block = buffer
            if block:
                skipped = min(skip, line_count(block, lone_cr=self._counts_cr)) if skip else 0
                data_from = after_lines(block, skipped, lone_cr=self._counts_cr)
                block, spans, tail = self._spans(block, final=final, data_from=data_from, skipped=skipped)
                carry = bytes(tail) + carry  # (bytes of bytes is the same object)
            if block:
                # Only the group holds the block (and the line numbers, until done): read, it goes, not held here
                # while the chunk waits to be profiled and the next block is read.
                group, block = self._parse(block, skip=skipped, spans=spans), b""
                yield group
                del group
                skip -= skipped
            if final:
                return

    def _leave_out_line(self, buffer: bytearray, skip: int) -> bytes:
        """`buffer` holds the start of a line longer than options.MAX_LINE_BYTES (every line before it is numbered):
        read on to its end without keeping it and count it. Returns the text after it behind an empty line standing
        in for it, which Arrow skips and the line numbers count."""
        assert not skip, "the header and the lines above it lie in the sniffed sample, shorter than a long line"
        line, length = self._lines_numbered() + 1, 0
        while (end := self._first_line_end(buffer)) < 0:
            length += len(buffer)
            buffer = self._fill(buffer, b"")
            if not buffer:  # the file's last line, without a line break
                rest = b"\n"
                break
        else:
            length += end
            after = end + 2 if buffer[end : end + 2] == b"\r\n" else end + 1
            rest = b"\n" + bytes(buffer[after:])
        self._report.add_long_line(line, length)
        return rest

    def _first_line_end(self, data: bytearray) -> int:
        """Where the first line of `data` ends (its \\n, or the \\r of a line ending so as Arrow reads it), -1 when
        none does."""
        ends = [data.find(b"\n")] + ([data.find(b"\r")] if self._counts_cr else [])
        return min((at for at in ends if at >= 0), default=-1)

    def _fill(self, buffer: bytearray, carry: bytes) -> bytearray:
        """The carried text, then up to a block of new text, in `buffer`: the last block's, reused (its rows are all
        numbered by now, and Arrow let go of it), so no block is read into fresh pages or copied to join the line
        carried over; a new buffer if something still holds that one."""
        size = len(carry) + self._block_size
        try:
            if not buffer:
                buffer = bytearray(size)
            elif len(buffer) < size:
                buffer.extend(bytes(size - len(buffer)))  # usually the last block's cut tail: a line or so
            elif len(buffer) > size:
                del buffer[size:]
        except BufferError:  # still lent out (never seen): a new one
            buffer = bytearray(size)
        buffer[: len(carry)] = carry
        got = self._text.read_into(buffer, len(carry), self._block_size)
        del buffer[len(carry) + got :]
        return buffer

    def _spans(
        self, block: Block, *, final: bool, data_from: int = 0, skipped: int = 0
    ) -> tuple[Block, BlockSpans, Block]:
        """(the block, the spans of its lines ending inside a quoted field, the tail moved to the next block).
        The first `skipped` lines (the data from `data_from` on) are no records: a header cell's line break is none
        of the data's."""
        dialect = self._dialect
        # A quote only in the lines skipped (a quoted header) leaves no data line inside a quoted field.
        if not dialect.quotechar or _find(block, dialect.quotechar.encode(), data_from) < 0:
            return block, BlockSpans.none(unquoted=True), b""
        flags = sniffing.open_quote_lines(block, dialect.delimiter, dialect.quotechar)
        assert flags is not None  # a Dialect's delimiter and quote are one byte each
        flags[:skipped] = False
        if not flags.any():
            return block, BlockSpans.none(), b""
        bounds = LineBounds.of(block)
        found = find_spans(block, flags, bounds, dialect.delimiter, dialect.quotechar, final=final)
        self._report.open_quote_at_end = found.open_at_end
        if found.goes_on is None:
            return block, found, b""
        cut = int(bounds.starts[found.goes_on])
        return block[:cut], replace(found, goes_on=None), block[cut:]

    def _lines_batch(self, block: Block, bounds: LineBounds, spans: list[Span], skip: int) -> pa.RecordBatch:
        """The block read line by line, as Arrow would number it (empty lines skipped): for a block with many
        lines ending inside a quoted field."""
        starting = {span.first: span for span in spans}
        rows: Rows = []
        number = self._next_row
        line = 0
        while line < len(bounds.starts):
            span = starting.get(line)
            if line >= skip and span is not None:
                rows.append(self._span_row(span, block, bounds, number))
                number += 1
            elif line >= skip and bounds.text_ends[line] > bounds.starts[line]:
                text = block[bounds.starts[line] : bounds.text_ends[line]].decode()
                rows.append(self._repairs.line_row(text, number + self._repairs.shift, open_quote=False))
                number += 1
            line = (span.last if span is not None else line) + 1
        return self._rows_batch(rows)

    def _span_row(self, span: Span, block: Block, bounds: LineBounds, number: int) -> list[str | None]:
        """The row of a span: a record over several lines, or one line with its quote taken literally."""
        if span.fields is None:
            text = block[bounds.starts[span.first] : bounds.text_ends[span.first]].decode()
            return self._repairs.line_row(text, number + self._repairs.shift, open_quote=True)
        self._repairs.shift += span.last - span.first  # one row, more physical lines
        self._report.splittable = False  # byte-range parts could cut such a record
        return list(span.fields)

    def _parse(self, block: Block, *, skip: int, spans: BlockSpans) -> Iterator[pa.RecordBatch]:
        """The block's rows. A line ending inside a quoted field would make Arrow read on into the following
        lines (and on its threads drop rows without a word). When every such line starts a record whose quoted
        field closes cleanly, Arrow reads the block with line breaks in quoted fields; otherwise each span is read
        by us and the lines between spans by Arrow (a block with many spans line by line)."""
        if self._lines is not None:
            self._blank_before += self._lines.blank
        first = self._next_row - skip + self._repairs.shift  # the number of the block's first line
        self._lines = BlockLines.of(
            block, first=first, blank_before=self._blank_before, skip=skip, spans=spans, lone_cr=self._counts_cr
        )
        if not len(spans):
            yield from self._parse_lines(block, skip=skip, quoting=not spans.unquoted)
            return
        if spans.all_closed and (records := self._records(block, spans, skip)) is not None:
            yield from records
            return
        dialect = self._dialect
        flags = sniffing.open_quote_lines(block, dialect.delimiter, dialect.quotechar)
        assert flags is not None  # spans were found with it
        bounds = LineBounds.of(block)
        found = spans_with_fields(block, flags, bounds, dialect.delimiter, dialect.quotechar, self._rows_of)
        if self._lines is not None:  # a record read as no row is lines again, its empty ones too
            self._lines.set_records([(span.first, span.last) for span in found if span.fields is not None])
        if len(found) > _MAX_OPEN_LINES:
            yield self._lines_batch(block, bounds, found, skip)
            return
        start = 0
        for span in found:
            yield from self._parse_lines(block[start : bounds.starts[span.first]], skip=skip if start == 0 else 0)
            if span.first >= skip:
                yield self._rows_batch([self._span_row(span, block, bounds, self._next_row)])
            start = bounds.next_starts[span.last]
        yield from self._parse_lines(block[start:], skip=skip if start == 0 else 0)

    def _rows_of(self, texts: list[Block]) -> list[list[str] | None]:
        """Each record's fields as Arrow reads it (line breaks in quoted fields), or None when it is not one row
        of the table's width: one call on one thread, which numbers the records it rejects."""
        rejected: set[int] = set()

        def reject(row: pacsv.InvalidRow) -> str:
            rejected.add(row.number if row.number is not None else -1)
            return "skip"

        def read(data: Block) -> pa.Table:
            with Loans() as loans:
                return pacsv.read_csv(
                    loans.buffer(_keep_bom(data)),
                    read_options=self._read_options(len(data) + 2, 0),
                    parse_options=self._parse_options(loans.callback(reject), newlines_in_values=True),
                    convert_options=self._convert_options(),
                )

        table = read(b"\n".join(texts) + b"\n")
        numbers = range(1, len(texts) + 1)
        if len(rejected) + table.num_rows == len(texts) and rejected <= set(numbers):
            accepted = iter(zip(*(column.to_pylist() for column in table.columns), strict=True))
            return [None if i in rejected else list(next(accepted)) for i in numbers]
        out: list[list[str] | None] = []  # not one row per text after all: one call each
        for text in texts:
            rejected.clear()
            one = read(text + b"\n")
            out.append(list(one.to_pylist()[0].values()) if not rejected and one.num_rows == 1 else None)
        return out

    def _records(self, block: Block, spans: BlockSpans, skip: int) -> list[pa.RecordBatch] | None:
        """The block read by Arrow with line breaks in quoted fields (on its threads), or None when it rejects a
        row (a record of another width: the slower read numbers the lines of its problems)."""
        rejected = _Rejections()
        table = self._threaded_read(block, skip, rejected, newlines_in_values=True)
        if rejected.seen:
            return None
        self._repairs.shift += spans.extra_lines  # one row each, more physical lines
        self._report.splittable = False  # byte-range parts could cut such a record
        if table is None:
            return []
        return table.combine_chunks().to_batches() or [pa.RecordBatch.from_pylist([], schema=table.schema)]

    def _parse_lines(self, lines: Block, *, skip: int, quoting: bool = True) -> Iterator[pa.RecordBatch]:
        """Rows of whole lines that hold no quote left open, on Arrow's threads; lines with a rejected row again
        on one thread (Arrow numbers rows only there, and the repairs need the numbers)."""
        self._repairs.base = self._next_row - 1 - skip  # Arrow counts the skipped lines (the header) as rows
        rejected = _Rejections()
        table = self._threaded_read(lines, skip, rejected, quoting=quoting)
        if rejected.seen:
            table = self._read_block(lines, skip, threads=False, handler=self._repairs.handle, quoting=quoting)
        if table is None:
            return
        yield from table.combine_chunks().to_batches() or [pa.RecordBatch.from_pylist([], schema=table.schema)]

    def _threaded_read(
        self, block: Block, skip: int, rejected: _Rejections, *, newlines_in_values: bool = False, quoting: bool = True
    ) -> pa.Table | None:
        """The block on Arrow's threads; a rejected row, or a line longer than a thread's share of the block (which
        Arrow's threads cannot split: "straddling object"), marks `rejected` for the caller's read on one thread,
        which takes the block whole."""
        try:
            return self._read_block(
                block, skip, threads=True, handler=rejected, newlines_in_values=newlines_in_values, quoting=quoting
            )
        except pa.ArrowInvalid as error:
            if "straddling object" not in str(error):
                raise
            rejected.seen = True
            return None

    def _read_block(
        self,
        block: Block,
        skip: int,
        *,
        threads: bool,
        handler: Callable[[pacsv.InvalidRow], str],
        newlines_in_values: bool = False,
        quoting: bool = True,
    ) -> pa.Table | None:
        """`quoting` False: the block holds no quote char past its `skip` lines (Arrow skips lines as lines, quoted
        or not), so reading it with quoting off gives the same rows, ~9% quicker."""
        if skip == 0:
            block = _keep_bom(block)
        # Threads take sub-blocks of `_thread_block` bytes; on one thread the block is one Arrow block.
        read_options = self._read_options(self._thread_block if threads else len(block) + 1, skip, threads=threads)
        try:
            with Loans() as loans:  # Arrow's threads may hold the block and the handler a little past the call
                return pacsv.read_csv(
                    loans.buffer(block),
                    read_options=read_options,
                    parse_options=self._parse_options(
                        loans.callback(handler), newlines_in_values=newlines_in_values, quoting=quoting
                    ),
                    convert_options=self._convert_options(),
                )
        except pa.ArrowInvalid as error:
            if "Empty CSV file" in str(error) or "Could not skip initial" in str(error):
                return None  # nothing after the lines skipped (a header without rows and without a line break)
            raise

    def _read_options(self, block_size: int, skip: int, *, threads: bool = False) -> pacsv.ReadOptions:
        return pacsv.ReadOptions(
            block_size=block_size,
            use_threads=threads,  # Arrow numbers invalid rows only when single-threaded
            column_names=list(self._dialect.columns),
            skip_rows=skip,  # lines, a header's quoted line breaks too
        )

    def _parse_options(
        self, handler: Callable[[pacsv.InvalidRow], str], *, newlines_in_values: bool = False, quoting: bool = True
    ) -> pacsv.ParseOptions:
        return pacsv.ParseOptions(
            delimiter=self._dialect.delimiter,
            quote_char=(quoting and self._dialect.quotechar) or False,
            double_quote=True,
            escape_char=False,
            newlines_in_values=newlines_in_values,
            ignore_empty_lines=True,
            invalid_row_handler=handler,
        )

    def _convert_options(self) -> pacsv.ConvertOptions:
        return pacsv.ConvertOptions(
            column_types=dict.fromkeys(self._kept, _STRING),
            include_columns=list(self._kept) if len(self._kept) < len(self._dialect.columns) else None,
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
            check_utf8=False,  # the transcoder already guarantees UTF-8
        )

    def _with_repairs(self, batch: pa.RecordBatch) -> pa.RecordBatch | pa.Table:
        """The batch with rejected rows put back at their places."""
        end = self._next_row + batch.num_rows
        taken: list[tuple[int, list[list[str | None]]]] = []
        pending = self._repairs.pending
        while pending and pending[0][0] <= end:  # <=: rejected rows right after the last one belong here too
            taken.append(pending.pop(0))
            end += 1
        first = self._next_row
        self._next_row = end
        # (index of the batch row they go before, rows)
        inserts = [(number - first - i, rows) for i, (number, rows) in enumerate(taken)]
        if not inserts:
            return batch
        pieces: list[pa.RecordBatch] = []
        used = 0
        for index, rows in inserts:
            pieces.append(batch.slice(used, index - used))
            pieces.append(self._rows_batch(rows))
            used = index
        pieces.append(batch.slice(used))
        return pa.Table.from_batches([p for p in pieces if p.num_rows], schema=batch.schema)

    def _rows_batch(self, rows: list[list[str | None]]) -> pa.RecordBatch:
        columns = [pa.array([r[i] for r in rows], _STRING) for i in range(len(self._kept))]
        return pa.RecordBatch.from_arrays(columns, names=list(self._kept))

    def _drain_bad_encoding(self) -> None:
        for line in self._text.bad_lines:
            self._report.add_issue("bad_encoding", line, f"bytes not valid {self._dialect.encoding}, replaced")
        self._text.bad_lines.clear()

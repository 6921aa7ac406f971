"""Lines of a block that end inside a quoted field: a quoted line break, or a quote left open.

A file is cut into blocks at line breaks when its sample shows no quoted field holding one (splittable). Such a
field may still turn up past the sample (a note with a line break in row 50,000). A line ending inside a quoted
field starts a record over several lines when the field closes cleanly further on (its closing quote followed by
a delimiter or a line end, within MAX_RECORD_BYTES) and Arrow reads the record as one row of the table's width;
otherwise its quote is taken as left open and the line is read alone, so one stray quote never swallows the rest
of the block. The decision depends on the bytes from the line on only, so it is the same whatever the blocks.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np

from services.processor.engine import dialect as sniffing

_LINE_END_BYTES = re.compile(rb"\r\n|\r|\n")  # Arrow's line ends
# How far a record may run from the start of its first line (as the csv module's default field size limit).
MAX_RECORD_BYTES = 128 * 1024


@dataclass(frozen=True)
class LineBounds:
    """Per line of a block (ends: \\r\\n, \\r, \\n; the text after the last end is a line too): where it starts,
    where its text ends and where the next line starts."""

    starts: list[int]
    text_ends: list[int]
    next_starts: list[int]

    @classmethod
    def of(cls, block: bytes) -> LineBounds:
        if b"\r" in block:
            spans = [(m.start(), m.end()) for m in _LINE_END_BYTES.finditer(block)]
            text_ends, next_starts = [s for s, _ in spans], [e for _, e in spans]
        else:
            newlines = np.flatnonzero(np.frombuffer(block, np.uint8) == ord("\n"))
            text_ends, next_starts = newlines.tolist(), (newlines + 1).tolist()
        text_ends.append(len(block))
        next_starts.append(len(block))
        return cls([0, *next_starts[:-1]], text_ends, next_starts)

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset) - 1


@dataclass(frozen=True)
class Span:
    """Lines first..last of a block read as one row: a record over several lines whose quoted field closes
    cleanly (`closed`; its `fields` when they were read, see spans_of), or one line whose quote is left open
    (read alone, the quote taken literally)."""

    first: int
    last: int
    closed: bool
    fields: list[str] | None = None


_OPEN_AT_END = -1  # a quoted field still open at the block's end, within MAX_RECORD_BYTES of its line's start


@dataclass(frozen=True)
class BlockSpans:
    spans: list[Span]
    goes_on: int | None = None  # the line from which a record may go on into the next block (spans end before)
    open_at_end: bool = False  # the last block ends inside a quoted field (a part's end cut into a record?)

    @property
    def all_closed(self) -> bool:
        return all(span.closed for span in self.spans)


RowsOf = Callable[[list[bytes]], list[list[str] | None]]  # records' texts -> each one's row, or None if not one


def spans_of(
    block: bytes,
    flags: np.ndarray,
    bounds: LineBounds,
    delimiter: str,
    quotechar: str,
    *,
    final: bool,
    rows_of: RowsOf | None = None,
) -> BlockSpans:
    """The spans of a block's flagged lines (`flags`: dialect.open_quote_lines). A record still open at the end
    of a block goes on into the next one, unless the block is the last (`final`): its line is then read alone.
    With `rows_of`, each record's fields are read too, and a record that is not one row counts as a quote left
    open (its following lines are lines again); without, records are only found (Arrow then reads the block,
    rejecting such rows)."""
    left_open: set[int] = set()  # lines whose record is not one row
    while True:
        found = _find_spans(block, flags, bounds, delimiter.encode(), quotechar.encode(), final, left_open)
        records = [span for span in found.spans if span.closed]
        if rows_of is None or not records:
            return found
        rows = rows_of([block[bounds.starts[span.first] : bounds.text_ends[span.last]] for span in records])
        if all(row is not None for row in rows):
            fields = dict(zip((span.first for span in records), rows, strict=True))
            spans = [replace(span, fields=fields[span.first]) if span.closed else span for span in found.spans]
            return replace(found, spans=spans)
        left_open.update(span.first for span, row in zip(records, rows, strict=True) if row is None)


def _find_spans(
    block: bytes,
    flags: np.ndarray,
    bounds: LineBounds,
    delimiter: bytes,
    quote: bytes,
    final: bool,
    left_open: set[int],
) -> BlockSpans:
    out: list[Span] = []
    covered = -1
    open_at_end = False
    for line in np.flatnonzero(flags).tolist():
        if line <= covered:
            continue  # inside a record found already
        last = None if line in left_open else _record_last_line(block, line, bounds, delimiter, quote)
        if last == _OPEN_AT_END:
            if not final:
                return BlockSpans(out, goes_on=line)
            open_at_end, last = True, None
        if last is None:
            out.append(Span(line, line, closed=False))
        else:
            out.append(Span(line, last, closed=True))
            covered = last
    return BlockSpans(out, open_at_end=open_at_end)


def _record_last_line(block: bytes, line: int, bounds: LineBounds, delimiter: bytes, quote: bytes) -> int | None:
    """The last line of the record whose quoted field is open at the end of `line`, where it closes cleanly;
    None when it does not (a quote followed by other text, or no closing quote within MAX_RECORD_BYTES);
    _OPEN_AT_END when the block ends first."""
    limit = bounds.starts[line] + MAX_RECORD_BYTES
    position = bounds.text_ends[line]  # inside the quoted field, at its line break
    while True:
        q = block.find(quote, position, limit)
        if q < 0:
            return _OPEN_AT_END if limit > len(block) else None
        after = block[q + 1 : q + 2]
        if after == quote:  # a doubled quote stands for one
            position = q + 2
            continue
        last = bounds.line_of(q)
        if after in (b"", b"\r", b"\n"):
            return last
        if after != delimiter:
            return None
        # The field closed; the rest of its line may open another quoted field that goes on.
        rest = block[q + 2 : bounds.text_ends[last]]
        flags = sniffing.open_quote_lines(rest, delimiter.decode(), quote.decode()) if quote in rest else None
        if flags is None or not flags[-1]:
            return last
        position = bounds.text_ends[last]

"""Lines of a block that end inside a quoted field: a quoted line break, or a quote left open.

A file is cut into blocks at line breaks, and a quoted field may hold one: whether or not the sample showed any
(a note with a line break may first turn up in row 50,000). A line ending inside a quoted field (a compiled
scan, _kernels.quoted_spans) starts a record over several lines when the field closes cleanly further on (its
closing quote followed by a delimiter or a line end, within MAX_RECORD_BYTES) and Arrow reads the record as one
row of the table's width; otherwise its quote is taken as left open and the line is read alone, so one stray
quote never swallows the rest of the block. The decision depends on the bytes from the line on only, so it is the
same whatever the blocks.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from services.processor.engine import _kernels

LINE_END_BYTES = re.compile(rb"\r\n|\r|\n")  # Arrow's line ends
# How far a record may run from the start of its first line (as the csv module's default field size limit).
MAX_RECORD_BYTES = 128 * 1024


@dataclass(frozen=True)
class LineBounds:
    """Per line of a block (ends: \r\n, \r, \n; the text after the last end is a line too): where it starts,
    where its text ends and where the next line starts (int64 arrays)."""

    starts: np.ndarray
    text_ends: np.ndarray
    next_starts: np.ndarray

    @classmethod
    def of(cls, block: bytes | bytearray) -> LineBounds:
        if b"\r" in block:
            spans = [(m.start(), m.end()) for m in LINE_END_BYTES.finditer(block)]
            text_ends = np.array([s for s, _ in spans] + [len(block)], dtype=np.int64)
            next_starts = np.array([e for _, e in spans] + [len(block)], dtype=np.int64)
        else:
            newlines = np.flatnonzero(np.frombuffer(block, np.uint8) == ord("\n"))
            text_ends = np.append(newlines, len(block)).astype(np.int64)
            next_starts = np.append(newlines + 1, len(block)).astype(np.int64)
        return cls(np.concatenate([[0], next_starts[:-1]]).astype(np.int64), text_ends, next_starts)


@dataclass(frozen=True)
class Span:
    """Lines first..last of a block read as one row: a record over several lines (`fields`), or one line whose
    quote is left open (`fields` None: read alone, the quote taken literally)."""

    first: int
    last: int
    fields: list[str] | None = None


@dataclass(frozen=True)
class BlockSpans:
    """The block's lines that end inside a quoted field, each the first of a span: `lasts` its last line, -1 when
    its quote is left open."""

    firsts: np.ndarray
    lasts: np.ndarray
    goes_on: int | None = None  # the line from which a record may go on into the next block (spans end before)
    open_at_end: bool = False  # the last block ends inside a quoted field (a part's end cut into a record?)
    # No quote char in the block past the lines skipped: Arrow may read it with quoting off, its quicker parser.
    unquoted: bool = False

    @classmethod
    def none(cls, *, unquoted: bool = False) -> BlockSpans:
        return cls(np.zeros(0, np.int64), np.zeros(0, np.int64), unquoted=unquoted)

    def __len__(self) -> int:
        return len(self.firsts)

    @property
    def all_closed(self) -> bool:
        return bool((self.lasts >= 0).all())

    @property
    def extra_lines(self) -> int:
        """Physical lines the records hold beyond one each."""
        closed = self.lasts >= 0
        return int((self.lasts[closed] - self.firsts[closed]).sum())


# Records' texts -> each one's row, or None if not one.
RowsOf = Callable[[list[bytes | bytearray]], list[list[str] | None]]


def find_spans(
    block: bytes | bytearray,
    flags: np.ndarray,
    bounds: LineBounds,
    delimiter: str,
    quotechar: str,
    *,
    final: bool,
    left_open: np.ndarray | None = None,
) -> BlockSpans:
    """The spans of a block's flagged lines (`flags`: dialect.open_quote_lines; a compiled scan). A record still
    open at the end of a block goes on into the next one, unless the block is the last (`final`): its line is
    then read alone. Lines in `left_open` are taken as quotes left open."""
    firsts, lasts, goes_on, open_at_end = _kernels.quoted_spans(
        block,
        delimiter.encode()[0],
        quotechar.encode()[0],
        flags.view(np.uint8),
        bounds.starts,
        bounds.text_ends,
        (left_open if left_open is not None else np.zeros(len(flags), bool)).view(np.uint8),
        final,
        MAX_RECORD_BYTES,
    )
    return BlockSpans(firsts, lasts, goes_on if goes_on >= 0 else None, bool(open_at_end))


def spans_with_fields(
    block: bytes | bytearray, flags: np.ndarray, bounds: LineBounds, delimiter: str, quotechar: str, rows_of: RowsOf
) -> list[Span]:
    """The spans of the block (the last one), each record's fields read by `rows_of`; a record that is not one
    row counts as a quote left open (its following lines are lines again)."""
    left_open = np.zeros(len(flags), bool)
    while True:
        found = find_spans(block, flags, bounds, delimiter, quotechar, final=True, left_open=left_open)
        closed = np.flatnonzero(found.lasts >= 0)
        texts = [block[bounds.starts[found.firsts[i]] : bounds.text_ends[found.lasts[i]]] for i in closed.tolist()]
        rows = rows_of(texts) if texts else []
        if all(row is not None for row in rows):
            fields: dict[int, list[str] | None] = dict(zip(closed.tolist(), rows, strict=True))
            return [
                Span(first, last if last >= 0 else first, fields.get(i))
                for i, (first, last) in enumerate(zip(found.firsts.tolist(), found.lasts.tolist(), strict=True))
            ]
        left_open[[int(found.firsts[i]) for i, row in zip(closed.tolist(), rows, strict=True) if row is None]] = True

"""Physical line numbers for the rows of a block: Arrow skips empty lines without numbering them.

The reader numbers a record by Arrow's row number plus the line breaks inside quoted fields before it (shift),
which leaves out the empty lines. A block's empty lines are counted in one compiled pass (every block, for the
lines read and the numbers of later blocks); where a problem row needs its line, the block's lines are laid out
once and the record's number is mapped to the line it stands on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from services.processor.engine import _kernels
from services.processor.engine.quoted_lines import LINE_END_BYTES, BlockSpans, LineBounds

Block = bytes | bytearray  # a block's text: the reader's reused buffer, or bytes


@dataclass
class BlockLines:
    """One block's lines. `first`: the number of its first line as the reader numbers them (empty lines left
    out); `blank_before`: the empty lines before the block; `skip`: lines at its start skipped as no rows (the
    header, lines above it), numbered even when empty; `records`: (first, last) lines of its records over several
    lines, whose empty lines are inside a field and numbered; `lone_cr`: a lone \\r ends a line too (a file whose
    lines end in one, Dialect.bare_cr, or one where a \\r was read)."""

    block: Block
    first: int
    blank_before: int
    skip: int = 0
    lone_cr: bool = False
    records: list[tuple[int, int]] = field(default_factory=list)
    blank: int = 0  # the block's empty lines, past `skip`, outside records over several lines
    _numbered: np.ndarray | None = field(default=None, repr=False)

    @classmethod
    def of(
        cls,
        block: Block,
        *,
        first: int,
        blank_before: int,
        skip: int,
        spans: BlockSpans,
        lone_cr: bool = False,
    ) -> BlockLines:
        """`spans`: the block's lines ending inside a quoted field, as found before reading (a record that Arrow
        then reads as no row of the table's width is lines again: `set_records`)."""
        lines = cls(block, first, blank_before, skip, lone_cr)
        if len(spans):
            lines.set_records(
                [(f, last) for f, last in zip(spans.firsts.tolist(), spans.lasts.tolist(), strict=True) if last > f]
            )
        else:  # the usual block: one compiled count, past the lines skipped
            lines.blank = _kernels.blank_lines(block, after_lines(block, skip, lone_cr=lone_cr), lone_cr)
        return lines

    def set_records(self, records: list[tuple[int, int]]) -> None:
        """The records over several lines, as read; lays the block's lines out (rare: a block with a line ending
        inside a quoted field)."""
        self.records, self._numbered = records, None
        self.blank = self._lines() - len(self.numbered())

    def done(self) -> None:
        """No more lines of the block to number: let its bytes go (its count of empty lines stays)."""
        self.block, self._numbered = b"", None

    def _lines(self) -> int:
        """How many lines the block holds (the nothing after its last line end is none)."""
        return line_count(self.block, lone_cr=self.lone_cr)

    def numbered(self) -> np.ndarray:
        """The index in the block of each line the reader numbers, in order."""
        if self._numbered is None:
            bounds = LineBounds.of(self.block)
            empty = (bounds.text_ends == bounds.starts)[: self._lines()]
            empty[: self.skip] = False
            for first, last in self.records:
                empty[first + 1 : last + 1] = False  # inside a quoted field
            self._numbered = np.flatnonzero(~empty)
        return self._numbered

    def physical(self, number: int) -> int:
        """The physical line (1-based, in the stream) of the line the reader numbers `number`."""
        index = number - self.first
        if index < 0:
            return number + self.blank_before
        numbered = self.numbered()
        if index >= len(numbered):  # past the block's lines
            return number + self.blank_before + self.blank
        return self.first + self.blank_before + int(numbered[index])


def line_count(block: Block, *, lone_cr: bool = False) -> int:
    """How many lines `block` holds: its line ends (\\n, \\r\\n, and a lone \\r when `lone_cr`) and the text after the
    last one, if any."""
    if not lone_cr:
        return block.count(b"\n") + (not block.endswith(b"\n"))
    ends = block.count(b"\n") + block.count(b"\r") - block.count(b"\r\n")
    return ends + (not block.endswith((b"\n", b"\r")))


def after_lines(block: Block, count: int, *, lone_cr: bool = False) -> int:
    """Where the line after the first `count` lines of `block` starts (its end when it has fewer)."""
    start = 0
    for _ in range(count):
        if lone_cr:
            found = LINE_END_BYTES.search(block, start)
            if found is None:
                return len(block)
            start = found.end()
            continue
        end = block.find(b"\n", start)
        if end < 0:
            return len(block)
        start = end + 1
    return start

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
from services.processor.engine.quoted_lines import BlockSpans, LineBounds


@dataclass
class BlockLines:
    """One block's lines. `first`: the number of its first line as the reader numbers them (empty lines left
    out); `blank_before`: the empty lines before the block; `skip`: lines at its start skipped as no rows (the
    header, lines above it), numbered even when empty; `spans`: its records over several lines, whose empty lines
    are inside a field and numbered."""

    block: bytes
    first: int
    blank_before: int
    skip: int = 0
    spans: BlockSpans | None = None
    blank: int = 0  # the block's empty lines, past `skip`, outside records over several lines
    _numbered: np.ndarray | None = field(default=None, repr=False)

    @classmethod
    def of(cls, block: bytes, *, first: int, blank_before: int, skip: int, spans: BlockSpans | None) -> BlockLines:
        lines = cls(block, first, blank_before, skip, spans if spans is not None and len(spans) else None)
        if lines.spans is None and lines.skip == 0:
            lines.blank = _kernels.blank_lines(block)
        else:  # rare: the first block, or one with records over several lines
            lines.blank = lines._lines() - len(lines.numbered())
        return lines

    def _lines(self) -> int:
        """How many lines the block holds (the nothing after its last line end is none)."""
        return self.block.count(b"\n") + (not self.block.endswith(b"\n"))

    def numbered(self) -> np.ndarray:
        """The index in the block of each line the reader numbers, in order."""
        if self._numbered is None:
            bounds = LineBounds.of(self.block)
            count = self._lines()
            empty = (bounds.text_ends == bounds.starts)[:count]
            empty[: self.skip] = False
            if self.spans is not None:
                for first, last in zip(self.spans.firsts.tolist(), self.spans.lasts.tolist(), strict=True):
                    empty[first + 1 : last + 1] = False  # inside a quoted field (last -1: a quote left open)
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

"""Missing values as the profile reads them: text that is empty once trimmed of whitespace, or an NA token.

One compiled pass over each string's first and last bytes says whether anything needs trimming at all (only a
space, a control character or a non-ASCII byte can be whitespace) and which strings could be a token (short
enough, first and last bytes those of some token); Arrow's trim and token lookup then run only where they can
change something. The column profile and the correlations read a value the same way through it.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import _kernels
from .types import ByteView, bool_mask, byte_table


class MissingValues:
    def __init__(self, na_tokens: Iterable[str]) -> None:
        tokens = sorted(na_tokens)
        self.tokens = pa.array(tokens, type=pa.string())
        encoded = [t.encode() for t in tokens if t]
        self._token_bytes = max((len(t) for t in encoded), default=0)
        # A token's first and last bytes: numbers and dates end in a digit, which no default token does.
        self._token_first = byte_table(bytes(t[0] for t in encoded)).view(np.uint8)
        self._token_last = byte_table(bytes(t[-1] for t in encoded)).view(np.uint8)

    def trim(self, values: pa.Array) -> tuple[pa.Array, ByteView, np.ndarray]:
        """Whitespace-trimmed values, their view and which of them could be a missing-value token; the values
        themselves when none starts or ends with a space, a control character or any non-ASCII byte, which skips
        the copy (and Arrow's first trim in a process, ~3 ms setting up its Unicode tables). One compiled pass (a
        wide table's short chunks paid ~40 us a column for the numpy passes it replaced)."""
        view = ByteView(values)
        spaced, could_be_token = self._edges(view)
        if not spaced:
            return values, view, could_be_token
        trimmed = pc.utf8_trim_whitespace(values)
        view = ByteView(trimmed)
        return trimmed, view, self._edges(view)[1]

    def tokens_among(self, view: ByteView, could_be_token: np.ndarray) -> np.ndarray:
        """Which of the (trimmed) values are NA tokens, looked up only where `trim` said they could be."""
        token = np.zeros(len(view.lengths), dtype=bool)
        if could_be_token.any():
            token[could_be_token] = bool_mask(pc.is_in(view.subset(could_be_token), value_set=self.tokens))
        return token

    def present(self, values: pa.Array) -> tuple[pa.Array, np.ndarray]:
        """(the values trimmed, which are present: not null, not empty once trimmed, not an NA token)."""
        trimmed, view, could_be_token = self.trim(values)
        present = (view.lengths > 0) & ~self.tokens_among(view, could_be_token)
        if values.null_count:
            present &= bool_mask(values.is_valid())
        return trimmed, present

    def _edges(self, view: ByteView) -> tuple[bool, np.ndarray]:
        return _kernels.edge_marks(
            view.lengths, view.first, view.last, self._token_first, self._token_last, self._token_bytes
        )

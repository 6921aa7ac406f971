"""Small helpers for the reader tests: read everything a reader yields."""

from __future__ import annotations

import io
from typing import BinaryIO

import pandas as pd

from services.processor.engine.options import STRING_DTYPE
from services.processor.engine.reading import ReadOptions, TableReader, open_table


class NonSeekable(io.RawIOBase):
    """A stream like an S3 body: read only, no seek, short reads."""

    def __init__(self, data: bytes, max_read: int = 7000) -> None:
        self._data = memoryview(data)
        self._pos = 0
        self._max = max_read

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        n = min(len(buffer), self._max, len(self._data) - self._pos)
        buffer[:n] = self._data[self._pos : self._pos + n]
        self._pos += n
        return n

    @property
    def position(self) -> int:
        """How far the stream has been read."""
        return self._pos


def stream(data: bytes) -> BinaryIO:
    return io.BufferedReader(NonSeekable(data))  # type: ignore[return-value]


def read_all(reader: TableReader) -> pd.DataFrame:
    frames = list(reader)
    for frame in frames:
        assert all(dtype == STRING_DTYPE for dtype in frame.dtypes), frame.dtypes
    if not frames:
        return pd.DataFrame({c: pd.array([], dtype=STRING_DTYPE) for c in reader.columns})
    return pd.concat(frames, ignore_index=True)


def read_bytes(
    data: bytes, name: str = "", media_type: str = "", **options: object
) -> tuple[pd.DataFrame, TableReader]:
    reader = open_table(stream(data), file_name=name, media_type=media_type, options=ReadOptions(**options))  # type: ignore[arg-type]
    return read_all(reader), reader


def rows(frame: pd.DataFrame) -> list[list[object]]:
    return [[None if v is pd.NA else v for v in row] for row in frame.astype(object).itertuples(index=False)]

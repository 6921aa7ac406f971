"""Byte-stream plumbing for the readers: counting, peeking without seeking, spooling, and byte-range parts.

Callers hand in non-seekable streams (an S3 body in a BufferedReader), so detection works on a peeked
sample that is then served again in front of the rest of the stream.
"""

from __future__ import annotations

import io
import shutil
import tempfile
from typing import BinaryIO, cast

from .options import NotATableError

COPY_BYTES = 1024 * 1024
TAIL_BYTES = 64 * 1024  # a part's reads past its end, while looking for the line break that ends it


class _ReadOnly(io.RawIOBase):
    """A readable stream whose subclasses only implement `read`; readinto is derived from it."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readall(self) -> bytes:
        parts = []
        while chunk := self.read(COPY_BYTES):
            parts.append(chunk)
        return b"".join(parts)


class DamageChecked(_ReadOnly):
    """Reads a container's contents (`what`: "gzip file"), its decoder's errors (`errors`: a CRC that does not
    match, data cut short, bytes after the end that are not the container's) turned into NotATableError with a
    reason for the uploader: the raw library error failed the job as a defect, retried to the dead letter."""

    def __init__(self, source: BinaryIO, what: str, errors: tuple[type[BaseException], ...]) -> None:
        self._source, self._what, self._errors = source, what, errors

    def read(self, size: int = -1) -> bytes:
        try:
            return self._source.read(size)
        except self._errors as error:
            reason = str(error).rstrip(".") or type(error).__name__
            raise NotATableError(f"The {self._what} is damaged: {reason}.") from error

    def close(self) -> None:
        self._source.close()
        super().close()


class CountingStream(_ReadOnly):
    """Counts the bytes pulled from the caller's stream (the reader's `bytes_read`)."""

    def __init__(self, source: BinaryIO) -> None:
        self._source = source
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        data = self._source.read(size) if size >= 0 else self._source.read()
        self.count += len(data or b"")
        return data or b""

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        got = readinto_once(self._source, buffer)
        self.count += got
        return got


class PrefixedStream(_ReadOnly):
    """Serves `prefix` (an already-read sample) and then the rest of `source`."""

    def __init__(self, prefix: bytes, source: BinaryIO) -> None:
        self._prefix = prefix
        self._offset = 0
        self._source = source

    def read(self, size: int = -1) -> bytes:
        if self._offset < len(self._prefix):
            end = len(self._prefix) if size < 0 else self._offset + size
            head = self._prefix[self._offset : end]
            self._offset += len(head)
            if self._offset >= len(self._prefix):
                self._prefix = b""  # let the sample go once it is served
                self._offset = 0
            return head
        return (self._source.read(size) if size >= 0 else self._source.read()) or b""

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self._offset < len(self._prefix):
            data = self.read(len(buffer))
            buffer[: len(data)] = data
            return len(data)
        return readinto_once(self._source, buffer)


def readinto_once(source: BinaryIO, buffer: memoryview) -> int:
    """One read into `buffer` (what the source has, 0 at its end): its own readinto where it has one (a file, an
    S3 body), which copies nothing."""
    readinto = getattr(source, "readinto", None)
    if readinto is not None:
        try:
            return int(readinto(buffer) or 0)
        except (NotImplementedError, io.UnsupportedOperation):  # an io.RawIOBase that implements read only
            pass
    data = source.read(len(buffer)) or b""
    buffer[: len(data)] = data
    return len(data)


def readinto_fully(source: BinaryIO, buffer: memoryview) -> int:
    """Fill `buffer` from `source`, looping over short reads; the bytes read (fewer only at the source's end)."""
    got = 0
    while got < len(buffer):
        n = readinto_once(source, buffer[got:])
        if not n:
            break
        got += n
    return got


def read_fully(source: BinaryIO, size: int) -> bytes:
    """Up to `size` bytes, looping over short reads (raw and network streams return what they have)."""
    parts: list[bytes] = []
    got = 0
    while got < size:
        chunk = source.read(size - got)
        if not chunk:
            break
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)


def peek(source: BinaryIO, size: int) -> tuple[bytes, BinaryIO]:
    """The first `size` bytes, and a stream that still starts at the beginning."""
    sample = read_fully(source, size)
    return sample, cast(BinaryIO, PrefixedStream(sample, source))


def spool(source: BinaryIO) -> BinaryIO:
    """A seekable copy of a stream on disk (zip, xlsx and parquet need random access; memory stays flat)."""
    if _seekable(source):
        return source
    copy = tempfile.TemporaryFile()  # noqa: SIM115 - closed by the reader that owns it
    shutil.copyfileobj(source, copy, COPY_BYTES)
    copy.seek(0)
    return cast(BinaryIO, copy)


def _seekable(source: BinaryIO) -> bool:
    try:
        return bool(source.seekable()) and source.tell() == 0
    except (AttributeError, OSError, ValueError):
        return False


class RangeStream(_ReadOnly):
    """The lines of byte-range part [start, end) of a file, from a stream positioned at `start`.

    A part owns the lines that begin in (start, end] (part 0: [0, end]): it skips through the first line
    break at or after `start` (that partial line belongs to the part before) and reads through the first
    line break at or after `end`. So the stream must go on past `end` until that line ends: it reads up to `end`
    at most, then TAIL_BYTES at a time, so that its source (a bounded ranged GET) is asked for little past `end`.
    """

    def __init__(self, source: BinaryIO, start: int, end: int) -> None:
        if not 0 <= start <= end:
            raise ValueError(f"bad byte range [{start}, {end})")
        self._source = source
        self._pos = start  # file offset of the next byte read from source
        self._end = end
        self._done = start == end
        self._carry = b""
        if start > 0 and not self._done:
            self._skip_partial_line()

    def _skip_partial_line(self) -> None:
        while True:
            chunk = self._source.read(COPY_BYTES)
            if not chunk:
                self._done = True
                return
            i = chunk.find(b"\n")
            if i < 0:
                self._pos += len(chunk)
                continue
            if self._pos + i >= self._end:  # the line break that ends the partial line is past the part
                self._done = True
                return
            self._pos += i + 1
            self._carry = chunk[i + 1 :]
            return

    def read(self, size: int = -1) -> bytes:
        if self._done:
            return b""
        if self._carry:
            n = len(self._carry) if size < 0 else size
            data, self._carry = self._carry[:n], self._carry[n:]
        else:
            want = size if size > 0 else COPY_BYTES
            want = min(want, self._end - self._pos) if self._pos < self._end else min(want, TAIL_BYTES)
            data = self._source.read(want) or b""
        if not data:
            self._done = True
            return b""
        if self._pos + len(data) > self._end:
            i = data.find(b"\n", max(0, self._end - self._pos))
            if i >= 0:
                data = data[: i + 1]
                self._done = True
        self._pos += len(data)
        return data

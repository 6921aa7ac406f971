"""S3: the client every process uses, and bucket set-up."""

from __future__ import annotations

import io
import logging
import socket
from collections.abc import Callable
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, IncompleteReadError, ReadTimeoutError, ResponseStreamingError

from sluice.settings import CommonSettings

log = logging.getLogger(__name__)

# The media type each UploadPart request declares for its body. S3 keeps the object's type from
# CreateMultipartUpload and ignores this one, but SeaweedFS (the local stack's S3 server) decides by it whether
# to gzip what it stores: a part with no type, or application/octet-stream, that looks like text is gzipped,
# and every later read unzips it again. With a definite binary type, a 2 GiB CSV upload cost it 20 instead of
# 43 CPU seconds and each full read 4 instead of 20 (BENCHMARKS.md), for 2.5x the disk.
UPLOAD_PART_MEDIA_TYPE = "application/vnd.sluice.upload-part"


def _declare_part_type(request: Any, **_: Any) -> None:
    request.headers["Content-Type"] = UPLOAD_PART_MEDIA_TYPE


def create_s3_client(*, endpoint: str, region: str, access_key: str, secret_key: str, max_pool: int = 32) -> Any:
    """A thread-safe boto3 S3 client (path-style: local servers have no per-bucket DNS)."""
    client = boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=access_key or None,
        aws_secret_access_key=secret_key or None,
        config=Config(
            s3={"addressing_style": "path"},
            signature_version="s3v4",
            retries={"max_attempts": 3, "mode": "standard"},
            connect_timeout=5,
            read_timeout=60,
            max_pool_connections=max_pool,
        ),
    )
    client.meta.events.register("before-sign.s3.UploadPart", _declare_part_type)
    return client


def s3_client_for(settings: CommonSettings, *, endpoint: str = "") -> Any:
    """The S3 client of a process's settings (`endpoint`: another address of the same store)."""
    return create_s3_client(
        endpoint=endpoint or settings.s3_endpoint,
        region=settings.s3_region,
        access_key=settings.s3_access_key,
        secret_key=settings.s3_secret_key,
    )


def ensure_bucket(s3: Any, bucket: str) -> None:
    try:
        s3.head_bucket(Bucket=bucket)
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket", "NotFound"):
            raise
        s3.create_bucket(Bucket=bucket)


def range_arguments(first: int, last: int | None) -> dict[str, str]:
    """get_object's Range for bytes `first` through `last` (None: to the end); none for a whole object, whose
    "bytes=0-" an empty object could not satisfy."""
    if not first and last is None:
        return {}
    return {"Range": f"bytes={first}-" + ("" if last is None else str(last))}


# What s3transfer retries a download on (S3_RETRYABLE_DOWNLOAD_ERRORS): the body broke off, the request was fine.
_BROKEN_OFF = (ReadTimeoutError, IncompleteReadError, ResponseStreamingError, ConnectionError, socket.timeout)


class RangedReader(io.RawIOBase):
    """An object read from `start` as consecutive bounded ranged GETs of at most `window` bytes, the first ending at
    `first_end` when given (a byte-range part: its end plus a little for the line that crosses it). The window that
    reaches `size` (the object's length as recorded) is left open-ended, so a longer object is still read through.

    Why not one open-ended GET: a reader that stops early (a part, at the first line break past its end) leaves the
    server streaming the rest until the connection drops, and SeaweedFS (the local stack's S3 server) spent 0.2-2.5
    CPU s per 256 MiB part on open-ended GETs against 0.15 s on bounded ones (BENCHMARKS.md, processor section).
    `get(first, last)` returns the streaming body of bytes first..last (None: to the end) and maps its errors.

    A body that breaks off mid-stream (connection reset, read timeout, short body) is asked for again from the
    byte it stopped at, up to `resumes` times per GET (as s3transfer's downloads do), so a dropped connection
    costs a request, not the file read so far.
    """

    def __init__(
        self,
        get: Callable[[int, int | None], Any],
        *,
        start: int,
        size: int,
        window: int,
        first_end: int | None = None,
        resumes: int = 3,
    ) -> None:
        if window <= 0 or start < 0:
            raise ValueError(f"bad window {window} or start {start}")
        self._get, self._size, self._window, self._resumes = get, size, window, resumes
        self._pos = start
        self._resumed = 0
        self._body: Any = None
        self._body_end: int | None = None  # exclusive end of the current GET; None: the object's end
        self._open(first_end)

    def _open(self, end: int | None = None) -> None:
        end = min(end if end is not None else self._pos + self._window, self._size)
        last = end - 1 if end < self._size and end > self._pos else None
        self._body = self._get(self._pos, last)
        self._body_end = None if last is None else end

    def _resume(self, error: Exception) -> None:
        self._body.close()
        if self._resumed >= self._resumes:
            raise error
        self._resumed += 1
        log.warning("object read broke off at byte %d (%s); asking again from there", self._pos, error)
        self._open(self._body_end)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while True:
            try:
                data = self._body.read(len(buffer))
            except _BROKEN_OFF as error:
                self._resume(error)
                continue
            if data:
                buffer[: len(data)] = data
                self._pos += len(data)
                return len(data)
            self._body.close()
            if self._body_end is None or self._pos < self._body_end:  # the object ended
                return 0
            self._resumed = 0
            self._open()

    def close(self) -> None:
        if self._body is not None:
            self._body.close()
        super().close()


RAW_PREFIX = "raw/"


def raw_key(tenant: str, job_id: str, file_name: str) -> str:
    """Where an upload lives: the random job id makes the key impossible to guess."""
    return f"{RAW_PREFIX}{tenant}/{job_id}/{file_name}"


def report_key(tenant: str, job_id: str) -> str:
    return f"reports/{tenant}/{job_id}/profile.json"


def html_report_key(tenant: str, job_id: str) -> str:
    return f"reports/{tenant}/{job_id}/profile.html"


def part_state_key(tenant: str, job_id: str, part: int) -> str:
    """A byte-range part's partial profile, kept until the last part merges them."""
    return f"parts/{tenant}/{job_id}/{part:05d}.state"

"""Streams bytes of unknown length into one S3 object with flat memory.

Parts are sent as they fill, with at most `parts_in_flight` requests per upload. Every part buffer
of every upload comes from one `PartBufferPool`: buffers are allocated once at full part size and
reused, so ingest memory is bounded by pool size x part size however many uploads run at once
(when the pool is empty, writers wait: back-pressure to the clients, not more memory).
A small file (under one part) becomes a single PutObject; `abort()` leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

log = logging.getLogger(__name__)


class PartBufferPool:
    """Full-size part buffers shared by all uploads of the process, created on first use."""

    def __init__(self, *, buffers: int, part_size: int):
        self.part_size = part_size
        self._free: list[bytearray] = []
        self._available = threading.Semaphore(buffers)
        self._lock = threading.Lock()

    def acquire(self) -> bytearray:
        self._available.acquire()  # blocks while every buffer is in use
        with self._lock:
            if self._free:
                return self._free.pop()
        return bytearray(self.part_size)

    def release(self, buffer: bytearray) -> None:
        # A buffer cut short for a file's last part is dropped; a full-size one is allocated later.
        if len(buffer) == self.part_size:
            with self._lock:
                self._free.append(buffer)
        self._available.release()


class StreamingObjectWriter:
    """Not thread-safe: one writer per upload, fed from the RPC's thread."""

    def __init__(
        self,
        *,
        s3: Any,
        bucket: str,
        key: str,
        content_type: str,
        pool: PartBufferPool,
        executor: ThreadPoolExecutor,
        parts_in_flight: int,
    ):
        self._s3, self._bucket, self._key, self._content_type = s3, bucket, key, content_type
        self._pool = pool
        self._executor = executor
        self._in_flight = threading.BoundedSemaphore(parts_in_flight)
        self._buffer: bytearray | None = None
        self._filled = 0
        self._upload_id: str | None = None
        self._parts: list[Future[dict[str, Any]]] = []
        self._finished = False
        self.size = 0

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        part_size = self._pool.part_size
        while view:
            if self._buffer is None:
                self._buffer, self._filled = self._pool.acquire(), 0
            take = min(len(view), part_size - self._filled)
            self._buffer[self._filled : self._filled + take] = view[:take]
            self._filled += take
            view = view[take:]
            self.size += take
            if self._filled == part_size:
                self._send_part()

    def complete(self) -> None:
        """Make the object durable and visible; raises (after aborting) if any part failed."""
        try:
            if self._upload_id is None:
                body = bytes(self._buffer[: self._filled]) if self._buffer is not None else b""
                self._release_buffer()
                self._s3.put_object(Bucket=self._bucket, Key=self._key, Body=body, ContentType=self._content_type)
            else:
                if self._filled:
                    self._send_part()
                else:
                    self._release_buffer()
                parts = [future.result() for future in self._parts]
                self._s3.complete_multipart_upload(
                    Bucket=self._bucket, Key=self._key, UploadId=self._upload_id, MultipartUpload={"Parts": parts}
                )
            self._finished = True
        except BaseException:
            self.abort()
            raise

    def abort(self) -> None:
        """Drop everything written so far (idempotent, never raises)."""
        if self._finished:
            return
        self._finished = True
        self._release_buffer()
        for future in self._parts:  # at most parts_in_flight still running; each frees its buffer
            with contextlib.suppress(BaseException):  # the part is being thrown away anyway
                future.result()
        if self._upload_id is not None:
            try:
                self._s3.abort_multipart_upload(Bucket=self._bucket, Key=self._key, UploadId=self._upload_id)
            except Exception as error:
                log.warning("could not abort multipart upload of %s: %s", self._key, error)

    def delete(self) -> None:
        """Remove the completed object (a duplicate upload, or the job row could not be written)."""
        self._s3.delete_object(Bucket=self._bucket, Key=self._key)

    def _send_part(self) -> None:
        assert self._buffer is not None
        if self._upload_id is None:
            created = self._s3.create_multipart_upload(
                Bucket=self._bucket, Key=self._key, ContentType=self._content_type
            )
            self._upload_id = created["UploadId"]
        for done in [f for f in self._parts if f.done()]:
            done.result()  # surface a failed part early rather than after the whole file
        body, filled = self._buffer, self._filled
        if filled < len(body):
            del body[filled:]  # the last part: botocore takes bytes-likes only whole
        self._buffer, self._filled = None, 0
        self._in_flight.acquire()
        # In the upload's context, so each UploadPart span belongs to the upload's trace.
        context = contextvars.copy_context()
        self._parts.append(self._executor.submit(context.run, self._upload_part, len(self._parts) + 1, body))

    def _upload_part(self, number: int, body: bytearray) -> dict[str, Any]:
        try:
            response = self._s3.upload_part(
                Bucket=self._bucket, Key=self._key, UploadId=self._upload_id, PartNumber=number, Body=body
            )
            return {"PartNumber": number, "ETag": response["ETag"]}
        finally:
            self._in_flight.release()
            self._pool.release(body)

    def _release_buffer(self) -> None:
        if self._buffer is not None:
            self._pool.release(self._buffer)
            self._buffer, self._filled = None, 0

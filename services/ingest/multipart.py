"""Streams bytes of unknown length into one S3 object with flat memory.

Parts are sent as they fill, with at most `parts_in_flight` requests per upload, and every
part buffer of every upload is taken from one shared `PartBudget`: ingest memory is bounded by
budget x part size however many uploads run at once (a full budget slows writers down instead).
A small file (under one part) becomes a single PutObject; `abort()` leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

log = logging.getLogger(__name__)


class PartBudget:
    """Part buffers shared by all uploads of the process."""

    def __init__(self, parts: int):
        self._sem = threading.BoundedSemaphore(parts)

    def acquire(self) -> None:
        self._sem.acquire()

    def release(self) -> None:
        self._sem.release()


class StreamingObjectWriter:
    """Not thread-safe: one writer per upload, fed from the RPC's thread."""

    def __init__(
        self,
        *,
        s3: Any,
        bucket: str,
        key: str,
        content_type: str,
        part_size: int,
        budget: PartBudget,
        executor: ThreadPoolExecutor,
        parts_in_flight: int,
    ):
        self._s3, self._bucket, self._key, self._content_type = s3, bucket, key, content_type
        self._part_size = part_size
        self._budget = budget
        self._executor = executor
        self._in_flight = threading.BoundedSemaphore(parts_in_flight)
        self._buffer: bytearray | None = None
        self._upload_id: str | None = None
        self._parts: list[Future[dict[str, Any]]] = []
        self._finished = False
        self.size = 0

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            if self._buffer is None:
                self._budget.acquire()  # blocks while every buffer of the process is in use
                self._buffer = bytearray()
            take = min(len(view), self._part_size - len(self._buffer))
            self._buffer += view[:take]
            view = view[take:]
            self.size += take
            if len(self._buffer) >= self._part_size:
                self._send_part()

    def complete(self) -> None:
        """Make the object durable and visible; raises (after aborting) if any part failed."""
        try:
            if self._upload_id is None:
                body = bytes(self._buffer or b"")
                self._release_buffer()
                self._s3.put_object(Bucket=self._bucket, Key=self._key, Body=body, ContentType=self._content_type)
            else:
                if self._buffer:
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
        for future in self._parts:
            future.cancel()
        for future in self._parts:
            with contextlib.suppress(BaseException):
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
        self._in_flight.acquire()
        number, body = len(self._parts) + 1, self._buffer
        self._buffer = None
        self._parts.append(self._executor.submit(self._upload_part, number, body))

    def _upload_part(self, number: int, body: bytearray) -> dict[str, Any]:
        try:
            response = self._s3.upload_part(
                Bucket=self._bucket, Key=self._key, UploadId=self._upload_id, PartNumber=number, Body=body
            )
            return {"PartNumber": number, "ETag": response["ETag"]}
        finally:
            body.clear()
            self._in_flight.release()
            self._budget.release()

    def _release_buffer(self) -> None:
        if self._buffer is not None:
            self._buffer = None
            self._budget.release()

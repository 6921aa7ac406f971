"""IngestService.Upload: header, then chunks straight to S3, then one transaction for the job.
UploadBody (a raw HTTP body through the gateway) is the same upload, its pieces turned into Upload's messages."""

from __future__ import annotations

import hashlib
import logging
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import grpc
import psycopg
from botocore.exceptions import BotoCoreError, ClientError
from opentelemetry import trace

from services.ingest import validation
from services.ingest.http_body import as_upload_requests
from services.ingest.multipart import PartBufferPool, StreamingObjectWriter
from sluice import auth, convert
from sluice.errors import AlreadyExists, FailedPrecondition, InvalidArgument, SluiceError, Unavailable
from sluice.jobstore import JobStore, NewJob
from sluice.objectstore import raw_key
from sluice.telemetry import Telemetry, inject_context, job_scope
from sluice.v1 import ingest_service_pb2, ingest_service_pb2_grpc

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class UploadLimits:
    max_upload_bytes: int
    parts_in_flight: int
    default_max_attempts: int


class IngestServicer(ingest_service_pb2_grpc.IngestServiceServicer):
    def __init__(
        self,
        *,
        store: JobStore,
        s3: Any,
        bucket: str,
        limits: UploadLimits,
        buffers: PartBufferPool,
        part_executor: ThreadPoolExecutor,
        telemetry: Telemetry,
    ):
        self._telemetry = telemetry
        self._store = store
        self._s3 = s3
        self._bucket = bucket
        self._limits = limits
        self._buffers = buffers
        self._part_executor = part_executor

    def Upload(
        self, request_iterator: Iterator[ingest_service_pb2.UploadRequest], context: grpc.ServicerContext
    ) -> ingest_service_pb2.UploadResponse:
        """Times and counts every upload by outcome; the work is in `_upload`."""
        metrics = self._telemetry.metrics
        started = time.monotonic()
        outcome = "failed"
        try:
            response = self._upload(request_iterator, context)
            outcome = "deduplicated" if response.deduplicated else "stored"
            metrics.upload_bytes.add(response.committed_size if not response.deduplicated else 0, {"outcome": outcome})
            return response
        except SluiceError as error:
            outcome = "failed" if isinstance(error, Unavailable) else "rejected"
            raise
        except Exception:
            outcome = "cancelled" if not context.is_active() else "failed"
            raise
        finally:
            metrics.uploads.add(1, {"outcome": outcome})
            metrics.upload_duration.record(time.monotonic() - started, {"outcome": outcome})

    def UploadBody(
        self, request_iterator: Iterator[ingest_service_pb2.UploadBodyRequest], context: grpc.ServicerContext
    ) -> ingest_service_pb2.UploadResponse:
        return self.Upload(as_upload_requests(request_iterator), context)

    def _upload(
        self, request_iterator: Iterator[ingest_service_pb2.UploadRequest], context: grpc.ServicerContext
    ) -> ingest_service_pb2.UploadResponse:
        caller = auth.current_caller()
        first = next(request_iterator, None)
        if first is None or first.WhichOneof("payload") != "header":
            raise InvalidArgument(
                "the first message of an upload must be its header", field="header", reason="HEADER_MISSING"
            )
        header = first.header
        media_type = validation.normalize_media_type(header.media_type)
        file_name = validation.safe_file_name(header.file_name)
        validation.check_sha256_format(header.sha256)  # malformed headers fail before any byte is stored
        validation.check_declared_size(
            header.declared_size if header.HasField("declared_size") else None, self._limits.max_upload_bytes
        )
        if header.options.max_attempts < 0:
            raise InvalidArgument("options.max_attempts cannot be negative", field="header.options.max_attempts")
        validation.check_read_options(header.options.delimiter, header.options.decimal)
        validation.check_date_order(header.options.date_order)
        validation.check_encoding(header.options.encoding)

        job_id = str(uuid.uuid4())
        span = trace.get_current_span()
        span.set_attributes({"sluice.job_id": job_id, "sluice.file_name": file_name, "sluice.media_type": media_type})
        with job_scope(job_id):
            return self._store_upload(job_id, caller.tenant, header, media_type, file_name, request_iterator)

    def _store_upload(
        self,
        job_id: str,
        tenant: str,
        header: ingest_service_pb2.UploadHeader,
        media_type: str,
        file_name: str,
        request_iterator: Iterator[ingest_service_pb2.UploadRequest],
    ) -> ingest_service_pb2.UploadResponse:
        declared_sha = validation.check_sha256_format(header.sha256)
        declared_size = header.declared_size if header.HasField("declared_size") else None
        writer = StreamingObjectWriter(
            s3=self._s3,
            bucket=self._bucket,
            key=raw_key(tenant, job_id, file_name),
            content_type=media_type,
            pool=self._buffers,
            executor=self._part_executor,
            parts_in_flight=self._limits.parts_in_flight,
        )
        try:
            digest = self._receive(request_iterator, writer, media_type)
            if writer.size == 0:
                raise InvalidArgument("the file is empty", field="chunk", reason="EMPTY_FILE")
            if declared_size is not None and writer.size != declared_size:
                raise InvalidArgument(
                    f"declared_size was {declared_size} but {writer.size} bytes arrived",
                    field="header.declared_size",
                    reason="SIZE_MISMATCH",
                )
            if declared_sha and digest != declared_sha:
                raise InvalidArgument(
                    f"the content's sha256 is {digest}, not the declared {declared_sha}",
                    field="header.sha256",
                    reason="SHA256_MISMATCH",
                )
            writer.complete()
        except (BotoCoreError, ClientError) as error:
            writer.abort()
            log.warning("upload %s: object storage failed: %s", job_id, error)
            raise Unavailable("object storage is unavailable; retry the upload", retry_after=2.0) from error
        except BaseException:
            writer.abort()  # client cancelled, bad input or a bug: leave no object behind
            raise

        trace.get_current_span().set_attribute("sluice.size_bytes", writer.size)
        new_job = NewJob(
            id=job_id,
            tenant=tenant,
            file_name=file_name,
            media_type=media_type,
            size_bytes=writer.size,
            sha256=digest,
            object_key=raw_key(tenant, job_id, file_name),
            max_attempts=header.options.max_attempts or self._limits.default_max_attempts,
            idempotency_key=header.idempotency_key or None,
            options={
                "delimiter": header.options.delimiter,
                "decimal": header.options.decimal,
                "date_order": validation.check_date_order(header.options.date_order),
                "encoding": validation.check_encoding(header.options.encoding),
                "na_values": list(header.options.na_values),
                "max_attempts": header.options.max_attempts,
            },
            trace_context=inject_context(),  # the upload's span: the relay and processor continue it
        )
        try:
            with self._telemetry.tracer.start_as_current_span("job.create", attributes={"sluice.job_id": job_id}):
                row, created = self._store.create(new_job)
        except psycopg.OperationalError as error:
            writer.delete()
            raise Unavailable("the job database is unavailable; retry the upload", retry_after=2.0) from error
        except BaseException:
            writer.delete()
            raise
        if not created:
            writer.delete()  # the earlier upload's object is the one the job uses
            if row["sha256"] != digest:
                raise AlreadyExists(
                    f"idempotency key {header.idempotency_key!r} was used for different content (job {row['id']})",
                    reason="IDEMPOTENCY_KEY_REUSED",
                    metadata={"job_id": str(row["id"])},
                )
        log.info("upload %s stored: %d bytes, tenant %s, created=%s", row["id"], writer.size, tenant, created)
        return ingest_service_pb2.UploadResponse(
            job=convert.job_to_proto(row), committed_size=row["size_bytes"], deduplicated=not created
        )

    def _receive(
        self, requests: Iterator[ingest_service_pb2.UploadRequest], writer: StreamingObjectWriter, media_type: str
    ) -> str:
        """Feed every chunk to S3 and the hash; check the first bytes against the media type."""
        sha = hashlib.sha256()
        head = bytearray()
        checked = False
        finished = False
        for message in requests:
            if finished:
                raise InvalidArgument(
                    "no message may follow the one with finish_write", field="finish_write", reason="WRITE_FINISHED"
                )
            finished = message.finish_write
            kind = message.WhichOneof("payload")
            if kind == "header":
                raise InvalidArgument(
                    "only the first message may be a header", field="header", reason="HEADER_REPEATED"
                )
            data = message.chunk if kind == "chunk" else b""
            if writer.size + len(data) > self._limits.max_upload_bytes:
                raise FailedPrecondition(
                    f"the file exceeds the largest accepted upload of {self._limits.max_upload_bytes} bytes",
                    reason="UPLOAD_TOO_LARGE",
                    metadata={"limit_bytes": str(self._limits.max_upload_bytes)},
                )
            if not checked:
                head += data[: validation.SNIFF_BYTES - len(head)]
                if len(head) >= validation.SNIFF_BYTES:
                    validation.check_content_matches(media_type, bytes(head))
                    checked = True
            sha.update(data)
            writer.write(data)
        if not finished:
            raise InvalidArgument(
                "the upload ended without a message setting finish_write; nothing was stored",
                field="finish_write",
                reason="UPLOAD_INCOMPLETE",
            )
        if not checked and head:
            validation.check_content_matches(media_type, bytes(head))
        return sha.hexdigest()

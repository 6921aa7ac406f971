"""Runs one job: claim it, keep its lease, stream the file from S3, profile, store, finish.

Every failure is classified: bad input -> FAILED at once; a dependency failing -> RETRYING with
backoff (FAILED and dead-lettered after the last attempt); lease lost -> stop without storing;
shutdown -> the job is released for another processor.
"""

from __future__ import annotations

import enum
import io
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import psycopg
from botocore.exceptions import BotoCoreError, ClientError
from opentelemetry import trace

from services.processor.engine import DEFAULT_NA_TOKENS, ProfileConfig, TableProfile, TableProfiler
from services.processor.engine.options import ReadOptions
from services.processor.engine.reading import NotATableError, open_table
from services.processor.report_html import render_html
from services.processor.results import profile_result, report_document
from sluice.errors import JobInputError, TransientJobError
from sluice.jobstate import RetryPolicy
from sluice.jobstore import JobStore, ProfileResult, Row
from sluice.objectstore import html_report_key, report_key
from sluice.telemetry import Telemetry

log = logging.getLogger(__name__)


class Outcome(enum.Enum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    RETRYING = "retrying"
    RELEASED = "released"
    LEASE_LOST = "lease_lost"
    SKIPPED = "skipped"  # not claimable: finished, held by another worker, or not due


class _Stop(Exception):
    """Raised inside the read loop to abandon the job (lease lost or shutdown)."""

    def __init__(self, outcome: Outcome):
        super().__init__(outcome.value)
        self.outcome = outcome


@dataclass(frozen=True)
class RunnerConfig:
    worker_id: str
    bucket: str
    lease_seconds: float
    read_chunk_bytes: int
    block_bytes: int
    chunk_rows: int
    profile: ProfileConfig
    retry: RetryPolicy


@dataclass(frozen=True)
class Profiled:
    profile: TableProfile
    duration_seconds: float


class _Progress:
    """Shared between the reading thread and the lease keeper."""

    def __init__(self) -> None:
        self.bytes_done = 0
        self.rows_done = 0
        self.lease_lost = threading.Event()


class _CountingReader(io.RawIOBase):
    """A raw stream over the S3 body that counts bytes and lets the job be abandoned mid-read."""

    def __init__(self, body: Any, progress: _Progress, should_abandon: Callable[[], Outcome | None]):
        self._body = body
        self._progress = progress
        self._should_abandon = should_abandon

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        abandon = self._should_abandon()
        if abandon is not None:
            raise _Stop(abandon)
        data = self._body.read(len(buffer))
        buffer[: len(data)] = data
        self._progress.bytes_done += len(data)
        return len(data)


class JobRunner:
    """Spans (children of the processor's `job.process`): job.download (until the object streams),
    job.parse (streaming read, parse and per-chunk accumulation: the download goes on inside it),
    job.profile (the final statistics) and job.store (report to S3, result to PostgreSQL)."""

    def __init__(self, *, store: JobStore, s3: Any, config: RunnerConfig, telemetry: Telemetry):
        self._store = store
        self._s3 = s3
        self._config = config
        self._tracer = telemetry.tracer
        self._metrics = telemetry.metrics

    def run(self, job_id: str, *, shutting_down: Callable[[], bool]) -> Outcome:
        cfg = self._config
        job = self._store.claim(job_id, worker=cfg.worker_id, lease_seconds=cfg.lease_seconds)
        if job is None:
            return Outcome.SKIPPED
        trace.get_current_span().set_attributes(
            {
                "sluice.tenant": job["tenant_id"],
                "sluice.attempt": job["attempt"],
                "sluice.size_bytes": job["size_bytes"],
                "sluice.file_name": job["file_name"],
            }
        )
        log.info("job %s: attempt %d started", job_id, job["attempt"])
        progress = _Progress()
        keeper_stop = threading.Event()
        keeper = threading.Thread(
            target=self._keep_lease, args=(job_id, progress, keeper_stop), name=f"lease-{job_id[:8]}", daemon=True
        )
        keeper.start()

        def should_abandon() -> Outcome | None:
            if progress.lease_lost.is_set():
                return Outcome.LEASE_LOST
            if shutting_down():
                return Outcome.RELEASED
            return None

        try:
            try:
                profiled = self._profile(job, progress, should_abandon)
            finally:
                self._metrics.processed_bytes.add(progress.bytes_done)
            with self._tracer.start_as_current_span("job.store"):
                result = self._store_reports(job, profiled)
                keeper_stop.set()
                keeper.join()
                stored = self._store.succeed(job_id, worker=cfg.worker_id, profile=result)
            if stored:
                log.info("job %s: succeeded, %d rows x %d columns", job_id, result.row_count, result.column_count)
                return Outcome.SUCCEEDED
            log.warning("job %s: lease lost before the result was stored; nothing stored", job_id)
            return Outcome.LEASE_LOST
        except _Stop as stop:
            if stop.outcome is Outcome.RELEASED:
                self._store.release(job_id, worker=cfg.worker_id, message="released: processor shutting down")
                log.info("job %s: released on shutdown", job_id)
            else:
                log.warning("job %s: lease lost while working; abandoned", job_id)
            return stop.outcome
        except JobInputError as error:
            self._store.fail(job_id, worker=cfg.worker_id, reason=error.reason, message=error.message)
            log.info("job %s: failed, bad input: %s", job_id, error.message)
            return Outcome.FAILED
        except TransientJobError as error:
            state = self._store.retry_or_fail(
                job_id, worker=cfg.worker_id, reason=error.reason, message=error.message, policy=cfg.retry
            )
            log.warning("job %s: %s (%s) -> %s", job_id, error.reason, error.message, state)
            return Outcome.RETRYING if state is not None and state.value == "RETRYING" else Outcome.FAILED
        finally:
            keeper_stop.set()

    def _keep_lease(self, job_id: str, progress: _Progress, stop: threading.Event) -> None:
        """Renew the lease (and publish progress) about every second, well within the lease."""
        cfg = self._config
        interval = min(1.0, cfg.lease_seconds / 3)
        while not stop.wait(interval):
            try:
                if not self._store.renew(
                    job_id,
                    worker=cfg.worker_id,
                    lease_seconds=cfg.lease_seconds,
                    bytes_done=progress.bytes_done,
                    rows_done=progress.rows_done,
                ):
                    progress.lease_lost.set()
                    return
            except psycopg.Error as error:
                # The lease may still be valid; keep trying until it would have expired.
                log.warning("job %s: lease renewal failed: %s", job_id, error)

    def _profile(self, job: Row, progress: _Progress, should_abandon: Callable[[], Outcome | None]) -> Profiled:
        cfg = self._config
        started = time.monotonic()
        options = job.get("options") or {}
        try:
            with self._tracer.start_as_current_span("job.download"):
                body = self._s3.get_object(Bucket=cfg.bucket, Key=job["object_key"])["Body"]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise JobInputError("UPLOAD_MISSING", "the uploaded file is no longer in storage") from error
            raise TransientJobError("STORAGE_UNAVAILABLE", f"object storage failed: {error}") from error
        except BotoCoreError as error:
            raise TransientJobError("STORAGE_UNAVAILABLE", f"object storage is unreachable: {error}") from error

        stream = io.BufferedReader(_CountingReader(body, progress, should_abandon), buffer_size=cfg.read_chunk_bytes)
        read_options = ReadOptions(
            delimiter=options.get("delimiter", ""), block_size=cfg.block_bytes, chunk_rows=cfg.chunk_rows
        )
        na_tokens = DEFAULT_NA_TOKENS | frozenset(options.get("na_values") or ())
        profiler = TableProfiler(replace(cfg.profile, na_tokens=na_tokens))
        with self._tracer.start_as_current_span("job.parse") as parse_span:
            try:
                reader = open_table(
                    stream, file_name=job["file_name"], media_type=job["media_type"], options=read_options
                )
                for chunk in reader:
                    profiler.update(chunk)
                    progress.rows_done += len(chunk)
            except _Stop:
                raise
            except NotATableError as error:
                raise JobInputError("NOT_A_TABLE", error.reason) from error
            except (BotoCoreError, ConnectionError) as error:
                message = f"reading the file from storage failed: {error}"
                raise TransientJobError("STORAGE_UNAVAILABLE", message) from error
            finally:
                body.close()
                parse_span.set_attributes({"sluice.bytes_read": progress.bytes_done, "sluice.rows": progress.rows_done})

        with self._tracer.start_as_current_span("job.profile"):
            profile = profiler.finish(reader.report)
        return Profiled(profile=profile, duration_seconds=time.monotonic() - started)

    def _store_reports(self, job: Row, profiled: Profiled) -> ProfileResult:
        """The JSON and HTML reports to S3; returns what goes to PostgreSQL."""
        tenant, job_id = job["tenant_id"], str(job["id"])
        document = report_document(job, profiled.profile, duration_seconds=profiled.duration_seconds)
        json_key, html_key = report_key(tenant, job_id), html_report_key(tenant, job_id)
        try:
            self._s3.put_object(
                Bucket=self._config.bucket,
                Key=json_key,
                Body=json.dumps(document, indent=1).encode(),
                ContentType="application/json",
            )
            self._s3.put_object(
                Bucket=self._config.bucket,
                Key=html_key,
                Body=render_html(document).encode(),
                ContentType="text/html; charset=utf-8",
            )
        except (BotoCoreError, ClientError) as error:
            raise TransientJobError("STORAGE_UNAVAILABLE", f"storing the report failed: {error}") from error
        return profile_result(
            profiled.profile,
            size_bytes=job["size_bytes"],
            report_key=json_key,
            html_report_key=html_key,
            duration_seconds=profiled.duration_seconds,
        )

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

from services.processor import memory
from services.processor.engine import (
    DEFAULT_NA_TOKENS,
    ParseReport,
    ProfileConfig,
    TableProfile,
    TableProfiler,
    column_pool,
    gathered,
)
from services.processor.engine.options import MAX_COLUMNS, PARQUET_PAGE_BUDGET, Dialect, ReadOptions
from services.processor.engine.read_ahead import ReadAhead
from services.processor.engine.reading import NotATableError, open_table
from services.processor.lease import LeaseKeeper
from services.processor.parts import SplitPolicy, pack_state, spent_part_error, split_plan, unpack_state
from services.processor.report_html import render_html
from services.processor.results import profile_result, report_document
from services.processor.sweeper import PartStateSweeper
from sluice.errors import JobInputError, TransientJobError
from sluice.jobstate import RetryPolicy
from sluice.jobstore import JobStore, ProfileResult, Row
from sluice.objectstore import RangedReader, html_report_key, part_state_key, range_arguments, report_key
from sluice.partstore import PartStore
from sluice.telemetry import Telemetry, inject_context

log = logging.getLogger(__name__)


class Outcome(enum.Enum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    RETRYING = "retrying"
    RELEASED = "released"
    LEASE_LOST = "lease_lost"
    SKIPPED = "skipped"  # not claimable: finished, held by another worker, or not due


def defect_message(error: Exception) -> str:
    """What a job that failed on a defect tells its user: the error's type and first line, not a stack trace
    (that goes to the processor's log and the job's trace)."""
    text = str(error).strip().splitlines()[0][:200] if str(error).strip() else ""
    what = f"{type(error).__name__}: {text}" if text else type(error).__name__
    return f"the profiler failed unexpectedly ({what}); this is a defect, not a problem with the file"


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
    read_window_bytes: int
    block_bytes: int
    chunk_rows: int
    profile: ProfileConfig
    retry: RetryPolicy
    split: SplitPolicy
    read_ahead: bool = True
    profile_threads: int = 1
    max_columns: int = MAX_COLUMNS
    parquet_page_bytes: int = PARQUET_PAGE_BUDGET


@dataclass(frozen=True)
class Profiled:
    profile: TableProfile
    duration_seconds: float
    part_count: int = 1


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
    """Spans (children of the processor's `job.process`): job.download (each ranged GET, until its body streams),
    job.parse (streaming read, parse and per-chunk accumulation: the download goes on inside it),
    job.profile (the final statistics) and job.store (report to S3, result to PostgreSQL)."""

    def __init__(
        self,
        *,
        store: JobStore,
        parts: PartStore,
        sweeper: PartStateSweeper,
        s3: Any,
        config: RunnerConfig,
        telemetry: Telemetry,
        release_memory: Callable[[], None] = memory.release,
    ):
        self._release_memory = release_memory  # after each job and part: see memory.py
        self._store = store
        self._parts = parts
        self._sweeper = sweeper
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
        keeper = LeaseKeeper(
            lambda: self._store.renew(
                job_id,
                worker=cfg.worker_id,
                lease_seconds=cfg.lease_seconds,
                bytes_done=progress.bytes_done,  # progress is published with the lease
                rows_done=progress.rows_done,
            ),
            lease_seconds=cfg.lease_seconds,
            lost=progress.lease_lost,
            name=f"job {job_id}",
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
                profiled = self._profile_job(job, progress, should_abandon)
            finally:
                self._metrics.processed_bytes.add(progress.bytes_done)
            with self._tracer.start_as_current_span("job.store"):
                result = self._store_reports(job, profiled)
                keeper.stop()
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
            return self._retry_or_fail(job_id, error.reason, error.message)
        except psycopg.OperationalError:
            raise  # the database is down: nothing can be recorded; the worker waits, the lease brings the job back
        except Exception as error:  # a defect (ours or a library's), not bad input: retried, then dead-lettered
            log.exception("job %s: unexpected error", job_id)
            trace.get_current_span().record_exception(error)
            return self._retry_or_fail(job_id, "INTERNAL", defect_message(error))
        finally:
            keeper.stop()
            # Whatever ended this attempt (success, failure, a cancel seen as a lost lease), a finished job's
            # part states are no longer needed; a job that will be retried keeps them.
            self._sweeper.sweep_quietly(job_id)
            self._release_memory()

    def _retry_or_fail(self, job_id: str, reason: str, message: str) -> Outcome:
        cfg = self._config
        state = self._store.retry_or_fail(
            job_id, worker=cfg.worker_id, reason=reason, message=message, policy=cfg.retry
        )
        log.warning("job %s: %s (%s) -> %s", job_id, reason, message, state)
        return Outcome.RETRYING if state is not None and state.value == "RETRYING" else Outcome.FAILED

    def _profile_job(self, job: Row, progress: _Progress, should_abandon: Callable[[], Outcome | None]) -> Profiled:
        """In one pass, or in parts by any processors when the file is large (see parts.py)."""
        if self._config.split.wants_split(job):
            with self._tracer.start_as_current_span("job.plan_parts") as span:
                parts = self._plan_parts(job)
                span.set_attribute("sluice.parts", len(parts))
            if parts:
                return self._profile_in_parts(job, progress, should_abandon)
        return self._profile(job, progress, should_abandon)

    def _read_options(self, job: Row) -> ReadOptions:
        options = job.get("options") or {}
        return ReadOptions(
            delimiter=options.get("delimiter", ""),
            decimal=options.get("decimal", ""),
            day_first={"day_first": True, "month_first": False}.get(options.get("date_order", "")),
            encoding=options.get("encoding", ""),
            block_size=self._config.block_bytes,
            chunk_rows=self._config.chunk_rows,
            max_columns=self._config.max_columns,
            parquet_page_budget=self._config.parquet_page_bytes,
        )

    def _profile_config(self, job: Row) -> ProfileConfig:
        extra = frozenset((job.get("options") or {}).get("na_values") or ())
        return replace(self._config.profile, na_tokens=DEFAULT_NA_TOKENS | extra)

    def _open_object(self, job: Row, *, first: int = 0, last: int | None = None) -> Any:
        """The object's body, bytes `first` through `last` (None: to the end), streaming."""
        extra = range_arguments(first, last)
        try:
            with self._tracer.start_as_current_span("job.download"):
                return self._s3.get_object(Bucket=self._config.bucket, Key=job["object_key"], **extra)["Body"]
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise JobInputError("UPLOAD_MISSING", "the uploaded file is no longer in storage") from error
            raise TransientJobError("STORAGE_UNAVAILABLE", f"object storage failed: {error}") from error
        except BotoCoreError as error:
            raise TransientJobError("STORAGE_UNAVAILABLE", f"object storage is unreachable: {error}") from error

    def _read(
        self,
        job: Row,
        progress: _Progress,
        should_abandon: Callable[[], Outcome | None],
        *,
        byte_range: tuple[int, int] | None = None,
        dialect: Dialect | None = None,
    ) -> tuple[TableProfiler, ParseReport]:
        """Stream the object (or a byte range of it) through a reader into a profiler."""
        cfg = self._config
        start, end = byte_range if byte_range else (0, None)
        body = RangedReader(
            lambda first, last: self._open_object(job, first=first, last=last),
            start=start,
            size=job["size_bytes"],
            window=cfg.read_window_bytes,
            # A part reads on to the line break after its end: through the buffer's read-ahead and a little more.
            first_end=None if end is None else end + 2 * cfg.read_chunk_bytes,
        )
        stream = io.BufferedReader(_CountingReader(body, progress, should_abandon), buffer_size=cfg.read_chunk_bytes)
        with self._tracer.start_as_current_span("job.parse") as parse_span:
            try:
                reader = open_table(
                    stream,
                    file_name=job["file_name"],
                    media_type=job["media_type"],
                    options=self._read_options(job),
                    byte_range=byte_range,
                    dialect=dialect,
                )
                # Numbers and dates are read as the file's dialect writes them (sniffed on part 0, or given).
                profiler = TableProfiler(self._profile_config(job).as_read(reader.report))
                with (
                    ReadAhead(gathered(reader.chunks()), enabled=cfg.read_ahead) as chunks,
                    column_pool(cfg.profile_threads) as pool,
                ):
                    for chunk in chunks:
                        profiler.update(chunk, pool)
                        progress.rows_done += len(chunk)
                        memory.after_chunk(len(chunk.columns))
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
        return profiler, reader.report

    def _profile(self, job: Row, progress: _Progress, should_abandon: Callable[[], Outcome | None]) -> Profiled:
        started = time.monotonic()
        profiler, report = self._read(job, progress, should_abandon)
        with self._tracer.start_as_current_span("job.profile"):
            profile = profiler.finish(report)
        return Profiled(profile=profile, duration_seconds=time.monotonic() - started)

    # ---- parts --------------------------------------------------------------------------

    def _plan_parts(self, job: Row) -> list[Row]:
        policy = self._config.split
        body = self._open_object(job, last=policy.sample_bytes - 1)
        try:
            sample = body.read()
        except (BotoCoreError, ConnectionError) as error:
            raise TransientJobError("STORAGE_UNAVAILABLE", f"reading the file from storage failed: {error}") from error
        finally:
            body.close()
        plan = split_plan(job, sample, policy, self._read_options(job))
        if plan is None:
            return []
        dialect, ranges = plan
        return self._parts.plan(
            str(job["id"]),
            worker=self._config.worker_id,
            ranges=ranges,
            dialect=dialect.to_dict(),
            headers=inject_context(),
        )

    def _profile_in_parts(
        self, job: Row, progress: _Progress, should_abandon: Callable[[], Outcome | None]
    ) -> Profiled:
        """Work on parts while any is left to claim, then wait for the others' parts. After each part and at
        each wake-up, the finished parts at the head of the file are merged, in part order: the merges left for
        the end are the last parts', not all of them (a merged profiler, tens of MiB, is held meanwhile)."""
        cfg, job_id = self._config, str(job["id"])
        started = time.monotonic()
        planned = self._store.get(job_id)  # the dialect the parts are read with (a retried job keeps its first)
        day_first = planned is not None and Dialect.from_dict(planned["dialect"]).day_first
        merged: tuple[TableProfiler, ParseReport] | None = None
        next_part = 0  # parts before this one are merged
        cut_in_field = False  # a part ended inside a quoted field: the cut after it may split a record
        with self._parts.watch(job_id) as watch:  # listening before the first look at the parts
            while True:
                abandon = should_abandon()
                if abandon is not None:
                    raise _Stop(abandon)
                # Storage failing on a part (ours or another's) queues it again after a backoff, and the job goes
                # on: a job retry would drop the parts other processors are working on. Meanwhile we take others.
                row = self._parts.claim(job_id, worker=cfg.worker_id, lease_seconds=cfg.lease_seconds)
                if row is not None:
                    outcome = self._work_part(row, shutting_down=lambda: should_abandon() is not None)
                    if outcome is not Outcome.SUCCEEDED:
                        row = None
                parts = self._parts.parts(job_id)
                if (spent := spent_part_error(parts, job["max_attempts"])) is not None:
                    raise spent
                done = [p for p in parts if p["state"] == "DONE"]
                progress.bytes_done = sum(p["end_byte"] - p["start_byte"] for p in done)
                progress.rows_done = sum(p["rows_read"] or 0 for p in done)
                failed = [p for p in parts if p["state"] == "FAILED"]
                if failed:  # the job fails as its first failed part did
                    reason = failed[0]["error_reason"] or "NOT_A_TABLE"
                    message = failed[0]["error_message"] or "a part of the file is not a table"
                    if reason == "INTERNAL":  # a defect: retried as the job is (the retry takes the part again)
                        raise TransientJobError(reason, message)
                    raise JobInputError(reason, message)
                while next_part < len(parts) and parts[next_part]["state"] == "DONE":
                    # The part before this one ended inside a quoted field (read before the merge, which replaces
                    # the flag with this part's; the last part's is the file's own open quote, no cut's).
                    ended_in_field = merged is not None and merged[1].open_quote_at_end
                    folded = self._merge_part(job, parts[next_part], merged, day_first=day_first)
                    if folded is None:  # to be read again
                        break
                    cut_in_field = cut_in_field or ended_in_field
                    merged = folded
                    next_part += 1
                if next_part == len(parts):
                    break
                if row is None:
                    watch.wait(0.5)  # a part's change wakes it; expired leases and shutdown are seen within 0.5 s
        assert merged is not None
        if cut_in_field:
            # Quoted line breaks the sample did not show, and a cut inside such a record: its halves would be
            # read as broken rows. The one-pass read gets it right (rare: such fields past the file's first MiB).
            log.warning("job %s: a part ended inside a quoted field; profiling the file again in one pass", job_id)
            trace.get_current_span().add_event("sluice.parts_discarded", {"sluice.reason": "cut inside a quoted field"})
            return self._profile(job, progress, should_abandon)
        with self._tracer.start_as_current_span("job.profile"):
            profile = merged[0].finish(merged[1])
        return Profiled(profile=profile, duration_seconds=time.monotonic() - started, part_count=len(parts))

    def _merge_part(
        self, job: Row, part: Row, merged: tuple[TableProfiler, ParseReport] | None, *, day_first: bool
    ) -> tuple[TableProfiler, ParseReport] | None:
        """Fold a finished part's stored state into the parts merged so far (which come before it in the file);
        None when the part is to be read again instead (see below). `day_first`: the dialect's date order."""
        with self._tracer.start_as_current_span("job.merge_part", attributes={"sluice.part": part["part"]}):
            try:
                blob = self._s3.get_object(Bucket=self._config.bucket, Key=part["state_key"])["Body"].read()
            except (BotoCoreError, ClientError) as error:
                raise TransientJobError("STORAGE_UNAVAILABLE", f"reading a part's profile failed: {error}") from error
            part_report, state = unpack_state(blob)
            if day_first and not part_report.day_first:
                # Read by a processor of the version before day-first dates (a rolling upgrade): its dates were
                # read month first. It is read again, by whichever processor takes it.
                self._read_again(job, part, "without its date order")
                return None
            profiler = TableProfiler.from_bytes(state, self._profile_config(job))
            width = len(profiler.columns or ())
            if width != min(width + part_report.columns_left_out, self._config.max_columns):
                # Read by a processor with another SLUICE_MAX_COLUMNS (changed while the job ran): its columns are
                # not the others', and merging it failed the job on every attempt. Read again, as above.
                self._read_again(job, part, f"on {width} columns, not this processor's")
                return None
            if merged is None:
                return profiler, part_report
            merged[0].merge(profiler)
            merged[1].merge(part_report, line_offset=merged[1].lines_read)
            return merged

    def _read_again(self, job: Row, part: Row, why: str) -> None:
        """Have a finished part read again, by whichever processor takes it (its stored state deleted)."""
        log.info("job %s: part %d was read %s; reading it again", job["id"], part["part"], why)
        if self._parts.read_again(str(job["id"]), part["part"]):
            self._s3.delete_object(Bucket=self._config.bucket, Key=part["state_key"])
        return None

    def run_part(
        self,
        job_id: str,
        part: int | None,
        *,
        shutting_down: Callable[[], bool],
        take_more: Callable[[], bool] = lambda: True,
    ) -> Outcome:
        """A part message: take that part if it is still to be done (else, unless draining, any other part of the
        job), and do it; then, while `take_more()` (false once the processor drains), keep taking the job's other
        parts while any is left. `part` None: any part (an idle processor found the job waiting). Messages only
        wake processors up: which partition a part's message landed on must not decide who works, or a
        processor idles while the other still has a queue."""
        cfg = self._config
        row = self._parts.claim(job_id, worker=cfg.worker_id, lease_seconds=cfg.lease_seconds, part=part)
        if row is None and part is not None and take_more():
            row = self._parts.claim(job_id, worker=cfg.worker_id, lease_seconds=cfg.lease_seconds)
        if row is None:
            return Outcome.SKIPPED
        outcome = self._work_part(row, shutting_down=shutting_down)
        while outcome is Outcome.SUCCEEDED and take_more() and not shutting_down():
            row = self._parts.claim(job_id, worker=cfg.worker_id, lease_seconds=cfg.lease_seconds)
            if row is None:
                break
            outcome = self._work_part(row, shutting_down=shutting_down)
        return outcome

    def waiting_part_job(self) -> tuple[str, dict[str, str]] | None:
        """A running job with a part nobody has taken (id, trace context), for a processor with nothing to do."""
        row = self._parts.waiting_job()
        return (str(row["id"]), dict(row["trace_context"] or {})) if row is not None else None

    def _work_part(self, row: Row, *, shutting_down: Callable[[], bool]) -> Outcome:
        try:
            return self._profile_part(row, shutting_down=shutting_down)
        finally:
            self._release_memory()  # the part's profiler is gone with _profile_part's frame

    def _profile_part(self, row: Row, *, shutting_down: Callable[[], bool]) -> Outcome:
        """Profile one claimed part under its own lease; store its partial state; mark it DONE."""
        cfg = self._config
        job_id, part = str(row["job_id"]), int(row["part"])
        job = {**row, "id": row["job_id"]}
        progress = _Progress()
        keeper = LeaseKeeper(
            lambda: self._parts.renew(job_id, part, worker=cfg.worker_id, lease_seconds=cfg.lease_seconds),
            lease_seconds=cfg.lease_seconds,
            lost=progress.lease_lost,
            name=f"job {job_id} part {part}",
        )

        def should_abandon() -> Outcome | None:
            if progress.lease_lost.is_set():
                return Outcome.LEASE_LOST
            return Outcome.RELEASED if shutting_down() else None

        keeper.start()
        try:
            with self._tracer.start_as_current_span(
                "job.part", attributes={"sluice.job_id": job_id, "sluice.part": part}
            ) as span:
                dialect = Dialect.from_dict(row["dialect"])
                profiler, report = self._read(
                    job, progress, should_abandon, byte_range=(row["start_byte"], row["end_byte"]), dialect=dialect
                )
                key = part_state_key(row["tenant_id"], job_id, part)
                try:
                    self._s3.put_object(Bucket=cfg.bucket, Key=key, Body=pack_state(report, profiler.to_bytes()))
                except (BotoCoreError, ClientError) as error:
                    raise TransientJobError("STORAGE_UNAVAILABLE", f"storing a part failed: {error}") from error
                keeper.stop()
                span.set_attribute("sluice.rows", report.rows_read)
                if not self._parts.finish(job_id, part, worker=cfg.worker_id, rows=report.rows_read, state_key=key):
                    return Outcome.LEASE_LOST
                log.info("job %s: part %d done, %d rows", job_id, part, report.rows_read)
                return Outcome.SUCCEEDED
        except _Stop as stopped:
            if stopped.outcome is Outcome.RELEASED:
                self._parts.give_back(job_id, part, worker=cfg.worker_id)
            return stopped.outcome
        except JobInputError as error:
            self._parts.give_back(
                job_id, part, worker=cfg.worker_id, error=error.message, failed=True, reason=error.reason
            )
            return Outcome.FAILED
        except TransientJobError as error:
            delay = cfg.retry.delay(row["attempts"])
            log.warning("job %s part %d: %s; queued again in %.1f s", job_id, part, error.message, delay)
            self._parts.give_back(
                job_id, part, worker=cfg.worker_id, error=error.message, reason=error.reason, retry_after=delay
            )
            return Outcome.RETRYING
        except psycopg.OperationalError:
            raise  # the database is down: the part comes back when its lease runs out
        except Exception as error:  # a defect: the part fails, and its job is retried or fails with it
            log.exception("job %s part %d: unexpected error", job_id, part)
            trace.get_current_span().record_exception(error)
            message = defect_message(error)
            self._parts.give_back(job_id, part, worker=cfg.worker_id, error=message, failed=True, reason="INTERNAL")
            return Outcome.FAILED
        finally:
            keeper.stop()

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
            part_count=profiled.part_count,
        )

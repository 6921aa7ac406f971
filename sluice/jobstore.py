"""Jobs in PostgreSQL, the source of truth: every state change is one transaction that also
records a job event and, where work must reach Kafka, an outbox row (published by the relay).

Every change is conditional on the state it expects, so a stale actor (a redelivered message,
a worker whose lease expired) changes nothing and learns so from the return value.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from psycopg import Connection
from psycopg.types.json import Jsonb

from sluice.db import Pool
from sluice.jobstate import RetryPolicy, State, after_transient_failure

Row = dict[str, Any]
OUTBOX_CHANNEL = "sluice_outbox"
T = TypeVar("T")


@dataclass(frozen=True)
class NewJob:
    """What ingest knows about a stored upload."""

    id: str
    tenant: str
    file_name: str
    media_type: str
    size_bytes: int
    sha256: str
    object_key: str
    max_attempts: int
    idempotency_key: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    trace_context: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Topics:
    jobs: str
    dlq: str


@dataclass(frozen=True)
class ColumnResult:
    position: int
    name: str
    inferred_type: str
    count: int
    missing: int
    distinct: int
    distinct_approximate: bool
    min_value: str | None
    max_value: str | None
    mean: float | None
    detail: Mapping[str, Any] = field(default_factory=dict)  # the engine's full column profile (JSON-ready)


@dataclass(frozen=True)
class ProfileResult:
    row_count: int
    column_count: int
    missing_cells: int
    size_bytes: int
    delimiter: str
    report_key: str
    duration_seconds: float
    columns: Sequence[ColumnResult]
    detail: Mapping[str, Any] = field(default_factory=dict)  # the profile without its columns (JSON-ready)
    html_report_key: str = ""
    part_count: int = 1


def job_message(job: Row, *, attempt: int) -> dict[str, Any]:
    """The Kafka payload for a job: just enough to find the row; PostgreSQL holds the truth."""
    return {"job_id": str(job["id"]), "tenant": job["tenant_id"], "attempt": attempt}


def without_nul(value: T) -> T:
    """`value` with every NUL character in its text (keys too) replaced by U+FFFD, the mark the profiler gives
    undecodable bytes: PostgreSQL's text and jsonb hold no NUL, and a file may (a value past the sniffed sample).
    The JSON and HTML reports in object storage keep the file's text as it is."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd") if "\x00" in value else value  # type: ignore[return-value]
    if isinstance(value, dict):
        return {without_nul(k): without_nul(v) for k, v in value.items()}  # type: ignore[return-value]
    if isinstance(value, list | tuple):
        return type(value)(without_nul(v) for v in value)  # type: ignore[return-value]
    return value


class JobStore:
    """All job reads and transitions. After each committed change `on_change(job_id)` runs and,
    for a state change, `on_transition(state_entered, reason)` (the transitions metric; the reason
    is the error reason of a FAILED or RETRYING transition, else empty)."""

    def __init__(
        self,
        *,
        pool: Pool,
        topics: Topics,
        on_change: Callable[[str], None] | None = None,
        on_transition: Callable[[State, str], None] | None = None,
    ):
        self._pool = pool
        self._topics = topics
        self._on_change = on_change or (lambda _job_id: None)
        self._on_transition = on_transition or (lambda _state, _reason: None)

    def _committed(self, job_id: str, entered: State | None, reason: str = "") -> None:
        if entered is not None:
            self._on_transition(entered, reason)
        self._on_change(job_id)

    # ---- writes -------------------------------------------------------------------------

    def create(self, job: NewJob) -> tuple[Row, bool]:
        """Insert a QUEUED job with its event and outbox row. Returns (row, created); when the
        idempotency key was used before, returns the earlier job and created=False."""
        with self._pool.connection() as conn, conn.transaction():
            row = conn.execute(
                """
                INSERT INTO jobs (id, tenant_id, state, file_name, media_type, size_bytes, sha256, object_key,
                                  idempotency_key, options, max_attempts, trace_context)
                VALUES (%s, %s, 'QUEUED', %s, %s, %s, %s, %s, %s, %s, %s, %s)
                ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
                RETURNING *
                """,
                (
                    job.id,
                    job.tenant,
                    job.file_name,
                    job.media_type,
                    job.size_bytes,
                    job.sha256,
                    job.object_key,
                    job.idempotency_key,
                    Jsonb(job.options),
                    job.max_attempts,
                    Jsonb(job.trace_context),
                ),
            ).fetchone()
            if row is None:
                existing = conn.execute(
                    "SELECT * FROM jobs WHERE tenant_id = %s AND idempotency_key = %s",
                    (job.tenant, job.idempotency_key),
                ).fetchone()
                assert existing is not None  # the conflicting row; jobs are never deleted
                return existing, False
            _record(conn, row["id"], None, State.QUEUED, 0, "ingest", "upload stored")
            _enqueue(conn, self._topics.jobs, row, attempt=1, headers=job.trace_context)
        self._committed(str(row["id"]), State.QUEUED)
        return row, True

    def claim(self, job_id: str, *, worker: str, lease_seconds: float) -> Row | None:
        """Take a QUEUED or due RETRYING job whose lease is free; None if someone else has it,
        it is finished, or it is not due yet (the relay publishes it again when due)."""
        with self._pool.connection() as conn, conn.transaction():
            before = conn.execute("SELECT state FROM jobs WHERE id = %s FOR UPDATE", (_uuid(job_id),)).fetchone()
            if before is None:
                return None
            row = conn.execute(
                """
                UPDATE jobs SET state = 'RUNNING', attempt = attempt + 1, lease_owner = %(worker)s,
                       lease_expires_at = now() + make_interval(secs => %(lease)s),
                       started_at = coalesce(started_at, now()), updated_at = now(),
                       next_attempt_at = NULL, bytes_done = 0, rows_done = 0
                 WHERE id = %(id)s AND state IN ('QUEUED', 'RETRYING')
                   AND (lease_expires_at IS NULL OR lease_expires_at < now())
                   AND (next_attempt_at IS NULL OR next_attempt_at <= now())
                RETURNING *
                """,
                {"worker": worker, "lease": lease_seconds, "id": _uuid(job_id)},
            ).fetchone()
            if row is None:
                return None
            _record(conn, row["id"], State(before["state"]), State.RUNNING, row["attempt"], worker, "claimed")
        self._committed(job_id, State.RUNNING)
        return row

    def renew(self, job_id: str, *, worker: str, lease_seconds: float, bytes_done: int, rows_done: int) -> bool:
        """Extend the lease and record progress, which never goes back within an attempt (a job in parts: the
        parts other processors finish count at once, the coordinator's figure only between its own parts);
        False when the lease is no longer ours."""
        with self._pool.connection() as conn, conn.transaction():
            cur = conn.execute(
                """
                UPDATE jobs SET lease_expires_at = now() + make_interval(secs => %s),
                       bytes_done = greatest(bytes_done, %s), rows_done = greatest(rows_done, %s), updated_at = now()
                 WHERE id = %s AND state = 'RUNNING' AND lease_owner = %s
                """,
                (lease_seconds, bytes_done, rows_done, _uuid(job_id), worker),
            )
            renewed = cur.rowcount == 1
        if renewed:
            self._committed(job_id, None)
        return renewed

    def succeed(self, job_id: str, *, worker: str, profile: ProfileResult) -> bool:
        """Store the profile and mark SUCCEEDED in one transaction, only while we hold the lease:
        a worker that lost its lease stores nothing, so there is exactly one result."""
        with self._pool.connection() as conn, conn.transaction():
            row = conn.execute(
                """
                UPDATE jobs SET state = 'SUCCEEDED', lease_owner = NULL, lease_expires_at = NULL,
                       finished_at = now(), updated_at = now(), bytes_done = size_bytes, rows_done = %s,
                       error_reason = NULL, error_message = NULL, error_retryable = NULL
                 WHERE id = %s AND state = 'RUNNING' AND lease_owner = %s
                RETURNING id, attempt
                """,
                (profile.row_count, _uuid(job_id), worker),
            ).fetchone()
            if row is None:
                return False
            conn.execute(
                """
                INSERT INTO profiles (job_id, row_count, column_count, missing_cells, size_bytes, delimiter,
                                      report_key, duration_seconds, detail, html_report_key, part_count)
                VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
                """,
                (
                    row["id"],
                    profile.row_count,
                    profile.column_count,
                    profile.missing_cells,
                    profile.size_bytes,
                    without_nul(profile.delimiter),
                    profile.report_key,
                    profile.duration_seconds,
                    Jsonb(without_nul(dict(profile.detail))),
                    profile.html_report_key,
                    profile.part_count,
                ),
            )
            with conn.cursor() as cur:
                cur.executemany(
                    """
                    INSERT INTO column_profiles (job_id, position, name, inferred_type, count, missing,
                                                 distinct_count, distinct_approximate, min_value, max_value, mean,
                                                 detail)
                    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
                    """,
                    [
                        (
                            row["id"],
                            c.position,
                            without_nul(c.name),
                            c.inferred_type,
                            c.count,
                            c.missing,
                            c.distinct,
                            c.distinct_approximate,
                            without_nul(c.min_value),
                            without_nul(c.max_value),
                            c.mean,
                            Jsonb(without_nul(dict(c.detail))),
                        )
                        for c in profile.columns
                    ],
                )
            _record(conn, row["id"], State.RUNNING, State.SUCCEEDED, row["attempt"], worker, "profile stored")
        self._committed(job_id, State.SUCCEEDED)
        return True

    def fail(self, job_id: str, *, worker: str, reason: str, message: str) -> bool:
        """Bad input: FAILED at once (no retry, no dead-letter copy: retrying cannot help)."""
        with self._pool.connection() as conn, conn.transaction():
            row = self._finish_failed(
                conn, job_id, worker=worker, reason=reason, message=message, retryable=False, dead_letter=False
            )
        if row is not None:
            self._committed(job_id, State.FAILED, reason)
        return row is not None

    def retry_or_fail(
        self, job_id: str, *, worker: str, reason: str, message: str, policy: RetryPolicy
    ) -> State | None:
        """A transient failure of our RUNNING attempt: RETRYING with backoff while attempts
        remain (the outbox row becomes due then), else FAILED plus a dead-letter copy."""
        with self._pool.connection() as conn, conn.transaction():
            row = conn.execute(
                "SELECT * FROM jobs WHERE id = %s AND state = 'RUNNING' AND lease_owner = %s FOR UPDATE",
                (_uuid(job_id), worker),
            ).fetchone()
            if row is None:
                return None
            target = self._retry_locked(conn, row, worker=worker, reason=reason, message=message, policy=policy)
        self._committed(job_id, target, reason)
        return target

    def release(self, job_id: str, *, worker: str, message: str) -> bool:
        """Give a job back unfinished (shutdown): RETRYING, due now, the attempt not counted."""
        with self._pool.connection() as conn, conn.transaction():
            row = conn.execute(
                """
                UPDATE jobs SET state = 'RETRYING', attempt = attempt - 1, lease_owner = NULL,
                       lease_expires_at = NULL, next_attempt_at = now(), updated_at = now()
                 WHERE id = %s AND state = 'RUNNING' AND lease_owner = %s
                RETURNING *
                """,
                (_uuid(job_id), worker),
            ).fetchone()
            if row is None:
                return False
            _record(conn, row["id"], State.RUNNING, State.RETRYING, row["attempt"], worker, message)
            _enqueue(conn, self._topics.jobs, row, attempt=row["attempt"] + 1, headers=row["trace_context"])
        self._committed(job_id, State.RETRYING, "RELEASED")
        return True

    def cancel(self, job_id: str, *, tenant: str) -> tuple[Row | None, bool]:
        """Cancel an unfinished job of this tenant. Returns (row, cancelled); row None if unknown."""
        with self._pool.connection() as conn, conn.transaction():
            row = conn.execute(
                "SELECT * FROM jobs WHERE id = %s AND tenant_id = %s FOR UPDATE", (_uuid(job_id), tenant)
            ).fetchone()
            if row is None or State(row["state"]).terminal:
                return row, False
            row = conn.execute(
                """
                UPDATE jobs SET state = 'CANCELLED', lease_owner = NULL, lease_expires_at = NULL,
                       next_attempt_at = NULL, finished_at = now(), updated_at = now()
                 WHERE id = %s RETURNING *
                """,
                (row["id"],),
            ).fetchone()
            assert row is not None
            _record(conn, row["id"], None, State.CANCELLED, row["attempt"], "status", "cancelled by owner")
        self._committed(job_id, State.CANCELLED)
        return row, True

    def reap_expired(self, *, policy: RetryPolicy, limit: int = 100) -> list[str]:
        """RUNNING jobs whose lease ran out (their worker died) go back to RETRYING (or FAILED
        after the last attempt). SKIP LOCKED lets several ingest replicas reap side by side."""
        reaped: list[tuple[str, State]] = []
        with self._pool.connection() as conn, conn.transaction():
            rows = conn.execute(
                """
                SELECT * FROM jobs WHERE state = 'RUNNING' AND lease_expires_at < now()
                 ORDER BY lease_expires_at LIMIT %s FOR UPDATE SKIP LOCKED
                """,
                (limit,),
            ).fetchall()
            for row in rows:
                target = self._retry_locked(
                    conn,
                    row,
                    worker="reaper",
                    reason="WORKER_LOST",
                    message=f"worker {row['lease_owner']} stopped renewing its lease",
                    policy=policy,
                )
                reaped.append((str(row["id"]), target))
        for job_id, target in reaped:
            self._committed(job_id, target, "WORKER_LOST")
        return [job_id for job_id, _ in reaped]

    # ---- reads --------------------------------------------------------------------------

    def get(self, job_id: str, *, tenant: str | None = None) -> Row | None:
        with self._pool.connection() as conn:
            sql = "SELECT * FROM jobs WHERE id = %s" + (" AND tenant_id = %s" if tenant is not None else "")
            params: tuple[Any, ...] = (_uuid(job_id),) if tenant is None else (_uuid(job_id), tenant)
            return conn.execute(sql, params).fetchone()

    def events(self, job_id: str) -> list[Row]:
        with self._pool.connection() as conn:
            return conn.execute("SELECT * FROM job_events WHERE job_id = %s ORDER BY id", (_uuid(job_id),)).fetchall()

    def list_jobs(
        self, *, tenant: str, states: Iterable[State], limit: int, after: tuple[datetime, str] | None
    ) -> list[Row]:
        """Newest first, keyset-paged on (created_at, id)."""
        clauses, params = ["tenant_id = %s"], [tenant]
        state_names = [s.value for s in states]
        if state_names:
            clauses.append("state = ANY(%s)")
            params.append(state_names)  # type: ignore[arg-type]
        if after is not None:
            clauses.append("(created_at, id) < (%s, %s)")
            params.extend([after[0], _uuid(after[1])])  # type: ignore[list-item]
        sql = f"SELECT * FROM jobs WHERE {' AND '.join(clauses)} ORDER BY created_at DESC, id DESC LIMIT %s"
        with self._pool.connection() as conn:
            return conn.execute(sql, (*params, limit)).fetchall()

    def count_unfinished(self) -> dict[State, int]:
        """Jobs per unfinished state (every such state present, 0 when none); served by a partial index."""
        with self._pool.connection() as conn:
            rows = conn.execute(
                "SELECT state, count(*) AS n FROM jobs WHERE state IN ('QUEUED', 'RUNNING', 'RETRYING') GROUP BY state"
            ).fetchall()
        counts = {state: 0 for state in (State.QUEUED, State.RUNNING, State.RETRYING)}
        counts.update({State(r["state"]): int(r["n"]) for r in rows})
        return counts

    def outbox_due(self) -> int:
        """Outbox rows due for publishing and not yet published (the relay's backlog)."""
        with self._pool.connection() as conn:
            row = conn.execute("SELECT count(*) AS n FROM outbox WHERE available_at <= now()").fetchone()
        return int(row["n"]) if row else 0

    def profile(self, job_id: str) -> Row | None:
        with self._pool.connection() as conn:
            return conn.execute("SELECT * FROM profiles WHERE job_id = %s", (_uuid(job_id),)).fetchone()

    def columns(self, job_id: str, *, offset: int, limit: int) -> tuple[list[Row], int]:
        with self._pool.connection() as conn:
            rows = conn.execute(
                "SELECT * FROM column_profiles WHERE job_id = %s ORDER BY position OFFSET %s LIMIT %s",
                (_uuid(job_id), offset, limit),
            ).fetchall()
            total = conn.execute(
                "SELECT count(*) AS n FROM column_profiles WHERE job_id = %s", (_uuid(job_id),)
            ).fetchone()
        return rows, int(total["n"]) if total else 0

    # ---- internals ----------------------------------------------------------------------

    def _retry_locked(
        self, conn: Connection[Any], row: Row, *, worker: str, reason: str, message: str, policy: RetryPolicy
    ) -> State:
        message = without_nul(message)  # an error's text may quote the file
        target = after_transient_failure(row["attempt"], row["max_attempts"])
        if target is State.FAILED:
            self._finish_failed(
                conn,
                str(row["id"]),
                worker=worker,
                reason=reason,
                message=f"{message} (gave up after {row['attempt']} attempts)",
                retryable=True,
                dead_letter=True,
            )
            return target
        delay = policy.delay(row["attempt"])
        updated = conn.execute(
            """
            UPDATE jobs SET state = 'RETRYING', lease_owner = NULL, lease_expires_at = NULL,
                   next_attempt_at = now() + make_interval(secs => %s), updated_at = now(),
                   error_reason = %s, error_message = %s, error_retryable = true
             WHERE id = %s RETURNING *
            """,
            (delay, reason, message, row["id"]),
        ).fetchone()
        assert updated is not None
        _record(
            conn,
            row["id"],
            State.RUNNING,
            State.RETRYING,
            row["attempt"],
            worker,
            f"{reason}: {message}; retry in {delay:.1f}s",
        )
        _enqueue(
            conn,
            self._topics.jobs,
            updated,
            attempt=row["attempt"] + 1,
            headers=row["trace_context"],
            delay_seconds=delay,
        )
        return target

    def _finish_failed(
        self,
        conn: Connection[Any],
        job_id: str,
        *,
        worker: str,
        reason: str,
        message: str,
        retryable: bool,
        dead_letter: bool,
    ) -> Row | None:
        message = without_nul(message)  # an error's text may quote the file
        row = conn.execute(
            """
            UPDATE jobs SET state = 'FAILED', lease_owner = NULL, lease_expires_at = NULL, next_attempt_at = NULL,
                   finished_at = now(), updated_at = now(),
                   error_reason = %s, error_message = %s, error_retryable = %s
             WHERE id = %s AND state IN ('RUNNING', 'QUEUED', 'RETRYING')
               AND (state <> 'RUNNING' OR lease_owner = %s OR %s = 'reaper')
            RETURNING *
            """,
            (reason, message, retryable, _uuid(job_id), worker, worker),
        ).fetchone()
        if row is None:
            return None
        _record(conn, row["id"], State.RUNNING, State.FAILED, row["attempt"], worker, f"{reason}: {message}")
        if dead_letter:
            payload = {**job_message(row, attempt=row["attempt"]), "reason": reason, "message": message}
            _enqueue_payload(conn, self._topics.dlq, str(row["id"]), payload, headers=row["trace_context"])
        return row


def _uuid(job_id: str) -> uuid.UUID:
    return uuid.UUID(str(job_id))


def _record(
    conn: Connection[Any], job_id: Any, source: State | None, target: State, attempt: int, worker: str, message: str
) -> None:
    conn.execute(
        "INSERT INTO job_events (job_id, from_state, to_state, attempt, worker, message)"
        " VALUES (%s, %s, %s, %s, %s, %s)",
        (job_id, source.value if source else None, target.value, attempt, worker, without_nul(message)),
    )


def _enqueue(
    conn: Connection[Any], topic: str, job: Row, *, attempt: int, headers: dict[str, str], delay_seconds: float = 0.0
) -> None:
    _enqueue_payload(
        conn, topic, str(job["id"]), job_message(job, attempt=attempt), headers=headers, delay_seconds=delay_seconds
    )


def _enqueue_payload(
    conn: Connection[Any],
    topic: str,
    key: str,
    payload: dict[str, Any],
    *,
    headers: dict[str, str],
    delay_seconds: float = 0.0,
) -> None:
    conn.execute(
        """
        INSERT INTO outbox (topic, key, payload, headers, available_at)
        VALUES (%s, %s, %s, %s, now() + make_interval(secs => %s))
        """,
        (topic, key, Jsonb(payload), Jsonb(headers), delay_seconds),
    )
    # Wakes the relay at commit; a delayed row is found by the relay's timer instead.
    conn.execute(f"NOTIFY {OUTBOX_CHANNEL}")


__all__ = ["ColumnResult", "JobStore", "NewJob", "ProfileResult", "Row", "Topics", "job_message"]

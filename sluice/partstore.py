"""Byte-range parts of a job (table job_parts): planned by the job's claimant, claimed by any processor
under a lease of their own, finished once each. Every write is conditional, like the job's own."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from sluice.db import Pool
from sluice.jobstate import TERMINAL
from sluice.jobstore import Row, _enqueue_payload, _uuid, without_nul
from sluice.telemetry import quiet

log = logging.getLogger(__name__)

# NOTIFY channel of part changes (payload: the job id), sent with the commit of a part that finishes, fails or is
# given back: its job's coordinator wakes at once (PartWatch) instead of at its next look at the parts table.
PARTS_CHANNEL = "sluice_parts"

# A part row with what a processor needs of its job to read the range.
# A part nobody works on: QUEUED, or RUNNING under a lease its worker stopped renewing (it died).
_IDLE = "(p.state = 'QUEUED' OR (p.state = 'RUNNING' AND p.lease_expires_at < now()))"
_PART_WITH_JOB = """
    p.*, j.tenant_id, j.object_key, j.file_name, j.media_type, j.options, j.dialect, j.trace_context, j.size_bytes
"""


class PartStore:
    def __init__(self, *, pool: Pool, jobs_topic: str, on_change: Callable[[str], None] | None = None):
        self._pool = pool
        self._topic = jobs_topic
        self._on_change = on_change or (lambda _job_id: None)

    def plan(
        self,
        job_id: str,
        *,
        worker: str,
        ranges: Sequence[tuple[int, int]],
        dialect: Mapping[str, Any],
        headers: Mapping[str, str],
    ) -> list[Row]:
        """Record the parts (once: a retried job keeps its plan and its DONE parts) and publish one
        message per part not DONE for other processors. Only the job's lease holder may plan."""
        with self._pool.connection() as conn, conn.transaction():
            job = conn.execute(
                "SELECT * FROM jobs WHERE id = %s AND state = 'RUNNING' AND lease_owner = %s FOR UPDATE",
                (_uuid(job_id), worker),
            ).fetchone()
            if job is None:
                return []
            if job["part_count"] == 0:
                with conn.cursor() as cur:
                    cur.executemany(
                        "INSERT INTO job_parts (job_id, part, start_byte, end_byte) VALUES (%s, %s, %s, %s)",
                        [(job["id"], i, start, end) for i, (start, end) in enumerate(ranges)],
                    )
                conn.execute(
                    "UPDATE jobs SET part_count = %s, parts_done = 0, dialect = %s WHERE id = %s",
                    (len(ranges), Jsonb(dict(dialect)), job["id"]),
                )
            # A retried job tries again the parts that failed on a defect (bad input fails the same way again),
            # and gives every part not DONE the job's attempts afresh: a part spent on a storage outage in the
            # last attempt is tried again in this one, at once.
            conn.execute(
                """UPDATE job_parts SET state = 'QUEUED', error_message = NULL, error_reason = NULL
                    WHERE job_id = %s AND state = 'FAILED' AND error_reason = 'INTERNAL'""",
                (job["id"],),
            )
            conn.execute(
                "UPDATE job_parts SET attempts = 0, not_before = NULL WHERE job_id = %s AND state <> 'DONE'",
                (job["id"],),
            )
            parts = conn.execute("SELECT * FROM job_parts WHERE job_id = %s ORDER BY part", (job["id"],)).fetchall()
            for part in parts:
                if part["state"] != "DONE":
                    payload = {"job_id": job_id, "tenant": job["tenant_id"], "part": part["part"]}
                    # Keyed by part, not by job: the parts spread over the partitions, hence over processors.
                    key = f"{job_id}/{part['part']}"
                    _enqueue_payload(conn, self._topic, key, payload, headers=dict(headers))
        self._on_change(job_id)
        return parts

    def claim(self, job_id: str, *, worker: str, lease_seconds: float, part: int | None = None) -> Row | None:
        """Take a part that is idle (see _IDLE) and has tries left (the given one, or any of the job) while the
        job is RUNNING; None when there is none."""
        with self._pool.connection() as conn, conn.transaction():
            candidate = conn.execute(
                f"""
                SELECT p.part FROM job_parts p JOIN jobs j ON j.id = p.job_id
                 WHERE p.job_id = %(job)s AND j.state = 'RUNNING' AND (%(part)s::int IS NULL OR p.part = %(part)s)
                   AND {_IDLE} AND (p.not_before IS NULL OR p.not_before <= now()) AND p.attempts < j.max_attempts
                 ORDER BY p.part LIMIT 1 FOR UPDATE OF p SKIP LOCKED
                """,
                {"job": _uuid(job_id), "part": part},
            ).fetchone()
            if candidate is None:
                return None
            conn.execute(
                """
                UPDATE job_parts SET state = 'RUNNING', lease_owner = %s, attempts = attempts + 1, not_before = NULL,
                       lease_expires_at = now() + make_interval(secs => %s)
                 WHERE job_id = %s AND part = %s
                """,
                (worker, lease_seconds, _uuid(job_id), candidate["part"]),
            )
            return conn.execute(
                f"SELECT {_PART_WITH_JOB} FROM job_parts p JOIN jobs j ON j.id = p.job_id"
                " WHERE p.job_id = %s AND p.part = %s",
                (_uuid(job_id), candidate["part"]),
            ).fetchone()

    def waiting_job(self) -> Row | None:
        """The oldest RUNNING job with a part nobody has taken yet (its id and trace context), or None.

        Idle processors ask this between polls of the broker: a part's message may sit behind another job on a
        busy processor's partition, or reach the broker late, while this answers at once."""
        with self._pool.connection() as conn:
            return conn.execute(
                """
                SELECT j.id, j.trace_context FROM jobs j
                 WHERE j.state = 'RUNNING' AND j.part_count > 0
                   AND EXISTS (SELECT 1 FROM job_parts p WHERE p.job_id = j.id AND p.state = 'QUEUED'
                                  AND (p.not_before IS NULL OR p.not_before <= now())
                                  AND p.attempts < j.max_attempts)
                 ORDER BY j.created_at LIMIT 1
                """
            ).fetchone()

    def renew(self, job_id: str, part: int, *, worker: str, lease_seconds: float) -> bool:
        with self._pool.connection() as conn:
            cur = conn.execute(
                """
                UPDATE job_parts p SET lease_expires_at = now() + make_interval(secs => %s)
                  FROM jobs j
                 WHERE p.job_id = %s AND p.part = %s AND p.state = 'RUNNING' AND p.lease_owner = %s
                   AND j.id = p.job_id AND j.state = 'RUNNING'
                """,
                (lease_seconds, _uuid(job_id), part, worker),
            )
            return cur.rowcount == 1

    def finish(self, job_id: str, part: int, *, worker: str, rows: int, state_key: str) -> bool:
        """DONE, and the job's progress (parts, bytes and rows of the DONE parts) follows."""
        with self._pool.connection() as conn, conn.transaction():
            # Parts of a job finish one at a time: two processors finishing at once each counted the DONE
            # parts in a snapshot without the other's, and the job stayed one part short (7 of 8) for good.
            # Waiting for the job row first means the count below is taken after the other's commit.
            conn.execute("SELECT 1 FROM jobs WHERE id = %s FOR UPDATE", (_uuid(job_id),))
            cur = conn.execute(
                """
                UPDATE job_parts SET state = 'DONE', rows_read = %s, state_key = %s, finished_at = now(),
                       finished_by = lease_owner, lease_owner = NULL, lease_expires_at = NULL
                 WHERE job_id = %s AND part = %s AND state = 'RUNNING' AND lease_owner = %s
                """,
                (rows, state_key, _uuid(job_id), part, worker),
            )
            if cur.rowcount != 1:
                return False
            conn.execute(
                """
                UPDATE jobs j SET parts_done = d.n, bytes_done = d.bytes, rows_done = d.rows, updated_at = now()
                  FROM (SELECT count(*) AS n, coalesce(sum(end_byte - start_byte), 0) AS bytes,
                               coalesce(sum(rows_read), 0) AS rows
                          FROM job_parts WHERE job_id = %s AND state = 'DONE') d
                 WHERE j.id = %s
                """,
                (_uuid(job_id), _uuid(job_id)),
            )
            _announce(conn, job_id)
        self._on_change(job_id)
        return True

    def read_again(self, job_id: str, part: int) -> bool:
        """A DONE part QUEUED again, its state forgotten: it was read by a processor that did not know all of its
        dialect (a rolling upgrade). The caller deletes the stored state."""
        with self._pool.connection() as conn, conn.transaction():
            conn.execute("SELECT 1 FROM jobs WHERE id = %s FOR UPDATE", (_uuid(job_id),))  # as `finish` counts
            cur = conn.execute(
                """
                UPDATE job_parts SET state = 'QUEUED', state_key = NULL, rows_read = NULL, finished_by = NULL,
                       finished_at = NULL
                 WHERE job_id = %s AND part = %s AND state = 'DONE'
                """,
                (_uuid(job_id), part),
            )
            if cur.rowcount != 1:
                return False
            conn.execute(
                """
                UPDATE jobs j SET parts_done = d.n, updated_at = now()
                  FROM (SELECT count(*) AS n FROM job_parts WHERE job_id = %s AND state = 'DONE') d
                 WHERE j.id = %s
                """,
                (_uuid(job_id), _uuid(job_id)),
            )
            _announce(conn, job_id)
        self._on_change(job_id)
        return True

    def give_back(
        self,
        job_id: str,
        part: int,
        *,
        worker: str,
        error: str = "",
        failed: bool = False,
        reason: str = "",
        retry_after: float = 0.0,
    ) -> None:
        """Shutdown (no `reason`): QUEUED again, for anyone, the try not counted. A transient error (`reason`
        STORAGE_UNAVAILABLE): QUEUED, taken by nobody for `retry_after` seconds. Bad input or a defect: FAILED,
        with the `reason` the job then fails with (NOT_A_TABLE, UPLOAD_MISSING, INTERNAL)."""
        with self._pool.connection() as conn:
            cur = conn.execute(
                """
                UPDATE job_parts SET state = %s, lease_owner = NULL, lease_expires_at = NULL, error_message = %s,
                       error_reason = %s, not_before = now() + make_interval(secs => %s), attempts = attempts - %s
                 WHERE job_id = %s AND part = %s AND state = 'RUNNING' AND lease_owner = %s
                """,
                (
                    "FAILED" if failed else "QUEUED",
                    without_nul(error) or None,
                    reason or None,
                    retry_after,
                    0 if reason else 1,
                    _uuid(job_id),
                    part,
                    worker,
                ),
            )
            if cur.rowcount == 1:
                _announce(conn, job_id)

    def watch(self, job_id: str) -> PartWatch:
        """A listener for the job's part changes, for its coordinator (use as a context manager)."""
        conninfo = self._pool.conninfo  # a string, or a function giving one
        return PartWatch(conninfo() if callable(conninfo) else conninfo, job_id)

    def parts(self, job_id: str) -> list[Row]:
        """The job's parts in file order; `idle` says whether a part is QUEUED or its worker stopped renewing."""
        with self._pool.connection() as conn:
            return conn.execute(
                f"SELECT p.*, {_IDLE} AS idle FROM job_parts p WHERE p.job_id = %s ORDER BY p.part", (_uuid(job_id),)
            ).fetchall()

    def finished_states(self, *, limit: int, job_id: str | None = None) -> list[Row]:
        """Part states (job_id, part, state_key) that nothing will merge any more: their job has finished
        (succeeded, failed or cancelled). A retrying job keeps its states: its DONE parts are reused."""
        with self._pool.connection() as conn:
            return conn.execute(
                """
                SELECT p.job_id, p.part, p.state_key FROM job_parts p JOIN jobs j ON j.id = p.job_id
                 WHERE p.state_key IS NOT NULL AND j.state = ANY(%(final)s)
                   AND (%(job)s::uuid IS NULL OR p.job_id = %(job)s)
                 LIMIT %(limit)s
                """,
                {"final": sorted(s.value for s in TERMINAL), "job": _uuid(job_id) if job_id else None, "limit": limit},
            ).fetchall()

    def forget_states(self, parts: Sequence[Row]) -> None:
        """Record that these parts' states are deleted."""
        if not parts:
            return
        with self._pool.connection() as conn:
            conn.execute(
                """
                UPDATE job_parts p SET state_key = NULL FROM unnest(%s::uuid[], %s::int[]) AS d(job_id, part)
                 WHERE p.job_id = d.job_id AND p.part = d.part
                """,
                ([r["job_id"] for r in parts], [r["part"] for r in parts]),
            )


def _announce(conn: psycopg.Connection[Any], job_id: str) -> None:
    """NOTIFY the job's coordinator; PostgreSQL delivers it when the transaction commits, never before."""
    conn.execute("SELECT pg_notify(%s, %s)", (PARTS_CHANNEL, job_id))


class PartWatch:
    """Wakes a job's coordinator when one of its parts finishes, fails or is given back.

    Without it the coordinator looked at the parts table every half second, and a job's last part could wait that
    long to be merged (in a trace of the processor bench: done at 21.74 s, merged from 22.52 s). A connection of
    its own in autocommit mode, LISTENing from before the coordinator's first look at the parts, so no change can
    slip in between a look and a wait. The coordinator still looks at least every `timeout` (a part whose worker died
    sends nothing: its lease runs out). If the connection fails, waits sleep out their timeout, as before."""

    def __init__(self, conninfo: str, job_id: str) -> None:
        self._conninfo, self._job_id = conninfo, job_id
        self._conn: psycopg.Connection[Any] | None = None

    def __enter__(self) -> PartWatch:
        try:
            with quiet():
                self._conn = psycopg.connect(self._conninfo, autocommit=True, connect_timeout=5)
                self._conn.execute(f"LISTEN {PARTS_CHANNEL}")
        except psycopg.Error as error:
            log.warning("job %s: not listening for part changes (%s); looking every wait instead", self._job_id, error)
            self._close()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._close()

    def wait(self, timeout: float) -> bool:
        """True as soon as a part of the job changed (maybe before this call, after the LISTEN); False when
        `timeout` seconds passed without."""
        deadline = time.monotonic() + timeout
        try:
            while self._conn is not None and (left := deadline - time.monotonic()) > 0:
                for note in self._conn.notifies(timeout=left, stop_after=1):
                    if note.payload == self._job_id:
                        return True
        except psycopg.Error as error:
            log.warning("job %s: listening for part changes failed (%s); looking every wait", self._job_id, error)
            self._close()
        time.sleep(max(0.0, deadline - time.monotonic()))
        return False

    def _close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

"""A defect (an exception nobody expected, in the profiler or the processor) fails the job it hit, not the
processor: before, it left the worker's loop, the process exited with the job still leased, and the job came
back to crash the next processor. Every input we know of profiles cleanly, so the defect is made here by
making the profiler raise (a fault we cannot cause for real); PostgreSQL and S3 are real."""

from __future__ import annotations

import uuid
from pathlib import Path

import psycopg
import pytest

from services.processor.engine import TableProfiler
from services.processor.parts import SplitPolicy
from services.processor.runner import Outcome
from sluice.jobstore import JobStore
from tests.integration.test_large_files_in_parts import _job_planned_elsewhere, _runner, _write_csv


def _defect(*_args: object, **_kwargs: object) -> None:
    raise ValueError("bins must increase monotonically\n  (a second line the user does not need)")


def _job(pool, job_id: str) -> dict:
    with pool.connection() as conn:
        return conn.execute("SELECT * FROM jobs WHERE id = %s", (job_id,)).fetchone()


def _parts(pool, job_id: str) -> list[tuple[str, str | None]]:
    with pool.connection() as conn:
        rows = conn.execute(
            "SELECT state, error_reason FROM job_parts WHERE job_id = %s ORDER BY part", (job_id,)
        ).fetchall()
    return [(r["state"], r["error_reason"]) for r in rows]


def _queued_job(pool, s3, tenant: str, tmp_path: Path, *, attempt: int) -> str:
    """A whole job (no parts) due to run, with `attempt` attempts of 3 behind it, and no message published."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "small.csv"
    _write_csv(path, 500)
    job_id, key = str(uuid.uuid4()), f"raw/{tenant}/{uuid.uuid4().hex}.csv"
    s3.put_object(Bucket="sluice", Key=key, Body=path.read_bytes())
    with pool.connection() as conn:
        conn.execute(
            """INSERT INTO jobs (id, tenant_id, state, file_name, media_type, size_bytes, sha256, object_key,
                                 max_attempts, attempt)
               VALUES (%s, %s, 'QUEUED', 'small.csv', 'text/csv', %s, '', %s, 3, %s)""",
            (job_id, tenant, path.stat().st_size, key, attempt),
        )
    return job_id


def test_a_defect_in_the_profiler_retries_the_job_then_fails_it_and_the_processor_goes_on(
    pool, s3, api_key, tenant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(TableProfiler, "update", _defect)
    runner, _ = _runner(pool, s3, SplitPolicy(split_bytes=0, part_bytes=0))  # never split: one pass
    first = _queued_job(pool, s3, tenant, tmp_path / "a", attempt=0)
    assert runner.run(first, shutting_down=lambda: False) is Outcome.RETRYING  # returned: no exception escapes
    job = _job(pool, first)
    assert (job["state"], job["error_reason"], job["lease_owner"]) == ("RETRYING", "INTERNAL", None)
    assert job["error_message"] == (
        "the profiler failed unexpectedly (ValueError: bins must increase monotonically); this is a defect, not a "
        "problem with the file"
    )
    last = _queued_job(pool, s3, tenant, tmp_path / "b", attempt=2)  # its third and last attempt
    assert runner.run(last, shutting_down=lambda: False) is Outcome.FAILED
    job = _job(pool, last)
    assert (job["state"], job["error_reason"]) == ("FAILED", "INTERNAL")
    assert job["error_message"].endswith("(gave up after 3 attempts)")

    monkeypatch.undo()  # the same processor takes the next job as if nothing happened
    fine = _queued_job(pool, s3, tenant, tmp_path / "c", attempt=0)
    assert runner.run(fine, shutting_down=lambda: False) is Outcome.SUCCEEDED


def test_a_defect_in_a_part_retries_the_job_which_takes_the_part_again(
    pool, s3, api_key, tenant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    job_id, policy, count = _job_planned_elsewhere(pool, s3, tenant, tmp_path, rows=8_000)
    with pool.connection() as conn:  # its coordinator is gone: the job is taken over
        conn.execute(
            "UPDATE jobs SET state = 'QUEUED', lease_owner = NULL, lease_expires_at = NULL WHERE id = %s", (job_id,)
        )
    coordinator, _ = _runner(pool, s3, policy, worker_id="coordinator-under-test")
    monkeypatch.setattr(TableProfiler, "update", _defect)
    # Its first part fails on the defect: the job is retried with the defect's reason, not "not a table".
    assert coordinator.run(job_id, shutting_down=lambda: False) is Outcome.RETRYING
    assert _parts(pool, job_id)[0] == ("FAILED", "INTERNAL")
    job = _job(pool, job_id)
    assert (job["state"], job["error_reason"]) == ("RETRYING", "INTERNAL")
    assert "ValueError: bins must increase monotonically" in job["error_message"]

    monkeypatch.undo()
    with pool.connection() as conn:  # due now rather than after the backoff
        conn.execute("UPDATE jobs SET next_attempt_at = now() WHERE id = %s", (job_id,))
    # The retry takes the failed part again, and the job succeeds with every part.
    assert coordinator.run(job_id, shutting_down=lambda: False) is Outcome.SUCCEEDED
    assert _parts(pool, job_id) == [("DONE", None)] * count
    assert _job(pool, job_id)["state"] == "SUCCEEDED"


def test_a_part_whose_upload_is_gone_fails_the_job_as_upload_missing(pool, s3, api_key, tenant, tmp_path: Path) -> None:
    """The job fails with its part's own reason: before, every failed part made the job NOT_A_TABLE."""
    job_id, policy, _ = _job_planned_elsewhere(pool, s3, tenant, tmp_path, rows=8_000)
    s3.delete_object(Bucket="sluice", Key=_job(pool, job_id)["object_key"])
    helper, _ = _runner(pool, s3, policy)
    assert helper.run_part(job_id, 2, shutting_down=lambda: False, take_more=lambda: False) is Outcome.FAILED
    assert _parts(pool, job_id)[2] == ("FAILED", "UPLOAD_MISSING")
    with pool.connection() as conn:
        conn.execute(
            "UPDATE jobs SET state = 'QUEUED', lease_owner = NULL, lease_expires_at = NULL WHERE id = %s", (job_id,)
        )
    coordinator, _ = _runner(pool, s3, policy, worker_id="coordinator-under-test")
    assert coordinator.run(job_id, shutting_down=lambda: False) is Outcome.FAILED
    job = _job(pool, job_id)
    assert (job["state"], job["error_reason"]) == ("FAILED", "UPLOAD_MISSING")
    assert job["error_message"] == "the uploaded file is no longer in storage"


def test_a_defect_whose_message_quotes_a_nul_from_the_file_is_recorded(
    pool, s3, api_key, tenant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL's text holds no NUL: an error quoting a value with one could not be recorded, and the job was
    left to its lease. It is recorded with U+FFFD in the NUL's place."""

    def quoting(*_args: object, **_kwargs: object) -> None:
        raise ValueError("cannot read 'y\x00z'")

    monkeypatch.setattr(TableProfiler, "update", quoting)
    runner, _ = _runner(pool, s3, SplitPolicy(split_bytes=0, part_bytes=0))
    job_id = _queued_job(pool, s3, tenant, tmp_path, attempt=0)
    assert runner.run(job_id, shutting_down=lambda: False) is Outcome.RETRYING
    assert "cannot read 'y\ufffdz'" in _job(pool, job_id)["error_message"]


def test_the_database_going_down_is_no_defect(
    pool, s3, api_key, tenant, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Storing the result meets a database that went away (made here by the test: the shared PostgreSQL cannot
    go down under the other tests). That is no defect to retry and dead-letter: the error goes to the worker,
    which waits, and the job's lease brings it back. It was recorded as INTERNAL, an attempt spent."""

    def down(*_args: object, **_kwargs: object) -> bool:
        raise psycopg.OperationalError("connection refused")

    monkeypatch.setattr(JobStore, "succeed", down)
    runner, _ = _runner(pool, s3, SplitPolicy(split_bytes=0, part_bytes=0))
    job_id = _queued_job(pool, s3, tenant, tmp_path, attempt=0)
    with pytest.raises(psycopg.OperationalError):
        runner.run(job_id, shutting_down=lambda: False)
    job = _job(pool, job_id)
    assert (job["state"], job["error_reason"]) == ("RUNNING", None)  # left to its lease

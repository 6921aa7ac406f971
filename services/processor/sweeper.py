"""Deleting the partial profiles of parts (S3) once their job has finished.

A part's state serves only the merge. The runner sweeps a job's states as soon as it stores the job's outcome;
a periodic sweep catches the rest: jobs cancelled while their parts ran, jobs failed by the lease reaper,
a part that finished after its job did, a processor that died between the two. Deleting is idempotent, so two
processors sweeping at once only repeat each other's work.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import psycopg
from botocore.exceptions import BotoCoreError, ClientError

from sluice.partstore import PartStore

log = logging.getLogger(__name__)

_BATCH = 1000  # DeleteObjects takes at most 1000 keys


class PartStateSweeper:
    def __init__(self, *, parts: PartStore, s3: Any, bucket: str, interval_seconds: float):
        self._parts = parts
        self._s3 = s3
        self._bucket = bucket
        self._interval = interval_seconds

    def sweep(self, job_id: str | None = None) -> int:
        """Delete the states of finished jobs (of one job, if given); returns how many were deleted."""
        deleted = 0
        while rows := self._parts.finished_states(limit=_BATCH, job_id=job_id):
            answer = self._s3.delete_objects(
                Bucket=self._bucket, Delete={"Objects": [{"Key": r["state_key"]} for r in rows], "Quiet": True}
            )
            failed = {e["Key"] for e in answer.get("Errors", [])}
            gone = [r for r in rows if r["state_key"] not in failed]
            self._parts.forget_states(gone)
            deleted += len(gone)
            if failed:
                log.warning("part states: %d could not be deleted (%s); next sweep", len(failed), sorted(failed)[0])
                break
        return deleted

    def sweep_quietly(self, job_id: str | None = None) -> None:
        """`sweep`, logging instead of raising: a state left behind costs storage, not correctness."""
        try:
            if deleted := self.sweep(job_id):
                log.info("part states: %d deleted%s", deleted, f" (job {job_id})" if job_id else "")
        except (psycopg.Error, BotoCoreError, ClientError) as error:
            log.warning("part states: sweep failed: %s; next sweep", error)

    def run(self, stop: threading.Event) -> None:
        self.sweep_quietly()
        while not stop.wait(self._interval):
            self.sweep_quietly()

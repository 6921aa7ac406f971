"""The lease reaper: jobs whose worker died (lease expired) go back to RETRYING."""

from __future__ import annotations

import logging
import threading

import psycopg

from sluice.jobstate import RetryPolicy
from sluice.jobstore import JobStore

log = logging.getLogger(__name__)


class LeaseReaper:
    def __init__(self, *, store: JobStore, policy: RetryPolicy, interval_seconds: float):
        self._store = store
        self._policy = policy
        self._interval = interval_seconds

    def run(self, stop: threading.Event) -> None:
        while not stop.wait(self._interval):
            try:
                for job_id in self._store.reap_expired(policy=self._policy):
                    log.warning("job %s: lease expired, its worker is gone; retrying", job_id)
            except psycopg.Error as error:
                log.warning("lease reaper: %s; retrying", error)

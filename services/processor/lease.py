"""Keeps a job's or a part's lease while the work runs: a daemon thread renews it every second (every third of
the lease if that is shorter).

A lease that runs out hands the work to another processor (the reaper marks the job WORKER_LOST), so a renewal
that comes late (past half the lease) is logged: it means this process is starved of CPU or the database is
slow, which an SRE can act on before leases start running out.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import psycopg

log = logging.getLogger(__name__)


class LeaseKeeper:
    """`renew()` returns False once the lease is no longer ours: then `lost` is set and the keeper stops."""

    def __init__(
        self,
        renew: Callable[[], bool],
        *,
        lease_seconds: float,
        lost: threading.Event,
        name: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._renew = renew
        self._lease_seconds = lease_seconds
        self._lost = lost
        self._name = name
        self._clock = clock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"lease-{name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop renewing (before the work's final write, which must not race a renewal); idempotent."""
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join()

    def _run(self) -> None:
        interval = min(1.0, self._lease_seconds / 3)
        last = self._clock()
        while not self._stop.wait(interval):
            try:
                renewed = self._renew()
            except psycopg.Error as error:
                # The lease may still be valid; keep trying until it would have expired.
                log.warning("%s: lease renewal failed: %s", self._name, error)
                continue
            now = self._clock()
            if now - last > self._lease_seconds / 2:
                log.warning(
                    "%s: lease renewed %.1fs after the previous renewal (the lease is %.1fs): this process is "
                    "starved of CPU or the database is slow",
                    self._name,
                    now - last,
                    self._lease_seconds,
                )
            last = now
            if not renewed:
                self._lost.set()
                return

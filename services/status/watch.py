"""One Redis subscription per status process, fanned out to every WatchJob call in it.

Watchers block on a per-job condition instead of polling PostgreSQL; a fallback timeout re-reads
the job anyway in case a notification was lost (Redis restarted, publisher crashed after commit).
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict

import redis

from sluice.notify import CHANGES_CHANNEL

log = logging.getLogger(__name__)


class ChangeHub:
    def __init__(self, *, redis_client: redis.Redis):
        self._redis = redis_client
        self._lock = threading.Condition()
        self._versions: dict[str, int] = defaultdict(int)
        self._watchers: dict[str, int] = defaultdict(int)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._listen, name="change-hub", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        with self._lock:
            self._lock.notify_all()

    def register(self, job_id: str) -> int:
        """Start watching; returns the current version to pass to `wait`."""
        with self._lock:
            self._watchers[job_id] += 1
            return self._versions[job_id]

    def unregister(self, job_id: str) -> None:
        with self._lock:
            self._watchers[job_id] -= 1
            if self._watchers[job_id] <= 0:
                del self._watchers[job_id]
                self._versions.pop(job_id, None)

    def wait(self, job_id: str, version: int, timeout: float) -> int:
        """Block until the job changes after `version` or the timeout; returns the new version."""
        with self._lock:
            self._lock.wait_for(lambda: self._versions[job_id] != version or self._stop.is_set(), timeout)
            return self._versions[job_id]

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def _listen(self) -> None:
        while not self._stop.is_set():
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            try:
                pubsub.subscribe(CHANGES_CHANNEL)
                while not self._stop.is_set():
                    message = pubsub.get_message(timeout=1.0)
                    if message is None:
                        continue
                    job_id = message["data"].decode() if isinstance(message["data"], bytes) else str(message["data"])
                    with self._lock:
                        if job_id in self._watchers:
                            self._versions[job_id] += 1
                            self._lock.notify_all()
            except redis.RedisError as error:
                log.warning("change hub lost Redis (%s); watchers fall back to timed re-reads", error)
                self._stop.wait(1.0)
            finally:
                pubsub.close()

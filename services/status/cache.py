"""Cache-aside for jobs: Redis holds the serialized Job (with history) for a short TTL.

Writers delete the key after every committed change (sluice.notify.JobChanges), so a hit is
at most one change stale only for the instant between commit and delete. Redis errors fall
through to PostgreSQL: the cache speeds reads up, it never fails them.
"""

from __future__ import annotations

import logging

import redis
from opentelemetry.metrics import Counter

from sluice.notify import cache_key
from sluice.v1 import job_pb2

log = logging.getLogger(__name__)


class JobCache:
    def __init__(self, *, redis_client: redis.Redis, ttl_seconds: float, requests: Counter):
        self._redis = redis_client
        self._ttl_ms = int(ttl_seconds * 1000)
        self._requests = requests  # the hit/miss counter behind the cache-hit-ratio panel

    def get(self, job_id: str) -> job_pb2.Job | None:
        try:
            data = self._redis.get(cache_key(job_id))
        except redis.RedisError as error:
            log.warning("job cache read failed: %s", error)
            data = None
        if data is None:
            self._requests.add(1, {"result": "miss"})
            return None
        self._requests.add(1, {"result": "hit"})
        return job_pb2.Job.FromString(data)  # type: ignore[arg-type]

    def put(self, job: job_pb2.Job) -> None:
        try:
            self._redis.set(cache_key(job.id), job.SerializeToString(), px=self._ttl_ms)
        except redis.RedisError as error:
            log.warning("job cache write failed: %s", error)

"""Redis: the job cache and change notifications (cache-aside with invalidation on every change)."""

from __future__ import annotations

import logging

import redis

log = logging.getLogger(__name__)

CHANGES_CHANNEL = "sluice:job-changed"


def create_redis(url: str) -> redis.Redis:
    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5, health_check_interval=30)


def cache_key(job_id: str) -> str:
    return f"sluice:job:{job_id}"


class JobChanges:
    """Tells readers a job changed: drops its cached copy, then wakes its watchers.

    Called after the PostgreSQL commit. A Redis outage must not undo or fail a committed change:
    caches expire by TTL and watchers re-read on a fallback timer, so errors are only logged.
    """

    def __init__(self, *, redis_client: redis.Redis):
        self._redis = redis_client

    def job_changed(self, job_id: str) -> None:
        try:
            pipe = self._redis.pipeline(transaction=False)
            pipe.delete(cache_key(job_id))
            pipe.publish(CHANGES_CHANNEL, job_id)
            pipe.execute()
        except redis.RedisError as error:
            log.warning("could not announce change of job %s: %s", job_id, error)

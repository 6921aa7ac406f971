"""The connections every service opens the same way, bundled so each app wires them in one line."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import redis

from sluice import db, notify, objectstore
from sluice.db import Pool
from sluice.jobstate import State
from sluice.jobstore import JobStore, Topics
from sluice.settings import CommonSettings
from sluice.telemetry import Telemetry


@dataclass
class Infrastructure:
    pool: Pool
    redis: redis.Redis
    s3: Any
    store: JobStore
    notify: Callable[[str], None]  # a job changed: drop its cached copy, wake its watchers

    @classmethod
    def open(cls, settings: CommonSettings, *, name: str, pool_size: int, telemetry: Telemetry) -> Infrastructure:
        """Open after `telemetry` exists: connections made from here on are traced."""
        transitions = telemetry.metrics.job_transitions

        def count_transition(state: State, reason: str) -> None:
            transitions.add(1, {"to_state": state.value, "reason": reason})

        pool = db.create_pool(settings.database_url, max_size=pool_size, name=name)
        redis_client = notify.create_redis(settings.redis_url)
        s3 = objectstore.s3_client_for(settings)
        changed = notify.JobChanges(redis_client=redis_client).job_changed
        store = JobStore(
            pool=pool,
            topics=Topics(jobs=settings.jobs_topic, dlq=settings.dlq_topic),
            on_change=changed,
            on_transition=count_transition,
        )
        return cls(pool=pool, redis=redis_client, s3=s3, store=store, notify=changed)

    def close(self) -> None:
        self.pool.close()
        self.redis.close()

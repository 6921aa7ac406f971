"""The job state machine and retry policy: pure functions, no I/O (tested directly)."""

from __future__ import annotations

import enum
import random
from dataclasses import dataclass


class State(enum.StrEnum):
    """Job states as stored in PostgreSQL (the proto enum is JOB_STATE_<name>)."""

    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    RETRYING = "RETRYING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"

    @property
    def terminal(self) -> bool:
        return self in TERMINAL


TERMINAL = frozenset({State.SUCCEEDED, State.FAILED, State.CANCELLED})

# Every allowed transition. RUNNING -> RETRYING covers both a transient error and an expired lease.
TRANSITIONS: dict[State, frozenset[State]] = {
    State.QUEUED: frozenset({State.RUNNING, State.FAILED, State.CANCELLED}),
    State.RUNNING: frozenset({State.SUCCEEDED, State.RETRYING, State.FAILED, State.CANCELLED}),
    State.RETRYING: frozenset({State.RUNNING, State.FAILED, State.CANCELLED}),
    State.SUCCEEDED: frozenset(),
    State.FAILED: frozenset(),
    State.CANCELLED: frozenset(),
}

# States a processor may claim (with a free lease).
CLAIMABLE = frozenset({State.QUEUED, State.RETRYING})


def can_transition(source: State, target: State) -> bool:
    return target in TRANSITIONS[source]


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter (AWS architecture blog's 'full jitter' variant)."""

    base_seconds: float = 2.0
    max_seconds: float = 300.0

    def delay(self, attempt: int, rand: random.Random | None = None) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        ceiling = min(self.max_seconds, self.base_seconds * (2 ** max(0, attempt - 1)))
        # Never zero: half the ceiling is guaranteed so a flapping dependency gets some rest.
        return ceiling / 2 + (rand or random).uniform(0, ceiling / 2)


def after_transient_failure(attempt: int, max_attempts: int) -> State:
    """RETRYING while attempts remain, FAILED after the last one."""
    return State.RETRYING if attempt < max_attempts else State.FAILED

"""One autoscaler's poll loop: read the lag, decide, act, report. I/O only through the ports below,
so the Kubernetes operator and the local process pool run the very same loop."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Protocol

from sluice.lag import PartitionLag
from sluice_autoscaler.decision import Decision, Memory, ScalingPolicy, decide

log = logging.getLogger(__name__)


class LagSource(Protocol):
    def read(self) -> Sequence[PartitionLag] | None:
        """Per-partition lag, or None when Kafka cannot be read right now."""


class ReplicaTarget(Protocol):
    def replicas(self) -> int: ...

    def scale(self, replicas: int, reason: str) -> None: ...


class Reporter(Protocol):
    def observed(self, decision: Decision) -> None:
        """Every poll: status and metrics."""

    def event(self, kind: str, reason: str, message: str) -> None:
        """A change worth a Kubernetes Event (kind is Normal or Warning)."""


class ScalingLoop:
    def __init__(
        self,
        *,
        lag: LagSource,
        target: ReplicaTarget,
        reporter: Reporter,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._lag = lag
        self._target = target
        self._reporter = reporter
        self._clock = clock
        self._memory: Memory | None = None
        self._reachable: bool | None = None
        self._stuck: tuple[int, ...] = ()

    def poll(self, policy: ScalingPolicy) -> Decision:
        current = self._target.replicas()
        now = self._clock()
        if self._memory is None:
            self._memory = Memory.starting(current, now)
        decision, self._memory = decide(policy, self._lag.read(), current=current, memory=self._memory, now=now)
        if decision.changed:
            self._target.scale(decision.desired, decision.reason)
            self._reporter.event("Normal", "Scaled", decision.reason)
        self._report_transitions(decision)
        self._reporter.observed(decision)
        return decision

    def _report_transitions(self, decision: Decision) -> None:
        reachable = decision.total_lag is not None
        if reachable != self._reachable:
            if not reachable:
                self._reporter.event("Warning", "KafkaUnreachable", decision.reason)
            elif self._reachable is not None:
                self._reporter.event("Normal", "KafkaReachable", "consumer lag can be read again")
            self._reachable = reachable
        if reachable and decision.stuck_partitions != self._stuck:
            if decision.stuck_partitions:
                stuck = next(c for c in decision.conditions if c.type == "StuckPartitions")
                self._reporter.event("Warning", "PersistentLag", stuck.message)
            self._stuck = decision.stuck_partitions

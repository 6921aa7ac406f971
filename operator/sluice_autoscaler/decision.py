"""The scaling decision: Kafka consumer lag in, a replica count and its reasons out. Pure, no I/O.

One call of `decide` per poll. It is given the policy, the lag of every partition (or None when Kafka
could not be read), the replicas the target has now, what it remembered from earlier polls, and the
time; it returns the decision and the memory for the next poll.

The rules, in order (each is a row of tests/autoscaler/test_decision.py):

1. Kafka unreachable (or the topic has no partitions): keep the current replicas, remember nothing,
   condition KafkaReachable=False. Metrics vanishing is never a reason to scale down.
2. Lag of a partition = end offset - committed offset. A partition the group never committed on counts
   from its earliest retained offset: processors start there (auto_offset_reset=earliest), so all of it
   is pending work.
3. Stuck partitions: a partition with lag whose committed offset has not moved for `stuck_polls` polls in
   a row while consumers run is stuck (a poison message, or one very long job). One partition is consumed
   by one member, so more replicas cannot drain it; when `exclude_stuck_lag` is on its lag does not count
   towards scaling up, and it is reported. Only polls while the group is seen consuming count: with no
   replicas nothing commits, and after the replica count changes (new consumers starting, a rebalance
   pausing every member) no offset moves anywhere until the group settles, which is not a poison message.
   So stillness counts again once some committed offset has moved since the change; a partition already
   stuck stays stuck meanwhile (a rebalance does not cure a poison message).
4. Recommendation = ceil(counted lag / lag per replica), at most the partition count (more members than
   partitions sit idle: condition LimitedByPartitions), clamped to [min, max] replicas.
   From zero, a replica starts only when the counted lag exceeds the activation lag; while any lag is
   pending (stuck included) at least one replica stays, so work is never stranded.
5. Stabilisation, as the HorizontalPodAutoscaler does it: scale up to the lowest recommendation of the
   scale-up window, scale down to the highest recommendation of the scale-down window. So a scale-down
   happens only when every recommendation within the window was lower than the current count, and a
   flapping load does not flap the replicas.
6. A change moves at most `max_step` replicas per poll.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol


class PartitionReading(Protocol):
    """One partition's offsets (sluice.lag.PartitionLag has this shape)."""

    @property
    def partition(self) -> int: ...

    @property
    def committed(self) -> int | None: ...

    @property
    def lag(self) -> int: ...


@dataclass(frozen=True)
class ScalingPolicy:
    """What the ProcessorAutoscaler spec asks for (field names follow the custom resource)."""

    lag_per_replica: int
    min_replicas: int = 0
    max_replicas: int = 10
    activation_lag: int = 0
    scale_up_window_seconds: float = 0.0
    scale_down_window_seconds: float = 300.0
    max_step: int = 4
    exclude_stuck_lag: bool = True
    stuck_polls: int = 5

    def __post_init__(self) -> None:
        problems = []
        if self.lag_per_replica < 1:
            problems.append("lagPerReplica must be at least 1")
        if self.min_replicas < 0:
            problems.append("minReplicas must not be negative")
        if self.max_replicas < max(1, self.min_replicas):
            problems.append("maxReplicas must be at least 1 and at least minReplicas")
        if self.activation_lag < 0:
            problems.append("activationLag must not be negative")
        if self.scale_up_window_seconds < 0 or self.scale_down_window_seconds < 0:
            problems.append("stabilization windows must not be negative")
        if self.max_step < 1:
            problems.append("maxStep must be at least 1")
        if self.stuck_polls < 2:
            problems.append("stuckPolls must be at least 2")
        if problems:
            raise ValueError("; ".join(problems))


@dataclass(frozen=True)
class Memory:
    """What one poll leaves for the next: recent recommendations and how long each offset stood still."""

    recommendations: tuple[tuple[float, int], ...] = ()  # (time, recommendation), oldest first
    committed: Mapping[int, tuple[int | None, int]] = field(default_factory=dict)  # partition -> (offset, polls)
    replicas: int | None = None  # the replica count of the last poll
    consuming: bool = False  # some committed offset moved since the replica count last changed

    @classmethod
    def starting(cls, current: int, now: float) -> Memory:
        """After a restart: as if the current count had just been recommended, so nothing scales down
        before a whole window has been observed (and nothing is stuck before the group is seen moving)."""
        return cls(recommendations=((now, current),), replicas=current)


@dataclass(frozen=True)
class Condition:
    type: str
    status: bool
    reason: str
    message: str


@dataclass(frozen=True)
class Decision:
    desired: int  # the replicas to set (== current when nothing changes)
    current: int
    recommendation: int  # before stabilisation and the step bound
    total_lag: int | None  # None when Kafka could not be read
    counted_lag: int | None  # total minus the lag of stuck partitions (when excluded)
    partition_lag: Mapping[int, int]
    stuck_partitions: tuple[int, ...]
    reason: str
    conditions: tuple[Condition, ...]

    @property
    def changed(self) -> bool:
        return self.desired != self.current


def decide(
    policy: ScalingPolicy,
    lags: Sequence[PartitionReading] | None,
    *,
    current: int,
    memory: Memory,
    now: float,
) -> tuple[Decision, Memory]:
    if not lags:
        why = "Kafka could not be read" if lags is None else "the topic has no partitions"
        return _unreachable(current, why), memory

    partition_lag = {p.partition: p.lag for p in lags}
    moved = any(p.partition in memory.committed and p.committed != memory.committed[p.partition][0] for p in lags)
    consuming = current > 0 and current == memory.replicas and (memory.consuming or moved)
    committed = _track_offsets(lags, memory.committed, running=current > 0, consuming=consuming)
    stuck = tuple(sorted(p for p, (_, polls) in committed.items() if polls >= policy.stuck_polls))
    total = sum(partition_lag.values())
    counted = total - sum(partition_lag[p] for p in stuck) if policy.exclude_stuck_lag else total

    wanted = math.ceil(counted / policy.lag_per_replica)
    by_partitions = min(wanted, len(partition_lag))
    recommendation = min(max(by_partitions, policy.min_replicas), policy.max_replicas)
    if current == 0 and counted <= policy.activation_lag:
        recommendation = policy.min_replicas  # stay asleep until the lag is worth waking for
    if total > 0 and recommendation == 0 and current > 0:
        recommendation = 1  # pending work keeps one consumer

    longest = max(policy.scale_up_window_seconds, policy.scale_down_window_seconds)
    earlier = _window(memory.recommendations, now, longest)
    history = (*earlier, (now, recommendation))
    up_to = min([recommendation, *(r for t, r in _window(earlier, now, policy.scale_up_window_seconds))])
    down_to = max([recommendation, *(r for t, r in _window(earlier, now, policy.scale_down_window_seconds))])
    if current < up_to:
        desired = min(up_to, current + policy.max_step)
    elif current > down_to:
        desired = max(down_to, current - policy.max_step)
    else:
        desired = current

    reason = _reason(policy, current, desired, recommendation, total, counted, len(partition_lag), stuck, down_to)
    conditions = (
        Condition("KafkaReachable", True, "LagRead", f"lag read from {len(partition_lag)} partitions"),
        Condition(
            "Active",
            desired > 0,
            "LagPending" if desired > 0 else "Idle",
            f"{counted} messages of lag count towards scaling" if desired > 0 else "no lag above the activation lag",
        ),
        Condition(
            "LimitedByPartitions",
            wanted > len(partition_lag) and policy.max_replicas > len(partition_lag),
            "MorePartitionsNeeded" if wanted > len(partition_lag) else "WithinPartitions",
            f"the lag asks for {wanted} replicas; the topic has {len(partition_lag)} partitions",
        ),
        Condition(
            "LimitedByMaxReplicas",
            by_partitions > policy.max_replicas,
            "AtMaximum" if by_partitions > policy.max_replicas else "BelowMaximum",
            f"the lag asks for {by_partitions} replicas; maxReplicas is {policy.max_replicas}",
        ),
        Condition(
            "StuckPartitions",
            bool(stuck),
            "OffsetsNotMoving" if stuck else "AllMoving",
            (
                f"partitions {', '.join(map(str, stuck))} have lag but their committed offsets have not moved "
                f"for {policy.stuck_polls} polls (a poison message or a very long job); "
                + ("their lag is not counted" if policy.exclude_stuck_lag else "their lag still counts")
            )
            if stuck
            else "every partition with lag is being consumed"
            if consuming
            else "no replica runs, so no partition can be stuck"
            if current == 0
            else "no committed offset has moved since the replicas last changed (consumers starting or "
            "rebalancing): standing still is not counted yet",
        ),
    )
    decision = Decision(
        desired=desired,
        current=current,
        recommendation=recommendation,
        total_lag=total,
        counted_lag=counted,
        partition_lag=partition_lag,
        stuck_partitions=stuck,
        reason=reason,
        conditions=conditions,
    )
    return decision, replace(
        memory, recommendations=history, committed=committed, replicas=current, consuming=consuming
    )


def _track_offsets(
    lags: Sequence[PartitionReading], before: Mapping[int, tuple[int | None, int]], *, running: bool, consuming: bool
) -> dict[int, tuple[int | None, int]]:
    """For each partition: its committed offset and for how many polls in a row it stood still with lag
    while the group was consuming. Polls while replicas run but the group has not settled since a change
    are skipped (the count holds); with no replicas it starts again."""
    tracked: dict[int, tuple[int | None, int]] = {}
    for p in lags:
        previous, polls = before.get(p.partition, (p.committed, 0))
        still = running and p.lag > 0 and p.committed == previous and p.partition in before
        tracked[p.partition] = (p.committed, (polls + 1 if consuming else polls) if still else 0)
    return tracked


def _window(history: Sequence[tuple[float, int]], now: float, seconds: float) -> tuple[tuple[float, int], ...]:
    """The recommendations of the last `seconds`, half-open: a 0 s window holds nothing earlier."""
    return tuple((t, r) for t, r in history if t > now - seconds)


def _reason(
    policy: ScalingPolicy,
    current: int,
    desired: int,
    recommendation: int,
    total: int,
    counted: int,
    partitions: int,
    stuck: tuple[int, ...],
    down_to: int,
) -> str:
    lag = f"lag {counted}" + (f" (of {total}; stuck partitions {list(stuck)} excluded)" if counted != total else "")
    target = f"{lag} at {policy.lag_per_replica} per replica over {partitions} partitions recommends {recommendation}"
    if desired > current:
        return f"scale up {current} -> {desired}: {target}"
    if desired < current:
        return f"scale down {current} -> {desired}: {target}, and no higher recommendation in the last " + (
            f"{policy.scale_down_window_seconds:g}s"
        )
    if recommendation < current:
        return f"hold {current}: {target}, but {down_to} was recommended within the scale-down window"
    return f"hold {current}: {target}"


def _unreachable(current: int, why: str) -> Decision:
    return Decision(
        desired=current,
        current=current,
        recommendation=current,
        total_lag=None,
        counted_lag=None,
        partition_lag={},
        stuck_partitions=(),
        reason=f"hold {current}: {why}; replicas are kept until lag can be read again",
        conditions=(Condition("KafkaReachable", False, "LagUnreadable", why),),
    )

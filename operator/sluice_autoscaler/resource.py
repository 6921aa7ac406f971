"""The ProcessorAutoscaler custom resource: its name, its spec read into a policy, its status written
from a decision. Pure (dicts in, dicts out); the CRD itself is helm/sluice/crds/processorautoscalers.yaml."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sluice_autoscaler.decision import Condition, Decision, ScalingPolicy

GROUP = "autoscaling.sluice.dev"
VERSION = "v1"
PLURAL = "processorautoscalers"
KIND = "ProcessorAutoscaler"
FINALIZER = f"{GROUP}/operator"


@dataclass(frozen=True)
class Watch:
    """Where the lag comes from and what it scales."""

    deployment: str
    bootstrap_servers: str
    topic: str
    consumer_group: str
    poll_interval_seconds: float


def read_spec(spec: Mapping[str, Any]) -> tuple[Watch, ScalingPolicy]:
    """Spec (already defaulted and validated by the API server's schema) -> what to watch and how to scale.

    Raises ValueError naming the spec fields when the combination is wrong (e.g. min above max)."""
    kafka = spec.get("kafka", {})
    windows = spec.get("stabilization", {})
    watch = Watch(
        deployment=spec["scaleTargetRef"]["name"],
        bootstrap_servers=kafka["bootstrapServers"],
        topic=kafka["topic"],
        consumer_group=kafka["consumerGroup"],
        poll_interval_seconds=float(spec.get("pollIntervalSeconds", 15)),
    )
    policy = ScalingPolicy(
        lag_per_replica=int(spec["lagPerReplica"]),
        activation_lag=int(spec.get("activationLag", 0)),
        min_replicas=int(spec.get("minReplicas", 0)),
        max_replicas=int(spec.get("maxReplicas", 10)),
        scale_up_window_seconds=float(windows.get("scaleUpSeconds", 0)),
        scale_down_window_seconds=float(windows.get("scaleDownSeconds", 300)),
        max_step=int(spec.get("maxStep", 4)),
        exclude_stuck_lag=bool(spec.get("excludePersistentLag", True)),
        stuck_polls=int(spec.get("persistentLagPolls", 5)),
    )
    return watch, policy


def _timestamp(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def conditions_status(
    conditions: Sequence[Condition], previous: Sequence[Mapping[str, Any]], now: datetime
) -> list[dict[str, Any]]:
    """Kubernetes-style conditions; lastTransitionTime moves only when a condition's status changes.
    Conditions this decision did not evaluate (e.g. while Kafka is unreachable) keep their last value."""
    before = {c["type"]: c for c in previous}
    merged = dict(before)
    for c in conditions:
        status = "True" if c.status else "False"
        old = before.get(c.type) or {}
        since = old.get("lastTransitionTime") if old.get("status") == status else None
        merged[c.type] = {
            "type": c.type,
            "status": status,
            "reason": c.reason,
            "message": c.message,
            "lastTransitionTime": since or _timestamp(now),
        }
    return sorted(merged.values(), key=lambda c: c["type"])


def status_of(decision: Decision, previous: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """The status subresource after a poll."""
    status: dict[str, Any] = {
        "currentReplicas": decision.current,
        "desiredReplicas": decision.desired,
        "lastPollTime": _timestamp(now),
        "reason": decision.reason,
        "conditions": conditions_status(
            (*decision.conditions, Condition("SpecValid", True, "Valid", "the spec is valid")),
            previous.get("conditions", []),
            now,
        ),
    }
    if decision.total_lag is not None:
        status["totalLag"] = decision.total_lag
        status["countedLag"] = decision.counted_lag
        status["partitions"] = [
            {"partition": p, "lag": lag, "stuck": p in decision.stuck_partitions}
            for p, lag in sorted(decision.partition_lag.items())
        ]
    if decision.changed:
        status["lastScale"] = {
            "time": _timestamp(now),
            "from": decision.current,
            "to": decision.desired,
            "reason": decision.reason,
        }
    return status

"""What the autoscalers report outside Kubernetes: Prometheus metrics of the last decision of each."""

from __future__ import annotations

import threading
from collections.abc import Iterable

from opentelemetry.metrics import Meter

from sluice.metrics import (
    AUTOSCALER_KAFKA_REACHABLE,
    AUTOSCALER_PARTITION_LAG,
    AUTOSCALER_REPLICAS,
    AUTOSCALER_SCALINGS,
    PipelineMetrics,
)
from sluice_autoscaler.decision import Decision


class AutoscalerMetrics:
    """Latest decision per autoscaler (`namespace/name`), read by the gauges at each scrape."""

    def __init__(self, meter: Meter):
        self._latest: dict[str, Decision] = {}
        self._lock = threading.Lock()
        self._scalings = meter.create_counter(
            AUTOSCALER_SCALINGS.name, AUTOSCALER_SCALINGS.unit, AUTOSCALER_SCALINGS.description
        )
        gauges = PipelineMetrics(meter)
        gauges.gauge(AUTOSCALER_PARTITION_LAG, self._partition_lag)
        gauges.gauge(AUTOSCALER_REPLICAS, self._replicas)
        gauges.gauge(AUTOSCALER_KAFKA_REACHABLE, self._reachable)

    def record(self, autoscaler: str, decision: Decision) -> None:
        with self._lock:
            self._latest[autoscaler] = decision
        if decision.changed:
            direction = "up" if decision.desired > decision.current else "down"
            self._scalings.add(1, {"autoscaler": autoscaler, "direction": direction})

    def forget(self, autoscaler: str) -> None:
        with self._lock:
            self._latest.pop(autoscaler, None)

    def _snapshot(self) -> list[tuple[str, Decision]]:
        with self._lock:
            return list(self._latest.items())

    def _partition_lag(self) -> Iterable[tuple[float, dict[str, str]]]:
        for name, d in self._snapshot():
            for partition, lag in d.partition_lag.items():
                stuck = "true" if partition in d.stuck_partitions else "false"
                yield float(lag), {"autoscaler": name, "partition": str(partition), "stuck": stuck}

    def _replicas(self) -> Iterable[tuple[float, dict[str, str]]]:
        for name, d in self._snapshot():
            yield float(d.desired), {"autoscaler": name, "kind": "desired"}
            yield float(d.current), {"autoscaler": name, "kind": "current"}  # as read at the poll

    def _reachable(self) -> Iterable[tuple[float, dict[str, str]]]:
        for name, d in self._snapshot():
            yield (0.0 if d.total_lag is None else 1.0), {"autoscaler": name}

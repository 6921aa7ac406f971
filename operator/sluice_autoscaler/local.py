"""Local mode: the same scaling loop, with local processor processes of the dev stack as the replicas.

`make run` starts it beside the stack, so one machine shows the pool following the lag: uploads pile up,
processors are added (up to the maximum), and once the lag has stayed at zero for the scale-down window
they are drained and stopped (SIGTERM: the processor finishes or releases its job and leaves the group).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import threading
from collections.abc import Mapping
from pathlib import Path

from sluice.devstack.stack import Stack, default_home
from sluice.runtime import bootstrap
from sluice.settings import AutoscalerSettings
from sluice_autoscaler.decision import Decision, ScalingPolicy
from sluice_autoscaler.kafka_lag import KafkaLagSource
from sluice_autoscaler.loop import ScalingLoop
from sluice_autoscaler.observe import AutoscalerMetrics

log = logging.getLogger(__name__)


class LocalPool:
    """Processors `processor-{first}`, `processor-{first+1}`, ... of a dev stack, as a replica count.

    Grows at the lowest free index and shrinks from the highest, so indices stay dense."""

    def __init__(self, stack: Stack, *, first_index: int = 0, extra_env: Mapping[str, str] | None = None):
        self._stack = stack
        self._first = first_index
        self._extra_env = dict(extra_env or {})

    def _running(self) -> list[int]:
        keys = self._stack.service_keys()
        indices = [int(k.rsplit("-", 1)[1]) for k in keys if k.startswith("processor-")]
        return sorted(i for i in indices if i >= self._first and self._stack.service_pid(f"processor-{i}"))

    def replicas(self) -> int:
        return len(self._running())

    def scale(self, replicas: int, reason: str) -> None:
        running = self._running()
        log.info("processors %d -> %d: %s", len(running), replicas, reason)
        index = self._first
        while len(running) < replicas:
            if index not in running:
                self._stack.start_service("processor", index=index, extra_env=self._extra_env)
                running.append(index)
            index += 1
        for index in sorted(running, reverse=True)[: max(0, len(running) - replicas)]:
            self._stack.stop_service(f"processor-{index}", sig=signal.SIGTERM, timeout=60)
        self._stack.state.save(self._stack.state_path)  # ports of new processors, for `make status`


class LocalReporter:
    """Logs each change and writes the last decision to a JSON file that `make status` can show."""

    def __init__(self, *, path: Path, metrics: AutoscalerMetrics, name: str = "local"):
        self._path = path
        self._metrics = metrics
        self._name = name

    def observed(self, decision: Decision) -> None:
        self._metrics.record(self._name, decision)
        report = {
            "current": decision.current,
            "desired": decision.desired,
            "total_lag": decision.total_lag,
            "stuck_partitions": list(decision.stuck_partitions),
            "reason": decision.reason,
            "conditions": {c.type: c.status for c in decision.conditions},
        }
        tmp = self._path.with_suffix(".tmp")
        tmp.write_text(json.dumps(report, indent=2))
        tmp.replace(self._path)

    def event(self, kind: str, reason: str, message: str) -> None:
        (log.warning if kind == "Warning" else log.info)("%s: %s", reason, message)


def local_policy(settings: AutoscalerSettings) -> ScalingPolicy:
    return ScalingPolicy(
        lag_per_replica=settings.autoscaler_lag_per_processor,
        min_replicas=settings.autoscaler_min_processors,
        max_replicas=settings.autoscaler_max_processors,
        scale_down_window_seconds=settings.autoscaler_scale_down_seconds,
        max_step=1,  # one member joins or leaves at a time: gentle on the consumer group's rebalances
    )


def run_local() -> None:
    """Until SIGTERM: poll, decide, start or stop local processors."""
    settings, telemetry = bootstrap(AutoscalerSettings, service="autoscaler")
    try:
        policy = local_policy(settings)
    except ValueError as error:
        raise SystemExit(f"invalid configuration: {error}") from None
    stack = Stack(Path(os.environ.get("SLUICE_HOME", default_home())))
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    source = KafkaLagSource(
        bootstrap_servers=settings.kafka_bootstrap, topic=settings.jobs_topic, group=settings.consumer_group
    )
    metrics = AutoscalerMetrics(telemetry.meter_provider.get_meter("sluice.autoscaler"))
    loop = ScalingLoop(
        lag=source,
        target=LocalPool(stack),
        reporter=LocalReporter(path=stack.home / "autoscaler.json", metrics=metrics),
    )
    log.info("local autoscaler: %s", policy)
    try:
        while not stop.is_set():
            loop.poll(policy)
            stop.wait(settings.autoscaler_poll_seconds)
    finally:
        source.close()
        telemetry.shutdown()

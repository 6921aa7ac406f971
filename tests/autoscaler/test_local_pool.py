"""Local mode on the real stack: lag on a topic starts real processor processes, and they are stopped
once their work is done. The pool uses its own topic and consumer group (and processor indices from
10), so it does not touch the processors the other tests rely on."""

from __future__ import annotations

import json
import time
import uuid

from kafka import KafkaProducer
from opentelemetry.exporter.prometheus import PrometheusMetricReader
from opentelemetry.sdk.metrics import MeterProvider
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.parser import text_string_to_metric_families

from sluice import kafka
from sluice import metrics as catalog
from sluice.devstack.servers import pid_alive
from sluice.devstack.stack import Stack
from sluice_autoscaler.decision import Decision, ScalingPolicy
from sluice_autoscaler.kafka_lag import KafkaLagSource
from sluice_autoscaler.local import LocalPool
from sluice_autoscaler.loop import ScalingLoop
from sluice_autoscaler.observe import AutoscalerMetrics


class Recorder:
    def __init__(self) -> None:
        self.decisions: list[Decision] = []
        self.events: list[tuple[str, str]] = []

    def observed(self, decision: Decision) -> None:
        self.decisions.append(decision)

    def event(self, kind: str, reason: str, message: str) -> None:
        self.events.append((kind, reason))


def test_the_local_pool_follows_the_lag(stack: Stack):
    bootstrap = stack.infra_env()["SLUICE_KAFKA_BOOTSTRAP"]
    topic, group = f"autoscale-{uuid.uuid4().hex[:8]}", f"autoscale-{uuid.uuid4().hex[:8]}"
    kafka.ensure_topics(bootstrap, [topic], partitions=3)
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    for _ in range(300):  # jobs no database row knows: each processor claims nothing, commits, moves on
        producer.send(topic, json.dumps({"job_id": str(uuid.uuid4())}).encode()).get(timeout=15)
    producer.close()

    pool = LocalPool(stack, first_index=10, extra_env={"SLUICE_JOBS_TOPIC": topic, "SLUICE_CONSUMER_GROUP": group})
    source = KafkaLagSource(bootstrap_servers=bootstrap, topic=topic, group=group)
    recorder = Recorder()
    loop = ScalingLoop(lag=source, target=pool, reporter=recorder)
    policy = ScalingPolicy(lag_per_replica=50, min_replicas=0, max_replicas=2, scale_down_window_seconds=0, max_step=1)
    pids: set[int] = set()
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            decision = loop.poll(policy)
            pids.update(p for i in range(10, 13) if (p := stack.service_pid(f"processor-{i}")))
            if decision.total_lag == 0 and pool.replicas() == 0 and len(recorder.decisions) > 2:
                break
            time.sleep(1)
        counts = [d.desired for d in recorder.decisions]
        # 300 messages at 50 per processor: up one step per poll, capped at 2; down once drained.
        peak = counts.index(2)
        assert counts[: peak + 1] == [1] * peak + [2], counts
        assert counts[peak:] == sorted(counts[peak:], reverse=True) and counts[-1] == 0, counts
        assert recorder.decisions[-1].total_lag == 0
        assert pool.replicas() == 0
        assert len(pids) == 2 and not any(pid_alive(p) for p in pids)  # really started, really stopped
        assert ("Normal", "Scaled") in recorder.events
    finally:
        source.close()
        for i in range(10, 13):
            stack.stop_service(f"processor-{i}")


def test_local_metrics_carry_the_decision(stack: Stack):
    """The Prometheus series a dashboard reads: lag per partition, both replica counts, reachability and
    changes, under the names of the metric catalog."""
    registry = CollectorRegistry(auto_describe=True)
    provider = MeterProvider(metric_readers=[PrometheusMetricReader(registry=registry)])
    metrics = AutoscalerMetrics(provider.get_meter("test"))
    bootstrap = stack.infra_env()["SLUICE_KAFKA_BOOTSTRAP"]
    topic = f"autoscale-{uuid.uuid4().hex[:8]}"
    kafka.ensure_topics(bootstrap, [topic], partitions=2)
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    producer.send(topic, b"{}", partition=1).get(timeout=15)
    producer.close()
    source = KafkaLagSource(bootstrap_servers=bootstrap, topic=topic, group="nobody")

    class Fixed:
        def replicas(self) -> int:
            return 0

        def scale(self, replicas: int, reason: str) -> None:
            pass

    class Report:
        def observed(self, decision: Decision) -> None:
            metrics.record("ns/test", decision)

        def event(self, kind: str, reason: str, message: str) -> None:
            pass

    try:
        ScalingLoop(lag=source, target=Fixed(), reporter=Report()).poll(ScalingPolicy(lag_per_replica=1))
    finally:
        source.close()
    text = generate_latest(registry).decode()
    served = {
        (s.name, tuple(sorted((k, v) for k, v in s.labels.items() if not k.startswith("otel_")))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    names = {name for name, _ in served}
    for spec in (m for m in catalog.CATALOG if "autoscaler" in m.exported_by):
        assert spec.prometheus_name in names, f"{spec.prometheus_name} not served"
    ns = ("autoscaler", "ns/test")
    assert served[("sluice_autoscaler_partition_lag", (ns, ("partition", "1"), ("stuck", "false")))] == 1
    assert served[("sluice_autoscaler_partition_lag", (ns, ("partition", "0"), ("stuck", "false")))] == 0
    assert served[("sluice_autoscaler_replicas", (ns, ("kind", "desired")))] == 1
    assert served[("sluice_autoscaler_replicas", (ns, ("kind", "current")))] == 0
    assert served[("sluice_autoscaler_kafka_reachable", (ns,))] == 1
    assert served[("sluice_autoscaler_scalings_total", (("autoscaler", "ns/test"), ("direction", "up")))] == 1

"""Autoscaler: how fast the replicas follow a lag step, and how calm they stay under an oscillating load.

1. Reaction time, real: a kube-apiserver and etcd (tests' build, ~/.cache/sluice), a Tansu broker and the
   operator's own poll loop (ScalingLoop with the Deployment /scale adapter and the Kafka lag source, as the
   kopf daemon runs it, polling every 1 s on its own clock). Lag steps up (produce) and down (consume and
   commit) at moments unrelated to the polls; the time from the step to the Deployment's new replica count is
   measured, so it includes the wait for the next poll (at most one interval).
2. Direction changes over a 10-minute oscillating load: the pure decision core on a simulated clock (a poll
   every 15 s), Sluice's default policy against a baseline without stabilization or step bound (the
   replicas = ceil(lag / lag per replica) that a plain lag scaler sets), on the same lag series.

Run: `.venv/bin/python bench/autoscaler.py` (add `--no-real` to skip part 1).
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import random
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from sluice_autoscaler.decision import Memory, ScalingPolicy, decide


@dataclass(frozen=True)
class Lag:
    partition: int
    committed: int | None
    lag: int


def oscillating_lag(seconds: int, step: int, seed: int = 3) -> list[list[Lag]]:
    """12 partitions; total lag swings between ~100 and ~1500 with a 2-minute period, plus noise."""
    rng = random.Random(seed)
    series = []
    for t in range(0, seconds, step):
        total = 800 + 700 * math.sin(2 * math.pi * t / 120) + rng.uniform(-150, 150)
        per = max(0, int(total / 12))
        series.append([Lag(p, t * 10, per) for p in range(12)])  # offsets move: consumers are healthy
    return series


def direction_changes(policy: ScalingPolicy, series: list[list[Lag]], step: int) -> tuple[int, int, float]:
    memory, current, changes, last_direction, replica_seconds = Memory(), 1, 0, 0, 0.0
    scalings = 0
    for i, lags in enumerate(series):
        decision, memory = decide(policy, lags, current=current, memory=memory, now=float(i * step))
        if decision.desired != current:
            direction = 1 if decision.desired > current else -1
            changes += direction != last_direction and last_direction != 0
            last_direction = direction
            scalings += 1
            current = decision.desired
        replica_seconds += current * step
    return changes, scalings, replica_seconds / (len(series) * step)


def simulate() -> dict[str, object]:
    step = 15
    series = oscillating_lag(600, step)
    sluice = ScalingPolicy(lag_per_replica=100, max_replicas=20, scale_down_window_seconds=300, max_step=4)
    naive = ScalingPolicy(
        lag_per_replica=100, max_replicas=20, scale_down_window_seconds=0, max_step=20, exclude_stuck_lag=False
    )
    result = {}
    for name, policy in (("baseline (no stabilization)", naive), ("sluice defaults", sluice)):
        changes, scalings, mean_replicas = direction_changes(policy, series, step)
        result[name] = {"direction_changes": changes, "scalings": scalings, "mean_replicas": round(mean_replicas, 2)}
    return result


def real_reaction(steps: int = 6) -> dict[str, object]:
    from kafka import KafkaConsumer, KafkaProducer
    from kubernetes import client, config

    from sluice import kafka
    from sluice.devstack.kube import KubeAPIServer, ensure_kube_binaries
    from sluice.devstack.servers import KafkaBroker, free_port
    from sluice_autoscaler.kafka_lag import KafkaLagSource
    from sluice_autoscaler.kube import DeploymentScale
    from sluice_autoscaler.loop import ScalingLoop

    class Quiet:
        def observed(self, decision: object) -> None:
            pass

        def event(self, kind: str, reason: str, message: str) -> None:
            pass

    work = Path(tempfile.mkdtemp(prefix="sluice-bench-autoscaler-"))
    kube = KubeAPIServer(bin_dir=ensure_kube_binaries(), data_dir=work / "kube")
    broker = KafkaBroker(work / "kafka", free_port())
    kube.start()
    broker.start()
    try:
        api = config.new_client_from_config(config_file=str(kube.kubeconfig))
        apps = client.AppsV1Api(api)
        labels = {"app": "p"}
        apps.create_namespaced_deployment(
            "default",
            {
                "metadata": {"name": "processor"},
                "spec": {
                    "replicas": 1,
                    "selector": {"matchLabels": labels},
                    "template": {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "p", "image": "x"}]}},
                },
            },
        )
        bootstrap, topic, group = f"127.0.0.1:{broker.port}", "jobs", f"g-{uuid.uuid4().hex[:6]}"
        kafka.ensure_topics(bootstrap, [topic], partitions=6)
        source = KafkaLagSource(bootstrap_servers=bootstrap, topic=topic, group=group)
        loop = ScalingLoop(
            lag=source, target=DeploymentScale(apps, namespace="default", name="processor"), reporter=Quiet()
        )
        policy = ScalingPolicy(lag_per_replica=10, max_replicas=6, scale_down_window_seconds=0, max_step=6)
        producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
        consumer = KafkaConsumer(
            topic, bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False,
            auto_offset_reset="earliest", session_timeout_ms=6000, heartbeat_interval_ms=2000,
        )  # fmt: skip
        reactions: list[float] = []
        produced = consumed = 0
        stop = threading.Event()

        def polling() -> None:  # the daemon's loop, on its own clock: a step waits for the next poll
            while not stop.is_set():
                loop.poll(policy)
                stop.wait(1.0)

        poller = threading.Thread(target=polling, daemon=True)
        poller.start()
        rng = random.Random(5)
        for i in range(steps):
            time.sleep(rng.uniform(1.5, 2.5))  # steps land anywhere within a poll interval
            up = i % 2 == 0
            if up:
                for n in range(40):  # lag 40 at 10 per replica: 4 replicas
                    producer.send(topic, b"{}", partition=n % 6).get(15)
                produced += 40
                want = 4
            else:
                while consumed < produced:
                    consumed += sum(len(r) for r in consumer.poll(timeout_ms=500).values())
                consumer.commit()
                want = 0
            stepped = time.monotonic()
            deadline = stepped + 60
            while time.monotonic() < deadline:
                if int(apps.read_namespaced_deployment_scale("processor", "default").spec.replicas or 0) == want:
                    break
                time.sleep(0.01)
            reactions.append(time.monotonic() - stepped)
        stop.set()
        poller.join()
        consumer.close()
        producer.close()
        source.close()
        return {
            "poll_interval_seconds": 1.0,
            "steps": steps,
            "reaction_seconds": [round(r, 3) for r in reactions],
            "median_seconds": round(statistics.median(reactions), 3),
            "max_seconds": round(max(reactions), 3),
        }
    finally:
        broker.stop()
        kube.stop()
        shutil.rmtree(work, ignore_errors=True)  # the broker's log and etcd's data of this run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--no-real", action="store_true", help="skip the kube-apiserver + broker measurement")
    args = parser.parse_args()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    print(f"machine: {platform.machine()}, {platform.python_version()}; commit {commit}")
    sim = simulate()
    print("10-minute oscillating load (decision core, a poll every 15 s, lag 100-1500 over 12 partitions):")
    for name, figures in sim.items():
        print(f"  {name:<28} {json.dumps(figures)}")
    base, ours = sim["baseline (no stabilization)"], sim["sluice defaults"]
    assert isinstance(base, dict) and isinstance(ours, dict)
    print(f"  direction changes: {ours['direction_changes']} vs {base['direction_changes']} for the baseline")
    if not args.no_real:
        real = real_reaction()
        print("lag step -> new replica count (real kube-apiserver, broker and poll loop):")
        print(f"  {json.dumps(real)}")


if __name__ == "__main__":
    main()

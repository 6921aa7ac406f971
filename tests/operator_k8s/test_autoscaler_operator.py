"""The autoscaler operator against a real kube-apiserver and a real Kafka-protocol broker.

The operator runs in-process with kopf's KopfRunner, authenticated as its ServiceAccount, so every call
it makes must be allowed by the ClusterRole of the Helm chart (helm/sluice/templates/autoscaler-clusterrole.yaml,
rendered by `helm template`). The CRD is the chart's helm/sluice/crds/processorautoscalers.yaml. The broker
is a Tansu of this test's own, so it can be stopped without disturbing the rest of the suite.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from kafka import KafkaConsumer, KafkaProducer
from kopf.testing import KopfRunner
from kubernetes import client, config, utils

from sluice import kafka
from sluice.devstack.gateway import render_chart
from sluice.devstack.helm import ensure_helm
from sluice.devstack.kube import KubeAPIServer
from sluice.devstack.servers import KafkaBroker, free_port

CRD = Path(__file__).resolve().parents[2] / "helm" / "sluice" / "crds" / "processorautoscalers.yaml"
GROUP, VERSION, PLURAL = "autoscaling.sluice.dev", "v1", "processorautoscalers"


def wait_for(what: str, check: Callable[[], Any], timeout: float = 45.0) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what} (last: {last!r})")


@pytest.fixture(scope="module")
def admin(kube: KubeAPIServer) -> client.ApiClient:
    api = config.new_client_from_config(config_file=str(kube.kubeconfig))
    core = client.CoreV1Api(api)
    for name in ("sluice",):
        core.create_namespace({"metadata": {"name": name}})
    utils.create_from_dict(api, yaml.safe_load(CRD.read_text()))
    # The operator's identity exactly as the chart installs it (release "sluice" in namespace "sluice").
    identity = [f"templates/autoscaler-{kind}.yaml" for kind in ("serviceaccount", "clusterrole", "clusterrolebinding")]
    for document in render_chart(ensure_helm(), values={"existingSecret": "unused"}, show_only=identity):
        utils.create_from_dict(api, document, namespace="sluice")
    custom = client.CustomObjectsApi(api)
    wait_for("the CRD to be served", lambda: _served(custom))
    return api


def _served(custom: client.CustomObjectsApi) -> bool:
    try:
        custom.list_namespaced_custom_object(GROUP, VERSION, "sluice", PLURAL)
        return True
    except client.ApiException:
        return False


@pytest.fixture()
def broker(tmp_path: Path) -> Iterator[KafkaBroker]:
    server = KafkaBroker(tmp_path / "kafka", free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


def _produce(bootstrap: str, topic: str, count: int) -> None:
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    for i in range(count):  # one record per request: Tansu's end offsets stay exact (shared notes)
        producer.send(topic, json.dumps({"job_id": str(uuid.uuid4()), "n": i}).encode(), partition=i % 3).get(15)
    producer.close()


def _consume_all(bootstrap: str, topic: str, group: str, count: int) -> None:
    consumer = KafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        session_timeout_ms=6000,
        heartbeat_interval_ms=2000,
    )
    seen = 0
    deadline = time.monotonic() + 60
    while seen < count and time.monotonic() < deadline:
        seen += sum(len(records) for records in consumer.poll(timeout_ms=1000).values())
    consumer.commit()
    consumer.close()
    assert seen == count


def test_replicas_follow_the_lag_hold_without_kafka_and_are_let_go(
    kube: KubeAPIServer,
    admin: client.ApiClient,
    broker: KafkaBroker,
    operator_user: str,
    monkeypatch: pytest.MonkeyPatch,
):
    apps, custom, core = client.AppsV1Api(admin), client.CustomObjectsApi(admin), client.CoreV1Api(admin)
    bootstrap = f"127.0.0.1:{broker.port}"
    topic, group, name = "sluice.jobs", f"processors-{uuid.uuid4().hex[:6]}", "processors"
    kafka.ensure_topics(bootstrap, [topic], partitions=3)
    labels = {"app": "processor"}
    apps.create_namespaced_deployment(
        "sluice",
        {
            "metadata": {"name": "processor"},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": labels},
                "template": {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "p", "image": "x"}]}},
            },
        },
    )
    custom.create_namespaced_custom_object(
        GROUP,
        VERSION,
        "sluice",
        PLURAL,
        {
            "apiVersion": f"{GROUP}/{VERSION}",
            "kind": "ProcessorAutoscaler",
            "metadata": {"name": name},
            "spec": {
                "scaleTargetRef": {"name": "processor"},
                "kafka": {"bootstrapServers": bootstrap, "topic": topic, "consumerGroup": group},
                "lagPerReplica": 5,
                "activationLag": 5,
                "minReplicas": 0,
                "maxReplicas": 3,
                "pollIntervalSeconds": 1,
                "stabilization": {"scaleDownSeconds": 4},
            },
        },
    )

    def replicas() -> int:
        return int(apps.read_namespaced_deployment_scale("processor", "sluice").spec.replicas or 0)

    def status() -> dict[str, Any]:
        return custom.get_namespaced_custom_object(GROUP, VERSION, "sluice", PLURAL, name).get("status") or {}

    def condition(kind: str) -> str | None:
        return next((c["status"] for c in status().get("conditions", []) if c["type"] == kind), None)

    def events(reason: str) -> list[Any]:
        found = core.list_namespaced_event("sluice", field_selector=f"involvedObject.name={name}").items
        return [e for e in found if e.reason == reason]

    monkeypatch.setenv("KUBECONFIG", str(kube.kubeconfig_for(operator_user)))  # only what the ClusterRole allows
    with KopfRunner(["run", "--standalone", "--all-namespaces", "-m", "sluice_autoscaler.handlers"]) as runner:
        # Lag 12 at 5 per replica: 3 replicas, also the partition count.
        _produce(bootstrap, topic, 12)
        wait_for("3 replicas", lambda: replicas() == 3)
        seen = wait_for("the status", lambda: status() if status().get("totalLag") == 12 else None)
        assert seen["desiredReplicas"] == 3 and seen["lastScale"]["to"] == 3
        assert [p["lag"] for p in seen["partitions"]] == [4, 4, 4]
        assert condition("KafkaReachable") == "True" and condition("Active") == "True"
        wait_for("a Scaled event", lambda: events("Scaled"))

        # Consumed and committed: down to zero, but only after the 4 s scale-down window.
        _consume_all(bootstrap, topic, group, 12)
        drained_at = time.monotonic()
        wait_for("0 replicas", lambda: replicas() == 0)
        assert time.monotonic() - drained_at >= 3.0
        # The status is patched after the Deployment is scaled (two writes): it follows within a poll.
        wait_for("the scale-down in the status", lambda: status()["lastScale"]["to"] == 0, timeout=10)

        # Lag at the activation lag does not wake the pool; above it, it does.
        _produce(bootstrap, topic, 5)
        time.sleep(4)
        assert replicas() == 0 and status()["totalLag"] == 5
        _produce(bootstrap, topic, 3)
        wait_for("2 replicas", lambda: replicas() == 2)

        # Kafka gone: replicas stay, the condition says why, a warning is emitted.
        broker.stop()
        wait_for("KafkaReachable=False", lambda: condition("KafkaReachable") == "False")
        time.sleep(4)
        assert replicas() == 2
        assert status()["totalLag"] == 8  # the last reading stays visible
        wait_for("a KafkaUnreachable event", lambda: events("KafkaUnreachable"))

        # Deleted: the operator stops, removes its finalizer, and no longer touches the Deployment.
        custom.delete_namespaced_custom_object(GROUP, VERSION, "sluice", PLURAL, name)
        wait_for("the resource to be gone", lambda: not _exists(custom, name))
        apps.patch_namespaced_deployment_scale("processor", "sluice", {"spec": {"replicas": 5}})
        time.sleep(3)
        assert replicas() == 5
    assert runner.exception is None and runner.exit_code == 0, runner.output


def _exists(custom: client.CustomObjectsApi, name: str) -> bool:
    try:
        custom.get_namespaced_custom_object(GROUP, VERSION, "sluice", PLURAL, name)
        return True
    except client.ApiException as error:
        if error.status == 404:
            return False
        raise


def test_the_schema_applies_defaults_and_refuses_bad_specs(admin: client.ApiClient):
    custom = client.CustomObjectsApi(admin)
    body = {
        "apiVersion": f"{GROUP}/{VERSION}",
        "kind": "ProcessorAutoscaler",
        "metadata": {"name": "defaults"},
        "spec": {"scaleTargetRef": {"name": "p"}, "kafka": {"bootstrapServers": "127.0.0.1:1"}},
    }
    created = custom.create_namespaced_custom_object(GROUP, VERSION, "sluice", PLURAL, body)
    spec = created["spec"]
    assert spec["lagPerReplica"] == 100 and spec["minReplicas"] == 0 and spec["maxReplicas"] == 10
    assert spec["kafka"]["topic"] == "sluice.jobs" and spec["kafka"]["consumerGroup"] == "sluice-processors"
    assert spec["stabilization"] == {"scaleUpSeconds": 0, "scaleDownSeconds": 300}
    custom.delete_namespaced_custom_object(GROUP, VERSION, "sluice", PLURAL, "defaults")
    for bad in ({"lagPerReplica": 0}, {"minReplicas": -1}, {"maxStep": 0}, {"kafka": {}}):
        spec = {"scaleTargetRef": {"name": "p"}, "kafka": {"bootstrapServers": "127.0.0.1:1"}, **bad}
        with pytest.raises(client.ApiException) as refused:
            custom.create_namespaced_custom_object(
                GROUP, VERSION, "sluice", PLURAL, {**body, "metadata": {"name": "bad"}, "spec": spec}
            )
        assert refused.value.status == 422, bad

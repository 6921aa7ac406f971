"""The Helm chart (helm/sluice): linted, rendered by the real helm, and installed object by object into a real
kube-apiserver, which validates and stores every manifest as a cluster would."""

from __future__ import annotations

import json
import re
import subprocess
import uuid
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from kubernetes import client, config, utils
from kubernetes.dynamic import DynamicClient

from sluice.devstack.gateway import CHART, render_chart
from sluice.devstack.helm import ensure_helm
from sluice.devstack.kube import KubeAPIServer
from sluice.settings import AutoscalerSettings, IngestSettings, ProcessorSettings, ProvisionSettings, StatusSettings

SECRET = {"existingSecret": "sluice-credentials"}


@pytest.fixture(scope="module")
def helm() -> Path:
    return ensure_helm()


def _workloads(documents: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in documents if d["kind"] in ("Deployment", "Job")}


def _container(workload: dict[str, Any]) -> dict[str, Any]:
    (container,) = workload["spec"]["template"]["spec"]["containers"]
    return dict(container)


SCENARIOS = sorted((CHART / "ci").glob("*-values.yaml"))  # installs an SRE would make, as chart-testing runs them


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.stem)
def test_the_chart_lints_clean(helm: Path, scenario: Path) -> None:
    done = subprocess.run([str(helm), "lint", "--strict", str(CHART), "--values", str(scenario)],
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(
    ("setting", "complaint"),
    [
        ("gateway.cors=https://app.example.com", "gateway: Additional property cors is not allowed"),
        ("config.logLevel=verbose", "config.logLevel must be one of the following"),
        ("gateway.corsAllowOrigins[0]=app.example.com", "corsAllowOrigins.0"),
        ("ingest.replicas=0", "ingest.replicas"),
    ],
)
def test_a_wrong_value_is_refused_before_anything_is_installed(helm: Path, setting: str, complaint: str) -> None:
    """values.schema.json: a misspelt key or an impossible value fails `helm install` with the key's name."""
    name, value = setting.split("=", 1)
    with pytest.raises(Exception, match=re.escape(complaint)):
        render_chart(helm, values={**SECRET, name: value})


def test_without_a_secret_the_install_stops_with_what_to_create(helm: Path) -> None:
    with pytest.raises(Exception, match="existingSecret is required: a Secret with SLUICE_DATABASE_URL"):
        render_chart(helm)


def test_every_variable_the_chart_sets_is_a_setting_a_component_reads(helm: Path) -> None:
    known = {
        f"SLUICE_{name.upper()}"
        for cls in (IngestSettings, ProcessorSettings, StatusSettings, ProvisionSettings, AutoscalerSettings)
        for name in cls.model_fields
    }
    documents = render_chart(helm, values={**SECRET, "config.otlpEndpoint": "http://collector:4317"})
    (config_map,) = [d for d in documents if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "sluice-config"]
    names = set(config_map["data"])
    for workload in _workloads(documents).values():
        names |= {e["name"] for e in _container(workload).get("env", [])}
    assert {n for n in names if n.startswith("SLUICE_")} - known == set()  # a typo here would be silently ignored
    assert config_map["data"]["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://collector:4317"
    # The pre-install hook runs before the ConfigMap exists, so it carries the same values inline.
    provision = _container(_workloads(documents)["sluice-provision-1"])
    inline = {e["name"]: e["value"] for e in provision["env"]}
    assert {k: v for k, v in inline.items() if k in config_map["data"]} == config_map["data"]


@pytest.mark.parametrize("kube_version", ["1.25.0", "1.33.0"])  # the oldest schemas it ships, and a recent one
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.stem)
def test_every_manifest_matches_the_kubernetes_schema_field_for_field(
    helm: Path, scenario: Path, kube_version: str
) -> None:
    """Strict: a misspelt field fails here, where an API server would drop it without a word."""
    documents = render_chart(helm, values_files=[scenario], kube_version=kube_version)
    checked = []
    for document in documents:
        if document["kind"] == "ProcessorAutoscaler":
            continue  # a custom resource: its CRD's schema is checked by the real API server below
        kubernetes_validate.validate(document, kube_version, strict=True)
        checked.append(document["kind"])
    assert {"Deployment", "Service", "ConfigMap"} <= set(checked)


def test_grafanas_sidecar_gets_every_dashboard_as_it_is_in_the_repository(helm: Path) -> None:
    (config_map,) = render_chart(helm, values=SECRET, show_only=["templates/dashboards-configmap.yaml"])
    assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"
    files = sorted((CHART / "dashboards").glob("*.json"))
    assert sorted(config_map["data"]) == [f.name for f in files] and files
    for file in files:
        assert json.loads(config_map["data"][file.name]) == json.loads(file.read_text())


def test_workloads_run_hardened_with_limits_and_health_probes(helm: Path) -> None:
    workloads = _workloads(render_chart(helm, values=SECRET))
    assert set(workloads) == {
        "sluice-ingest", "sluice-status", "sluice-processor", "sluice-autoscaler", "sluice-gateway",
        "sluice-provision-1",
    }  # fmt: skip
    for name, workload in workloads.items():
        pod = workload["spec"]["template"]["spec"]
        container = _container(workload)
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert container["securityContext"]["readOnlyRootFilesystem"] is True, name
        assert container["securityContext"]["allowPrivilegeEscalation"] is False, name
        if workload["kind"] == "Deployment":
            assert container["resources"]["limits"]["memory"], name
    for name, port in (("sluice-ingest", 50051), ("sluice-status", 50052), ("sluice-processor", 50053)):
        container = _container(workloads[name])
        assert container["readinessProbe"]["grpc"] == {"port": port}  # the services' grpc.health.v1
        assert container["livenessProbe"]["grpc"] == {"port": port}
    assert _container(workloads["sluice-gateway"])["readinessProbe"]["httpGet"]["path"] == "/healthz"


def test_the_autoscaler_owns_the_processor_replicas_only_when_it_is_on(helm: Path) -> None:
    documents = render_chart(helm, values=SECRET)
    processor = _workloads(documents)["sluice-processor"]
    assert "replicas" not in processor["spec"]  # an upgrade must not reset what the autoscaler chose
    (scaler,) = [d for d in documents if d["kind"] == "ProcessorAutoscaler"]
    assert scaler["spec"]["scaleTargetRef"]["name"] == "sluice-processor"
    assert scaler["spec"]["kafka"]["consumerGroup"] == "sluice-processors"

    documents = render_chart(helm, values={**SECRET, "autoscaler.enabled": "false", "processor.replicas": "3"})
    assert _workloads(documents)["sluice-processor"]["spec"]["replicas"] == 3
    assert not [d for d in documents if d["kind"] in ("ProcessorAutoscaler", "ClusterRole")]


def test_a_real_api_server_accepts_every_manifest_of_an_install(helm: Path, kube: KubeAPIServer) -> None:
    namespace = f"chart-{uuid.uuid4().hex[:6]}"
    # kube-apiserver 1.20 has no gRPC probes: the chart falls back to TCP checks, as on any cluster before 1.24.
    documents = render_chart(
        helm, release="shop", namespace=namespace, values=SECRET, kube_version="1.20.2"
    )  # fmt: skip
    api = config.new_client_from_config(config_file=str(kube.kubeconfig))
    client.CoreV1Api(api).create_namespace({"metadata": {"name": namespace}})
    crd = yaml.safe_load((CHART / "crds" / "processorautoscalers.yaml").read_text())
    try:
        utils.create_from_dict(api, crd)
    except utils.FailToCreateError as error:  # already there from the operator tests
        assert all(e.status == 409 for e in error.api_exceptions)
    _wait_served(api, namespace)
    dynamic = DynamicClient(api)  # by discovery, as kubectl does: any kind this server serves (CRs, policy/v1beta1)
    for document in documents:
        resource = dynamic.resources.get(api_version=document["apiVersion"], kind=document["kind"])
        resource.create(body=document, namespace=namespace if resource.namespaced else None)
    apps = client.AppsV1Api(api)
    stored = {d.metadata.name: d for d in apps.list_namespaced_deployment(namespace).items}
    assert set(stored) == {"shop-sluice-ingest", "shop-sluice-status", "shop-sluice-processor",
                           "shop-sluice-autoscaler", "shop-sluice-gateway"}  # fmt: skip
    ingest = stored["shop-sluice-ingest"].spec.template.spec.containers[0]
    assert ingest.readiness_probe.tcp_socket.port == 50051
    assert stored["shop-sluice-processor"].spec.replicas == 1  # defaulted; from here on the autoscaler's
    budgets = dynamic.resources.get(api_version="policy/v1beta1", kind="PodDisruptionBudget").get(namespace=namespace)
    assert sorted(b.metadata.name for b in budgets.items) == ["shop-sluice-gateway", "shop-sluice-ingest",
                                                              "shop-sluice-status"]  # fmt: skip
    scaler = client.CustomObjectsApi(api).get_namespaced_custom_object(
        "autoscaling.sluice.dev", "v1", namespace, "processorautoscalers", "shop-sluice-processor"
    )
    # The CRD's schema filled in what the chart left out, so the operator reads a complete spec.
    assert scaler["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                                "name": "shop-sluice-processor"}  # fmt: skip
    gateway_config = client.CoreV1Api(api).read_namespaced_config_map("shop-sluice-gateway", namespace)
    envoy = yaml.safe_load(gateway_config.data["envoy.yaml"])
    upstream = envoy["static_resources"]["clusters"][1]["load_assignment"]["endpoints"][0]["lb_endpoints"][0]
    assert upstream["endpoint"]["address"]["socket_address"]["address"] == f"shop-sluice-status.{namespace}.svc"
    assert gateway_config.binary_data["sluice.pb"]  # the descriptor set the transcoder reads


def _wait_served(api: client.ApiClient, namespace: str) -> None:
    import time

    custom = client.CustomObjectsApi(api)
    deadline = time.monotonic() + 30
    while True:
        try:
            custom.list_namespaced_custom_object("autoscaling.sluice.dev", "v1", namespace, "processorautoscalers")
            return
        except client.ApiException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)

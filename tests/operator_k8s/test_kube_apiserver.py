"""The real kube-apiserver does what the operator relies on: CRD schemas (defaults, validation), the status
and /scale subresources of a custom resource, and /scale of a Deployment. Through the `kubernetes` client,
configured from the fixture's kubeconfig only."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import kopf
import pytest
from kopf.testing import KopfRunner
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException

from sluice.devstack.kube import KubeAPIServer

GROUP = "kubetest.sluice.example.com"
PLURAL = "widgets"

WIDGET_CRD: dict[str, Any] = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": f"{PLURAL}.{GROUP}"},
    "spec": {
        "group": GROUP,
        "scope": "Namespaced",
        "names": {"plural": PLURAL, "singular": "widget", "kind": "Widget", "listKind": "WidgetList"},
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "subresources": {
                    "status": {},
                    "scale": {"specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas"},
                },
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "spec": {
                                "type": "object",
                                "required": ["topic"],
                                "properties": {
                                    "topic": {"type": "string", "minLength": 1},
                                    "replicas": {"type": "integer", "minimum": 0, "default": 1},
                                    "lagPerReplica": {"type": "integer", "minimum": 1, "default": 1000},
                                },
                            },
                            "status": {
                                "type": "object",
                                "properties": {"replicas": {"type": "integer", "minimum": 0}},
                            },
                        },
                    }
                },
            }
        ],
    },
}


@pytest.fixture(scope="module")
def api(kube: KubeAPIServer) -> Iterator[client.ApiClient]:
    api_client = config.new_client_from_config(config_file=str(kube.kubeconfig), persist_config=False)
    try:
        yield api_client
    finally:
        api_client.close()


@pytest.fixture()
def namespace(api: client.ApiClient) -> Iterator[str]:
    name = f"test-{uuid.uuid4().hex[:8]}"
    core = client.CoreV1Api(api)
    core.create_namespace({"metadata": {"name": name}})
    yield name
    core.delete_namespace(name)


@pytest.fixture(scope="module")
def widget_crd(api: client.ApiClient) -> str:
    extensions = client.ApiextensionsV1Api(api)
    extensions.create_custom_resource_definition(WIDGET_CRD)
    name = WIDGET_CRD["metadata"]["name"]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        crd = extensions.read_custom_resource_definition(name)
        conditions = {c.type: c.status for c in (crd.status.conditions or [])}
        if conditions.get("Established") == "True":
            return name
        time.sleep(0.2)
    raise AssertionError(f"CRD {name} not established in 30s: {crd.status}")


def test_apiserver_version_and_admin_identity(kube: KubeAPIServer, api: client.ApiClient):
    assert kube.url.startswith("https://127.0.0.1:")
    version = client.VersionApi(api).get_code()
    assert (version.major, version.minor) == ("1", "20")
    review = client.AuthorizationV1Api(api).create_self_subject_access_review(
        {"spec": {"resourceAttributes": {"verb": "*", "group": "*", "resource": "*"}}}
    )
    assert review.status.allowed  # the token is in system:masters


def test_crd_defaults_validation_status_and_scale(api: client.ApiClient, widget_crd: str, namespace: str):
    objects = client.CustomObjectsApi(api)
    created = objects.create_namespaced_custom_object(
        GROUP,
        "v1",
        namespace,
        PLURAL,
        {"apiVersion": f"{GROUP}/v1", "kind": "Widget", "metadata": {"name": "w1"}, "spec": {"topic": "jobs"}},
    )
    assert created["spec"] == {"topic": "jobs", "replicas": 1, "lagPerReplica": 1000}  # schema defaults applied

    for bad_spec in ({"topic": "jobs", "replicas": -1}, {"topic": "jobs", "lagPerReplica": 0}, {"replicas": 2}):
        with pytest.raises(ApiException) as rejected:
            objects.create_namespaced_custom_object(
                GROUP,
                "v1",
                namespace,
                PLURAL,
                {"apiVersion": f"{GROUP}/v1", "kind": "Widget", "metadata": {"name": "bad"}, "spec": bad_spec},
            )
        assert rejected.value.status == 422, rejected.value.body

    # /scale writes spec.replicas; /status is the only way to write status.
    objects.patch_namespaced_custom_object_scale(GROUP, "v1", namespace, PLURAL, "w1", {"spec": {"replicas": 4}})
    objects.patch_namespaced_custom_object_status(GROUP, "v1", namespace, PLURAL, "w1", {"status": {"replicas": 3}})
    scale = objects.get_namespaced_custom_object_scale(GROUP, "v1", namespace, PLURAL, "w1")
    assert (scale["spec"]["replicas"], scale["status"]["replicas"]) == (4, 3)
    objects.patch_namespaced_custom_object(
        GROUP, "v1", namespace, PLURAL, "w1", {"status": {"replicas": 9}}
    )  # ignored on the main resource
    widget = objects.get_namespaced_custom_object(GROUP, "v1", namespace, PLURAL, "w1")
    assert (widget["spec"]["replicas"], widget["status"]["replicas"]) == (4, 3)


def test_deployment_scale_subresource(api: client.ApiClient, namespace: str):
    apps = client.AppsV1Api(api)
    labels = {"app": "processor"}
    apps.create_namespaced_deployment(
        namespace,
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "processor"},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": labels},
                "template": {
                    "metadata": {"labels": labels},
                    "spec": {"containers": [{"name": "processor", "image": "sluice/processor:test"}]},
                },
            },
        },
    )
    apps.patch_namespaced_deployment_scale("processor", namespace, {"spec": {"replicas": 5}})
    assert apps.read_namespaced_deployment("processor", namespace).spec.replicas == 5
    assert apps.read_namespaced_deployment_scale("processor", namespace).spec.replicas == 5


def test_kopf_runner_reconciles_a_widget(kube: KubeAPIServer, api: client.ApiClient, widget_crd: str, namespace: str):
    """kopf's own test runner, logged in from the fixture alone (its own registry: no global handlers)."""
    registry = kopf.OperatorRegistry()

    @kopf.on.login(id="login", registry=registry)
    def login(**_: Any) -> kopf.ConnectionInfo:
        return kopf.ConnectionInfo(server=kube.url, ca_path=str(kube.ca_file), scheme="Bearer", token=kube.token)

    @kopf.on.create(GROUP, "v1", PLURAL, id="created", registry=registry)
    def created(spec: kopf.Spec, patch: kopf.Patch, **_: Any) -> None:
        patch.status["replicas"] = spec["replicas"]

    objects = client.CustomObjectsApi(api)
    args = ["run", "--standalone", "--namespace", namespace]
    with KopfRunner(args, registry=registry, settings=kopf.OperatorSettings()) as runner:
        objects.create_namespaced_custom_object(
            GROUP,
            "v1",
            namespace,
            PLURAL,
            {"apiVersion": f"{GROUP}/v1", "kind": "Widget", "metadata": {"name": "w2"}, "spec": {"topic": "t"}},
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            widget = objects.get_namespaced_custom_object(GROUP, "v1", namespace, PLURAL, "w2")
            if widget.get("status", {}).get("replicas") == 1:
                break
            time.sleep(0.2)
        else:
            raise AssertionError(f"kopf did not reconcile w2 in 30s: {widget}")
    assert runner.exception is None, runner.output
    assert runner.exit_code == 0, runner.output
    assert "Handler 'created' succeeded" in runner.output

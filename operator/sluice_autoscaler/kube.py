"""Kubernetes adapters for the loop: a Deployment's /scale subresource, and the custom resource's status
and Events. Built on the official client; the operator's RBAC (the Helm chart's
helm/sluice/templates/autoscaler-clusterrole.yaml) allows exactly these calls."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import kopf
from kubernetes import client

from sluice_autoscaler.decision import Decision
from sluice_autoscaler.observe import AutoscalerMetrics
from sluice_autoscaler.resource import GROUP, PLURAL, VERSION, status_of

log = logging.getLogger(__name__)


class DeploymentScale:
    """A Deployment's replicas, read and set through apps/v1 deployments/scale."""

    def __init__(self, apps: client.AppsV1Api, *, namespace: str, name: str):
        self._apps = apps
        self._namespace = namespace
        self._name = name

    def replicas(self) -> int:
        scale = self._apps.read_namespaced_deployment_scale(self._name, self._namespace)
        return int(scale.spec.replicas or 0) if scale.spec is not None else 0

    def scale(self, replicas: int, reason: str) -> None:
        log.info("deployment %s/%s -> %d replicas: %s", self._namespace, self._name, replicas, reason)
        self._apps.patch_namespaced_deployment_scale(self._name, self._namespace, {"spec": {"replicas": replicas}})


class ResourceReporter:
    """Writes the decision into the ProcessorAutoscaler's status, Events and the metrics."""

    def __init__(
        self,
        custom: client.CustomObjectsApi,
        *,
        body: kopf.Body,
        metrics: AutoscalerMetrics,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ):
        self._custom = custom
        self._body = body  # kopf's live view: its status is the latest the operator has seen
        self._metrics = metrics
        self._clock = clock
        meta = body["metadata"]
        self._namespace, self._name = meta["namespace"], meta["name"]
        self.key = f"{self._namespace}/{self._name}"
        self._status: dict[str, Any] = dict(body.get("status") or {})

    def observed(self, decision: Decision) -> None:
        self._metrics.record(self.key, decision)
        status = status_of(decision, self._status, self._clock())
        if decision.total_lag is None:  # keep the last lag reading visible, marked by the condition
            status.update({k: self._status[k] for k in ("totalLag", "countedLag", "partitions") if k in self._status})
        if "lastScale" not in status and "lastScale" in self._status:
            status["lastScale"] = self._status["lastScale"]
        self._custom.patch_namespaced_custom_object_status(
            GROUP, VERSION, self._namespace, PLURAL, self._name, {"status": status}
        )
        self._status = status

    def event(self, kind: str, reason: str, message: str) -> None:
        kopf.event(self._body, type=kind, reason=reason, message=message)

    def invalid_spec(self, message: str) -> None:
        """A spec the schema let through but that does not make sense (e.g. minReplicas above maxReplicas)."""
        condition = {
            "type": "SpecValid",
            "status": "False",
            "reason": "InvalidSpec",
            "message": message,
            "lastTransitionTime": self._clock().strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        others = [c for c in self._status.get("conditions", []) if c["type"] != "SpecValid"]
        self._status = {**self._status, "conditions": [*others, condition]}
        self._custom.patch_namespaced_custom_object_status(
            GROUP, VERSION, self._namespace, PLURAL, self._name, {"status": {"conditions": self._status["conditions"]}}
        )

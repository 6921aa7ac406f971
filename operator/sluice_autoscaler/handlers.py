"""The kopf operator: one daemon per ProcessorAutoscaler runs the scaling loop until the resource goes.

Handlers stay a few lines: they read the spec, build the adapters and call the loop. Dependencies come
from `memo` (filled by `configure`, or by whoever runs the operator embedded, e.g. a test): the
Kubernetes API clients, the metrics, and a factory for lag sources.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import Any, TypeAlias

import kopf
from kubernetes import client, config

from sluice_autoscaler.kafka_lag import KafkaLagSource
from sluice_autoscaler.kube import DeploymentScale, ResourceReporter
from sluice_autoscaler.loop import ScalingLoop
from sluice_autoscaler.observe import AutoscalerMetrics
from sluice_autoscaler.resource import FINALIZER, GROUP, PLURAL, VERSION, read_spec

Logger: TypeAlias = logging.Logger | logging.LoggerAdapter[Any]


def api_client() -> client.ApiClient:
    """KUBECONFIG when it is set (read now, not at import), else the pod's service account."""
    kubeconfig = os.environ.get("KUBECONFIG", "")
    if kubeconfig:
        return config.new_client_from_config(config_file=kubeconfig.split(os.pathsep)[0])
    configuration = client.Configuration()
    config.load_incluster_config(client_configuration=configuration)
    return client.ApiClient(configuration)


@kopf.on.login()
def login(**kwargs: Any) -> kopf.ConnectionInfo | None:
    """The same credentials as the API client: KUBECONFIG read at start (kopf's client-based login reads
    the path the client library saw when it was imported), else the pod's service account."""
    if os.environ.get("KUBECONFIG"):
        return kopf.login_with_kubeconfig(**kwargs)
    return kopf.login_with_service_account(**kwargs)


@kopf.on.startup()
def configure(*, settings: kopf.OperatorSettings, memo: Any, logger: Logger, **_: Any) -> None:
    settings.persistence.finalizer = FINALIZER
    settings.posting.level = logging.INFO  # Normal events (scaled) as well as warnings
    settings.watching.server_timeout = 60
    if "api" not in memo:
        memo.api = api_client()
    if "metrics" not in memo:
        from opentelemetry.metrics import get_meter

        memo.metrics = AutoscalerMetrics(get_meter("sluice.autoscaler"))
    if "lag_source" not in memo:
        memo.lag_source = KafkaLagSource
    logger.info("autoscaler ready")


@kopf.daemon(GROUP, VERSION, PLURAL, cancellation_timeout=30.0)
def autoscale(
    *,
    body: kopf.Body,
    spec: kopf.Spec,
    namespace: str | None,
    stopped: kopf.DaemonStopped,
    memo: Any,
    logger: Logger,
    **_: Any,
) -> None:
    reporter = ResourceReporter(client.CustomObjectsApi(memo.api), body=body, metrics=memo.metrics)
    make_source: Callable[..., KafkaLagSource] = memo.lag_source
    source: KafkaLagSource | None = None
    loop: ScalingLoop | None = None
    seen: tuple[Any, ...] = ()
    try:
        while not stopped:
            try:
                watch, policy = read_spec(spec)
            except (KeyError, ValueError) as error:
                reporter.invalid_spec(f"the spec cannot be used: {error}")
                stopped.wait(15)
                continue
            where = (watch.deployment, watch.bootstrap_servers, watch.topic, watch.consumer_group)
            if loop is None or where != seen:  # a new target or Kafka source starts a fresh history
                if source is not None:
                    source.close()
                source = make_source(
                    bootstrap_servers=watch.bootstrap_servers, topic=watch.topic, group=watch.consumer_group
                )
                target = DeploymentScale(
                    client.AppsV1Api(memo.api), namespace=namespace or "default", name=watch.deployment
                )
                loop, seen = ScalingLoop(lag=source, target=target, reporter=reporter), where
            try:
                loop.poll(policy)
            except client.ApiException as error:  # the Deployment is missing, or the API server hiccupped
                logger.warning("poll failed: %s %s", error.status, error.reason)
                reporter.event(
                    "Warning", "ScaleTargetUnavailable", f"{watch.deployment}: {error.status} {error.reason}"
                )
            stopped.wait(watch.poll_interval_seconds)
    finally:
        if source is not None:
            source.close()
        memo.metrics.forget(reporter.key)
        logger.info("autoscaler released its target")

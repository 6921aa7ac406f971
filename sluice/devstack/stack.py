"""The whole system on one machine: infrastructure, schema, topics, bucket, a dev key, the services.

Everything lives under one home folder (default ~/.sluice): data, logs, pid files, `stack.json`
(ports and generated secrets, mode 0600) and `env` (what the CLI reads). `up()` reuses whatever is
already running; `down()` stops only the processes whose pids it recorded.

Any endpoint given in the environment (SLUICE_DATABASE_URL, SLUICE_REDIS_URL,
SLUICE_KAFKA_BOOTSTRAP, SLUICE_S3_ENDPOINT with SLUICE_S3_ACCESS_KEY/SECRET_KEY) is used as it is
and nothing is started for it.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from sluice import auth, db, objectstore
from sluice.devstack.gateway import EnvoyGateway, start_local_gateway
from sluice.devstack.servers import (
    Component,
    ComponentError,
    KafkaBroker,
    Postgres,
    Redis,
    S3Server,
    claim_ports,
    free_port,
    pid_alive,
)
from sluice.provision import provision

log = logging.getLogger(__name__)

DEV_TENANT = "dev"
SERVICES = ("ingest", "status")
# How each service process is started (the autoscaler's local mode manages the processors).
COMMANDS = {
    "ingest": ["-m", "services.ingest"],
    "status": ["-m", "services.status"],
    "processor": ["-m", "services.processor"],
    "autoscaler": ["-m", "sluice_autoscaler", "local"],
}
# Settings that belong to one process and must not leak into the processes it starts.
_PER_PROCESS = ("SLUICE_TRACE_FILE", "SLUICE_METRICS_PORT", "SLUICE_WORKER_ID", "SLUICE_PROCESSOR_ADMIN_PORT")


def default_home() -> Path:
    return Path(os.environ.get("SLUICE_HOME", Path.home() / ".sluice"))


@dataclass
class StackState:
    """What must survive between `up` calls: ports chosen once, generated secrets."""

    ports: dict[str, int] = field(default_factory=dict)
    s3_access_key: str = ""
    s3_secret_key: str = ""
    api_key: str = ""

    @classmethod
    def load(cls, path: Path) -> StackState:
        if not path.exists():
            return cls()
        state = cls(**json.loads(path.read_text()))
        # A port remembered for two components (possible before free_port kept its ports apart) stays with the
        # first; the others get new ones. Every remembered port is kept from free_port.
        seen: set[int] = set()
        for name, port in list(state.ports.items()):
            if port in seen:
                del state.ports[name]
            seen.add(port)
        claim_ports(seen)
        return state

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.__dict__, indent=2))
        tmp.chmod(0o600)
        tmp.replace(path)

    def port(self, name: str) -> int:
        if name not in self.ports:
            self.ports[name] = free_port()
        return self.ports[name]


class Stack:
    def __init__(
        self,
        home: Path,
        *,
        environ: Mapping[str, str] | None = None,
        processors: int = 2,
        autoscale: bool = False,
        service_env: Mapping[str, str] | None = None,
        gateway: bool = False,
    ):
        self.home = home
        self.gateway = gateway
        self.environ = {k: v for k, v in (os.environ if environ is None else environ).items() if k not in _PER_PROCESS}
        self.processors = processors
        self.autoscale = autoscale
        self.service_env = dict(service_env or {})
        self.state_path = home / "stack.json"
        self.state = StackState.load(self.state_path)
        if not self.state.s3_access_key:
            self.state.s3_access_key = "sluice" + secrets.token_hex(6)
            self.state.s3_secret_key = secrets.token_urlsafe(30)
        self.components = self._components()

    # ---- infrastructure -----------------------------------------------------------------

    def _components(self) -> list[Component]:
        """The servers to run here: those whose endpoint the environment does not give."""
        found: list[Component] = []
        s3: S3Server | None = None
        if "SLUICE_S3_ENDPOINT" not in self.environ:
            s3 = S3Server(
                self.home,
                self.state.port("s3"),
                access_key=self.state.s3_access_key,
                secret_key=self.state.s3_secret_key,
            )
            found.append(s3)
        if "SLUICE_DATABASE_URL" not in self.environ:
            found.append(Postgres(self.home, self.state.port("postgres")))
        if "SLUICE_REDIS_URL" not in self.environ:
            found.append(Redis(self.home, self.state.port("redis")))
        if "SLUICE_KAFKA_BOOTSTRAP" not in self.environ:
            found.append(KafkaBroker(self.home, self.state.port("kafka"), s3=s3))
        return found

    def infra_env(self) -> dict[str, str]:
        """SLUICE_* settings of the infrastructure, from the environment or our components."""
        env = {k: v for k, v in self.environ.items() if k.startswith("SLUICE_")}
        for component in self.components:
            env.update(component.env())
        return env

    def service_ports(self) -> dict[str, str]:
        return {
            "SLUICE_INGEST_PORT": str(self.state.port("ingest")),
            "SLUICE_STATUS_PORT": str(self.state.port("status")),
        }

    def client_env(self) -> dict[str, str]:
        env = {
            "SLUICE_INGEST_ADDR": f"127.0.0.1:{self.state.port('ingest')}",
            "SLUICE_STATUS_ADDR": f"127.0.0.1:{self.state.port('status')}",
            "SLUICE_API_KEY": self.state.api_key,
            "SLUICE_TRACE_DIR": str(self.trace_dir),
        }
        if self.gateway:
            env["SLUICE_GATEWAY_URL"] = f"http://127.0.0.1:{self.state.port('gateway')}"
        return env

    @property
    def trace_dir(self) -> Path:
        """Where every local service appends its finished spans (`sluice trace JOB` reads them)."""
        return self.home / "traces"

    def metrics_url(self, key: str) -> str:
        """The Prometheus endpoint of a service process ("ingest", "status", "processor-0", ...)."""
        return f"http://127.0.0.1:{self.state.port(f'metrics-{key}')}/metrics"

    def up(self) -> dict[str, str]:
        """Start (or reuse) everything; returns the client settings (also written to home/env)."""
        self.home.mkdir(parents=True, exist_ok=True)
        self.state.save(self.state_path)
        for component in self.components:
            if not component.is_up():
                log.info("starting %s", component.name)
                component.start()
        self.prepare()
        for name in SERVICES:
            self.start_service(name)
        if not self.autoscale or self.service_pid("autoscaler") is None:
            for index in range(self.processors):
                self.start_service("processor", index=index)
        self.state.save(self.state_path)
        if self.autoscale:
            self.start_service("autoscaler")
        if self.gateway:
            self.start_gateway()
        self.write_env_file()
        return self.client_env()

    def _gateway(self) -> EnvoyGateway:
        folder = self.home / "gateway"
        return EnvoyGateway(folder, self.state.port("gateway"), config=folder / "envoy.yaml")

    def stop_gateway(self) -> None:
        self._gateway().stop()

    def start_gateway(self) -> None:
        """The Helm chart's Envoy gateway in front of the local services (REST, grpc-web). Optional: the stack
        works without it, so a machine that cannot fetch helm or run Envoy still gets everything else."""
        if self._gateway().is_up():
            return
        env = self.client_env()
        try:
            start_local_gateway(
                self.home / "gateway",
                ingest=env["SLUICE_INGEST_ADDR"],
                status=env["SLUICE_STATUS_ADDR"],
                port=self.state.port("gateway"),
                admin_port=self.state.port("gateway-admin"),
            )
        except ComponentError as error:
            log.warning("the gateway (REST/grpc-web) did not start, the rest of the stack runs: %s", error)
            self.gateway = False
        self.state.save(self.state_path)

    def prepare(self) -> None:
        """Schema, topics, bucket and the development API key; each step is idempotent."""
        env = self.infra_env()
        url = env.get("SLUICE_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/sluice")
        s3 = objectstore.create_s3_client(
            endpoint=env["SLUICE_S3_ENDPOINT"],
            region=env.get("SLUICE_S3_REGION", "us-east-1"),
            access_key=env.get("SLUICE_S3_ACCESS_KEY", ""),
            secret_key=env.get("SLUICE_S3_SECRET_KEY", ""),
        )
        provision(
            database_url=url,
            kafka_bootstrap=env.get("SLUICE_KAFKA_BOOTSTRAP", "127.0.0.1:9092"),
            topics=[env.get("SLUICE_JOBS_TOPIC", "sluice.jobs"), env.get("SLUICE_DLQ_TOPIC", "sluice.jobs.dlq")],
            s3=s3,
            bucket=env.get("SLUICE_BUCKET", "sluice"),
        )
        if not self.state.api_key or not self._key_valid(url):
            pool = db.create_pool(url, max_size=1, name="devstack")
            try:
                self.state.api_key = auth.create_api_key(pool, DEV_TENANT, description="local development key")
            finally:
                pool.close()
            self.state.save(self.state_path)

    def _key_valid(self, url: str) -> bool:
        import psycopg

        with psycopg.connect(url) as conn:
            row = conn.execute("SELECT 1 FROM api_keys WHERE key_hash = %s", (auth.hash_key(self.state.api_key),))
            return row.fetchone() is not None

    def write_env_file(self) -> Path:
        path = self.home / "env"
        lines = ["# Written by the Sluice local stack; `sluice` reads it. Source it to use grpcurl etc."]
        lines += [f"export {k}={v}" for k, v in self.client_env().items()]
        path.write_text("\n".join(lines) + "\n")
        path.chmod(0o600)
        return path

    # ---- services -----------------------------------------------------------------------

    def _pid_file(self, name: str) -> Path:
        return self.home / "run" / f"{name}.pid"

    def service_pid(self, name: str) -> int | None:
        path = self._pid_file(name)
        if not path.exists():
            return None
        pid = int(path.read_text().strip() or 0)
        return pid if pid and pid_alive(pid) else None

    def process_env(self, name: str, index: int = 0, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        env = {**self.environ, **self.infra_env(), **self.service_ports(), **self.service_env, **(extra or {})}
        env["PYTHONUNBUFFERED"] = "1"
        # glibc keeps one malloc arena per thread (up to 8 x cores) and rarely returns their memory:
        # with many RPC and S3 threads that alone inflates resident memory; two arenas suffice.
        env.setdefault("MALLOC_ARENA_MAX", "2")
        key = f"processor-{index}" if name == "processor" else name
        if name == "processor":
            env["SLUICE_PROCESSOR_ADMIN_PORT"] = str(self.state.port(key))
            env.setdefault("SLUICE_WORKER_ID", key)
        if name == "autoscaler":
            env["SLUICE_HOME"] = str(self.home)
        env["SLUICE_METRICS_PORT"] = str(self.state.port(f"metrics-{key}"))
        env.setdefault("SLUICE_TRACE_FILE", str(self.trace_dir / f"{key}.jsonl"))
        env.setdefault("OTEL_BSP_SCHEDULE_DELAY", "500")  # spans on disk within a second, for `sluice trace`
        return env

    def start_service(
        self, name: str, *, index: int = 0, wait: bool = True, extra_env: Mapping[str, str] | None = None
    ) -> int:
        """Start the service's process (COMMANDS) detached, or reuse it; returns its pid."""
        key = f"{name}-{index}" if name == "processor" else name
        pid = self.service_pid(key)
        if pid is not None:
            return pid
        logs = self.home / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        self._pid_file(key).parent.mkdir(parents=True, exist_ok=True)
        with (logs / f"{key}.log").open("ab") as out:
            process = subprocess.Popen(
                [sys.executable, *COMMANDS[name]],
                env=self.process_env(name, index, extra_env),
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self._pid_file(key).write_text(str(process.pid))
        if wait and name == "autoscaler":
            self._wait_serving_metrics(key, process)
        elif wait:
            port = self.state.port(key if name == "processor" else name)
            self._wait_healthy(key, process, port)
        return process.pid

    def _wait_healthy(self, key: str, process: subprocess.Popen[bytes], port: int, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            while time.monotonic() < deadline:
                if process.poll() is not None:
                    raise RuntimeError(f"{key} exited with {process.returncode}; see {self.home / 'logs' / key}.log")
                try:
                    reply = stub.Check(health_pb2.HealthCheckRequest(), timeout=1)
                    if reply.status == health_pb2.HealthCheckResponse.SERVING:
                        return
                except grpc.RpcError:
                    pass
                time.sleep(0.2)
        raise RuntimeError(f"{key} did not become healthy in {timeout:.0f}s; see {self.home / 'logs' / key}.log")

    def _wait_serving_metrics(self, key: str, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
        """For a process without gRPC: up once its Prometheus endpoint answers."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{key} exited with {process.returncode}; see {self.home / 'logs' / key}.log")
            try:
                with urllib.request.urlopen(self.metrics_url(key), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{key} did not start in {timeout:.0f}s; see {self.home / 'logs' / key}.log")

    def stop_service(self, key: str, *, sig: int = signal.SIGTERM, timeout: float = 30.0) -> None:
        pid = self.service_pid(key)
        if pid is not None:
            os.kill(pid, sig)
            deadline = time.monotonic() + timeout
            while pid_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            if pid_alive(pid):
                log.warning("%s (pid %d) still runs %.0f s after signal %d: its stacks go to its log, then SIGKILL",
                            key, pid, timeout, sig)  # fmt: skip
                with contextlib.suppress(ProcessLookupError):  # it may end meanwhile
                    if sig != signal.SIGKILL:
                        os.kill(pid, signal.SIGUSR1)  # services dump every thread's stack (sluice.runtime.bootstrap)
                        time.sleep(1)
                    os.kill(pid, signal.SIGKILL)
        self._pid_file(key).unlink(missing_ok=True)

    def service_keys(self) -> list[str]:
        run = self.home / "run"
        names = [p.stem for p in run.glob("*.pid")] if run.exists() else []
        keys = [n for n in names if n in (*SERVICES, "autoscaler") or n.startswith("processor-")]
        return sorted(keys, key=lambda k: k != "autoscaler")  # the autoscaler first: it starts processors

    def down(self) -> None:
        """The gateway, the services (they drain), then the infrastructure."""
        self.stop_gateway()
        for key in self.service_keys():
            self.stop_service(key)
        for component in reversed(self.components):
            component.stop()

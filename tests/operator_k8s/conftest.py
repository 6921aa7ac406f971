"""A real Kubernetes API server for the operator tests: kube-apiserver 1.20.2 + etcd, nothing faked.

There is no controller-manager, scheduler or kubelet, so Deployments get no Pods: what the operator
needs (CRDs with validation and defaults, status and /scale subresources, watches, finalizers) is real.

The binaries are built once per machine (scripts/build_kube_apiserver.sh, ~4-6 min cold on 2 cores,
cached under ~/.cache/sluice). pytest-timeout counts fixture set-up against a test's timeout, so the
build runs before the first test, in `pytest_runtestloop`, outside any test's timeout, and only when a
collected test uses the `kube` fixture. The fixture only starts the servers (a few seconds).
Nothing global is set: no KUBECONFIG, no default client configuration.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sluice.devstack.kube import KubeAPIServer, ensure_kube_binaries
from sluice.devstack.servers import ComponentError

_BIN_DIR = pytest.StashKey[Path | ComponentError]()
# The autoscaler's ServiceAccount (the Helm chart's, helm/sluice/templates/autoscaler-serviceaccount.yaml) as a
# user with its own token, so the operator test runs with exactly the permissions its ClusterRole grants.
OPERATOR_USER = "system:serviceaccount:sluice:sluice-autoscaler"


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> None:
    config = session.config
    if config.option.collectonly or not any("kube" in getattr(item, "fixturenames", ()) for item in session.items):
        return
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line("operator tests: ensuring kube-apiserver and etcd (the first build takes minutes)")
    try:
        config.stash[_BIN_DIR] = ensure_kube_binaries()
    except ComponentError as exc:  # reported by the fixture, against each test that needs it
        config.stash[_BIN_DIR] = exc


@pytest.fixture(scope="session")
def kube(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[KubeAPIServer]:
    """A started KubeAPIServer: `.kubeconfig` (a file), `.url`, `.token` (cluster admin), `.ca_file`."""
    found = request.config.stash.get(_BIN_DIR, None)
    if isinstance(found, ComponentError):
        pytest.fail(f"kube-apiserver binaries could not be built: {found}", pytrace=False)
    bin_dir = found if found is not None else ensure_kube_binaries()
    server = KubeAPIServer(
        bin_dir=bin_dir,
        data_dir=tmp_path_factory.mktemp("kube"),
        users={OPERATOR_USER: ("system:serviceaccounts", "system:serviceaccounts:sluice", "system:authenticated")},
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture()
def operator_user() -> str:
    """The user name of the autoscaler's ServiceAccount (its token is `kube.kubeconfig_for(...)`)."""
    return OPERATOR_USER

"""Session fixtures: the whole stack, for real, started by the test suite itself.

Nothing is faked. PostgreSQL, Redis, the Kafka-protocol broker (Tansu) and the S3 server
(SeaweedFS) are started from the binaries the dev requirements install, in a temporary home with
free loopback ports, exactly as `make run` does on a fresh machine; then the three services run as
separate processes. Leases, retries and Kafka session timeouts are shortened so fault tests
(SIGKILL, dead worker, retry) finish in seconds.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from sluice import auth, db, objectstore
from sluice.client import Endpoints, SluiceClient
from sluice.devstack.stack import Stack

TEST_SERVICE_ENV = {
    "SLUICE_LEASE_SECONDS": "3",
    "SLUICE_RETRY_BASE_SECONDS": "0.5",
    "SLUICE_RETRY_MAX_SECONDS": "2",
    "SLUICE_REAPER_INTERVAL_SECONDS": "0.5",
    "SLUICE_SESSION_TIMEOUT_MS": "6000",
    "SLUICE_DRAIN_TIMEOUT_SECONDS": "5",
    "SLUICE_CHUNK_ROWS": "5000",
    "SLUICE_MAX_UPLOAD_BYTES": str(64 * 1024 * 1024),
    "SLUICE_CACHE_TTL_SECONDS": "5",
    "SLUICE_LAG_INTERVAL_SECONDS": "1",
    "SLUICE_LOG_LEVEL": "INFO",
    # Files above 1 MiB are profiled in ~400 kB parts, so the bundled sample (1.5 MB) is split too.
    "SLUICE_SPLIT_BYTES": str(1024 * 1024),
    "SLUICE_PART_BYTES": "400000",
    # Files are read in ranged GETs of 256 KiB, so larger ones take several and parts cross window edges.
    "SLUICE_READ_WINDOW_BYTES": str(256 * 1024),
    # Tests plant RUNNING jobs whose parts only the runner under test may take, so the stack's processors learn
    # of parts from part messages only; test_large_files_in_parts.py runs a worker of its own that finds waiting
    # parts in PostgreSQL (the default).
    "SLUICE_PART_POLL_SECONDS": "0",
}


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    home = tmp_path_factory.mktemp("sluice-home")
    # Only endpoints the caller exported on purpose are reused; by default everything is started here.
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
    stack = Stack(home, environ=environ, processors=2, service_env=TEST_SERVICE_ENV)
    try:
        stack.up()
        yield stack
    finally:
        stack.down()


@pytest.fixture(scope="session")
def pool(stack: Stack) -> Iterator[object]:
    pool = db.create_pool(stack.infra_env()["SLUICE_DATABASE_URL"], max_size=2, name="tests")
    yield pool
    pool.close()


@pytest.fixture(scope="session")
def s3(stack: Stack) -> object:
    env = stack.infra_env()
    return objectstore.create_s3_client(
        endpoint=env["SLUICE_S3_ENDPOINT"],
        region="us-east-1",
        access_key=env["SLUICE_S3_ACCESS_KEY"],
        secret_key=env["SLUICE_S3_SECRET_KEY"],
    )


def _client(stack: Stack, key: str) -> SluiceClient:
    env = stack.client_env()
    return SluiceClient(Endpoints(env["SLUICE_INGEST_ADDR"], env["SLUICE_STATUS_ADDR"], key))


@pytest.fixture()
def tenant(pool: object) -> str:
    """A fresh tenant per test, so listings and S3 prefixes start empty."""
    return f"t-{uuid.uuid4().hex[:10]}"


@pytest.fixture()
def api_key(pool: object, tenant: str) -> str:
    return auth.create_api_key(pool, tenant, description="test")  # type: ignore[arg-type]


@pytest.fixture()
def client(stack: Stack, api_key: str) -> Iterator[SluiceClient]:
    with _client(stack, api_key) as c:
        yield c


@pytest.fixture()
def other_client(stack: Stack, pool: object) -> Iterator[SluiceClient]:
    key = auth.create_api_key(pool, f"other-{uuid.uuid4().hex[:8]}", description="test")  # type: ignore[arg-type]
    with _client(stack, key) as c:
        yield c


@pytest.fixture()
def make_client(stack: Stack):  # type: ignore[no-untyped-def]
    return lambda key: _client(stack, key)


@pytest.fixture()
def csv_file(tmp_path: Path):  # type: ignore[no-untyped-def]
    def write(text: str, name: str = "data.csv") -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path

    return write

"""`python -m sluice.provision`, the Helm chart's pre-install/pre-upgrade Job, run as a process against the
test stack's real PostgreSQL, broker and S3 server, on a database, topics and a bucket of its own."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from kafka import KafkaConsumer

from sluice.devstack.stack import Stack


@pytest.fixture()
def fresh_env(stack: Stack) -> Iterator[dict[str, str]]:
    suffix = uuid.uuid4().hex[:8]
    infra = stack.infra_env()
    url = psycopg.conninfo.make_conninfo(infra["SLUICE_DATABASE_URL"], dbname=f"prov_{suffix}")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLUICE_")}
    env.update(infra)
    env.update(
        SLUICE_DATABASE_URL=url,
        SLUICE_JOBS_TOPIC=f"prov-{suffix}.jobs",
        SLUICE_DLQ_TOPIC=f"prov-{suffix}.dlq",
        SLUICE_BUCKET=f"prov-{suffix}",
        SLUICE_TOPIC_PARTITIONS="3",
        SLUICE_LOG_FORMAT="text",
    )
    yield env
    admin = psycopg.conninfo.make_conninfo(url, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS prov_{suffix} WITH (FORCE)")


def _provision(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sluice.provision", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_provision_creates_schema_topics_and_bucket_and_is_idempotent(fresh_env: dict[str, str], s3: object) -> None:
    first = _provision(fresh_env)
    assert first.returncode == 0, first.stderr
    with psycopg.connect(fresh_env["SLUICE_DATABASE_URL"]) as conn:
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert {"jobs", "outbox", "api_keys", "schema_migrations"} <= tables
    consumer = KafkaConsumer(bootstrap_servers=fresh_env["SLUICE_KAFKA_BOOTSTRAP"])
    try:
        assert consumer.partitions_for_topic(fresh_env["SLUICE_JOBS_TOPIC"]) == {0, 1, 2}
        assert consumer.partitions_for_topic(fresh_env["SLUICE_DLQ_TOPIC"]) == {0, 1, 2}
    finally:
        consumer.close()
    s3.head_bucket(Bucket=fresh_env["SLUICE_BUCKET"])  # type: ignore[attr-defined]

    again = _provision(fresh_env)  # every upgrade runs it again
    assert again.returncode == 0 and "migrations applied none" in again.stderr, again.stderr
    s3.delete_bucket(Bucket=fresh_env["SLUICE_BUCKET"])  # type: ignore[attr-defined]


def test_an_api_key_is_printed_once_and_stored_only_as_a_hash(fresh_env: dict[str, str]) -> None:
    assert _provision(fresh_env).returncode == 0
    made = _provision(fresh_env, "--create-api-key", "acme", "--description", "billing export")
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip()
    assert key.startswith("slk_") and len(key) > 40
    with psycopg.connect(fresh_env["SLUICE_DATABASE_URL"]) as conn:
        rows = conn.execute("SELECT tenant_id, description, key_hash FROM api_keys").fetchall()
    assert [(r[0], r[1]) for r in rows] == [("acme", "billing export")]
    assert bytes(rows[0][2]) == hashlib.sha256(key.encode()).digest()  # the key itself is nowhere


def test_a_bad_setting_stops_it_with_the_variable_named(fresh_env: dict[str, str]) -> None:
    done = _provision({**fresh_env, "SLUICE_TOPIC_PARTITIONS": "0"})
    assert done.returncode != 0
    assert "SLUICE_TOPIC_PARTITIONS" in done.stderr and "Traceback" not in done.stderr

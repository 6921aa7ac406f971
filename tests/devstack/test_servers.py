"""The local servers themselves: idempotent start, clean stop of only our pid, data kept across restarts."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import psycopg
import pytest
from kafka import KafkaConsumer, KafkaProducer

from sluice.devstack.servers import KafkaBroker, Postgres, S3Server, free_port, pid_alive


@pytest.fixture()
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


def test_postgres_start_is_idempotent_and_data_survives_a_restart(home: Path):
    server = Postgres(home, free_port())
    try:
        server.start()
        pid = server.pid()
        server.start()  # already up: reused, not started twice
        assert server.pid() == pid
        url = f"postgresql://postgres@127.0.0.1:{server.port}/postgres"
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE kept (v text)")
            conn.execute("INSERT INTO kept VALUES ('still here')")
        server.stop()
        assert pid is not None and not pid_alive(pid)
        assert not server.is_up()
        server.start()
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT v FROM kept").fetchone() == ("still here",)
    finally:
        server.stop()


def test_kafka_on_s3_storage_keeps_records_across_a_broker_restart(home: Path):
    s3 = S3Server(home, free_port(), access_key="test" + uuid.uuid4().hex[:6], secret_key=uuid.uuid4().hex)
    broker = KafkaBroker(home, free_port(), s3=s3)
    try:
        s3.start()
        broker.start()
        bootstrap = f"127.0.0.1:{broker.port}"
        producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
        producer.send("kept", key=b"k", value=b"durable").get(timeout=15)
        producer.close()
        broker.stop()
        assert not broker.is_up()
        broker.start()
        consumer = KafkaConsumer(
            "kept",
            bootstrap_servers=bootstrap,
            group_id=f"g-{uuid.uuid4().hex[:6]}",
            auto_offset_reset="earliest",
            consumer_timeout_ms=15_000,
            session_timeout_ms=6000,
            heartbeat_interval_ms=2000,
        )
        started = time.monotonic()
        values = [m.value for m in consumer]
        consumer.close()
        assert values == [b"durable"], f"after {time.monotonic() - started:.1f}s"
    finally:
        broker.stop()
        s3.stop()

"""The local servers themselves: idempotent start, clean stop of only our pid, data kept across restarts."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import psycopg
import pytest
from kafka import KafkaConsumer, KafkaProducer

from sluice.devstack import servers
from sluice.devstack.servers import KafkaBroker, Postgres, S3Server, free_port, pid_alive
from sluice.devstack.stack import StackState


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


class _ReofferingSocket:
    """A fake for a fault that cannot be caused on demand: the OS offering a port it just offered, once its probe
    socket is closed (it happened: SeaweedFS's filer got its HTTP and gRPC ports equal and never started)."""

    offers = [45001, 45001, 45002]

    def __init__(self) -> None:
        self.port = 0

    def __enter__(self) -> _ReofferingSocket:
        return self

    def __exit__(self, *_: object) -> None:
        pass

    def bind(self, _address: tuple[str, int]) -> None:
        self.port = self.offers.pop(0)

    def getsockname(self) -> tuple[str, int]:
        return "127.0.0.1", self.port


def test_free_port_never_hands_out_a_port_twice(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(servers.socket, "socket", _ReofferingSocket)
    monkeypatch.setattr(servers, "_claimed", set())
    assert [free_port(), free_port()] == [45001, 45002]


def test_remembered_s3_ports_holding_one_port_twice_are_chosen_again(home: Path):
    s3 = S3Server(home, free_port(), access_key="k", secret_key="s")
    s3.run_dir.mkdir(parents=True, exist_ok=True)
    bad = {"master": 1, "master_grpc": 2, "volume": 3, "volume_grpc": 4, "filer": 5, "filer_grpc": 5, "s3_grpc": 6}
    (s3.run_dir / "s3-ports.json").write_text(json.dumps(bad))
    ports = s3._internal_ports()
    assert len(set(ports.values())) == 7 and s3.port not in ports.values()
    assert json.loads((s3.run_dir / "s3-ports.json").read_text()) == ports  # remembered for the next start
    again = S3Server(home, s3.port, access_key="k", secret_key="s")
    assert again._internal_ports() == ports


def test_a_port_remembered_for_two_components_stays_with_the_first(tmp_path: Path):
    path = tmp_path / "stack.json"
    path.write_text(json.dumps({"ports": {"s3": 40001, "postgres": 40002, "redis": 40001}}))
    state = StackState.load(path)
    assert state.ports == {"s3": 40001, "postgres": 40002}
    assert state.port("redis") not in (40001, 40002)

"""Kafka: producer, consumer and topic set-up with the settings Sluice relies on."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable

from kafka import ConsumerRebalanceListener, KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

log = logging.getLogger(__name__)


def create_producer(bootstrap: str, *, client_id: str) -> KafkaProducer:
    """acks=all and one in-flight request: a publish is confirmed durable before the outbox row goes."""
    return KafkaProducer(
        bootstrap_servers=bootstrap.split(","),
        client_id=client_id,
        acks="all",
        linger_ms=0,
        retries=5,
        max_in_flight_requests_per_connection=1,
        request_timeout_ms=15_000,
    )


def create_consumer(
    bootstrap: str,
    *,
    topic: str,
    group: str,
    client_id: str,
    session_timeout_ms: int = 10_000,
    max_poll_interval_ms: int = 30 * 60 * 1000,
    listener: ConsumerRebalanceListener | None = None,
) -> KafkaConsumer:
    """Manual commits only (after the job's effect is stored), one record per poll; `listener` hears of
    the group's assignments."""
    consumer = KafkaConsumer(
        bootstrap_servers=bootstrap.split(","),
        group_id=group,
        client_id=client_id,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        max_poll_records=1,
        session_timeout_ms=session_timeout_ms,
        heartbeat_interval_ms=max(1000, session_timeout_ms // 3),
        max_poll_interval_ms=max_poll_interval_ms,
    )
    consumer.subscribe([topic], listener=listener)
    return consumer


def ensure_topics(bootstrap: str, topics: Iterable[str], *, partitions: int = 6, replication: int = 1) -> None:
    admin = KafkaAdminClient(bootstrap_servers=bootstrap.split(","), client_id="sluice-admin")
    try:
        existing = set(admin.list_topics())
        missing = [
            NewTopic(t, num_partitions=partitions, replication_factor=replication) for t in topics if t not in existing
        ]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics(missing)
            log.info("created topics %s", [t.name for t in missing])
    finally:
        admin.close()

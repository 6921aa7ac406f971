"""The outbox relay: publishes due outbox rows to Kafka, then deletes them.

Safe with many ingest replicas: each batch is locked with FOR UPDATE SKIP LOCKED, published one
record at a time with acks=all, and deleted in the same transaction. A crash between publish and
commit republishes the batch (at-least-once); processors' conditional claims make that harmless.
Wakes on NOTIFY from the transaction that wrote the row, else every `poll_seconds`.

Tracing: each row carries the W3C context of the request that wrote it (the upload, for a new
job). The publish is a PRODUCER span in that trace, and the headers sent to Kafka carry the
publish span's own context, so the processor's work hangs below it.
"""

from __future__ import annotations

import json
import logging
import threading

import psycopg
from kafka import KafkaProducer
from kafka.errors import KafkaError
from opentelemetry import trace
from opentelemetry.trace import SpanKind

from sluice.db import Pool
from sluice.jobstore import OUTBOX_CHANNEL, Row
from sluice.telemetry import extract_context, inject_context

log = logging.getLogger(__name__)


class OutboxRelay:
    def __init__(
        self,
        *,
        pool: Pool,
        database_url: str,
        producer: KafkaProducer,
        batch: int,
        poll_seconds: float,
        tracer: trace.Tracer,
    ):
        self._pool = pool
        self._tracer = tracer
        self._database_url = database_url
        self._producer = producer
        self._batch = batch
        self._poll_seconds = poll_seconds

    def publish_due(self) -> int:
        """Publish one batch of due rows; returns how many were published."""
        with self._pool.connection() as conn, conn.transaction():
            rows = conn.execute(
                """
                SELECT id, topic, key, payload, headers FROM outbox WHERE available_at <= now()
                 ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED
                """,
                (self._batch,),
            ).fetchall()
            for row in rows:
                self._publish(row)
            if rows:
                conn.execute("DELETE FROM outbox WHERE id = ANY(%s)", ([r["id"] for r in rows],))
        return len(rows)

    def _publish(self, row: Row) -> None:
        stored = {k: str(v) for k, v in (row["headers"] or {}).items()}
        with self._tracer.start_as_current_span(
            f"{row['topic']} publish",
            context=extract_context(stored),
            kind=SpanKind.PRODUCER,
            attributes={
                "messaging.system": "kafka",
                "messaging.operation.type": "publish",
                "messaging.destination.name": row["topic"],
                "messaging.kafka.message.key": row["key"],
                "sluice.job_id": row["key"],
                "sluice.attempt": int(row["payload"].get("attempt", 0)),
            },
        ) as span:
            headers = {**stored, **inject_context()}  # our span becomes the consumer's parent
            # One record per request, confirmed before the next: keeps the broker's end offsets exact.
            metadata = self._producer.send(
                row["topic"],
                key=row["key"].encode(),
                value=json.dumps(row["payload"]).encode(),
                headers=[(k, v.encode()) for k, v in headers.items()],
            ).get(timeout=15)
            span.set_attribute("messaging.destination.partition.id", str(metadata.partition))
            span.set_attribute("messaging.kafka.offset", metadata.offset)

    def run(self, stop: threading.Event) -> None:
        """Loop until `stop` is set; survives database and broker outages (logs, waits, retries)."""
        listener: psycopg.Connection | None = None
        while not stop.is_set():
            try:
                if listener is None:
                    listener = psycopg.connect(self._database_url, autocommit=True)
                    listener.execute(f"LISTEN {OUTBOX_CHANNEL}")
                while self.publish_due() == self._batch and not stop.is_set():
                    pass
                # Block until a NOTIFY arrives or the poll interval passes (delayed retries are due by time).
                for _ in listener.notifies(timeout=self._poll_seconds, stop_after=1):
                    pass
            except (psycopg.Error, KafkaError) as error:
                log.warning("outbox relay: %s; retrying", error)
                if listener is not None:
                    listener.close()
                    listener = None
                stop.wait(1.0)
        if listener is not None:
            listener.close()

"""The consumer loop: one job at a time, the offset committed only after the job's effect is stored.

Shutdown (SIGTERM or the Drain RPC) is ordered: stop taking messages, let the current job finish
for up to `drain_timeout` (then release it to another processor), commit, leave the group.

Between messages, an idle processor also asks PostgreSQL for parts of running jobs that nobody has taken
(every `part_poll_seconds`): part messages land on whatever partitions their keys hash to, and one may wait
behind a long job on a busy processor, or in the broker, while this one has nothing to do.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import psycopg
from kafka import ConsumerRebalanceListener, KafkaConsumer, TopicPartition
from kafka.errors import CommitFailedError, KafkaError
from kafka.structs import OffsetAndMetadata
from opentelemetry.trace import SpanKind, Status, StatusCode

from services.processor.runner import JobRunner, Outcome
from sluice.telemetry import Telemetry, extract_context, job_scope, kafka_headers_to_carrier

log = logging.getLogger(__name__)


@dataclass
class WorkerStats:
    """What GetStats reports; written by the worker thread only."""

    worker_id: str
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    current_job_id: str = ""
    consuming: bool = False
    succeeded: int = 0
    failed: int = 0
    retried: int = 0
    draining: bool = False
    drained: bool = False
    assigned_partitions: tuple[int, ...] = ()


class _Assignments(ConsumerRebalanceListener):
    """Keeps the stats' assigned partitions current and logs each change (callbacks run on the consumer's
    I/O loop, so they only record). Works for eager and cooperative rebalancing alike: each call names
    only the partitions that come or go."""

    def __init__(self, stats: WorkerStats):
        self._stats = stats

    def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        if revoked:
            gone = {tp.partition for tp in revoked}
            self._stats.assigned_partitions = tuple(p for p in self._stats.assigned_partitions if p not in gone)
            log.info("partitions revoked: %s", sorted(gone))

    def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        self._stats.assigned_partitions = tuple(
            sorted({*self._stats.assigned_partitions, *(tp.partition for tp in assigned)})
        )
        log.info("partitions assigned: now %s", list(self._stats.assigned_partitions))


class ProcessorWorker:
    def __init__(
        self,
        *,
        consumer_factory: Callable[[ConsumerRebalanceListener], KafkaConsumer],
        runner: JobRunner,
        worker_id: str,
        drain_timeout: float,
        telemetry: Telemetry,
        part_poll_seconds: float = 0.5,
    ):
        self._telemetry = telemetry
        self._part_poll_seconds = part_poll_seconds
        self._next_part_poll = 0.0
        self._consumer_factory = consumer_factory
        self._runner = runner
        self._drain_timeout = drain_timeout
        self._drain_requested = threading.Event()
        self._drain_deadline: float | None = None
        self.stats = WorkerStats(worker_id=worker_id)

    def request_drain(self) -> None:
        if not self._drain_requested.is_set():
            self._drain_deadline = time.monotonic() + self._drain_timeout
            self.stats.draining = True
            self._drain_requested.set()
            log.info("drain requested: finishing the current job (at most %.0fs)", self._drain_timeout)

    def _past_drain_deadline(self) -> bool:
        return self._drain_deadline is not None and time.monotonic() > self._drain_deadline

    def run(self) -> None:
        consumer = self._consumer_factory(_Assignments(self.stats))
        self.stats.consuming = True
        try:
            while not self._drain_requested.is_set():
                batches = consumer.poll(timeout_ms=500, max_records=1)
                for partition, records in batches.items():
                    for record in records:
                        self._handle(consumer, partition, record)
                if not batches and self._part_poll_seconds > 0 and time.monotonic() >= self._next_part_poll:
                    self._help_with_waiting_parts()
                    self._next_part_poll = time.monotonic() + self._part_poll_seconds
        finally:
            try:
                consumer.close(autocommit=False)  # leaves the group at once: partitions move on
            except KafkaError as error:
                log.warning("closing the consumer: %s", error)
            self.stats.consuming = False
            self.stats.assigned_partitions = ()
            self.stats.drained = True
            log.info("drained: consumer group left")

    def _handle(self, consumer: KafkaConsumer, partition: TopicPartition, record: object) -> None:
        job_id, part = _job_id(record.value)  # type: ignore[attr-defined]
        offset = record.offset  # type: ignore[attr-defined]
        if job_id is None:
            log.error("skipping malformed message at %s offset %d", partition, offset)
            self._commit(consumer, partition, offset)
            return
        # The broker stamped the message when the relay published it, i.e. when the job became due.
        waited = max(0.0, time.time() - record.timestamp / 1000)  # type: ignore[attr-defined]
        # The job's trace continues here: the relay's publish span (from the headers) is our parent.
        outcome = self._process(
            job_id,
            part,
            context=kafka_headers_to_carrier(record.headers),  # type: ignore[attr-defined]
            attributes={
                "messaging.system": "kafka",
                "messaging.operation.type": "process",
                "messaging.destination.name": partition.topic,
                "messaging.destination.partition.id": str(partition.partition),
                "messaging.kafka.offset": offset,
            },
            waited=waited,
            whole_job=part is None,
        )
        if outcome is None:  # the database is down: read the message again later
            consumer.seek(partition, offset)
            return
        self._commit(consumer, partition, offset)

    def _help_with_waiting_parts(self) -> None:
        """Nothing came from the broker: take parts of a running job that nobody has taken yet."""
        try:
            waiting = self._runner.waiting_part_job()
        except psycopg.OperationalError as error:
            log.warning("looking for waiting parts: database unavailable (%s)", error)
            return
        if waiting is not None:
            job_id, trace_context = waiting
            log.info("job %s: helping with its parts (found waiting in the database)", job_id)
            self._process(job_id, None, context=trace_context, attributes={"sluice.found_by": "database"})

    def _process(
        self,
        job_id: str,
        part: int | None,
        *,
        context: dict[str, str],
        attributes: dict[str, str | int],
        waited: float | None = None,
        whole_job: bool = False,
    ) -> Outcome | None:
        """Run a whole job (a job message) or parts of one (`part` first, or any) under the job's trace; None if
        the database is down. `waited`: how long the message waited in the broker (None: not from a message)."""
        self.stats.current_job_id = job_id
        metrics = self._telemetry.metrics
        started = time.monotonic()
        outcome_name = "error"
        outcome: Outcome | None = None
        with (
            job_scope(job_id),
            self._telemetry.tracer.start_as_current_span(
                "job.process",
                context=extract_context(context),
                kind=SpanKind.CONSUMER if waited is not None else SpanKind.INTERNAL,
                attributes={
                    **attributes,
                    "sluice.job_id": job_id,
                    "sluice.worker": self.stats.worker_id,
                    **({"sluice.part": part} if part is not None else {}),
                },
            ) as span,
        ):
            try:
                if whole_job:
                    outcome = self._runner.run(job_id, shutting_down=self._past_drain_deadline)
                else:  # a byte-range part of a large file: any processor may take it
                    outcome = self._runner.run_part(
                        job_id,
                        part,
                        shutting_down=self._past_drain_deadline,
                        take_more=lambda: not self._drain_requested.is_set(),  # draining: finish this part only
                    )
                outcome_name = outcome.value
                span.set_attribute("sluice.outcome", outcome_name)
                if outcome in (Outcome.FAILED, Outcome.RETRYING):
                    span.set_status(Status(StatusCode.ERROR, outcome_name))
            except psycopg.OperationalError as error:
                # The database is down: nothing can be recorded (the lease reaper recovers the job if our
                # claim went through). The caller retries later.
                span.record_exception(error)
                span.set_status(Status(StatusCode.ERROR, "database unavailable"))
                log.warning("job %s: database unavailable (%s); will retry", job_id, error)
                time.sleep(2.0)
                return None
            except Exception as error:  # outside the runner's own handling (it fails a job on a defect itself)
                # The processor goes on with the next message; the job, if this attempt claimed it, comes back
                # when its lease runs out, as after a crash, and its attempts bound how often.
                span.record_exception(error)
                span.set_status(Status(StatusCode.ERROR, "unexpected error"))
                log.exception("job %s: unexpected error; left to its lease", job_id)
                outcome = Outcome.LEASE_LOST
            finally:
                self.stats.current_job_id = ""
                if outcome_name != Outcome.SKIPPED.value:  # a redelivery of a job that is not ours to run
                    if waited is not None:
                        metrics.queue_wait.record(waited)
                    metrics.processing_duration.record(time.monotonic() - started, {"outcome": outcome_name})
        if outcome is Outcome.SUCCEEDED and whole_job:
            self.stats.succeeded += 1
        elif outcome is Outcome.FAILED:
            self.stats.failed += 1
        elif outcome in (Outcome.RETRYING, Outcome.RELEASED):
            self.stats.retried += 1
        return outcome

    @staticmethod
    def _commit(consumer: KafkaConsumer, partition: TopicPartition, offset: int) -> None:
        try:
            consumer.commit({partition: OffsetAndMetadata(offset + 1, "", -1)})
        except (CommitFailedError, KafkaError) as error:
            # Rebalanced away: the message comes again, and the conditional claim skips it.
            log.warning("offset commit failed (%s); the message may be redelivered harmlessly", error)


def _job_id(value: bytes | None) -> tuple[str | None, int | None]:
    """The job id of a message, and the part for a part message (None for a whole job)."""
    try:
        payload = json.loads(value or b"")
        part = payload.get("part")
        return str(payload["job_id"]), int(part) if part is not None else None
    except (ValueError, KeyError, TypeError, AttributeError):
        return None, None

"""Wires the ingest process: gRPC server, outbox relay, lease reaper and upload sweeper, from its settings."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from kafka import KafkaAdminClient

from services.ingest.abandoned import AbandonedUploadSweeper
from services.ingest.multipart import PartBufferPool
from services.ingest.reaper import LeaseReaper
from services.ingest.relay import OutboxRelay
from services.ingest.servicer import IngestServicer, UploadLimits
from sluice import kafka
from sluice import metrics as catalog
from sluice.auth import Authenticator
from sluice.grpcserver import ServerHandle, create_server
from sluice.infra import Infrastructure
from sluice.jobstate import RetryPolicy
from sluice.jobstore import JobStore
from sluice.lag import LagMonitor
from sluice.settings import IngestSettings
from sluice.telemetry import Telemetry, quiet
from sluice.v1 import ingest_service_pb2, ingest_service_pb2_grpc

log = logging.getLogger(__name__)
SERVICE_NAME = ingest_service_pb2.DESCRIPTOR.services_by_name["IngestService"].full_name


class IngestApp:
    """Owns every resource of the process; `start()` then `stop()`, in that order, once."""

    def __init__(self, settings: IngestSettings, *, telemetry: Telemetry):
        self.settings = settings
        self._telemetry = telemetry
        self._infra = infra = Infrastructure.open(
            settings, name="ingest", pool_size=settings.database_pool_size, telemetry=telemetry
        )
        self._producer = kafka.create_producer(settings.kafka_bootstrap, client_id="sluice-ingest")
        self._part_executor = ThreadPoolExecutor(max_workers=settings.upload_buffer_parts, thread_name_prefix="s3part")
        servicer = IngestServicer(
            store=infra.store,
            s3=infra.s3,
            bucket=settings.bucket,
            limits=UploadLimits(
                max_upload_bytes=settings.max_upload_bytes,
                parts_in_flight=settings.parts_in_flight,
                default_max_attempts=settings.max_attempts,
            ),
            buffers=PartBufferPool(buffers=settings.upload_buffer_parts, part_size=settings.part_size_bytes),
            part_executor=self._part_executor,
            telemetry=telemetry,
        )
        self.server: ServerHandle = create_server(
            host=settings.grpc_host,
            port=settings.ingest_port,
            register=[lambda s: ingest_service_pb2_grpc.add_IngestServiceServicer_to_server(servicer, s)],
            service_names=[SERVICE_NAME],
            authenticator=Authenticator(pool=infra.pool),
            telemetry=telemetry,
            max_workers=settings.grpc_workers,
        )
        policy = RetryPolicy(base_seconds=settings.retry_base_seconds, max_seconds=settings.retry_max_seconds)
        self._relay = OutboxRelay(
            pool=infra.pool,
            database_url=settings.database_url,
            producer=self._producer,
            batch=settings.relay_batch,
            poll_seconds=settings.relay_poll_seconds,
            tracer=telemetry.tracer,
        )
        self._reaper = LeaseReaper(store=infra.store, policy=policy, interval_seconds=settings.reaper_interval_seconds)
        self._abandoned = AbandonedUploadSweeper(
            s3=infra.s3,
            bucket=settings.bucket,
            max_age_seconds=settings.abandoned_upload_seconds,
            interval_seconds=settings.abandoned_sweep_seconds,
        )
        self.lag = LagMonitor(
            admin_factory=lambda: KafkaAdminClient(
                bootstrap_servers=settings.kafka_bootstrap.split(","), client_id="sluice-lag", request_timeout_ms=5000
            ),
            topic=settings.jobs_topic,
            group=settings.consumer_group,
            interval_seconds=settings.lag_interval_seconds,
        )
        _register_gauges(telemetry, self.lag, infra.store)
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._relay.run, args=(self._stop,), name="outbox-relay", daemon=True),
            threading.Thread(target=self._reaper.run, args=(self._stop,), name="lease-reaper", daemon=True),
            threading.Thread(target=self._abandoned.run, args=(self._stop,), name="abandoned-uploads", daemon=True),
            threading.Thread(target=self.lag.run, args=(self._stop,), name="lag-monitor", daemon=True),
        ]

    def start(self) -> None:
        self.server.server.start()
        for thread in self._threads:
            thread.start()
        self.server.set_serving([SERVICE_NAME])
        log.info("ingest serving on port %d", self.server.port)

    def stop(self, grace: float = 10.0) -> None:
        """Stop intake, let uploads in flight finish, then stop the relay and reaper, then close."""
        self.server.set_serving([SERVICE_NAME], serving=False)
        self.server.server.stop(grace).wait()
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)
        self._part_executor.shutdown(wait=True)
        self._producer.close(timeout=5)
        self._infra.close()


def _register_gauges(telemetry: Telemetry, lag: LagMonitor, store: JobStore) -> None:
    """The pipeline's gauges, read at scrape time (the lag from the monitor's last reading)."""
    metrics = telemetry.metrics
    metrics.gauge(
        catalog.CONSUMER_LAG,
        lambda: [
            (p.lag, {"topic": lag.topic, "partition": str(p.partition), "group": lag.group}) for p in lag.latest()
        ],
    )

    def unfinished() -> list[tuple[float, dict[str, str]]]:
        with quiet():
            return [(n, {"state": state.value}) for state, n in store.count_unfinished().items()]

    def outbox() -> list[tuple[float, dict[str, str]]]:
        with quiet():
            return [(store.outbox_due(), {})]

    metrics.gauge(catalog.JOBS_BY_STATE, unfinished)
    metrics.gauge(catalog.OUTBOX_PENDING, outbox)

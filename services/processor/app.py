"""Wires the processor process: the consumer loop in the main thread, the admin gRPC server beside it."""

from __future__ import annotations

import logging
import os
import socket
import threading

from services.processor.admin import ProcessorAdminServicer
from services.processor.cpus import usable_cpus
from services.processor.engine import ProfileConfig, column_threads
from services.processor.parts import SplitPolicy
from services.processor.runner import JobRunner, RunnerConfig
from services.processor.sweeper import PartStateSweeper
from services.processor.worker import ProcessorWorker
from sluice import kafka
from sluice import metrics as catalog
from sluice.auth import Authenticator
from sluice.grpcserver import ServerHandle, create_server
from sluice.infra import Infrastructure
from sluice.jobstate import RetryPolicy
from sluice.partstore import PartStore
from sluice.settings import ProcessorSettings
from sluice.telemetry import Telemetry
from sluice.v1 import processor_admin_service_pb2, processor_admin_service_pb2_grpc

log = logging.getLogger(__name__)
SERVICE_NAME = processor_admin_service_pb2.DESCRIPTOR.services_by_name["ProcessorAdminService"].full_name


def worker_id_of(settings: ProcessorSettings) -> str:
    return settings.worker_id or f"{socket.gethostname()}-{os.getpid()}"


class ProcessorApp:
    def __init__(self, settings: ProcessorSettings, *, telemetry: Telemetry):
        self.settings = settings
        self.worker_id = worker_id_of(settings)
        self._infra = infra = Infrastructure.open(settings, name="processor", pool_size=4, telemetry=telemetry)
        parts = PartStore(pool=infra.pool, jobs_topic=settings.jobs_topic, on_change=infra.notify)
        self._sweeper = PartStateSweeper(
            parts=parts, s3=infra.s3, bucket=settings.bucket, interval_seconds=settings.part_state_sweep_seconds
        )
        self._stop = threading.Event()
        runner = JobRunner(
            store=infra.store,
            parts=parts,
            sweeper=self._sweeper,
            s3=infra.s3,
            config=RunnerConfig(
                worker_id=self.worker_id,
                bucket=settings.bucket,
                lease_seconds=settings.lease_seconds,
                read_chunk_bytes=settings.read_chunk_bytes,
                read_window_bytes=settings.read_window_bytes,
                block_bytes=settings.read_block_bytes,
                chunk_rows=settings.chunk_rows,
                max_columns=settings.max_columns,
                parquet_page_bytes=settings.parquet_page_bytes,
                read_ahead=settings.read_ahead if settings.read_ahead is not None else usable_cpus() >= 2,
                profile_threads=settings.profile_threads or column_threads(usable_cpus()),
                profile=ProfileConfig(exact_distinct_limit=settings.distinct_exact_limit),
                retry=RetryPolicy(base_seconds=settings.retry_base_seconds, max_seconds=settings.retry_max_seconds),
                split=SplitPolicy(
                    split_bytes=settings.split_bytes,
                    part_bytes=settings.part_bytes,
                    part_count_multiple=settings.part_count_multiple,
                ),
            ),
            telemetry=telemetry,
        )
        self.worker = ProcessorWorker(
            consumer_factory=lambda listener: kafka.create_consumer(
                settings.kafka_bootstrap,
                topic=settings.jobs_topic,
                group=settings.consumer_group,
                client_id=self.worker_id,
                session_timeout_ms=settings.session_timeout_ms,
                max_poll_interval_ms=settings.max_poll_interval_ms,
                listener=listener,
            ),
            runner=runner,
            worker_id=self.worker_id,
            drain_timeout=settings.drain_timeout_seconds,
            telemetry=telemetry,
            part_poll_seconds=settings.part_poll_seconds,
        )
        stats, labels = self.worker.stats, {"worker": self.worker_id}
        telemetry.metrics.gauge(catalog.PROCESSOR_ACTIVE, lambda: [(int(stats.consuming), labels)])
        telemetry.metrics.gauge(catalog.PROCESSOR_BUSY, lambda: [(int(bool(stats.current_job_id)), labels)])
        admin = ProcessorAdminServicer(worker=self.worker)
        self.server: ServerHandle = create_server(
            host=settings.grpc_host,
            port=settings.processor_admin_port,
            register=[lambda s: processor_admin_service_pb2_grpc.add_ProcessorAdminServiceServicer_to_server(admin, s)],
            service_names=[SERVICE_NAME],
            authenticator=Authenticator(pool=infra.pool),
            telemetry=telemetry,
            max_workers=4,
        )

    def run(self) -> None:
        """Serve admin and consume until drained (SIGTERM or the Drain RPC), then close."""
        self.server.server.start()
        self.server.set_serving([SERVICE_NAME])
        log.info("processor %s: admin on port %d", self.worker_id, self.server.port)
        threading.Thread(target=self._sweeper.run, args=(self._stop,), name="part-state-sweeper", daemon=True).start()
        try:
            self.worker.run()
        finally:
            self._stop.set()
            self.server.set_serving([SERVICE_NAME], serving=False)
            self.server.server.stop(2).wait()
            self._infra.close()

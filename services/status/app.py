"""Wires the status process: gRPC server, Redis cache and the change hub."""

from __future__ import annotations

import logging

from services.status.cache import JobCache
from services.status.links import ReportLinks
from services.status.servicer import StatusServicer
from services.status.watch import ChangeHub
from sluice import objectstore
from sluice.auth import Authenticator
from sluice.grpcserver import ServerHandle, create_server
from sluice.infra import Infrastructure
from sluice.settings import StatusSettings
from sluice.telemetry import Telemetry
from sluice.v1 import status_service_pb2, status_service_pb2_grpc

log = logging.getLogger(__name__)
SERVICE_NAME = status_service_pb2.DESCRIPTOR.services_by_name["StatusService"].full_name


class StatusApp:
    def __init__(self, settings: StatusSettings, *, telemetry: Telemetry):
        self.settings = settings
        self._infra = infra = Infrastructure.open(
            settings, name="status", pool_size=settings.database_pool_size, telemetry=telemetry
        )
        self.cache = JobCache(
            redis_client=infra.redis, ttl_seconds=settings.cache_ttl_seconds, requests=telemetry.metrics.cache_requests
        )
        self._hub = ChangeHub(redis_client=infra.redis)
        public_s3 = infra.s3
        if settings.s3_public_endpoint and settings.s3_public_endpoint != settings.s3_endpoint:
            public_s3 = objectstore.s3_client_for(settings, endpoint=settings.s3_public_endpoint)
        servicer = StatusServicer(
            store=infra.store,
            cache=self.cache,
            hub=self._hub,
            watch_fallback_seconds=settings.watch_fallback_seconds,
            links=ReportLinks(s3=public_s3, bucket=settings.bucket, lifetime_seconds=settings.report_link_seconds),
        )
        self.server: ServerHandle = create_server(
            host=settings.grpc_host,
            port=settings.status_port,
            register=[lambda s: status_service_pb2_grpc.add_StatusServiceServicer_to_server(servicer, s)],
            service_names=[SERVICE_NAME],
            authenticator=Authenticator(pool=infra.pool),
            telemetry=telemetry,
            max_workers=settings.grpc_workers,
        )

    def start(self) -> None:
        self._hub.start()
        self.server.server.start()
        self.server.set_serving([SERVICE_NAME])
        log.info("status serving on port %d", self.server.port)

    def stop(self, grace: float = 5.0) -> None:
        self.server.set_serving([SERVICE_NAME], serving=False)
        self._hub.stop()  # ends open watches so the server can stop within the grace period
        self.server.server.stop(grace).wait()
        self._infra.close()

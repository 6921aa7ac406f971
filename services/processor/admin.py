"""ProcessorAdminService: stats and drain, for SREs and the autoscaler."""

from __future__ import annotations

import grpc
from google.protobuf import timestamp_pb2

from services.processor.worker import ProcessorWorker
from sluice.v1 import processor_admin_service_pb2 as pb
from sluice.v1 import processor_admin_service_pb2_grpc as pb_grpc


class ProcessorAdminServicer(pb_grpc.ProcessorAdminServiceServicer):
    def __init__(self, *, worker: ProcessorWorker):
        self._worker = worker

    def GetStats(self, request: pb.GetStatsRequest, context: grpc.ServicerContext) -> pb.GetStatsResponse:
        stats = self._worker.stats
        started = timestamp_pb2.Timestamp()
        started.FromDatetime(stats.started)
        return pb.GetStatsResponse(
            worker_id=stats.worker_id,
            current_job_id=stats.current_job_id,
            jobs_succeeded=stats.succeeded,
            jobs_failed=stats.failed,
            jobs_retried=stats.retried,
            draining=stats.draining,
            drained=stats.drained,
            start_time=started,
            assigned_partitions=stats.assigned_partitions,
        )

    def Drain(self, request: pb.DrainRequest, context: grpc.ServicerContext) -> pb.DrainResponse:
        self._worker.request_drain()
        return pb.DrainResponse(current_job_id=self._worker.stats.current_job_id)

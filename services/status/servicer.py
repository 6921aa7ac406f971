"""StatusService: jobs, their history, live watches and profiles, always scoped to the caller's tenant."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, TypeVar

import grpc

from services.status.cache import JobCache
from services.status.links import ReportLinks
from services.status.watch import ChangeHub
from sluice import auth, convert
from sluice.errors import FailedPrecondition, InvalidArgument, NotFound
from sluice.jobstate import State
from sluice.jobstore import JobStore
from sluice.v1 import job_pb2, profile_pb2, status_service_pb2, status_service_pb2_grpc

T = TypeVar("T")

TERMINAL_PROTO = {convert.state_to_proto(s.value) for s in State if s.terminal}


def _job_id(value: str, field: str = "job_id") -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise InvalidArgument(f"{field} must be a job id (a UUID), got {value!r}", field=field) from None


def _page_size(requested: int, default: int, maximum: int) -> int:
    if requested < 0:
        raise InvalidArgument("page_size cannot be negative", field="page_size")
    return min(requested or default, maximum)


def _encode_token(payload: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()


def _decode_token(token: str, *, kind: str, read: Callable[[dict[str, Any]], T]) -> T:
    """`read` applied to the token's fields: a token this method did not return (garbage, another method's, or
    one whose fields were edited) is INVALID_ARGUMENT, not an error from deeper down."""
    try:
        payload = json.loads(base64.urlsafe_b64decode(token.encode()))
        if not isinstance(payload, dict) or payload.get("k") != kind:
            raise ValueError
        return read(payload)
    except (ValueError, TypeError, KeyError):
        raise InvalidArgument("page_token is not one this method returned", field="page_token") from None


def _jobs_position(token: dict[str, Any]) -> tuple[datetime, str]:
    return datetime.fromisoformat(str(token["t"])), str(uuid.UUID(str(token["id"])))


def _columns_position(token: dict[str, Any]) -> tuple[str, int]:
    offset = int(str(token["o"]))
    if offset < 0:
        raise ValueError
    return str(token["job"]), offset


class StatusServicer(status_service_pb2_grpc.StatusServiceServicer):
    def __init__(
        self,
        *,
        store: JobStore,
        cache: JobCache,
        hub: ChangeHub,
        watch_fallback_seconds: float,
        links: ReportLinks,
    ):
        self._store = store
        self._cache = cache
        self._hub = hub
        self._fallback = watch_fallback_seconds
        self._links = links

    def _load(self, job_id: str, tenant: str, *, fresh: bool = False) -> job_pb2.Job:
        job = None if fresh else self._cache.get(job_id)
        if job is None:
            row = self._store.get(job_id)
            if row is None:
                raise NotFound(f"job {job_id} not found", reason="JOB_NOT_FOUND")
            job = convert.job_to_proto(row, self._store.events(job_id))
            self._cache.put(job)
        if job.tenant != tenant:  # another tenant's job is indistinguishable from a missing one
            raise NotFound(f"job {job_id} not found", reason="JOB_NOT_FOUND")
        return job

    def GetJob(self, request: status_service_pb2.GetJobRequest, context: grpc.ServicerContext) -> job_pb2.Job:
        return self._load(_job_id(request.job_id), auth.current_caller().tenant)

    def ListJobs(
        self, request: status_service_pb2.ListJobsRequest, context: grpc.ServicerContext
    ) -> status_service_pb2.ListJobsResponse:
        tenant = auth.current_caller().tenant
        size = _page_size(request.page_size, 50, 500)
        states = []
        for value in request.states:
            if value == job_pb2.JOB_STATE_UNSPECIFIED or value not in job_pb2.JobState.values():
                raise InvalidArgument(f"states contains an invalid state {value}", field="states")
            states.append(State(convert.state_from_proto(value)))
        after = None
        if request.page_token:
            after = _decode_token(request.page_token, kind="jobs", read=_jobs_position)
        rows = self._store.list_jobs(tenant=tenant, states=states, limit=size + 1, after=after)
        response = status_service_pb2.ListJobsResponse(jobs=[convert.job_to_proto(r) for r in rows[:size]])
        if len(rows) > size:
            last = rows[size - 1]
            response.next_page_token = _encode_token(
                {"k": "jobs", "t": last["created_at"].isoformat(), "id": str(last["id"])}
            )
        return response

    def WatchJob(
        self, request: status_service_pb2.WatchJobRequest, context: grpc.ServicerContext
    ) -> Iterator[status_service_pb2.WatchJobResponse]:
        job_id = _job_id(request.job_id)
        tenant = auth.current_caller().tenant
        version = self._hub.register(job_id)
        try:
            job = self._load(job_id, tenant, fresh=True)
            yield status_service_pb2.WatchJobResponse(job=job)
            while job.state not in TERMINAL_PROTO and context.is_active() and not self._hub.stopped:
                version = self._hub.wait(job_id, version, self._fallback)
                latest = self._load(job_id, tenant, fresh=True)
                if latest.SerializeToString(deterministic=True) != job.SerializeToString(deterministic=True):
                    job = latest
                    yield status_service_pb2.WatchJobResponse(job=job)
        finally:
            self._hub.unregister(job_id)

    def GetProfile(
        self, request: status_service_pb2.GetProfileRequest, context: grpc.ServicerContext
    ) -> profile_pb2.Profile:
        job = self._load(_job_id(request.job_id), auth.current_caller().tenant)
        row = self._store.profile(job.id)
        if row is None:
            state = job_pb2.JobState.Name(job.state)
            raise FailedPrecondition(
                f"job {job.id} has no profile: it is {state}, not JOB_STATE_SUCCEEDED",
                reason="PROFILE_NOT_READY",
                metadata={"state": state},
            )
        return convert.profile_to_proto(row)

    def GetProfileReport(
        self, request: status_service_pb2.GetProfileReportRequest, context: grpc.ServicerContext
    ) -> status_service_pb2.ProfileReport:
        job = self._load(_job_id(request.job_id), auth.current_caller().tenant)
        row = self._store.profile(job.id)
        if row is None:
            raise FailedPrecondition(f"job {job.id} has no profile yet", reason="PROFILE_NOT_READY")
        fmt = request.format or status_service_pb2.REPORT_FORMAT_HTML
        key = row["report_key"] if fmt == status_service_pb2.REPORT_FORMAT_JSON else row["html_report_key"]
        if not key:  # profiled before HTML reports existed
            raise FailedPrecondition(f"job {job.id} has no report in that format", reason="REPORT_NOT_AVAILABLE")
        url, expires = self._links.link(key)
        report = status_service_pb2.ProfileReport(job_id=job.id, format=fmt, url=url)
        report.expire_time.FromDatetime(expires)
        return report

    def ListColumnProfiles(
        self, request: status_service_pb2.ListColumnProfilesRequest, context: grpc.ServicerContext
    ) -> status_service_pb2.ListColumnProfilesResponse:
        job = self._load(_job_id(request.job_id), auth.current_caller().tenant)
        size = _page_size(request.page_size, 100, 1000)
        offset = 0
        if request.page_token:
            token_job, offset = _decode_token(request.page_token, kind="columns", read=_columns_position)
            if token_job != job.id:
                raise InvalidArgument("page_token belongs to another job", field="page_token")
        if self._store.profile(job.id) is None:
            raise FailedPrecondition(f"job {job.id} has no profile yet", reason="PROFILE_NOT_READY")
        rows, total = self._store.columns(job.id, offset=offset, limit=size)
        response = status_service_pb2.ListColumnProfilesResponse(
            columns=[convert.column_to_proto(r) for r in rows], total_size=total
        )
        if offset + len(rows) < total:
            response.next_page_token = _encode_token({"k": "columns", "job": job.id, "o": offset + len(rows)})
        return response

    def CancelJob(self, request: status_service_pb2.CancelJobRequest, context: grpc.ServicerContext) -> job_pb2.Job:
        job_id = _job_id(request.job_id)
        tenant = auth.current_caller().tenant
        row, cancelled = self._store.cancel(job_id, tenant=tenant)
        if row is None:
            raise NotFound(f"job {job_id} not found", reason="JOB_NOT_FOUND")
        if not cancelled:
            raise FailedPrecondition(
                f"job {job_id} already finished ({row['state']}); only unfinished jobs can be cancelled",
                reason="JOB_FINISHED",
                metadata={"state": row["state"]},
            )
        return self._load(job_id, tenant, fresh=True)

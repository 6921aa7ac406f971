"""A small Python client over the generated stubs: API key metadata, chunked uploads, waiting.

Used by the CLI, the local stack's demo and the tests; other programs can use the stubs directly.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc

from sluice.v1 import (
    ingest_service_pb2,
    ingest_service_pb2_grpc,
    job_pb2,
    processor_admin_service_pb2,
    processor_admin_service_pb2_grpc,
    profile_pb2,
    status_service_pb2,
    status_service_pb2_grpc,
)

CHUNK_BYTES = 1024 * 1024
TERMINAL = {job_pb2.JOB_STATE_SUCCEEDED, job_pb2.JOB_STATE_FAILED, job_pb2.JOB_STATE_CANCELLED}
MEDIA_TYPES = {
    ".csv": "text/csv",
    ".tsv": "text/tab-separated-values",
    ".tab": "text/tab-separated-values",
    ".txt": "text/plain",
    ".jsonl": "application/jsonl",
    ".ndjson": "application/jsonl",
    ".gz": "application/gzip",
    ".zip": "application/zip",
    ".parquet": "application/vnd.apache.parquet",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class Endpoints:
    ingest: str
    status: str
    api_key: str
    trace_dir: str = ""  # where a local stack keeps its spans (SLUICE_TRACE_DIR), for `sluice trace`


def load_env_file(path: Path) -> dict[str, str]:
    """Read KEY=VALUE lines (an optional leading `export `), as the local stack writes them."""
    values: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            line = line.strip().removeprefix("export ").strip()
            if line and not line.startswith("#") and "=" in line:
                key, _, value = line.partition("=")
                values[key.strip()] = value.strip().strip("'\"")
    return values


def default_env_file() -> Path:
    return Path(os.environ.get("SLUICE_HOME", Path.home() / ".sluice")) / "env"


def endpoints_from_environment(environ: dict[str, str] | None = None) -> Endpoints:
    """SLUICE_INGEST_ADDR, SLUICE_STATUS_ADDR and SLUICE_API_KEY, else the local stack's env file."""
    env = dict(os.environ if environ is None else environ)
    merged = {**load_env_file(Path(env.get("SLUICE_ENV_FILE", default_env_file()))), **env}
    missing = [k for k in ("SLUICE_INGEST_ADDR", "SLUICE_STATUS_ADDR", "SLUICE_API_KEY") if not merged.get(k)]
    if missing:
        raise LookupError(
            f"{', '.join(missing)} not set and not in {default_env_file()}: start the local stack with "
            "`make run` (it writes that file) or export the variables"
        )
    return Endpoints(
        merged["SLUICE_INGEST_ADDR"],
        merged["SLUICE_STATUS_ADDR"],
        merged["SLUICE_API_KEY"],
        merged.get("SLUICE_TRACE_DIR", ""),
    )


def guess_media_type(path: Path) -> str:
    return MEDIA_TYPES.get(path.suffix.lower(), "text/csv")


def bearer(api_key: str) -> tuple[tuple[str, str]]:
    """The call metadata every Sluice service authenticates."""
    return (("authorization", f"Bearer {api_key}"),)


def processor_stats(address: str, api_key: str, timeout: float = 5) -> processor_admin_service_pb2.GetStatsResponse:
    """One processor's GetStats, from its admin port (raises grpc.RpcError)."""
    with grpc.insecure_channel(address) as channel:
        stub = processor_admin_service_pb2_grpc.ProcessorAdminServiceStub(channel)
        return stub.GetStats(processor_admin_service_pb2.GetStatsRequest(), metadata=bearer(api_key), timeout=timeout)


class SluiceClient:
    def __init__(self, endpoints: Endpoints):
        self.endpoints = endpoints
        self._metadata = bearer(endpoints.api_key)
        self._ingest_channel = grpc.insecure_channel(endpoints.ingest)
        self._status_channel = grpc.insecure_channel(endpoints.status)
        self.ingest = ingest_service_pb2_grpc.IngestServiceStub(self._ingest_channel)
        self.status = status_service_pb2_grpc.StatusServiceStub(self._status_channel)

    def close(self) -> None:
        self._ingest_channel.close()
        self._status_channel.close()

    def __enter__(self) -> SluiceClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def upload(
        self,
        path: Path,
        *,
        media_type: str | None = None,
        idempotency_key: str = "",
        options: job_pb2.JobOptions | None = None,
        with_sha256: bool = True,
        on_bytes: Callable[[int], None] | None = None,
        timeout: float | None = None,
    ) -> ingest_service_pb2.UploadResponse:
        """Stream a file in 1 MiB chunks; the declared size and sha256 let the server verify it."""
        size = path.stat().st_size
        digest = _sha256_file(path) if with_sha256 else ""
        header = ingest_service_pb2.UploadHeader(
            file_name=path.name,
            media_type=media_type or guess_media_type(path),
            declared_size=size,
            sha256=digest,
            idempotency_key=idempotency_key,
            options=options,
        )

        def requests() -> Iterator[ingest_service_pb2.UploadRequest]:
            yield ingest_service_pb2.UploadRequest(header=header)
            with path.open("rb") as handle:
                while chunk := handle.read(CHUNK_BYTES):
                    yield ingest_service_pb2.UploadRequest(chunk=chunk)
                    if on_bytes:
                        on_bytes(len(chunk))
            yield ingest_service_pb2.UploadRequest(finish_write=True)

        return self.ingest.Upload(requests(), metadata=self._metadata, timeout=timeout)

    def get_job(self, job_id: str) -> job_pb2.Job:
        return self.status.GetJob(status_service_pb2.GetJobRequest(job_id=job_id), metadata=self._metadata)

    def list_jobs(self, *, page_size: int = 50, page_token: str = "", states: list[job_pb2.JobState] | None = None):  # type: ignore[no-untyped-def]
        return self.status.ListJobs(
            status_service_pb2.ListJobsRequest(page_size=page_size, page_token=page_token, states=states or []),
            metadata=self._metadata,
        )

    def watch(self, job_id: str, *, timeout: float | None = None) -> Iterator[job_pb2.Job]:
        for update in self.status.WatchJob(
            status_service_pb2.WatchJobRequest(job_id=job_id), metadata=self._metadata, timeout=timeout
        ):
            yield update.job

    def wait(self, job_id: str, *, timeout: float | None = None) -> job_pb2.Job:
        """Follow the job until it finishes; returns its final state."""
        job = None
        for job in self.watch(job_id, timeout=timeout):
            if job.state in TERMINAL:
                return job
        assert job is not None
        return self.get_job(job_id)

    def get_profile(self, job_id: str) -> profile_pb2.Profile:
        return self.status.GetProfile(status_service_pb2.GetProfileRequest(job_id=job_id), metadata=self._metadata)

    def get_profile_report(self, job_id: str, *, json_report: bool = False) -> status_service_pb2.ProfileReport:
        """A short-lived link to the HTML (default) or JSON report."""
        fmt = status_service_pb2.REPORT_FORMAT_JSON if json_report else status_service_pb2.REPORT_FORMAT_HTML
        request = status_service_pb2.GetProfileReportRequest(job_id=job_id, format=fmt)
        return self.status.GetProfileReport(request, metadata=self._metadata)

    def list_columns(self, job_id: str) -> list[profile_pb2.ColumnProfile]:
        """Every column, following page tokens."""
        columns: list[profile_pb2.ColumnProfile] = []
        token = ""
        while True:
            page = self.status.ListColumnProfiles(
                status_service_pb2.ListColumnProfilesRequest(job_id=job_id, page_token=token), metadata=self._metadata
            )
            columns.extend(page.columns)
            token = page.next_page_token
            if not token:
                return columns

    def cancel(self, job_id: str) -> job_pb2.Job:
        return self.status.CancelJob(status_service_pb2.CancelJobRequest(job_id=job_id), metadata=self._metadata)


def _sha256_file(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            sha.update(chunk)
    return sha.hexdigest()

"""The Helm chart's Envoy gateway, run for real in front of the test stack's ingest and status services.

The Envoy configuration is the chart's own (`helm template` of templates/gateway-configmap.yaml, with its
descriptor set); only addresses, ports and the descriptor's path are made local (sluice/devstack/gateway.py).
What a browser or a curl user does is what these tests do: REST/JSON, grpc-web with CORS, and plain gRPC.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import struct
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import grpc
import pytest
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc

from sluice import traces
from sluice.client import Endpoints, SluiceClient
from sluice.devstack.gateway import start_local_gateway
from sluice.devstack.stack import Stack
from sluice.v1 import job_pb2, status_service_pb2

ORIGIN = "https://app.example.com"
CSV = "city,visits\nOslo,3\nLima,5\nPune,8\n"


@pytest.fixture(scope="module")
def gateway(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    env = stack.client_env()
    envoy = start_local_gateway(
        tmp_path_factory.mktemp("gateway"),
        ingest=env["SLUICE_INGEST_ADDR"],
        status=env["SLUICE_STATUS_ADDR"],
        cors_origins=(ORIGIN,),
    )
    try:
        yield f"127.0.0.1:{envoy.port}"
    finally:
        envoy.stop()


def _http(
    url: str, *, method: str = "GET", body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


@pytest.fixture()
def finished_job(client: SluiceClient, csv_file) -> str:  # type: ignore[no-untyped-def]
    job_id = client.upload(csv_file(CSV, "visits.csv")).job.id
    assert client.wait(job_id, timeout=60).state == job_pb2.JOB_STATE_SUCCEEDED
    return job_id


def test_rest_reads_a_job_its_profile_and_its_columns_page_by_page(
    gateway: str, api_key: str, finished_job: str
) -> None:
    auth = {"authorization": f"Bearer {api_key}"}
    status, headers, body = _http(f"http://{gateway}/v1/jobs/{finished_job}", headers=auth)
    assert status == 200 and headers["content-type"].startswith("application/json")
    job = json.loads(body)
    assert job["id"] == finished_job and job["state"] == "JOB_STATE_SUCCEEDED"

    status, _, body = _http(f"http://{gateway}/v1/jobs/{finished_job}/profile", headers=auth)
    profile = json.loads(body)
    assert status == 200 and profile["rowCount"] == "3" and profile["columnCount"] == 2  # int64 is a JSON string

    names, token = [], ""
    for _ in range(3):
        columns = f"http://{gateway}/v1/jobs/{finished_job}/profile/columns?pageSize=1"
        status, _, body = _http(columns + (f"&pageToken={token}" if token else ""), headers=auth)
        page = json.loads(body)
        assert status == 200 and len(page["columns"]) == 1
        names.append(page["columns"][0]["name"])
        token = page["nextPageToken"]
        if not token:
            break
    assert names == ["city", "visits"]


def test_rest_errors_are_http_statuses_with_a_json_status_body(gateway: str, api_key: str, finished_job: str) -> None:
    auth = {"authorization": f"Bearer {api_key}"}
    status, _, _ = _http(f"http://{gateway}/v1/jobs/{finished_job}")
    assert status == 401  # no key

    status, headers, body = _http(f"http://{gateway}/v1/jobs/{uuid.uuid4()}", headers=auth)
    assert status == 404 and headers["content-type"].startswith("application/json")
    error = json.loads(body)
    assert error["code"] == 5 and error["message"]  # google.rpc.Status, as the gRPC status was

    status, _, body = _http(f"http://{gateway}/v1/jobs/not-a-job-id", headers=auth)
    error = json.loads(body)
    assert status == 400 and error["code"] == 3, error
    # The field at fault, from the status's google.rpc.BadRequest detail.
    violations = [v for d in error["details"] if d["@type"].endswith("BadRequest") for v in d["fieldViolations"]]
    assert [v["field"] for v in violations] == ["job_id"], error

    status, _, body = _http(f"http://{gateway}/v1/jobs/{finished_job}/profile/columns?pageSize=-1", headers=auth)
    assert status == 400 and json.loads(body)["code"] == 3

    # Not an API path, or a parameter the API does not have: refused by the gateway itself.
    assert _http(f"http://{gateway}/v1/nothing-here", headers=auth)[0] == 404
    assert _http(f"http://{gateway}/v1/jobs/{finished_job}?verbose=1", headers=auth)[0] == 400


def test_rest_watch_streams_one_json_object_per_update(gateway: str, api_key: str, finished_job: str) -> None:
    status, _, body = _http(
        f"http://{gateway}/v1/jobs/{finished_job}:watch", headers={"authorization": f"Bearer {api_key}"}
    )
    updates = [json.loads(line) for line in body.decode().splitlines() if line.strip()]
    assert status == 200 and updates
    assert updates[-1]["job"]["id"] == finished_job and updates[-1]["job"]["state"] == "JOB_STATE_SUCCEEDED"


def _grpc_web_frames(body: bytes) -> list[tuple[int, bytes]]:
    frames, offset = [], 0
    while offset < len(body):
        flag, length = struct.unpack(">BI", body[offset : offset + 5])
        frames.append((flag, body[offset + 5 : offset + 5 + length]))
        offset += 5 + length
    return frames


def _grpc_web_call(gateway: str, method: str, message: bytes, api_key: str) -> tuple[int, dict[str, str], bytes]:
    return _http(
        f"http://{gateway}/sluice.v1.StatusService/{method}",
        method="POST",
        body=struct.pack(">BI", 0, len(message)) + message,
        headers={
            "content-type": "application/grpc-web+proto",
            "x-grpc-web": "1",
            "authorization": f"Bearer {api_key}",
            "origin": ORIGIN,
        },
    )


def test_a_browser_calls_status_with_grpc_web_from_an_allowed_origin(
    gateway: str, api_key: str, finished_job: str
) -> None:
    preflight = {
        "origin": ORIGIN,
        "access-control-request-method": "POST",
        "access-control-request-headers": "authorization,content-type,x-grpc-web",
    }
    status, headers, _ = _http(f"http://{gateway}/sluice.v1.StatusService/GetJob", method="OPTIONS", headers=preflight)
    assert status == 200 and headers["access-control-allow-origin"] == ORIGIN
    assert "x-grpc-web" in headers["access-control-allow-headers"]
    _, headers, _ = _http(
        f"http://{gateway}/sluice.v1.StatusService/GetJob",
        method="OPTIONS",
        headers={**preflight, "origin": "https://elsewhere.example"},
    )
    assert "access-control-allow-origin" not in headers  # the browser refuses the call

    request = status_service_pb2.GetJobRequest(job_id=finished_job).SerializeToString()
    status, headers, body = _grpc_web_call(gateway, "GetJob", request, api_key)
    assert status == 200 and headers["access-control-allow-origin"] == ORIGIN
    assert "grpc-status" in headers["access-control-expose-headers"]
    frames = _grpc_web_frames(body)
    job = job_pb2.Job.FromString(next(data for flag, data in frames if flag == 0))
    assert job.id == finished_job and job.state == job_pb2.JOB_STATE_SUCCEEDED
    trailers = next(data for flag, data in frames if flag & 0x80).decode()
    assert "grpc-status:0" in trailers.replace(" ", "")

    request = status_service_pb2.GetJobRequest(job_id=str(uuid.uuid4())).SerializeToString()
    status, headers, body = _grpc_web_call(gateway, "GetJob", request, api_key)
    # A trailers-only answer carries the status in the headers, otherwise it is in the trailer frame.
    grpc_status = headers.get("grpc-status")
    if grpc_status is None:
        trailer = next(d for f, d in _grpc_web_frames(body) if f & 0x80).decode()
        grpc_status = dict(line.split(":", 1) for line in trailer.strip().split("\r\n"))["grpc-status"].strip()
    assert status == 200 and grpc_status == "5"  # NOT_FOUND, readable by the browser through the exposed header


def test_a_browser_uploads_a_file_as_a_raw_http_body(gateway: str, api_key: str, client: SluiceClient) -> None:
    header, rows = CSV.split("\n", 1)
    data = (header + "\n" + rows * 100_000).encode()  # 2.2 MB: the gateway passes it on in several pieces
    digest = hashlib.sha256(data).hexdigest()
    headers = {"authorization": f"Bearer {api_key}", "content-type": "text/csv", "origin": ORIGIN}
    upload = f"http://{gateway}/v1/uploads:raw?fileName=visits.csv&declaredSize={len(data)}"
    preflight = {"origin": ORIGIN, "access-control-request-method": "POST",
                 "access-control-request-headers": "authorization,content-type"}  # fmt: skip
    status, answer_headers, _ = _http(upload, method="OPTIONS", headers=preflight)
    assert status == 200 and answer_headers["access-control-allow-origin"] == ORIGIN
    status, answer_headers, body = _http(f"{upload}&sha256={digest}", method="POST", body=data, headers=headers)
    assert status == 200, body
    assert answer_headers["access-control-allow-origin"] == ORIGIN
    answer = json.loads(body)
    assert answer["committedSize"] == str(len(data)) and answer["job"]["state"] == "JOB_STATE_QUEUED"
    assert client.wait(answer["job"]["id"], timeout=60).state == job_pb2.JOB_STATE_SUCCEEDED
    profile = client.get_profile(answer["job"]["id"])
    assert profile.row_count == 300_000 and profile.size_bytes == len(data)

    # Bytes that do not match the declared checksum store nothing and say why.
    status, _, body = _http(f"{upload}&sha256={'0' * 64}", method="POST", body=data, headers=headers)
    error = json.loads(body)
    assert status == 400 and error["code"] == 3
    assert [d["reason"] for d in error["details"] if d["@type"].endswith("ErrorInfo")] == ["SHA256_MISMATCH"]


class _Collector(trace_service_pb2_grpc.TraceServiceServicer):
    """A real OTLP/gRPC endpoint in the test's process: the spans Envoy exports arrive here."""

    def __init__(self) -> None:
        self.spans: list[Any] = []
        self._lock = threading.Lock()

    def Export(self, request: Any, context: grpc.ServicerContext) -> Any:
        with self._lock:
            self.spans += [span for rs in request.resource_spans for ss in rs.scope_spans for span in ss.spans]
        return trace_service_pb2.ExportTraceServiceResponse()


@pytest.fixture(scope="module")
def traced_gateway(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, _Collector]]:
    collector = _Collector()
    server = grpc.server(ThreadPoolExecutor(max_workers=2))
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(collector, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    env = stack.client_env()
    envoy = start_local_gateway(
        tmp_path_factory.mktemp("traced-gateway"),
        ingest=env["SLUICE_INGEST_ADDR"],
        status=env["SLUICE_STATUS_ADDR"],
        otlp_endpoint=f"http://127.0.0.1:{port}",  # as config.otlpEndpoint in the chart's values
    )
    try:
        yield f"127.0.0.1:{envoy.port}", collector
    finally:
        envoy.stop()
        server.stop(0)


def _eventually(what: str, check: Any, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while (found := check()) is None or found == []:
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.5)
    return found


def test_an_upload_through_the_gateway_is_one_trace_from_the_browser_to_the_processor(
    traced_gateway: tuple[str, _Collector], api_key: str, client: SluiceClient, stack: Stack
) -> None:
    gateway, collector = traced_gateway
    trace_id, browser_span = secrets.token_hex(16), secrets.token_hex(8)
    headers = {
        "authorization": f"Bearer {api_key}",
        "content-type": "text/csv",
        "traceparent": f"00-{trace_id}-{browser_span}-01",  # the page's own span, as a traced browser sends it
    }
    status, _, body = _http(f"http://{gateway}/v1/uploads:raw?fileName=traced.csv", method="POST",
                            body=CSV.encode(), headers=headers)  # fmt: skip
    assert status == 200, body
    job = client.wait(json.loads(body)["job"]["id"], timeout=60)
    assert job.state == job_pb2.JOB_STATE_SUCCEEDED and job.trace_id == trace_id

    # The gateway's span continues the browser's trace (Envoy exports every few seconds)...
    (hop,) = _eventually(
        "the gateway's span",
        lambda: [s for s in collector.spans if s.trace_id.hex() == trace_id],
    )
    assert hop.parent_span_id.hex() == browser_span

    # ...and every service's spans hang under it: ingest's call is the gateway span's child, the processor's
    # work is in the same trace.
    def whole_trace() -> list[traces.Span] | None:
        found = traces.read_trace(sorted(stack.trace_dir.glob("*.jsonl")), trace_id)
        return found if any(s.name == "job.process" and s.service.startswith("processor") for s in found) else None

    spans = _eventually("the processor's spans", whole_trace)
    (upload,) = [s for s in spans if s.name == "/sluice.v1.IngestService/UploadBody"]
    assert upload.parent_id == hop.span_id.hex() and upload.service == "ingest"


def test_the_local_stack_runs_the_gateway_in_front_of_its_services(
    stack: Stack, api_key: str, finished_job: str
) -> None:
    # What `make run` does: the same stack (every running part reused), with the gateway on.
    same = Stack(stack.home, environ=stack.environ, processors=2, service_env=stack.service_env, gateway=True)
    env = same.up()
    try:
        status, _, body = _http(f"{env['SLUICE_GATEWAY_URL']}/v1/jobs/{finished_job}",
                                headers={"authorization": f"Bearer {api_key}"})  # fmt: skip
        assert status == 200 and json.loads(body)["id"] == finished_job
        assert f"SLUICE_GATEWAY_URL={env['SLUICE_GATEWAY_URL']}" in (stack.home / "env").read_text()
    finally:
        same.stop_gateway()
    with pytest.raises(urllib.error.URLError):  # stopped by its pid, like every part of the stack
        _http(f"{env['SLUICE_GATEWAY_URL']}/healthz")


def test_grpc_clients_upload_and_follow_a_job_through_the_gateway(gateway: str, api_key: str, tmp_path: Path) -> None:
    path = tmp_path / "through-gateway.csv"
    header, rows = CSV.split("\n", 1)
    path.write_text(header + "\n" + rows * 1000)
    with SluiceClient(Endpoints(gateway, gateway, api_key)) as through:
        job_id = through.upload(path).job.id
        job = through.wait(job_id, timeout=60)
        assert job.state == job_pb2.JOB_STATE_SUCCEEDED
        assert through.get_profile(job_id).row_count == 3000

"""The pipeline end to end on the real stack: upload -> S3 -> job -> Kafka -> profile -> status."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import threading
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path

import grpc
import pandas as pd
import pytest
from botocore.exceptions import ClientError
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from services.ingest.abandoned import AbandonedUploadSweeper
from services.ingest.multipart import PartBufferPool, StreamingObjectWriter
from sluice.client import SluiceClient
from sluice.devstack.servers import S3Server
from sluice.v1 import ingest_service_pb2, job_pb2, status_service_pb2

SAMPLE = Path(__file__).resolve().parents[2] / "sluice" / "samples" / "orders.csv"
STATE = job_pb2.JobState


def _details(error: grpc.RpcError) -> tuple[str, list[str]]:
    """(ErrorInfo reason, BadRequest field names) of a failed call."""
    status = rpc_status.from_call(error)
    reason, fields = "", []
    for detail in status.details if status else []:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            reason = info.reason
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            fields = [v.field for v in bad.field_violations]
    return reason, fields


def test_a_csv_travels_every_hop_and_comes_back_as_a_profile(client: SluiceClient, s3, tenant):
    response = client.upload(SAMPLE)
    job = response.job
    assert job.state == STATE.Value("JOB_STATE_QUEUED")
    assert response.committed_size == SAMPLE.stat().st_size
    assert job.sha256 == hashlib.sha256(SAMPLE.read_bytes()).hexdigest()
    assert job.id in job.status_path

    updates = list(client.watch(job.id, timeout=120))
    states = [u.state for u in updates]
    assert states[-1] == STATE.Value("JOB_STATE_SUCCEEDED")
    assert STATE.Value("JOB_STATE_RUNNING") in states  # the watch saw the job work, not just the end

    final = client.get_job(job.id)
    history = [(e.from_state, e.to_state) for e in final.events]
    assert history == [
        (STATE.Value("JOB_STATE_UNSPECIFIED"), STATE.Value("JOB_STATE_QUEUED")),
        (STATE.Value("JOB_STATE_QUEUED"), STATE.Value("JOB_STATE_RUNNING")),
        (STATE.Value("JOB_STATE_RUNNING"), STATE.Value("JOB_STATE_SUCCEEDED")),
    ]
    assert final.events[1].worker.startswith("processor-")
    assert final.progress.bytes_done == final.size_bytes

    expected = pd.read_csv(SAMPLE)
    profile = client.get_profile(job.id)
    assert profile.row_count == len(expected)
    assert profile.column_count == len(expected.columns)
    assert profile.missing_cells == int(expected.isna().sum().sum())
    columns = {c.name: c for c in client.list_columns(job.id)}
    assert list(columns) == list(expected.columns)
    assert columns["amount_eur"].inferred_type == "float"
    assert columns["amount_eur"].mean == pytest.approx(expected["amount_eur"].mean(), rel=1e-9)
    assert columns["quantity"].min == str(expected["quantity"].min())
    assert columns["country"].distinct == expected["country"].nunique()
    assert columns["ordered_at"].inferred_type == "datetime"

    # The raw file and the JSON report are in S3 under the tenant's prefix.
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="sluice", Prefix=f"raw/{tenant}/").get("Contents", [])]
    assert keys == [f"raw/{tenant}/{job.id}/orders.csv"]
    report = json.loads(s3.get_object(Bucket="sluice", Key=profile.report_key)["Body"].read())
    assert report["job"]["id"] == job.id and report["profile"]["rows"] == 20000
    assert [c["name"] for c in report["profile"]["column_profiles"]] == list(expected.columns)

    # The full profile through the API: quality with its components, alerts, numeric detail.
    assert 0 < profile.quality.score <= 100 and profile.quality.weights
    assert profile.parse.format == "csv" and profile.parse.delimiter == ","
    amount = columns["amount_eur"].numeric
    assert amount.std == pytest.approx(expected["amount_eur"].std(), rel=1e-9)
    assert amount.quantiles["0.5"] == pytest.approx(expected["amount_eur"].median())
    assert sum(amount.histogram.counts) == expected["amount_eur"].count()
    missing = {a.column for a in profile.alerts if a.code == "MISSING"}
    assert missing == {c for c in expected.columns if expected[c].isna().mean() > 0.05}

    # The HTML report, through a short-lived link, is one self-contained page.
    link = client.get_profile_report(job.id)
    assert link.expire_time.ToDatetime(tzinfo=UTC) > datetime.now(UTC)
    with urllib.request.urlopen(link.url, timeout=10) as response:
        page = response.read().decode()
    assert page.lstrip().lower().startswith("<!doctype html") and "amount_eur" in page


def test_columns_are_paged(client: SluiceClient, csv_file):
    header = ",".join(f"c{i}" for i in range(7))
    job = client.upload(csv_file(header + "\n" + ",".join("1" * 7) + "\n")).job
    assert client.wait(job.id, timeout=60).state == STATE.Value("JOB_STATE_SUCCEEDED")
    first = client.status.ListColumnProfiles(
        status_service_pb2.ListColumnProfilesRequest(job_id=job.id, page_size=3), metadata=client._metadata
    )
    assert [c.name for c in first.columns] == ["c0", "c1", "c2"]
    assert first.total_size == 7 and first.next_page_token
    assert [c.name for c in client.list_columns(job.id)] == [f"c{i}" for i in range(7)]


def test_list_jobs_is_paged_newest_first_and_filters_by_state(client: SluiceClient, csv_file):
    ids = [client.upload(csv_file(f"a\n{i}\n", name=f"f{i}.csv")).job.id for i in range(5)]
    for job_id in ids:
        client.wait(job_id, timeout=60)
    page1 = client.list_jobs(page_size=2)
    page2 = client.list_jobs(page_size=2, page_token=page1.next_page_token)
    page3 = client.list_jobs(page_size=2, page_token=page2.next_page_token)
    listed = [j.id for j in (*page1.jobs, *page2.jobs, *page3.jobs)]
    assert listed == list(reversed(ids))
    assert page3.next_page_token == ""
    assert len(client.list_jobs(states=[STATE.Value("JOB_STATE_SUCCEEDED")]).jobs) == 5
    assert len(client.list_jobs(states=[STATE.Value("JOB_STATE_FAILED")]).jobs) == 0


def test_same_idempotency_key_and_content_returns_the_same_job(client: SluiceClient, csv_file, s3, tenant):
    path = csv_file("a,b\n1,2\n")
    first = client.upload(path, idempotency_key="order-42")
    again = client.upload(path, idempotency_key="order-42")
    assert again.job.id == first.job.id
    assert again.deduplicated and not first.deduplicated
    assert len(s3.list_objects_v2(Bucket="sluice", Prefix=f"raw/{tenant}/").get("Contents", [])) == 1

    other = csv_file("a,b\n3,4\n", name="other.csv")
    with pytest.raises(grpc.RpcError) as raised:
        client.upload(other, idempotency_key="order-42")
    assert raised.value.code() == grpc.StatusCode.ALREADY_EXISTS
    assert _details(raised.value)[0] == "IDEMPOTENCY_KEY_REUSED"
    assert first.job.id in raised.value.details()
    assert len(s3.list_objects_v2(Bucket="sluice", Prefix=f"raw/{tenant}/").get("Contents", [])) == 1


def test_a_cancelled_upload_leaves_no_job_object_or_multipart_upload(client: SluiceClient, s3, pool, tenant):
    sent = threading.Event()

    def requests():
        yield ingest_service_pb2.UploadRequest(
            header=ingest_service_pb2.UploadHeader(file_name="big.csv", media_type="text/csv")
        )
        yield ingest_service_pb2.UploadRequest(chunk=b"a,b\n" + b"1,2\n" * 250_000)
        for _ in range(20):  # 20 MiB: enough for multipart parts to be in S3 when we cancel
            yield ingest_service_pb2.UploadRequest(chunk=b"3,4\n" * 262_144)
        sent.set()
        time.sleep(30)  # hold the stream open; the client cancels meanwhile
        yield ingest_service_pb2.UploadRequest(chunk=b"5,6\n")

    call = client.ingest.Upload.future(requests(), metadata=client._metadata)
    assert sent.wait(30)
    time.sleep(1.0)  # let the server push the parts it has
    call.cancel()
    with pytest.raises(grpc.FutureCancelledError):
        call.result()

    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        objects = s3.list_objects_v2(Bucket="sluice", Prefix=f"raw/{tenant}/").get("Contents", [])
        uploads = [
            u
            for u in s3.list_multipart_uploads(Bucket="sluice").get("Uploads", [])
            if u["Key"].startswith(f"raw/{tenant}/")
        ]
        if not objects and not uploads:
            break
        time.sleep(0.3)
    assert objects == [] and uploads == []
    with pool.connection() as conn:
        assert conn.execute("SELECT count(*) AS n FROM jobs WHERE tenant_id = %s", (tenant,)).fetchone()["n"] == 0


@pytest.mark.parametrize(
    ("content", "media_type", "code", "reason", "field"),
    [
        (b"", "text/csv", grpc.StatusCode.INVALID_ARGUMENT, "EMPTY_FILE", "chunk"),
        (
            b"\x89PNG\r\n\x1a\n" + bytes(5000),
            "text/csv",
            grpc.StatusCode.INVALID_ARGUMENT,
            "CONTENT_TYPE_MISMATCH",
            "header.media_type",
        ),
        (b"a,b\n1,2\n", "image/png", grpc.StatusCode.INVALID_ARGUMENT, "UNSUPPORTED_MEDIA_TYPE", "header.media_type"),
    ],
)
def test_bad_uploads_get_a_status_with_details(client, tmp_path, content, media_type, code, reason, field):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(grpc.RpcError) as raised:
        client.upload(path, media_type=media_type)
    assert raised.value.code() == code
    assert _details(raised.value) == (reason, [field])
    assert "Traceback" not in raised.value.details()


@pytest.mark.parametrize(
    ("options", "reason", "field"),
    [
        (job_pb2.JobOptions(delimiter=";;"), "DELIMITER_INVALID", "header.options.delimiter"),
        (job_pb2.JobOptions(delimiter="¦"), "DELIMITER_INVALID", "header.options.delimiter"),
        (job_pb2.JobOptions(decimal="·"), "DECIMAL_INVALID", "header.options.decimal"),
        (job_pb2.JobOptions(delimiter=",", decimal=","), "DECIMAL_INVALID", "header.options.decimal"),
        (job_pb2.JobOptions(date_order=7), "DATE_ORDER_INVALID", "header.options.date_order"),  # type: ignore[arg-type]
        (job_pb2.JobOptions(encoding="klingon"), "ENCODING_INVALID", "header.options.encoding"),
    ],
)
def test_reading_options_a_processor_cannot_use_are_refused_at_upload(
    client, tmp_path, pool, tenant, options, reason, field
):
    path = tmp_path / "options.csv"
    path.write_bytes(b"a;b\n1,5;2\n")
    with pytest.raises(grpc.RpcError) as raised:
        client.upload(path, options=options)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert _details(raised.value) == (reason, [field])
    with pool.connection() as conn:
        assert conn.execute("SELECT count(*) AS n FROM jobs WHERE tenant_id = %s", (tenant,)).fetchone()["n"] == 0


def test_a_stream_that_ends_without_finish_write_stores_nothing(client: SluiceClient, s3, pool, tenant):
    """A client cut off between two messages looks, on the wire, like one that finished early."""
    header = ingest_service_pb2.UploadHeader(file_name="cut.csv", media_type="text/csv")
    messages = [
        ingest_service_pb2.UploadRequest(header=header),
        ingest_service_pb2.UploadRequest(chunk=b"a,b\n"),
        *[ingest_service_pb2.UploadRequest(chunk=b"1,2\n" * 262_144) for _ in range(12)],  # 12 MiB: parts reach S3
    ]
    with pytest.raises(grpc.RpcError) as raised:
        client.ingest.Upload(iter(messages), metadata=client._metadata)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert _details(raised.value) == ("UPLOAD_INCOMPLETE", ["finish_write"])
    assert s3.list_objects_v2(Bucket="sluice", Prefix=f"raw/{tenant}/").get("Contents", []) == []
    uploads = s3.list_multipart_uploads(Bucket="sluice").get("Uploads", [])
    assert [u for u in uploads if u["Key"].startswith(f"raw/{tenant}/")] == []
    with pool.connection() as conn:
        assert conn.execute("SELECT count(*) AS n FROM jobs WHERE tenant_id = %s", (tenant,)).fetchone()["n"] == 0


def test_an_upload_abandoned_by_a_dead_replica_is_aborted_once_too_old(s3, tenant):
    """What an ingest replica killed mid-upload leaves (it cannot abort): an incomplete multipart upload under
    raw/ with parts in S3. Made here directly on the real S3 server; the sweeper aborts it once it is older
    than the longest an upload may take, and leaves a younger one (still streaming, as far as it can tell)."""
    key = f"raw/{tenant}/{uuid.uuid4()}/orphan.csv"
    upload_id = s3.create_multipart_upload(Bucket="sluice", Key=key)["UploadId"]
    s3.upload_part(Bucket="sluice", Key=key, UploadId=upload_id, PartNumber=1, Body=b"a,b\n" + b"1,2\n" * 1_400_000)
    sweeper = AbandonedUploadSweeper(s3=s3, bucket="sluice", max_age_seconds=3600, interval_seconds=60)

    def pending() -> list[str]:
        uploads = s3.list_multipart_uploads(Bucket="sluice", Prefix=f"raw/{tenant}/").get("Uploads", [])
        return [u["UploadId"] for u in uploads]

    assert sweeper.sweep(prefix=f"raw/{tenant}/") == [] and pending() == [upload_id]
    later = datetime.now(UTC) + timedelta(hours=2)
    assert sweeper.sweep(now=later, prefix=f"raw/{tenant}/") == [key]
    assert pending() == []
    with pytest.raises(ClientError):  # its parts are gone with it
        s3.list_parts(Bucket="sluice", Key=key, UploadId=upload_id)


def test_uploaded_text_is_stored_as_sent_so_reading_it_costs_the_s3_server_no_unzipping(stack, s3, tenant):
    """SeaweedFS gzips parts that look like text unless they declare a binary type, then unzips them on every
    read: most of the local S3 server's CPU on large jobs. Ingest's writer declares its parts binary
    (sluice/objectstore.py); the object still reads back byte for byte, with the type it was uploaded as."""
    server = next((c for c in stack.components if isinstance(c, S3Server)), None)
    if server is None:
        pytest.skip("the tests were pointed at an external S3 server, not the local SeaweedFS")
    part = 5 * 1024 * 1024  # S3's smallest part
    body = b"id,name,email\n" + b"".join(b"%d,name %d,user%d@example.org\n" % (i, i, i) for i in range(400_000))
    key = f"raw/{tenant}/{uuid.uuid4()}/text.csv"
    with ThreadPoolExecutor(2) as executor:
        writer = StreamingObjectWriter(
            s3=s3,
            bucket="sluice",
            key=key,
            content_type="text/csv",
            pool=PartBufferPool(buffers=2, part_size=part),
            executor=executor,
            parts_in_flight=2,
        )
        writer.write(body)
        writer.complete()
    chunks = server.stored_chunks("sluice", key)
    assert len(body) > 2 * part and len(chunks) >= 3
    assert not [c for c in chunks if c.get("is_compressed")], chunks
    stored = s3.get_object(Bucket="sluice", Key=key)
    assert stored["ContentType"] == "text/csv"
    assert stored["Body"].read() == body


def test_a_wrong_sha256_or_size_is_rejected(client: SluiceClient, csv_file):
    path = csv_file("a,b\n1,2\n")

    def upload(header: ingest_service_pb2.UploadHeader):
        chunks = [
            ingest_service_pb2.UploadRequest(header=header),
            ingest_service_pb2.UploadRequest(chunk=path.read_bytes(), finish_write=True),
        ]
        return client.ingest.Upload(iter(chunks), metadata=client._metadata)

    with pytest.raises(grpc.RpcError) as raised:
        upload(ingest_service_pb2.UploadHeader(file_name="x.csv", media_type="text/csv", sha256="0" * 64))
    assert _details(raised.value)[0] == "SHA256_MISMATCH"
    with pytest.raises(grpc.RpcError) as raised:
        upload(ingest_service_pb2.UploadHeader(file_name="x.csv", media_type="text/csv", declared_size=3))
    assert _details(raised.value)[0] == "SIZE_MISMATCH"
    with pytest.raises(grpc.RpcError) as raised:
        upload(ingest_service_pb2.UploadHeader(file_name="x.csv", media_type="text/csv", declared_size=10**12))
    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert _details(raised.value)[0] == "UPLOAD_TOO_LARGE"


def test_a_poison_file_fails_with_its_reason_and_the_next_file_still_succeeds(client: SluiceClient, csv_file):
    poison = client.upload(csv_file("\n\n   \n\n", name="blank.csv")).job  # text, but no table at all
    good = client.upload(csv_file("a,b\n1,2\n", name="good.csv")).job
    failed = client.wait(poison.id, timeout=60)
    assert failed.state == STATE.Value("JOB_STATE_FAILED")
    assert failed.error.reason == "NOT_A_TABLE"
    assert "no" in failed.error.message and "Traceback" not in failed.error.message
    assert failed.error.retryable is False
    assert failed.attempt == 1  # bad input is not retried
    assert client.wait(good.id, timeout=60).state == STATE.Value("JOB_STATE_SUCCEEDED")
    with pytest.raises(grpc.RpcError) as raised:
        client.get_profile(poison.id)
    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION


def test_ragged_rows_are_counted_and_reported_not_fatal(client: SluiceClient, csv_file):
    job = client.upload(csv_file("a,b\n1,2\n3,4,5,6\n7,8\n9\n", name="ragged.csv")).job
    assert client.wait(job.id, timeout=60).state == STATE.Value("JOB_STATE_SUCCEEDED")
    profile = client.get_profile(job.id)
    assert profile.row_count == 4
    assert profile.parse.ragged_rows == 2
    assert [(i.kind, i.line) for i in profile.parse.issues] == [("ragged_row", 3), ("ragged_row", 5)]
    assert "RAGGED_ROWS" in {a.code for a in profile.alerts}
    assert profile.quality.parse_health < 1.0


def test_a_nul_character_in_a_value_is_stored_and_served_as_a_replacement_mark(client: SluiceClient, csv_file):
    """PostgreSQL holds no NUL in text or jsonb: a value with one (past the sample the sniff looks at for binary
    data) made storing the profile fail. The served profile shows U+FFFD in its place, as for undecodable
    bytes."""
    rows = "".join(f"{i},x{i % 5}\n" for i in range(20_000))  # ~170 KB before the NUL
    job = client.upload(csv_file(f"id,name\n{rows}20000,y\x00z\n20001,y\x00z\n", name="nul.csv")).job
    done = client.wait(job.id, timeout=60)
    assert done.state == STATE.Value("JOB_STATE_SUCCEEDED"), done.error.message
    name = {c.name: c for c in client.list_columns(job.id)}["name"]
    assert ("y\ufffdz", 2) in [(t.value, t.count) for t in name.top_values]


def test_another_tenants_job_is_not_found(client: SluiceClient, other_client: SluiceClient, csv_file):
    job = client.upload(csv_file("a\n1\n")).job
    for call in (other_client.get_job, other_client.get_profile, other_client.cancel):
        with pytest.raises(grpc.RpcError) as raised:
            call(job.id)
        assert raised.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.RpcError) as raised:
        next(iter(other_client.watch(job.id, timeout=10)))
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND
    assert job.id not in [j.id for j in other_client.list_jobs().jobs]
    assert client.get_job(job.id).id == job.id


def test_missing_or_wrong_key_is_unauthenticated(make_client, csv_file):
    for key in ("", "slk_not-a-real-key"):
        with make_client(key) as anonymous:
            with pytest.raises(grpc.RpcError) as raised:
                anonymous.list_jobs()
            assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED
            with pytest.raises(grpc.RpcError) as raised:
                anonymous.upload(csv_file("a\n1\n"))
            assert raised.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_api_keys_are_stored_hashed(pool, api_key):
    with pool.connection() as conn:
        stored = conn.execute("SELECT key_hash, prefix FROM api_keys").fetchall()
    assert hashlib.sha256(api_key.encode()).digest() in [bytes(r["key_hash"]) for r in stored]
    assert all(api_key.encode() not in bytes(r["key_hash"]) for r in stored)


def test_get_job_is_served_from_the_cache_and_invalidated_on_change(client: SluiceClient, stack, csv_file):
    import redis

    r = redis.Redis.from_url(stack.infra_env()["SLUICE_REDIS_URL"])
    job = client.upload(csv_file("a\n1\n")).job
    client.wait(job.id, timeout=60)
    first = client.get_job(job.id)
    assert r.exists(f"sluice:job:{job.id}")  # the read filled the cache
    assert 0 < r.pttl(f"sluice:job:{job.id}") <= 5000
    assert client.get_job(job.id) == first
    with pytest.raises(grpc.RpcError):
        client.cancel(job.id)  # finished jobs cannot be cancelled
    assert r.exists(f"sluice:job:{job.id}")  # nothing changed, nothing invalidated


def test_cancel_a_queued_job(client: SluiceClient, pool, csv_file):
    job = client.upload(csv_file("a\n1\n")).job
    with pool.connection() as conn:  # hold the job back so it is still unfinished when cancelled
        conn.execute(
            "UPDATE jobs SET lease_owner = 'test', lease_expires_at = now() + interval '1 hour' "
            "WHERE id = %s AND state = 'QUEUED'",
            (job.id,),
        )
    state = client.get_job(job.id).state
    if state == STATE.Value("JOB_STATE_SUCCEEDED"):
        pytest.fail("the job finished before the test could hold it; cannot check cancel")
    cancelled = client.cancel(job.id)
    assert cancelled.state == STATE.Value("JOB_STATE_CANCELLED")
    assert cancelled.events[-1].to_state == STATE.Value("JOB_STATE_CANCELLED")
    with pytest.raises(grpc.RpcError) as raised:
        client.cancel(job.id)
    assert raised.value.code() == grpc.StatusCode.FAILED_PRECONDITION


def test_status_errors_are_statuses_not_stack_traces(client: SluiceClient):
    with pytest.raises(grpc.RpcError) as raised:
        client.get_job("not-a-uuid")
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert _details(raised.value)[1] == ["job_id"]
    with pytest.raises(grpc.RpcError) as raised:
        client.get_job("00000000-0000-4000-8000-000000000000")
    assert raised.value.code() == grpc.StatusCode.NOT_FOUND
    with pytest.raises(grpc.RpcError) as raised:
        client.list_jobs(page_token="garbage")
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def _token(fields: dict[str, object]) -> str:
    return base64.urlsafe_b64encode(json.dumps(fields).encode()).decode()


def test_a_page_token_with_edited_fields_is_an_invalid_argument(client: SluiceClient, csv_file):
    """A token is opaque, but it is base64 JSON a caller can edit: fields of the wrong kind or range were read
    past the check and came back as INTERNAL (a negative offset reached SQL)."""
    job = client.upload(csv_file("a,b\n1,2\n", name="t.csv")).job
    assert client.wait(job.id, timeout=60).state == STATE.Value("JOB_STATE_SUCCEEDED")
    for fields in (
        {"k": "columns", "job": job.id, "o": -5},
        {"k": "columns", "job": job.id, "o": "x"},
        {"k": "columns", "job": job.id},
        ["columns"],
    ):
        with pytest.raises(grpc.RpcError) as raised:
            client.status.ListColumnProfiles(
                status_service_pb2.ListColumnProfilesRequest(job_id=job.id, page_token=_token(fields)),  # type: ignore[arg-type]
                metadata=client._metadata,
            )
        assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT, fields
        assert _details(raised.value)[1] == ["page_token"]
    for fields in ({"k": "jobs", "t": "yesterday", "id": job.id}, {"k": "jobs", "t": "2026-01-01T00:00:00", "id": "1"}):
        with pytest.raises(grpc.RpcError) as raised:
            client.list_jobs(page_token=_token(fields))
        assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT, fields


def _csv_bytes(rows: int) -> bytes:
    frame = pd.DataFrame(
        {"id": range(rows), "value": [i * 0.5 for i in range(rows)], "label": ["x", "y"] * (rows // 2)}
    )
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    return buffer.getvalue().encode()

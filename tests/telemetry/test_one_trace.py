"""One upload, one trace: ingest, the PostgreSQL transaction, S3, the outbox relay and the processor.

The ingest and processor apps run in this test's process (so an in-memory exporter can collect
every span), against the real PostgreSQL, Kafka broker, S3 server and Redis of the test stack.
They get a database, topic and consumer group of their own, so the stack's own services never
see this job and every span of it is ours.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from services.ingest.app import IngestApp
from services.processor.app import ProcessorApp
from sluice import auth, db, kafka
from sluice.client import Endpoints, SluiceClient
from sluice.devstack.stack import Stack
from sluice.settings import IngestSettings, ProcessorSettings
from sluice.telemetry import Telemetry, instrument_libraries, trace_id_of


@pytest.fixture(scope="module")
def traced(stack: Stack) -> Iterator[tuple[InMemorySpanExporter, str, SluiceClient, str]]:
    env = stack.infra_env()
    suffix = uuid.uuid4().hex[:8]
    url = env["SLUICE_DATABASE_URL"].rsplit("/", 1)[0] + f"/trace_{suffix}"
    db.ensure_database(url)
    db.migrate(url)
    topic = f"trace.jobs.{suffix}"
    kafka.ensure_topics(env["SLUICE_KAFKA_BOOTSTRAP"], [topic, f"{topic}.dlq"], partitions=1)
    common = {
        "database_url": url,
        "redis_url": env["SLUICE_REDIS_URL"],
        "kafka_bootstrap": env["SLUICE_KAFKA_BOOTSTRAP"],
        "jobs_topic": topic,
        "dlq_topic": f"{topic}.dlq",
        "consumer_group": f"trace-{suffix}",
        "s3_endpoint": env["SLUICE_S3_ENDPOINT"],
        "s3_access_key": env["SLUICE_S3_ACCESS_KEY"],
        "s3_secret_key": env["SLUICE_S3_SECRET_KEY"],
        "metrics_port": 0,
    }
    exporter = InMemorySpanExporter()
    telemetry = Telemetry.create(service_name="sluice-test", span_processor=SimpleSpanProcessor(exporter))
    instrument_libraries(telemetry.tracer_provider)  # before any connection is opened
    ingest = IngestApp(
        IngestSettings(**common, ingest_port=0, part_size_bytes=5 * 1024**2, relay_poll_seconds=0.2),
        telemetry=telemetry,
    )
    processor = ProcessorApp(
        ProcessorSettings(**common, processor_admin_port=0, worker_id="traced-0", session_timeout_ms=6000),
        telemetry=telemetry,
    )
    ingest.start()
    consumer = threading.Thread(target=processor.run, name="traced-processor", daemon=True)
    consumer.start()
    pool = db.create_pool(url, max_size=1, name="trace-test")
    key = auth.create_api_key(pool, "tracer", description="trace test")
    client = SluiceClient(Endpoints(f"127.0.0.1:{ingest.server.port}", "unused:1", key))
    try:
        yield exporter, url, client, "tracer"
    finally:
        client.close()
        processor.worker.request_drain()
        consumer.join(timeout=30)
        ingest.stop(grace=1)
        pool.close()
        telemetry.tracer_provider.shutdown()


def _wait_succeeded(url: str, job_id: str, timeout: float = 90) -> dict:
    import psycopg
    from psycopg.rows import dict_row

    deadline = time.monotonic() + timeout
    with psycopg.connect(url, row_factory=dict_row, autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute("SELECT * FROM jobs WHERE id = %s", (job_id,)).fetchone()
            if row and row["state"] in ("SUCCEEDED", "FAILED"):
                return row
            time.sleep(0.2)
    pytest.fail(f"job {job_id} did not finish")


def _children(spans: list[ReadableSpan], parent: ReadableSpan) -> list[ReadableSpan]:
    return [s for s in spans if s.parent is not None and s.parent.span_id == parent.context.span_id]


def _one(spans: list[ReadableSpan], name: str) -> ReadableSpan:
    found = [s for s in spans if s.name == name]
    assert len(found) == 1, f"{name}: {[s.name for s in spans]}"
    return found[0]


def test_an_upload_is_one_trace_from_the_rpc_to_the_stored_profile(traced, tmp_path: Path):
    exporter, url, client, tenant = traced
    path = tmp_path / "big.csv"  # over one 5 MiB part: a multipart upload with parts sent from a thread pool
    with path.open("w") as out:
        out.write("id,value,label\n")
        out.writelines(f"{i},{i * 0.5},label-{i % 7}\n" for i in range(400_000))
    job = client.upload(path).job
    row = _wait_succeeded(url, job.id)
    assert row["state"] == "SUCCEEDED"
    time.sleep(0.5)  # the processor's last span ends just after the commit

    trace_id = int(trace_id_of(row["trace_context"]), 16)
    assert trace_id, "the job row keeps the upload's trace context"
    spans = [s for s in exporter.get_finished_spans() if s.context.trace_id == trace_id]
    assert all(s.context.trace_id == trace_id for s in spans)

    # The ingest RPC is the root.
    roots = [s for s in spans if s.parent is None]
    assert [r.name for r in roots] == ["/sluice.v1.IngestService/Upload"]
    upload = roots[0]
    assert upload.kind is SpanKind.SERVER
    assert upload.attributes["sluice.job_id"] == job.id and upload.attributes["sluice.tenant"] == tenant
    assert upload.attributes["sluice.size_bytes"] == path.stat().st_size

    # S3 multipart calls (including the parts sent from worker threads) and the job transaction are its children.
    under_upload = _children(spans, upload)
    names = [s.name for s in under_upload]
    assert "S3.CreateMultipartUpload" in names and "S3.CompleteMultipartUpload" in names
    assert names.count("S3.UploadPart") == 2
    create = _one(under_upload, "job.create")
    statements = [s.attributes.get("db.statement", "") for s in _children(spans, create)]
    assert any("INSERT INTO jobs" in st for st in statements)
    assert any("INSERT INTO outbox" in st for st in statements)

    # The outbox relay's publish continues the trace from the stored context, as a producer.
    publish = _one(under_upload, f"trace.jobs.{url.rsplit('_', 1)[1]} publish")
    assert publish.kind is SpanKind.PRODUCER and publish.attributes["sluice.job_id"] == job.id

    # The processor's work hangs below the publish, through the Kafka headers.
    (process,) = _children(spans, publish)
    assert process.name == "job.process" and process.kind is SpanKind.CONSUMER
    assert process.attributes["sluice.worker"] == "traced-0" and process.attributes["sluice.attempt"] == 1
    assert process.attributes["sluice.outcome"] == "succeeded"
    stages = [s.name for s in _children(spans, process)]
    for stage in ("job.download", "job.parse", "job.profile", "job.store"):
        assert stage in stages
    assert stages.index("job.download") < stages.index("job.parse") < stages.index("job.store")
    assert [s.name for s in _children(spans, _one(spans, "job.download"))] == ["S3.GetObject"]
    assert _one(spans, "job.parse").attributes["sluice.rows"] == 400_000
    stored = _children(spans, _one(spans, "job.store"))
    assert "S3.PutObject" in [s.name for s in stored]
    assert any("UPDATE jobs SET state = 'SUCCEEDED'" in s.attributes.get("db.statement", "") for s in stored)
    # PostgreSQL calls carry the database semantics the instrumentation promises.
    claim = [
        s
        for s in _children(spans, process)
        if "UPDATE jobs SET state = 'RUNNING'" in s.attributes.get("db.statement", "")
    ]
    assert claim and claim[0].attributes["db.system"] == "postgresql"

"""`sluice trace`'s reading and drawing, on spans the real SDK wrote through the real file exporter."""

from __future__ import annotations

import io
import time
from pathlib import Path

from opentelemetry.exporter.otlp.json.file import FileSpanExporter
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import SpanKind, Status, StatusCode

from sluice import traces
from sluice.telemetry import Telemetry, extract_context, inject_context


def _write_two_services(path: Path) -> str:
    """An upload in 'ingest' and its processing in 'processor-3', joined by propagated headers."""
    ingest = Telemetry.create(service_name="sluice-ingest", span_processor=SimpleSpanProcessor(FileSpanExporter(path)))
    processor = Telemetry.create(
        service_name="sluice-processor",
        span_processor=SimpleSpanProcessor(FileSpanExporter(path)),
        resource_attributes={"service.instance.id": "processor-3"},
    )
    with ingest.tracer.start_as_current_span("Upload", kind=SpanKind.SERVER) as root:
        with ingest.tracer.start_as_current_span(
            "INSERT", kind=SpanKind.CLIENT, attributes={"db.statement": "INSERT\n  INTO jobs"}
        ):
            time.sleep(0.01)
        headers = inject_context()
    with (
        processor.tracer.start_as_current_span("job.process", context=extract_context(headers), kind=SpanKind.CONSUMER),
        processor.tracer.start_as_current_span("job.parse") as parse,
    ):
        parse.set_status(Status(StatusCode.ERROR, "NOT_A_TABLE"))
    ingest.tracer_provider.shutdown()
    processor.tracer_provider.shutdown()
    return format(root.get_span_context().trace_id, "032x")


def test_spans_of_one_trace_come_back_as_a_tree_across_services(tmp_path: Path):
    trace_id = _write_two_services(tmp_path / "spans.jsonl")
    # Another trace in the same file must not leak in.
    other = Telemetry.create(
        service_name="x", span_processor=SimpleSpanProcessor(FileSpanExporter(tmp_path / "spans.jsonl"))
    )
    with other.tracer.start_as_current_span("unrelated", kind=SpanKind.SERVER):
        pass

    spans = traces.read_trace([tmp_path / "spans.jsonl"], trace_id)
    roots = traces.build_tree(spans)

    assert [r.name for r in roots] == ["Upload"]
    upload = roots[0]
    assert upload.service == "ingest" and upload.kind == "server"
    assert [c.name for c in upload.children] == ["INSERT", "job.process"]
    process = upload.children[1]
    assert process.service == "processor-3"  # the instance id, when it is a name rather than a UUID
    assert [c.name for c in process.children] == ["job.parse"]
    assert process.children[0].error == "NOT_A_TABLE"
    assert upload.children[0].duration_s >= 0.01


def test_the_waterfall_shows_depth_durations_services_and_errors(tmp_path: Path):
    trace_id = _write_two_services(tmp_path / "spans.jsonl")
    text = traces.render_waterfall(traces.build_tree(traces.read_trace([tmp_path / "spans.jsonl"], trace_id)))
    lines = text.splitlines()
    assert lines[0].startswith(f"trace {trace_id}: 4 spans from ingest, processor-3")
    body = lines[2:]
    assert "Upload" in body[0] and body[0].split()[0] == "+0.000s"
    assert "  INSERT INTO jobs" in body[1]  # a database span shows its statement, one line, indented
    assert "processor-3" in body[2] and "  job.process" in body[2]
    assert "    job.parse" in body[3] and body[3].endswith("! NOT_A_TABLE")
    assert all("|" in line and "█" in line for line in body)


def test_an_empty_trace_says_so():
    assert traces.render_waterfall([]) == "no spans"


def test_a_line_from_a_stream_parses_like_one_from_a_file():
    stream = io.StringIO()
    t = Telemetry.create(
        service_name="sluice-status", span_processor=SimpleSpanProcessor(FileSpanExporter(stream=stream))
    )
    with t.tracer.start_as_current_span("GetJob", kind=SpanKind.SERVER, attributes={"n": 3, "ok": True}):
        pass
    (span,) = list(traces.parse_line(stream.getvalue().splitlines()[0]))
    assert (span.name, span.service, span.kind) == ("GetJob", "status", "server")
    assert span.attributes == {"n": 3, "ok": True}

"""Telemetry set-up: sampling, exporter choice from OTEL_*, metric names, context helpers."""

from __future__ import annotations

import pytest
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpExporter
from opentelemetry.exporter.prometheus import PrometheusMetricReader
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from prometheus_client import CollectorRegistry, generate_latest

from sluice import metrics
from sluice.telemetry import Telemetry, span_exporters, trace_id_of


def _recording() -> tuple[Telemetry, InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    return Telemetry.create(service_name="t", span_processor=SimpleSpanProcessor(exporter)), exporter


def test_database_calls_outside_any_request_are_not_traced_but_calls_inside_are():
    telemetry, exporter = _recording()
    tracer = telemetry.tracer
    with tracer.start_as_current_span("lease renewal", kind=SpanKind.CLIENT):  # a background loop's call
        pass
    with (
        tracer.start_as_current_span("Upload", kind=SpanKind.SERVER),
        tracer.start_as_current_span("INSERT", kind=SpanKind.CLIENT),
    ):
        pass
    with tracer.start_as_current_span("job.process", kind=SpanKind.CONSUMER):
        pass
    assert sorted(s.name for s in exporter.get_finished_spans()) == ["INSERT", "Upload", "job.process"]


def test_the_sampler_still_honours_otel_traces_sampler(monkeypatch):
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "always_off")
    telemetry, exporter = _recording()
    with telemetry.tracer.start_as_current_span("Upload", kind=SpanKind.SERVER):
        pass
    assert exporter.get_finished_spans() == ()


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, []),  # nothing configured: no exporter, no endless connection errors
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4317"}, [GrpcExporter]),
        ({"OTEL_TRACES_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"}, [HttpExporter]),
        ({"OTEL_TRACES_EXPORTER": "console"}, [ConsoleSpanExporter]),
        ({"OTEL_TRACES_EXPORTER": "none", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4317"}, []),
    ],
)
def test_exporters_follow_the_standard_variables(environ, expected):
    assert [type(e) for e in span_exporters(environ)] == expected


def test_an_unknown_exporter_is_refused_by_name():
    with pytest.raises(ValueError, match=r"OTEL_TRACES_EXPORTER.*zipkin"):
        span_exporters({"OTEL_TRACES_EXPORTER": "zipkin"})


def test_the_trace_file_is_added_to_the_configured_exporters(tmp_path):
    found = span_exporters({"OTEL_TRACES_EXPORTER": "console"}, trace_file=str(tmp_path / "t" / "spans.jsonl"))
    assert [type(e).__name__ for e in found] == ["ConsoleSpanExporter", "FileSpanExporter"]
    assert (tmp_path / "t").is_dir()


def test_the_catalog_names_are_the_names_prometheus_really_serves():
    """The dashboards are checked against the catalog's names; here the catalog meets the exporter."""
    registry = CollectorRegistry()
    telemetry = Telemetry.create(service_name="t", metric_readers=[PrometheusMetricReader(registry=registry)])
    m = telemetry.metrics
    m.rpc_duration.record(0.1, {"rpc_method": "/x", "rpc_grpc_status_code": "OK"})
    m.upload_bytes.add(1)
    m.uploads.add(1)
    m.upload_duration.record(1.0)
    m.job_transitions.add(1)
    m.queue_wait.record(1.0)
    m.processing_duration.record(1.0)
    m.processed_bytes.add(1)
    m.cache_requests.add(1)
    scalings = metrics.AUTOSCALER_SCALINGS
    telemetry.meter_provider.get_meter("t").create_counter(scalings.name, scalings.unit).add(1)
    for spec in metrics.CATALOG:
        if spec.kind is metrics.Kind.GAUGE:
            m.gauge(spec, lambda: [(1.0, {})])
    served = {
        line.split("{")[0].split(" ")[0]
        for line in generate_latest(registry).decode().splitlines()
        if line and not line.startswith("#")
    }
    assert metrics.prometheus_names() <= served
    assert "sluice_upload_bytes_total" in served and "sluice_job_processing_seconds_bucket" in served


def test_trace_id_of_reads_a_w3c_traceparent():
    header = {"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}
    assert trace_id_of(header) == "0af7651916cd43dd8448eb211c80319c"
    assert trace_id_of({}) == "" and trace_id_of(None) == "" and trace_id_of({"traceparent": "junk"}) == ""

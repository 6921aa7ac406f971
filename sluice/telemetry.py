"""OpenTelemetry for every Sluice process: traces, metrics and the context that links them.

Each process builds one `Telemetry` at start-up (`Telemetry.from_environment`) and passes it to
the components that trace or count; nothing reads a global tracer. Configuration follows the
standard OTEL_* variables:

- OTEL_TRACES_EXPORTER: `otlp` (protocol from OTEL_EXPORTER_OTLP_PROTOCOL: `grpc`, the default,
  or `http/protobuf`), `console` or `none`. Unset, it is `otlp` when an OTEL_EXPORTER_OTLP_*ENDPOINT
  is set and `none` otherwise, so a process without a collector does not log export errors forever.
- OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES, OTEL_TRACES_SAMPLER(_ARG), OTEL_BSP_*: read by the SDK.
- OTEL_METRICS_EXPORTER=otlp also pushes metrics over OTLP; the Prometheus endpoint is always served
  (SLUICE_METRICS_PORT, 0 turns it off).
- SLUICE_TRACE_FILE appends finished spans as OTLP-JSON lines to a file: the local stack's way to
  keep traces readable (`sluice trace JOB`) without running a collector.
- OTEL_SDK_DISABLED=true: no spans and no metrics at all.

Trace shape (one trace per upload; see README "Tracing"): the ingest Upload RPC span is the root;
the job row keeps its W3C trace context; the outbox relay's publish span is its child and its own
context travels in the Kafka headers; the processor's `job.process` span is a child of that publish.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.exporter.prometheus import PrometheusMetricReader
from opentelemetry.instrumentation.utils import suppress_instrumentation
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import MetricReader, PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter
from opentelemetry.sdk.trace.sampling import (
    Decision,
    ParentBased,
    Sampler,
    SamplingResult,
    _get_from_env_or_default,
)
from opentelemetry.trace import Link, SpanKind
from opentelemetry.util.types import Attributes
from prometheus_client import CollectorRegistry, start_http_server

from sluice.metrics import PipelineMetrics

log = logging.getLogger(__name__)

INSTRUMENTATION_SCOPE = "sluice"

# The job a log line or span belongs to, set where a job is handled (logs pick it up).
current_job: contextvars.ContextVar[str] = contextvars.ContextVar("sluice_job", default="")


class NoOrphanClientSpans(Sampler):
    """Root sampler that drops CLIENT spans without a parent, delegating everything else.

    Background loops (relay polls, lease renewals, reaper scans, metric callbacks) make database,
    Redis and S3 calls with no request around them; traced, each would be a one-span trace every
    second. Spans that belong to an upload or a job always have a parent and are kept.
    """

    def __init__(self, delegate: Sampler):
        self._delegate = delegate

    def should_sample(
        self,
        parent_context: Context | None,
        trace_id: int,
        name: str,
        kind: SpanKind | None = None,
        attributes: Attributes = None,
        links: Sequence[Link] | None = None,
        trace_state: Any = None,
    ) -> SamplingResult:
        if kind is SpanKind.CLIENT:
            return SamplingResult(Decision.DROP)
        return self._delegate.should_sample(parent_context, trace_id, name, kind, attributes, links, trace_state)

    def get_description(self) -> str:
        return f"NoOrphanClientSpans{{{self._delegate.get_description()}}}"


def default_sampler() -> Sampler:
    """The SDK's sampler from OTEL_TRACES_SAMPLER (default parent-based always-on), orphans dropped."""
    configured = _get_from_env_or_default()
    root = configured._root if isinstance(configured, ParentBased) else configured
    return ParentBased(root=NoOrphanClientSpans(root))


def _traces_exporter_name(environ: Mapping[str, str]) -> str:
    name = environ.get("OTEL_TRACES_EXPORTER", "").strip().lower()
    if name:
        return name
    endpoint_set = any(k.startswith("OTEL_EXPORTER_OTLP_") and k.endswith("ENDPOINT") for k in environ)
    return "otlp" if endpoint_set else "none"


def _otlp_span_exporter(environ: Mapping[str, str]) -> SpanExporter:
    protocol = environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL") or environ.get("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc")
    if protocol == "http/protobuf":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter as HttpExporter

        return HttpExporter()
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter as GrpcExporter

    return GrpcExporter()


def span_exporters(environ: Mapping[str, str], *, trace_file: str = "") -> list[SpanExporter]:
    """The exporters OTEL_TRACES_EXPORTER names (comma separated), plus the trace file if set."""
    exporters: list[SpanExporter] = []
    for name in filter(None, (n.strip() for n in _traces_exporter_name(environ).split(","))):
        if name == "otlp":
            exporters.append(_otlp_span_exporter(environ))
        elif name == "console":
            exporters.append(ConsoleSpanExporter())
        elif name != "none":
            raise ValueError(f"OTEL_TRACES_EXPORTER: unknown exporter {name!r} (use otlp, console or none)")
    if trace_file:
        from opentelemetry.exporter.otlp.json.file import FileSpanExporter

        os.makedirs(os.path.dirname(os.path.abspath(trace_file)), exist_ok=True)
        exporters.append(FileSpanExporter(trace_file))
    return exporters


@dataclass
class Telemetry:
    """A process's tracer and meter providers, our instruments, and the metrics endpoint."""

    tracer_provider: TracerProvider
    meter_provider: MeterProvider
    metrics: PipelineMetrics
    metrics_port: int = 0
    _closers: list[Any] = field(default_factory=list)

    @property
    def tracer(self) -> trace.Tracer:
        return self.tracer_provider.get_tracer(INSTRUMENTATION_SCOPE)

    @classmethod
    def create(
        cls,
        *,
        service_name: str,
        span_exporters: Sequence[SpanExporter] = (),
        metric_readers: Sequence[MetricReader] = (),
        span_processor: Any = None,
        sampler: Sampler | None = None,
        disabled: bool = False,
        resource_attributes: Mapping[str, str] | None = None,
    ) -> Telemetry:
        """Providers for `service_name`; tests pass an in-memory exporter or a span processor."""
        attributes = dict(resource_attributes or {})
        if not os.environ.get("OTEL_SERVICE_NAME"):  # an operator's OTEL_SERVICE_NAME wins
            attributes["service.name"] = service_name
        resource = Resource.create(attributes)
        tracer_provider = TracerProvider(resource=resource, sampler=sampler or default_sampler())
        if disabled:
            tracer_provider = TracerProvider(resource=resource, sampler=_ALWAYS_DROP)
        for exporter in span_exporters:
            tracer_provider.add_span_processor(BatchSpanProcessor(exporter))
        if span_processor is not None:
            tracer_provider.add_span_processor(span_processor)
        meter_provider = MeterProvider(resource=resource, metric_readers=list(metric_readers))
        metrics = PipelineMetrics(meter_provider.get_meter(INSTRUMENTATION_SCOPE))
        return cls(tracer_provider=tracer_provider, meter_provider=meter_provider, metrics=metrics)

    @classmethod
    def from_environment(
        cls,
        *,
        service_name: str,
        metrics_host: str,
        metrics_port: int,
        trace_file: str = "",
        environ: Mapping[str, str] | None = None,
        resource_attributes: Mapping[str, str] | None = None,
    ) -> Telemetry:
        """What a service process uses: exporters from OTEL_*, a Prometheus endpoint, library spans."""
        env = os.environ if environ is None else environ
        disabled = env.get("OTEL_SDK_DISABLED", "").lower() == "true"
        readers: list[MetricReader] = []
        registry = CollectorRegistry(auto_describe=True)
        if metrics_port and not disabled:
            readers.append(PrometheusMetricReader(registry=registry))
        if env.get("OTEL_METRICS_EXPORTER", "").lower() == "otlp" and not disabled:
            from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter

            readers.append(PeriodicExportingMetricReader(OTLPMetricExporter()))
        telemetry = cls.create(
            service_name=service_name,
            span_exporters=[] if disabled else span_exporters(env, trace_file=trace_file),
            metric_readers=readers,
            disabled=disabled,
            resource_attributes=resource_attributes,
        )
        if metrics_port and not disabled:
            server, _thread = start_http_server(metrics_port, addr=metrics_host, registry=registry)
            telemetry.metrics_port = server.server_port
            telemetry._closers.append(server.shutdown)
            log.info("metrics on http://%s:%d/metrics", metrics_host, telemetry.metrics_port)
        if not disabled:
            instrument_libraries(telemetry.tracer_provider)
        return telemetry

    def shutdown(self) -> None:
        """Flush spans and metrics, stop the endpoint (bounded: exporters have their own timeouts)."""
        for close in self._closers:
            with contextlib.suppress(Exception):
                close()
        self.tracer_provider.shutdown()
        self.meter_provider.shutdown()


class _AlwaysDrop(Sampler):
    def should_sample(self, *args: Any, **kwargs: Any) -> SamplingResult:
        return SamplingResult(Decision.DROP)

    def get_description(self) -> str:
        return "AlwaysDrop"


_ALWAYS_DROP = _AlwaysDrop()


def instrument_libraries(tracer_provider: TracerProvider) -> None:
    """Spans for PostgreSQL, Redis and S3 calls (process-wide patches, so once per process).

    Call before the first connection is opened: psycopg is traced from `connect` on.
    """
    from opentelemetry.instrumentation.botocore import BotocoreInstrumentor
    from opentelemetry.instrumentation.psycopg import PsycopgInstrumentor
    from opentelemetry.instrumentation.redis import RedisInstrumentor

    for instrumentor in (PsycopgInstrumentor(), RedisInstrumentor(), BotocoreInstrumentor()):
        if not instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.instrument(tracer_provider=tracer_provider)


# ---- context propagation -----------------------------------------------------------------


def inject_context() -> dict[str, str]:
    """The current trace context as W3C headers (traceparent, tracestate), for storage or Kafka."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def extract_context(carrier: Mapping[str, str] | None) -> Context:
    return propagate.extract(dict(carrier or {}))


def kafka_headers_to_carrier(headers: Sequence[tuple[str, bytes]] | None) -> dict[str, str]:
    return {key: value.decode("latin-1") for key, value in headers or () if value is not None}


def trace_id_of(carrier: Mapping[str, str] | None) -> str:
    """The 32-hex trace id in a W3C traceparent, or '' when there is none."""
    parts = (carrier or {}).get("traceparent", "").split("-")
    return parts[1] if len(parts) == 4 and len(parts[1]) == 32 else ""


@contextlib.contextmanager
def job_scope(job_id: str) -> Iterator[None]:
    """Marks log lines written inside as belonging to `job_id`."""
    token = current_job.set(job_id)
    try:
        yield
    finally:
        current_job.reset(token)


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """No library spans inside: for housekeeping calls that are not part of any request."""
    with suppress_instrumentation():
        yield


__all__ = [
    "NoOrphanClientSpans",
    "Telemetry",
    "current_job",
    "extract_context",
    "inject_context",
    "instrument_libraries",
    "job_scope",
    "kafka_headers_to_carrier",
    "quiet",
    "trace_id_of",
]

"""Every metric Sluice exports, declared once (the dashboards are checked against this catalog).

Instruments are OpenTelemetry instruments; the Prometheus endpoint of each process names them
as `prometheus_names()` says (dots become underscores, the unit is appended, counters end in
`_total`, histograms add `_bucket`/`_sum`/`_count`).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from opentelemetry.metrics import CallbackOptions, Meter, Observation


class Kind(enum.Enum):
    COUNTER = "counter"
    HISTOGRAM = "histogram"
    GAUGE = "gauge"  # observable: read from a callback at collection time


@dataclass(frozen=True)
class MetricSpec:
    name: str
    kind: Kind
    unit: str
    description: str
    labels: tuple[str, ...] = ()
    # Which process exports it (documentation, and what the integration test scrapes).
    exported_by: tuple[str, ...] = ("ingest", "status", "processor")

    @property
    def prometheus_name(self) -> str:
        base = self.name.replace(".", "_")
        suffix = {"s": "_seconds", "By": "_bytes"}.get(self.unit, "")
        if suffix and not base.endswith(suffix):
            base += suffix
        return base + ("_total" if self.kind is Kind.COUNTER else "")

    def prometheus_names(self) -> list[str]:
        if self.kind is Kind.HISTOGRAM:
            return [self.prometheus_name + s for s in ("_bucket", "_sum", "_count")]
        return [self.prometheus_name]


# Buckets for durations from milliseconds (RPCs) to an hour (a large profile).
SECONDS_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600)

RPC_DURATION = MetricSpec(
    "sluice.rpc.duration",
    Kind.HISTOGRAM,
    "s",
    "gRPC server call duration by method and status code.",
    ("rpc_method", "rpc_grpc_status_code"),
)
UPLOAD_BYTES = MetricSpec(
    "sluice.upload.bytes", Kind.COUNTER, "By", "Bytes of uploads stored in S3.", ("outcome",), ("ingest",)
)
UPLOADS = MetricSpec(
    "sluice.uploads", Kind.COUNTER, "{upload}", "Uploads by outcome (stored, deduplicated, rejected, failed).",
    ("outcome",), ("ingest",),
)  # fmt: skip
UPLOAD_DURATION = MetricSpec(
    "sluice.upload.duration", Kind.HISTOGRAM, "s", "Time from the upload's first message to its answer.",
    ("outcome",), ("ingest",),
)  # fmt: skip
JOB_TRANSITIONS = MetricSpec(
    "sluice.job.transitions", Kind.COUNTER, "{transition}",
    "Committed job state changes, by the state entered (and the error reason for FAILED and RETRYING).",
    ("to_state", "reason"), ("ingest", "processor"),  # status adds CANCELLED, once a job is cancelled
)  # fmt: skip
JOBS_BY_STATE = MetricSpec(
    "sluice.jobs", Kind.GAUGE, "{job}", "Unfinished jobs by state (QUEUED, RUNNING, RETRYING).", ("state",),
    ("ingest",),
)  # fmt: skip
OUTBOX_PENDING = MetricSpec(
    "sluice.outbox.pending", Kind.GAUGE, "{message}", "Outbox rows due but not yet published to Kafka.", (),
    ("ingest",),
)  # fmt: skip
CONSUMER_LAG = MetricSpec(
    "sluice.kafka.consumer_lag", Kind.GAUGE, "{message}",
    "Messages not yet consumed: end offset minus the group's committed offset, per partition.",
    ("topic", "partition", "group"), ("ingest",),
)  # fmt: skip
QUEUE_WAIT = MetricSpec(
    "sluice.job.queue_wait", Kind.HISTOGRAM, "s", "Time a job waited between being due and being claimed.",
    (), ("processor",),
)  # fmt: skip
PROCESSING_DURATION = MetricSpec(
    "sluice.job.processing", Kind.HISTOGRAM, "s", "Time one attempt of a job took in a processor, by outcome.",
    ("outcome",), ("processor",),
)  # fmt: skip
PROCESSED_BYTES = MetricSpec(
    "sluice.job.bytes", Kind.COUNTER, "By", "Bytes of files read by processors.", (), ("processor",)
)
PROCESSOR_ACTIVE = MetricSpec(
    "sluice.processor.active", Kind.GAUGE, "{processor}", "1 while this processor is a consumer-group member.",
    ("worker",), ("processor",),
)  # fmt: skip
PROCESSOR_BUSY = MetricSpec(
    "sluice.processor.busy", Kind.GAUGE, "{processor}", "1 while this processor works on a job.", ("worker",),
    ("processor",),
)  # fmt: skip
CACHE_REQUESTS = MetricSpec(
    "sluice.cache.requests", Kind.COUNTER, "{request}", "Job cache look-ups in the status service, hit or miss.",
    ("result",), ("status",),
)  # fmt: skip

AUTOSCALER_PARTITION_LAG = MetricSpec(
    "sluice.autoscaler.partition_lag", Kind.GAUGE, "{message}",
    "Lag per partition as the autoscaler last read it (stuck=true: excluded as persistent lag).",
    ("autoscaler", "partition", "stuck"), ("autoscaler",),
)  # fmt: skip
AUTOSCALER_REPLICAS = MetricSpec(
    "sluice.autoscaler.replicas", Kind.GAUGE, "{replica}",
    "Replicas of the target: `current` as last read, `desired` as last decided.", ("autoscaler", "kind"),
    ("autoscaler",),
)  # fmt: skip
AUTOSCALER_KAFKA_REACHABLE = MetricSpec(
    "sluice.autoscaler.kafka_reachable", Kind.GAUGE, "", "1 when the last lag reading succeeded, else 0.",
    ("autoscaler",), ("autoscaler",),
)  # fmt: skip
AUTOSCALER_SCALINGS = MetricSpec(
    "sluice.autoscaler.scalings", Kind.COUNTER, "{change}", "Replica changes made, by direction (up, down).",
    ("autoscaler", "direction"), ("autoscaler",),
)  # fmt: skip

CATALOG: tuple[MetricSpec, ...] = (
    RPC_DURATION,
    UPLOAD_BYTES,
    UPLOADS,
    UPLOAD_DURATION,
    JOB_TRANSITIONS,
    JOBS_BY_STATE,
    OUTBOX_PENDING,
    CONSUMER_LAG,
    QUEUE_WAIT,
    PROCESSING_DURATION,
    PROCESSED_BYTES,
    PROCESSOR_ACTIVE,
    PROCESSOR_BUSY,
    CACHE_REQUESTS,
    AUTOSCALER_PARTITION_LAG,
    AUTOSCALER_REPLICAS,
    AUTOSCALER_KAFKA_REACHABLE,
    AUTOSCALER_SCALINGS,
)


def prometheus_names(catalog: Iterable[MetricSpec] = CATALOG) -> set[str]:
    return {name for spec in catalog for name in spec.prometheus_names()}


GaugeReading = Callable[[], Iterable[tuple[float, dict[str, str]]]]


class PipelineMetrics:
    """The synchronous instruments, created eagerly; gauges are added by whoever can read them."""

    def __init__(self, meter: Meter):
        self._meter = meter
        self.rpc_duration = self._histogram(RPC_DURATION)
        self.upload_bytes = meter.create_counter(UPLOAD_BYTES.name, UPLOAD_BYTES.unit, UPLOAD_BYTES.description)
        self.uploads = meter.create_counter(UPLOADS.name, UPLOADS.unit, UPLOADS.description)
        self.upload_duration = self._histogram(UPLOAD_DURATION)
        self.job_transitions = meter.create_counter(
            JOB_TRANSITIONS.name, JOB_TRANSITIONS.unit, JOB_TRANSITIONS.description
        )
        self.queue_wait = self._histogram(QUEUE_WAIT)
        self.processing_duration = self._histogram(PROCESSING_DURATION)
        self.processed_bytes = meter.create_counter(
            PROCESSED_BYTES.name, PROCESSED_BYTES.unit, PROCESSED_BYTES.description
        )
        self.cache_requests = meter.create_counter(CACHE_REQUESTS.name, CACHE_REQUESTS.unit, CACHE_REQUESTS.description)

    def _histogram(self, spec: MetricSpec):  # type: ignore[no-untyped-def]
        return self._meter.create_histogram(
            spec.name, unit=spec.unit, description=spec.description, explicit_bucket_boundaries_advisory=SECONDS_BUCKETS
        )

    def gauge(self, spec: MetricSpec, read: GaugeReading) -> None:
        """Register an observable gauge; `read()` returns (value, labels) pairs at each scrape."""
        if spec.kind is not Kind.GAUGE:
            raise ValueError(f"{spec.name} is not a gauge")

        def callback(_options: CallbackOptions) -> Iterable[Observation]:
            return [Observation(value, labels) for value, labels in read()]

        self._meter.create_observable_gauge(spec.name, [callback], spec.unit, spec.description)

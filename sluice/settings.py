"""Typed settings, read once per process from SLUICE_* environment variables.

Each process builds one settings object at start-up and passes the parts its components need
into their constructors; nothing else reads the environment. A bad value stops the process at
start with the variable's name in the message (pydantic's ValidationError names the field).
"""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class CommonSettings(BaseSettings):
    """Endpoints and names every Sluice process shares."""

    model_config = SettingsConfigDict(env_prefix="SLUICE_", extra="ignore")

    database_url: str = Field("postgresql://postgres@127.0.0.1:5432/sluice", description="PostgreSQL connection URL.")
    database_pool_size: int = Field(8, ge=1, description="Largest number of PostgreSQL connections.")
    redis_url: str = Field("redis://127.0.0.1:6379/0", description="Redis URL (cache and job notifications).")
    kafka_bootstrap: str = Field("127.0.0.1:9092", description="Kafka bootstrap servers, comma separated.")
    jobs_topic: str = Field("sluice.jobs", description="Kafka topic that carries jobs to processors.")
    dlq_topic: str = Field(
        "sluice.jobs.dlq", description="Kafka topic that gets a copy of every job FAILED after retries."
    )
    s3_endpoint: str = Field("http://127.0.0.1:8333", description="S3 endpoint URL.")
    s3_region: str = Field("us-east-1", description="S3 region.")
    s3_access_key: str = Field("", description="S3 access key id.")
    s3_secret_key: str = Field("", description="S3 secret access key.")
    bucket: str = Field("sluice", description="S3 bucket for raw uploads (raw/) and reports (reports/).")
    log_level: str = Field("INFO", description="Python logging level.")
    retry_base_seconds: float = Field(2.0, gt=0, description="First retry delay; doubles per attempt, with jitter.")
    retry_max_seconds: float = Field(300.0, gt=0, description="Longest retry delay.")
    consumer_group: str = Field(
        "sluice-processors", description="Kafka consumer group of the processors (ingest exports its lag)."
    )
    grpc_host: str = Field("127.0.0.1", description="Address the gRPC server listens on (0.0.0.0 in a pod).")
    metrics_host: str = Field("127.0.0.1", description="Address of the Prometheus endpoint (0.0.0.0 in a pod).")
    metrics_port: int = Field(
        9464, ge=0, le=65535, description="Port of the Prometheus endpoint `/metrics`; 0 turns it off."
    )
    trace_file: str = Field(
        "", description="Append finished spans to this file as OTLP-JSON lines (the local stack sets it)."
    )
    log_format: str = Field("json", description="`json` (one object per line, with trace and job ids) or `text`.")

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.upper() not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return value.upper()

    @field_validator("log_format")
    @classmethod
    def _known_format(cls, value: str) -> str:
        if value.lower() not in {"json", "text"}:
            raise ValueError("must be json or text")
        return value.lower()


class IngestSettings(CommonSettings):
    """The ingest service: uploads, the outbox relay and the lease reaper."""

    ingest_port: int = Field(50051, ge=0, le=65535, description="gRPC port of the ingest service.")
    max_upload_bytes: int = Field(
        10 * 1024**3, ge=1, description="Largest accepted upload; bigger ones answer FAILED_PRECONDITION."
    )
    part_size_bytes: int = Field(
        8 * 1024**2, ge=5 * 1024**2, description="S3 multipart part size (S3's minimum is 5 MiB)."
    )
    parts_in_flight: int = Field(2, ge=1, le=16, description="Parts one upload sends to S3 concurrently.")
    upload_buffer_parts: int = Field(
        8, ge=2, description="Part buffers shared by ALL uploads: caps upload memory at this x part size."
    )
    max_attempts: int = Field(4, ge=1, le=20, description="Default processing attempts per job.")
    relay_batch: int = Field(100, ge=1, description="Outbox rows the relay publishes per transaction.")
    relay_poll_seconds: float = Field(1.0, gt=0, description="Relay wake-up interval when no NOTIFY arrives.")
    reaper_interval_seconds: float = Field(2.0, gt=0, description="How often expired leases are looked for.")
    abandoned_upload_seconds: float = Field(
        86_400.0,
        gt=0,
        description="A multipart upload begun longer ago than this is abandoned (its replica died) and aborted.",
    )
    abandoned_sweep_seconds: float = Field(600.0, gt=0, description="How often abandoned uploads are looked for.")
    grpc_workers: int = Field(32, ge=1, description="Threads serving RPCs (concurrent uploads).")
    lag_interval_seconds: float = Field(
        5.0, gt=0, description="How often consumer lag and job counts are read for the metrics."
    )


class ProcessorSettings(CommonSettings):
    """The processor: a Kafka consumer-group member that profiles files."""

    processor_admin_port: int = Field(50053, ge=0, le=65535, description="gRPC port of the admin service.")
    worker_id: str = Field("", description="Id recorded in job events; empty means hostname-pid.")
    lease_seconds: float = Field(
        30.0,
        gt=0,
        description="Job lease length (parts too); renewed every second, or every third of it if shorter. "
        "A renewal later than half of it is logged.",
    )
    read_chunk_bytes: int = Field(1024**2, ge=4096, description="Bytes read from the S3 stream at a time.")
    read_window_bytes: int = Field(
        128 * 1024**2,
        ge=64 * 1024,
        description="Bytes of the file fetched by one ranged GET; a file is read as consecutive bounded GETs.",
    )
    read_block_bytes: int = Field(
        8 * 1024**2, ge=64 * 1024, description="Bytes of delimited text parsed per chunk (bounds processor memory)."
    )
    read_ahead: bool | None = Field(
        None,
        description="Read and parse the next chunk in a second thread while profiling this one: about 1.2x "
        "faster with two CPUs, one more chunk (~35 MiB) resident. Empty: on when the processor may use two CPUs "
        "or more (its affinity and cgroup CPU limit).",
    )
    profile_threads: int | None = Field(
        None,
        ge=1,
        description="Threads profiling the columns of a chunk at once, for chunks of 10,000 rows or more: about "
        "1.2x faster with two CPUs on tables of up to a few dozen columns (a wide table's short chunks stay on "
        "one thread). Empty: the CPUs the processor may use (its affinity and cgroup CPU limit), at most 4.",
    )
    split_bytes: int = Field(
        512 * 1024**2,
        ge=0,
        description="Files above this size are profiled in byte-range parts by any processors; 0: never.",
    )
    part_bytes: int = Field(256 * 1024**2, ge=64 * 1024, description="Largest size of one byte-range part.")
    part_count_multiple: int = Field(
        4,
        ge=1,
        description="A split file's part count is rounded up to a multiple of this, so that as many processors "
        "(or a divisor of it) finish together.",
    )
    part_poll_seconds: float = Field(
        0.5,
        ge=0,
        description="How often an idle processor looks in PostgreSQL for parts of running jobs nobody has taken "
        "(part messages wake processors too, but may wait behind another job or in the broker); 0: never.",
    )
    part_state_sweep_seconds: float = Field(
        300.0, gt=0, description="How often finished jobs' leftover part states are deleted from S3."
    )
    chunk_rows: int = Field(
        50_000,
        ge=100,
        description="Rows per chunk of JSON Lines, Parquet and Excel files (fewer for a wide table: a chunk holds at "
        "most 1,000,000 cells).",
    )
    max_columns: int = Field(
        2_000,
        ge=1,
        description="Columns a table is profiled on, the first ones; the others are left out and reported "
        "(COLUMNS_LEFT_OUT). Every 1,000 columns add about 35 MiB to a processor's peak: 2,000 peaked at 460 MiB. "
        "Raise it with the processor's memory limit; a part of a split file read with another limit (while a change "
        "rolls out) is read again by the job's coordinator.",
    )
    parquet_page_bytes: int = Field(
        64 * 1024 * 1024,
        ge=1024 * 1024,
        description="The Parquet pages a processor reads at once, by the file's metadata: a file needing more (a wide "
        "table, large row groups) is read in column passes, each a quarter of this, with the same profile. The peak "
        "grows by about twice this; lower it with the processor's memory limit.",
    )
    distinct_exact_limit: int = Field(
        100_000,
        ge=1,
        description="Distinct values counted exactly per column (500,000 shared by all columns of a table); "
        "beyond, a sketch (marked approximate).",
    )
    drain_timeout_seconds: float = Field(
        25.0, ge=0, description="On SIGTERM, how long the current job may run before it is released."
    )
    session_timeout_ms: int = Field(10_000, ge=1000, description="Kafka consumer session timeout.")
    max_poll_interval_ms: int = Field(
        30 * 60 * 1000, ge=10_000, description="Longest time one job may take before Kafka reassigns it."
    )


class StatusSettings(CommonSettings):
    """The status service: job reads, watches and profiles."""

    status_port: int = Field(50052, ge=0, le=65535, description="gRPC port of the status service.")
    cache_ttl_seconds: float = Field(10.0, gt=0, description="Redis TTL of a cached job.")
    watch_fallback_seconds: float = Field(
        15.0, gt=0, description="A watcher re-reads its job this often even without a notification."
    )
    grpc_workers: int = Field(64, ge=1, description="Threads serving RPCs (each WatchJob holds one).")
    report_link_seconds: int = Field(
        300, ge=10, le=7 * 24 * 3600, description="Lifetime of the presigned report links GetProfileReport hands out."
    )
    s3_public_endpoint: str = Field(
        "", description="S3 endpoint as report-link users reach it (e.g. through an ingress); empty: s3_endpoint."
    )


class ProvisionSettings(CommonSettings):
    """`python -m sluice.provision`: the schema, topics and bucket, once per install or upgrade."""

    topic_partitions: int = Field(
        6, ge=1, description="Partitions of a new jobs topic: the most processors that share it."
    )
    topic_replication: int = Field(1, ge=1, description="Replication factor of new topics (3 on a production cluster).")
    create_database: bool = Field(
        True, description="Create the database when the server lacks it (off where the role may not create one)."
    )


class AutoscalerSettings(CommonSettings):
    """The autoscaler: a kopf operator in Kubernetes, or (local mode) the manager of local processors."""

    autoscaler_namespaces: str = Field(
        "", description="Namespaces whose ProcessorAutoscalers the operator serves, comma separated; empty: all."
    )
    autoscaler_lag_per_processor: int = Field(
        4, ge=1, description="Local mode: messages of lag each local processor should carry."
    )
    autoscaler_min_processors: int = Field(1, ge=0, description="Local mode: fewest processors.")
    autoscaler_max_processors: int = Field(4, ge=1, description="Local mode: most processors.")
    autoscaler_poll_seconds: float = Field(2.0, gt=0, description="Local mode: seconds between lag readings.")
    autoscaler_scale_down_seconds: float = Field(30.0, ge=0, description="Local mode: scale-down stabilization window.")

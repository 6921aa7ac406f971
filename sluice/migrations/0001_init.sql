-- Tenants and their API keys (stored as SHA-256 of the key; the key itself is shown once).
CREATE TABLE tenants (
    id          text PRIMARY KEY,
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE api_keys (
    key_hash    bytea PRIMARY KEY,
    prefix      text NOT NULL,
    tenant_id   text NOT NULL REFERENCES tenants (id),
    description text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz
);

CREATE TABLE jobs (
    id               uuid PRIMARY KEY,
    tenant_id        text NOT NULL REFERENCES tenants (id),
    state            text NOT NULL CHECK (state IN ('QUEUED', 'RUNNING', 'RETRYING', 'SUCCEEDED', 'FAILED', 'CANCELLED')),
    file_name        text NOT NULL,
    media_type       text NOT NULL,
    size_bytes       bigint NOT NULL,
    sha256           text NOT NULL,
    object_key       text NOT NULL,
    idempotency_key  text,
    options          jsonb NOT NULL DEFAULT '{}',
    attempt          int NOT NULL DEFAULT 0,
    max_attempts     int NOT NULL,
    lease_owner      text,
    lease_expires_at timestamptz,
    next_attempt_at  timestamptz,
    bytes_done       bigint NOT NULL DEFAULT 0,
    rows_done        bigint NOT NULL DEFAULT 0,
    error_reason     text,
    error_message    text,
    error_retryable  boolean,
    trace_context    jsonb NOT NULL DEFAULT '{}',
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    finished_at      timestamptz,
    UNIQUE (tenant_id, idempotency_key)
);
CREATE INDEX jobs_tenant_created ON jobs (tenant_id, created_at DESC, id DESC);
CREATE INDEX jobs_running_lease ON jobs (lease_expires_at) WHERE state = 'RUNNING';

CREATE TABLE job_events (
    id          bigserial PRIMARY KEY,
    job_id      uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    from_state  text,
    to_state    text NOT NULL,
    attempt     int NOT NULL,
    worker      text NOT NULL,
    message     text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX job_events_job ON job_events (job_id, id);

-- Transactional outbox: written in the same transaction as the job change, published by the relay.
CREATE TABLE outbox (
    id           bigserial PRIMARY KEY,
    topic        text NOT NULL,
    key          text NOT NULL,
    payload      jsonb NOT NULL,
    headers      jsonb NOT NULL DEFAULT '{}',
    available_at timestamptz NOT NULL DEFAULT now(),
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbox_available ON outbox (available_at, id);

CREATE TABLE profiles (
    job_id           uuid PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
    row_count        bigint NOT NULL,
    column_count     int NOT NULL,
    missing_cells    bigint NOT NULL,
    size_bytes       bigint NOT NULL,
    delimiter        text NOT NULL,
    report_key       text NOT NULL,
    duration_seconds double precision NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE column_profiles (
    job_id               uuid NOT NULL REFERENCES profiles (job_id) ON DELETE CASCADE,
    position             int NOT NULL,
    name                 text NOT NULL,
    inferred_type        text NOT NULL,
    count                bigint NOT NULL,
    missing              bigint NOT NULL,
    distinct_count       bigint NOT NULL,
    distinct_approximate boolean NOT NULL,
    min_value            text,
    max_value            text,
    mean                 double precision,
    PRIMARY KEY (job_id, position)
);

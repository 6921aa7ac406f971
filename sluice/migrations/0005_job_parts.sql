-- A large file is profiled in byte-range parts by any processors. The job's claimant coordinates: it
-- plans the parts, works on them too, takes back parts whose worker died, and merges the partial
-- profiles (kept in S3, named by state_key) once every part is DONE.
CREATE TABLE job_parts (
    job_id           uuid NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    part             int NOT NULL,
    start_byte       bigint NOT NULL,
    end_byte         bigint NOT NULL,
    state            text NOT NULL DEFAULT 'QUEUED' CHECK (state IN ('QUEUED', 'RUNNING', 'DONE', 'FAILED')),
    lease_owner      text,
    lease_expires_at timestamptz,
    attempts         int NOT NULL DEFAULT 0,
    rows_read        bigint,
    state_key        text,
    error_message    text,
    finished_by      text,
    finished_at      timestamptz,
    PRIMARY KEY (job_id, part)
);

ALTER TABLE jobs
    ADD COLUMN part_count int NOT NULL DEFAULT 0,
    ADD COLUMN parts_done int NOT NULL DEFAULT 0,
    ADD COLUMN dialect    jsonb;

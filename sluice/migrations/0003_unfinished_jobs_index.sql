-- The jobs-by-state gauge counts only unfinished jobs; this keeps that count cheap however many
-- finished jobs the table holds.
CREATE INDEX jobs_unfinished_state ON jobs (state) WHERE state IN ('QUEUED', 'RUNNING', 'RETRYING');

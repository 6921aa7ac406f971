-- A part given back after a transient error (storage unreachable) is not taken again before this time: every
-- processor waits out the backoff, not only the job's coordinator, and meanwhile takes the job's other parts.
-- NULL: it may be taken at once.
ALTER TABLE job_parts ADD COLUMN not_before timestamptz;

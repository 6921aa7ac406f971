-- Why a part failed, as a job's error reason (NOT_A_TABLE, UPLOAD_MISSING, INTERNAL): the job that fails with
-- it says so, rather than calling every failed part "not a table". NULL for parts failed before this column.
ALTER TABLE job_parts ADD COLUMN error_reason text;

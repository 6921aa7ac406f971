-- Part states still in S3 (state_key set). The sweeper looks for those of finished jobs; once deleted,
-- state_key is cleared, so this index stays as small as the states actually kept.
CREATE INDEX job_parts_kept_states ON job_parts (job_id) WHERE state_key IS NOT NULL;

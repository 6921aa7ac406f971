-- The full profile (statistics, alerts, quality score, parse report) as the engine produced it, next to the
-- summary columns that listings and filters use; each column profile keeps its own detail too.
ALTER TABLE profiles
    ADD COLUMN detail          jsonb NOT NULL DEFAULT '{}'::jsonb,
    ADD COLUMN html_report_key text  NOT NULL DEFAULT '',
    ADD COLUMN part_count      int   NOT NULL DEFAULT 1;

ALTER TABLE column_profiles
    ADD COLUMN detail jsonb NOT NULL DEFAULT '{}'::jsonb;

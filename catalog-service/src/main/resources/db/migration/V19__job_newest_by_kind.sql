-- The alert evaluation (every few seconds) reads each source's newest finished job of a kind (drill,
-- scheduled backup, verification): this index answers it without sorting all of the source's jobs.
CREATE INDEX job_source_kind_finished_idx ON job (source, kind, finished_at DESC NULLS LAST);

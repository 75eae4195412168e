-- Chain integrity (issue #9): what VERIFY jobs found, and backups deleted by DELETE jobs.
-- when a VERIFY job last found every object of this backup present and intact
ALTER TABLE backup ADD COLUMN verified_at   timestamptz;
-- what a VERIFY job found missing or corrupt (null when intact or never verified): the backup, and every
-- chain through it, is not usable
ALTER TABLE backup ADD COLUMN corruption    text;
-- a DELETED backup (status) is kept as a record: when, and by which DELETE job (which then deletes its objects)
ALTER TABLE backup ADD COLUMN deleted_at    timestamptz;
ALTER TABLE backup ADD COLUMN delete_job_id uuid;

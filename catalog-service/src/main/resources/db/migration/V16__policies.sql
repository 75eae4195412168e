-- Backup policies and their schedules (issue #10).
--
-- A source's policy is kept as the JSON document the API took (already checked), one row per source.
-- Its schedules are rows of their own, each with the moment it was first set (`since`): the scheduler
-- looks for slots after the newer of `since` and the schedule's last recorded slot, so a schedule added
-- today never fires for yesterday, and one kept across a policy change keeps its history.
CREATE TABLE source_policy (
    source     text        PRIMARY KEY REFERENCES source (name) ON DELETE CASCADE,
    policy     jsonb       NOT NULL,
    updated_at timestamptz NOT NULL,
    updated_by text
);

CREATE TABLE policy_schedule (
    source       text        NOT NULL REFERENCES source_policy (source) ON DELETE CASCADE,
    -- what the schedule runs and when: 'BACKUP PHYSICAL INCREMENTAL 0 23 * * *', 'VERIFY 0 1 * * *'
    schedule_key text        NOT NULL,
    job_kind     text        NOT NULL CHECK (job_kind IN ('BACKUP', 'VERIFY', 'RESTORE_DRILL')),
    backup_kind  text,
    backup_type  text,
    cron         text        NOT NULL,
    zone         text        NOT NULL,
    since        timestamptz NOT NULL,
    PRIMARY KEY (source, schedule_key)
);

-- Every slot a schedule reached and what became of it. The primary key is what makes a fire happen once:
-- two schedulers (replicas, or one restarted) racing for a slot cannot both record it.
CREATE TABLE schedule_run (
    source       text        NOT NULL,
    schedule_key text        NOT NULL,
    slot         timestamptz NOT NULL,
    job_kind     text        NOT NULL,
    backup_kind  text,
    backup_type  text,
    cron         text        NOT NULL,
    state        text        NOT NULL CHECK (state IN ('FIRED', 'SKIPPED', 'MISSED')),
    reason       text,
    job_id       uuid,
    recorded_at  timestamptz NOT NULL,
    PRIMARY KEY (source, schedule_key, slot)
);

CREATE INDEX schedule_run_source_slot_idx ON schedule_run (source, slot DESC);

-- RETENTION jobs that made the catalog forget their plan, and the archived WAL each forgot (its segment rows
-- are deleted): the job, asking again after its worker was lost, is told the same objects to delete.
CREATE TABLE retention_run (
    job_id     uuid        PRIMARY KEY,
    source     text        NOT NULL,
    applied_at timestamptz NOT NULL
);

CREATE TABLE retention_forgotten_wal (
    job_id       uuid   NOT NULL REFERENCES retention_run (job_id) ON DELETE CASCADE,
    source       text   NOT NULL,
    object_key   text   NOT NULL,
    stored_bytes bigint NOT NULL,
    PRIMARY KEY (job_id, object_key)
);

-- The catalog's first schema: registered sources, jobs, backups and their objects, and the ids of
-- Kafka messages already applied (consumers are idempotent on ce_id).

CREATE TABLE source (
    name          text        PRIMARY KEY,
    host          text        NOT NULL,
    port          integer     NOT NULL CHECK (port BETWEEN 1 AND 65535),
    database_name text        NOT NULL,
    username      text        NOT NULL,
    -- Stored as given so workers can connect. Encryption at rest (e.g. an envelope key outside the
    -- catalog database) is future work; until then the catalog database itself must be protected.
    password      text,
    wal_archiving boolean     NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL
);

CREATE TABLE job (
    job_id           uuid        PRIMARY KEY,
    kind             text        NOT NULL,
    -- no foreign key to source: events of a job must never be lost because of catalog ordering
    source           text        NOT NULL,
    -- BACKUP: the backup it produces; RESTORE: the backup it restores
    backup_id        text,
    request_id       text,
    status           text        NOT NULL CHECK (status IN ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED')),
    progress_percent integer     NOT NULL DEFAULT 0 CHECK (progress_percent BETWEEN 0 AND 100),
    current_step     text,
    bytes_done       bigint      NOT NULL DEFAULT 0,
    bytes_total      bigint      NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL,
    started_at       timestamptz,
    finished_at      timestamptz,
    error_code       text,
    error_message    text,
    -- what a succeeded job produced (JobResult as JSON), kept for later read models
    result           jsonb,
    updated_at       timestamptz NOT NULL
);

CREATE INDEX job_created_at_idx ON job (created_at DESC);
CREATE INDEX job_source_created_at_idx ON job (source, created_at DESC);
CREATE INDEX job_status_idx ON job (status);
CREATE INDEX job_request_id_idx ON job (request_id) WHERE request_id IS NOT NULL;

CREATE TABLE backup (
    backup_id        text        PRIMARY KEY,
    source           text        NOT NULL,
    job_id           uuid,
    -- kind and type are unknown until the command or the result names them (a job may come first)
    kind             text,
    type             text,
    status           text        NOT NULL,
    size_bytes       bigint,
    stored_bytes     bigint,
    sha256           text,
    database_name    text,
    schema_only      boolean,
    server_version   text,
    description      text,
    manifest_key     text,
    -- physical backups: WAL range and the backup a differential/incremental one builds on
    start_lsn        pg_lsn,
    end_lsn          pg_lsn,
    parent_backup_id text,
    error            text,
    created_at       timestamptz NOT NULL,
    started_at       timestamptz,
    finished_at      timestamptz,
    updated_at       timestamptz NOT NULL
);

CREATE INDEX backup_created_at_idx ON backup (created_at DESC);
CREATE INDEX backup_source_created_at_idx ON backup (source, created_at DESC);
CREATE INDEX backup_job_id_idx ON backup (job_id);
CREATE INDEX backup_parent_idx ON backup (parent_backup_id) WHERE parent_backup_id IS NOT NULL;

CREATE TABLE backup_object (
    backup_id  text   NOT NULL REFERENCES backup (backup_id) ON DELETE CASCADE,
    key        text   NOT NULL,
    size_bytes bigint NOT NULL,
    -- nullable so a result that lacks a digest is still recorded (and visibly unverifiable)
    sha256     text,
    PRIMARY KEY (backup_id, key)
);

CREATE TABLE processed_message (
    ce_id        text        PRIMARY KEY,
    topic        text        NOT NULL,
    processed_at timestamptz NOT NULL
);

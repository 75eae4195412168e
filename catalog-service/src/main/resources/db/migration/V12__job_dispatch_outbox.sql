-- Job dispatch and the transactional outbox (issue #8).
--
-- A job's command is stored with the job, in the same transaction that creates it. The dispatcher puts
-- it in the outbox when the job may run (at most strata.catalog.jobs.backups-per-source backups of one
-- source at a time) and again when the job is re-queued after its worker was lost, or when a dispatched
-- command was not claimed within its re-dispatch delay (a lost or archived Kafka record). The relay
-- publishes outbox rows to Kafka and deletes them once the broker acknowledged them.
CREATE TABLE job_command (
    job_id        uuid        PRIMARY KEY REFERENCES job (job_id) ON DELETE CASCADE,
    topic         text        NOT NULL,
    record_key    text        NOT NULL,
    ce_type       text        NOT NULL,
    -- the service that built the command (ce_source of every record of it)
    ce_source     text        NOT NULL,
    payload       text        NOT NULL,
    -- when the command last went to the outbox; null while the job waits to be dispatched
    dispatched_at timestamptz,
    dispatches    integer     NOT NULL DEFAULT 0 CHECK (dispatches >= 0),
    -- when a QUEUED job is looked at again: dispatched if it waits, re-dispatched if its record was not claimed
    due_at        timestamptz NOT NULL,
    created_at    timestamptz NOT NULL
);

CREATE INDEX job_command_due_idx ON job_command (due_at);

CREATE TABLE outbox (
    id              bigserial   PRIMARY KEY,
    topic           text        NOT NULL,
    record_key      text,
    payload         text        NOT NULL,
    -- Kafka headers, name -> value (ce_id, ce_type, ce_source, ce_time, strata_job_id, ...)
    headers         jsonb       NOT NULL,
    created_at      timestamptz NOT NULL,
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    last_error      text
);

CREATE INDEX outbox_next_attempt_idx ON outbox (next_attempt_at, id);

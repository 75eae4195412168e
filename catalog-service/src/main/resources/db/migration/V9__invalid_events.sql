-- Kafka records the catalog could not apply because of their content: a NUL in text (PostgreSQL cannot
-- store one), a missing field, unreadable JSON, a value the database refuses. They are kept here instead of
-- being dead-lettered, and the job they name is FAILED with INVALID_EVENT. Everything that came from the
-- record is sanitised (control characters escaped) and capped, so any record can be stored.
CREATE TABLE invalid_event (
    id              bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    topic           text        NOT NULL,
    kafka_partition integer     NOT NULL,
    kafka_offset    bigint      NOT NULL,
    record_key      text,
    ce_id           text,
    ce_type         text,
    -- the ce_source header: which service published it
    producer        text,
    -- the job the record named, when one could be read from it or its strata_job_id header
    job_id          uuid,
    reason          text        NOT NULL,
    payload_excerpt text,
    received_at     timestamptz NOT NULL,
    -- a redelivered record is the same record
    UNIQUE (topic, kafka_partition, kafka_offset)
);

CREATE INDEX invalid_event_received_at_idx ON invalid_event (received_at DESC);

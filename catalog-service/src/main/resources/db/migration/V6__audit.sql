-- The audit trail: every mutating call on the public API as the gateway answered it (strata.audit).
-- Never holds a secret: no bodies, no tokens, no query values (only their names).
CREATE TABLE audit_event (
    audit_id              uuid        PRIMARY KEY,
    occurred_at           timestamptz NOT NULL,
    -- the token's configured name, or 'anonymous'
    actor                 text        NOT NULL,
    role                  text,
    -- method and route pattern, e.g. 'POST /api/v1/backups/{backupId}/verify'
    action                text        NOT NULL,
    -- source name, backup id or job id; null when the call named none
    target                text,
    status                integer     NOT NULL CHECK (status BETWEEN 100 AND 599),
    outcome               text        NOT NULL CHECK (outcome IN ('SUCCEEDED', 'REFUSED', 'FAILED')),
    request_id            text        NOT NULL,
    client_address        text,
    -- a JSON array of names
    query_parameter_names jsonb       NOT NULL DEFAULT '[]',
    duration_ms           bigint      NOT NULL DEFAULT 0,
    schema_version        integer     NOT NULL,
    -- the ce_id and ce_source of the record it came from
    ce_id                 text        NOT NULL,
    producer              text,
    recorded_at           timestamptz NOT NULL
);

CREATE INDEX audit_event_occurred_at_idx ON audit_event (occurred_at DESC);
CREATE INDEX audit_event_actor_occurred_at_idx ON audit_event (actor, occurred_at DESC);

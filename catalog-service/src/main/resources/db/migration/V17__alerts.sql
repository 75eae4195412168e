-- Alerts kept in the catalog (issue #10): each alert of a source is open (FIRING) from the moment it fires
-- until it resolves, at most one open per source and code, so it fires once and resolves once, across
-- catalog restarts and replicas. Resolved alerts stay as history for GET /api/v1/alerts.
CREATE TABLE alert (
    id          bigserial   PRIMARY KEY,
    source      text        NOT NULL,
    alert       text        NOT NULL,
    severity    text        NOT NULL,
    message     text        NOT NULL,
    since       timestamptz NOT NULL,
    resolved_at timestamptz,
    resolution  text
);

CREATE UNIQUE INDEX alert_open_idx ON alert (source, alert) WHERE resolved_at IS NULL;
CREATE INDEX alert_since_idx ON alert (since DESC);

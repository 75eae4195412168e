-- Named restore points (issue #3): created on the source with pg_create_restore_point, unique per source.
CREATE TABLE restore_point (
    source      text        NOT NULL,
    name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 63),
    lsn         pg_lsn      NOT NULL,
    timeline    integer     NOT NULL CHECK (timeline > 0),
    created_at  timestamptz NOT NULL,
    description text,
    PRIMARY KEY (source, name)
);

CREATE INDEX restore_point_newest ON restore_point (source, created_at DESC);

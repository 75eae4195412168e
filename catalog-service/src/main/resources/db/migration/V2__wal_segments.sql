-- Archived WAL (issue #3): one row per segment of a source's timeline, from WalSegmentArchived events.
-- A partial row (the current segment shipped early) is replaced by the complete segment.
CREATE TABLE wal_segment (
    source        text        NOT NULL,
    timeline      integer     NOT NULL CHECK (timeline > 0),
    segment       text        NOT NULL CHECK (segment ~ '^[0-9A-F]{24}$'),
    segment_size  bigint      NOT NULL,
    start_lsn     pg_lsn      NOT NULL,
    end_lsn       pg_lsn      NOT NULL,
    partial       boolean     NOT NULL,
    object_key    text        NOT NULL,
    stored_bytes  bigint      NOT NULL,
    sha256        text        NOT NULL,
    archived_at   timestamptz NOT NULL,
    PRIMARY KEY (source, timeline, segment)
);

CREATE INDEX wal_segment_by_end ON wal_segment (source, end_lsn);

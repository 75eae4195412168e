-- Timelines a source moved onto (a failover, or a restore of it promoted), from WalTimelineArchived events:
-- the stored history file and its entries, so recovery from a backup of an earlier timeline is planned across
-- the switch points (the earlier timeline's WAL up to each one, then the next timeline's).
CREATE TABLE wal_timeline (
    source        text        NOT NULL,
    timeline      integer     NOT NULL CHECK (timeline > 1),
    -- one "<timeline> <switch LSN>" line per earlier timeline, oldest first
    history       text        NOT NULL,
    object_key    text        NOT NULL,
    stored_bytes  bigint      NOT NULL,
    sha256        text        NOT NULL,
    archived_at   timestamptz NOT NULL,
    PRIMARY KEY (source, timeline)
);

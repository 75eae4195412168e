-- Retention previews count the segments inside each kept range of names (a name starts with its timeline,
-- so names sort as (timeline, position)): an index on the name alone makes each range one index scan.
CREATE INDEX wal_segment_by_name ON wal_segment (source, segment COLLATE "C");

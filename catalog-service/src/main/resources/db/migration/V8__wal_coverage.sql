-- How far the server's history reaches through each archived segment (WalSegmentArchived.coveredUntil).
-- A restore to a time is planned by coverage, not by upload time: WAL shipped while the archiver caught up
-- after an outage was written long before it was uploaded, and its coverage is unknown (NULL).
-- Rows archived before this keep their upload time, the only time they have.
ALTER TABLE wal_segment ADD COLUMN covered_until timestamptz;
UPDATE wal_segment SET covered_until = archived_at;

-- Point-in-time restore (issue #3) follows the WAL of the timeline a physical base backup was taken on.
ALTER TABLE backup ADD COLUMN timeline integer CHECK (timeline > 0);

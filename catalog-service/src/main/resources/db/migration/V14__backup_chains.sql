-- Backup chains (issue #9): a physical DIFFERENTIAL or INCREMENTAL backup stores only the blocks that differ
-- from its parent (parent_backup_id, already there). What the worker reports about the chain is kept here.
ALTER TABLE backup ADD COLUMN requested_type    text;
-- why a requested DIFFERENTIAL/INCREMENTAL was taken as FULL (no usable parent), null otherwise
ALTER TABLE backup ADD COLUMN type_reason       text;
-- the cluster (pg_control's system identifier) the backup is of: a parent must be of the same one
ALTER TABLE backup ADD COLUMN system_identifier text;
-- every backup a restore of this one needs, from the FULL on, ending with this one (ids, comma-separated)
ALTER TABLE backup ADD COLUMN chain             text;
-- bytes of data files the backup read from the server, and of the blocks that differed from the parent's
ALTER TABLE backup ADD COLUMN read_bytes        bigint CHECK (read_bytes >= 0);
ALTER TABLE backup ADD COLUMN changed_bytes     bigint CHECK (changed_bytes >= 0);

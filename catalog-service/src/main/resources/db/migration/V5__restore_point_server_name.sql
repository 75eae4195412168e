-- Issue #7: the name Strata wrote into the WAL for a restore point. All sources of one server share a WAL
-- stream and recovery stops at the FIRST record of a name, so the server-side name is made unique
-- (strata/<name>/<random>) and recovery targets it, never the user's name. Points recorded before this
-- have none and are recovered to by their LSN.
ALTER TABLE restore_point ADD COLUMN server_name text CHECK (length(server_name) BETWEEN 1 AND 63);
CREATE UNIQUE INDEX restore_point_server_name ON restore_point (server_name) WHERE server_name IS NOT NULL;

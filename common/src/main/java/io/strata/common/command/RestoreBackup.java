package io.strata.common.command;

import io.strata.common.model.BackupId;
import io.strata.common.model.JobId;
import java.time.Instant;

/**
 * Restore a logical backup into the source's server: into a new database, or replacing the source
 * database (after a safety backup) when {@code into.replace} is set.
 */
public record RestoreBackup(
        int schemaVersion,
        JobId jobId,
        String source,
        BackupId backupId,
        RestoreInto into,
        String requestId,
        Instant requestedAt)
        implements RestoreCommand {
    public static final int SCHEMA_VERSION = 1;

    /** Where the data goes: a new database by name, or the source database itself. */
    public record RestoreInto(String database, boolean replace) {
        public static RestoreInto newDatabase(String name) {
            return new RestoreInto(name, false);
        }

        public static RestoreInto replaceSource() {
            return new RestoreInto(null, true);
        }
    }

    @Override
    public String ceType() {
        return "strata.restore.backup.v1";
    }
}

package io.strata.common.command;

import io.strata.common.model.BackupId;
import io.strata.common.model.JobId;
import java.time.Instant;

/**
 * Restore a backup. A logical backup goes into the source's server: into a new database, or replacing
 * the source database (after a safety backup) when {@code into.replace} is set. A point-in-time restore
 * ({@code target} set, or a physical {@code backupId}) builds a new cluster in {@code into.dataDirectory}
 * on the restore-worker's host, listening on {@code into.port}.
 */
public record RestoreBackup(
        int schemaVersion,
        JobId jobId,
        String source,
        BackupId backupId,
        RestoreInto into,
        String requestId,
        Instant requestedAt,
        RecoveryTarget target)
        implements RestoreCommand {
    public static final int SCHEMA_VERSION = 1;

    /** A logical restore: no recovery target. */
    public RestoreBackup(
            int schemaVersion,
            JobId jobId,
            String source,
            BackupId backupId,
            RestoreInto into,
            String requestId,
            Instant requestedAt) {
        this(schemaVersion, jobId, source, backupId, into, requestId, requestedAt, null);
    }

    /** True when this builds a new cluster from a physical backup and archived WAL. */
    public boolean pointInTime() {
        return target != null || (into != null && into.dataDirectory() != null);
    }

    /**
     * Where the data goes: a new database by name, the source database itself, or (point in time) a new
     * cluster's data directory and port on the restore-worker's host.
     */
    public record RestoreInto(String database, boolean replace, String dataDirectory, Integer port) {
        public RestoreInto(String database, boolean replace) {
            this(database, replace, null, null);
        }

        public static RestoreInto newDatabase(String name) {
            return new RestoreInto(name, false);
        }

        public static RestoreInto replaceSource() {
            return new RestoreInto(null, true);
        }

        public static RestoreInto newCluster(String dataDirectory, int port) {
            return new RestoreInto(null, false, dataDirectory, port);
        }
    }

    @Override
    public String ceType() {
        return "strata.restore.backup.v1";
    }
}

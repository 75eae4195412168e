package io.strata.common.command;

import io.strata.common.model.BackupId;
import io.strata.common.model.JobId;
import java.time.Instant;

/**
 * Prove a backup restorable (a RESTORE_DRILL job): restore it into a throw-away cluster on the
 * restore-worker's host (a physical backup with its chain, recovered to the end of the archived WAL; a
 * logical one into a fresh cluster), check it with pg_amcheck, count the rows of every table, and remove the
 * cluster again. Nothing of the source or of any existing cluster is touched.
 */
public record RunRestoreDrill(
        int schemaVersion, JobId jobId, String source, BackupId backupId, String requestId, Instant requestedAt)
        implements RestoreCommand {
    public static final int SCHEMA_VERSION = 1;

    public RunRestoreDrill {
        if (backupId == null) {
            throw new IllegalArgumentException("a RunRestoreDrill names the backup to restore (backupId)");
        }
    }

    @Override
    public String ceType() {
        return "strata.restore.drill.v1";
    }
}

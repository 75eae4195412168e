package io.strata.common.command;

import io.strata.common.model.BackupId;
import io.strata.common.model.JobId;
import java.time.Instant;

/**
 * Delete a backup: the catalog forgets it first (so nothing plans a restore from it), then its objects are
 * removed from storage. With {@code cascade}, the DIFFERENTIAL and INCREMENTAL backups built on it go too;
 * without, a backup that has any fails the job with {@code BACKUP_HAS_DEPENDENTS}. WAL is never deleted
 * here: WAL cleanup keeps what the remaining backups and restore points need.
 */
public record DeleteBackup(
        int schemaVersion,
        JobId jobId,
        BackupId backupId,
        String source,
        boolean cascade,
        String requestId,
        Instant requestedAt)
        implements BackupCommand {
    public static final int SCHEMA_VERSION = 1;

    public DeleteBackup {
        if (backupId == null) {
            throw new IllegalArgumentException("a DeleteBackup names the backup to delete (backupId)");
        }
    }

    @Override
    public String ceType() {
        return "strata.backup.delete.v1";
    }
}

package io.strata.common.command;

import io.strata.common.model.BackupId;
import io.strata.common.model.JobId;
import java.time.Instant;

/**
 * Re-hash every stored object of a backup and of every backup its restore needs (its chain, from the FULL
 * one): a VERIFY job that says which object is missing or corrupt.
 */
public record VerifyBackup(
        int schemaVersion, JobId jobId, BackupId backupId, String source, String requestId, Instant requestedAt)
        implements BackupCommand {
    public static final int SCHEMA_VERSION = 1;

    public VerifyBackup {
        if (backupId == null) {
            throw new IllegalArgumentException("a VerifyBackup names the backup to verify (backupId)");
        }
    }

    @Override
    public String ceType() {
        return "strata.backup.verify.v1";
    }
}

package io.strata.common.command;

import io.strata.common.model.BackupId;
import io.strata.common.model.BackupKind;
import io.strata.common.model.BackupType;
import io.strata.common.model.JobId;
import java.time.Instant;

/** Take one backup of a registered source. The backup id is chosen by the requester. */
public record TakeBackup(
        int schemaVersion,
        JobId jobId,
        BackupId backupId,
        String source,
        BackupKind kind,
        BackupType type,
        boolean schemaOnly,
        String description,
        String requestId,
        Instant requestedAt)
        implements BackupCommand {
    public static final int SCHEMA_VERSION = 1;

    @Override
    public String ceType() {
        return "strata.backup.take.v1";
    }
}

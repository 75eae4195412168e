package io.strata.catalog.backups;

import io.strata.common.model.BackupKind;
import io.strata.common.model.BackupType;
import java.time.Instant;
import java.util.UUID;

/**
 * A backup as known before it runs. Kind, type, schemaOnly and description may be null when the job was
 * registered before its command was seen; the command fills them in later.
 */
public record BackupSeed(
        String backupId,
        String source,
        UUID jobId,
        BackupKind kind,
        BackupType type,
        Boolean schemaOnly,
        String description,
        Instant createdAt) {

    public static BackupSeed unknownShape(String backupId, String source, UUID jobId, Instant createdAt) {
        return new BackupSeed(backupId, source, jobId, null, null, null, null, createdAt);
    }
}

package io.strata.platform.logical;

import io.strata.common.model.BackupId;
import io.strata.common.model.BackupType;
import io.strata.common.model.JobId;
import io.strata.platform.catalog.CatalogApi.SourceConnection;
import java.util.Objects;

/**
 * One logical backup to take: which source and database, under which backup id, for which job.
 * {@code description} is free text kept in the manifest; {@code type} is recorded as asked.
 */
public record LogicalBackupRequest(
        SourceConnection source,
        String database,
        BackupId backupId,
        JobId jobId,
        boolean schemaOnly,
        BackupType type,
        String description) {
    public LogicalBackupRequest {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(backupId, "backupId");
        Objects.requireNonNull(jobId, "jobId");
        type = type == null ? BackupType.FULL : type;
    }

    /** A full backup of the source's own database. */
    public static LogicalBackupRequest full(
            SourceConnection source, BackupId backupId, JobId jobId, boolean schemaOnly, String description) {
        return new LogicalBackupRequest(
                source, source.database(), backupId, jobId, schemaOnly, BackupType.FULL, description);
    }
}

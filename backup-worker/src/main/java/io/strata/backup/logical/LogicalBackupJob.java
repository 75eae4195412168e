package io.strata.backup.logical;

import io.strata.common.command.TakeBackup;
import io.strata.common.event.JobResult.BackupResult;
import io.strata.common.model.BackupType;
import io.strata.common.model.FailureCode;
import io.strata.platform.catalog.CatalogApi.SourceConnection;
import io.strata.platform.catalog.CatalogClient;
import io.strata.platform.jobs.JobFailureException;
import io.strata.platform.jobs.JobReporter;
import io.strata.platform.logical.LogicalBackup;
import io.strata.platform.logical.LogicalBackupRequest;
import org.springframework.stereotype.Component;

/** A {@link TakeBackup} command as a pg_dump of the source's database. */
@Component
public class LogicalBackupJob {
    private final CatalogClient catalog;
    private final LogicalBackup logicalBackup;

    public LogicalBackupJob(CatalogClient catalog, LogicalBackup logicalBackup) {
        this.catalog = catalog;
        this.logicalBackup = logicalBackup;
    }

    /** @throws JobFailureException when the command cannot be served or the backup fails */
    public BackupResult run(TakeBackup command, JobReporter reporter) {
        refuseUnsupported(command);
        SourceConnection source = catalog.sourceConnection(command.source())
                .orElseThrow(() -> JobFailureException.sourceNotFound(command.source()));
        return logicalBackup.run(
                LogicalBackupRequest.full(
                        source, command.backupId(), command.jobId(), command.schemaOnly(), command.description()),
                reporter);
    }

    static void refuseUnsupported(TakeBackup command) {
        switch (command.kind()) {
            case PHYSICAL ->
                throw new IllegalArgumentException("physical backups are PhysicalBackupJob's, not a pg_dump");
            case LOGICAL -> {
                if (command.type() != null && command.type() != BackupType.FULL) {
                    throw new JobFailureException(
                            FailureCode.UNSUPPORTED,
                            "A logical backup is always a full pg_dump; " + command.type()
                                    + " needs kind PHYSICAL. Ask for type FULL.",
                            false);
                }
            }
            case null -> {
                // The gateway defaults the kind to LOGICAL; a command without one is treated the same.
            }
        }
    }
}

package io.strata.restore.logical;

import io.strata.common.event.JobEvent.JobRef;
import io.strata.common.model.BackupId;
import io.strata.common.model.FailureCode;
import io.strata.common.model.JobId;
import io.strata.common.model.JobKind;
import io.strata.platform.catalog.CatalogApi.SourceConnection;
import io.strata.platform.jobs.JobExecution;
import io.strata.platform.jobs.JobExecution.Outcome;
import io.strata.platform.jobs.JobFailureException;
import io.strata.platform.jobs.JobReporter;
import io.strata.platform.jobs.JobReporters;
import io.strata.platform.logical.LogicalBackup;
import io.strata.platform.logical.LogicalBackupRequest;
import io.strata.platform.logical.ProgressTicker;
import java.time.Clock;
import java.time.Duration;

/**
 * The backup taken before a restore replaces a database: a job of its own (kind BACKUP, same source and
 * request id), so it shows up and can be restored like any other backup.
 */
class SafetyBackup {
    private final LogicalBackup logicalBackup;
    private final JobReporters reporters;
    private final Clock clock;

    SafetyBackup(LogicalBackup logicalBackup, JobReporters reporters, Clock clock) {
        this.logicalBackup = logicalBackup;
        this.reporters = reporters;
        this.clock = clock;
    }

    /**
     * As {@link #take}, for restore job {@code restoreJob} about to replace the source database: the restore's
     * step shows the safety backup, and its heartbeat goes on while it runs.
     *
     * @return the safety backup's id
     */
    String takeBeforeReplace(
            SourceConnection source, String sourceName, JobId restoreJob, String requestId, JobReporter restore) {
        restore.step(RestoreProgress.SAFETY_BACKUP, RestoreProgress.DOWNLOAD_END);
        try (ProgressTicker heartbeat = ProgressTicker.every(Duration.ofSeconds(1), restore::tick)) {
            return take(source, sourceName, restoreJob, requestId).toString();
        }
    }

    /**
     * The safety backup before restore job {@code restoreJob} of source {@code sourceName} replaces its database.
     *
     * @return the safety backup's id
     * @throws JobFailureException {@code SAFETY_BACKUP_FAILED} with the backup's own failure
     */
    BackupId take(SourceConnection source, String sourceName, JobId restoreJob, String requestId) {
        JobId jobId = JobId.random();
        BackupId backupId = BackupId.newId(clock.instant());
        JobReporter reporter =
                reporters.forJob(new JobRef(jobId, JobKind.BACKUP, sourceName, requestId, backupId.toString()));
        LogicalBackupRequest request =
                LogicalBackupRequest.full(source, backupId, jobId, false, "safety backup before restore " + restoreJob);
        Outcome outcome = JobExecution.run(reporter, LogicalBackup.STEP, () -> logicalBackup.run(request, reporter));
        return switch (outcome) {
            case Outcome.Succeeded succeeded -> backupId;
            case Outcome.Failed failed ->
                throw new JobFailureException(
                        FailureCode.SAFETY_BACKUP_FAILED,
                        "The safety backup of database '" + source.database() + "' (job " + jobId + ") failed, so it"
                                + " was not replaced: " + failed.code() + ": " + failed.message(),
                        true);
        };
    }
}

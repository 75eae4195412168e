package io.strata.gateway.backups;

import io.strata.common.command.DeleteBackup;
import io.strata.common.command.TakeBackup;
import io.strata.common.command.VerifyBackup;
import io.strata.common.messaging.Topics;
import io.strata.common.model.BackupId;
import io.strata.common.model.BackupKind;
import io.strata.common.model.BackupType;
import io.strata.common.model.JobId;
import io.strata.common.model.JobKind;
import io.strata.gateway.jobs.JobCommands;
import io.strata.gateway.problem.ApiException;
import io.strata.gateway.problem.FieldProblem;
import io.strata.gateway.sources.RegisteredSources;
import io.strata.platform.catalog.CatalogApi.BackupView;
import io.strata.platform.catalog.CatalogApi.JobView;
import io.strata.platform.catalog.CatalogApi.NewJob;
import io.strata.platform.catalog.CatalogApi.SourceView;
import java.time.Clock;
import org.springframework.stereotype.Component;

/** Checks a backup against what Strata can do today and, if it passes, turns it into a queued job. */
@Component
class BackupSubmission {
    private final RegisteredSources sources;
    private final JobCommands jobs;
    private final Clock clock;

    BackupSubmission(RegisteredSources sources, JobCommands jobs, Clock clock) {
        this.sources = sources;
        this.jobs = jobs;
        this.clock = clock;
    }

    /** Throws a 4xx {@link ApiException} saying what to change when the backup cannot be taken. */
    void check(BackupSpec spec) {
        if (spec.description() != null && spec.description().length() > BackupSpec.MAX_DESCRIPTION) {
            throw ApiException.badRequest(
                    "description is longer than " + BackupSpec.MAX_DESCRIPTION + " characters",
                    new FieldProblem("description", "must be at most " + BackupSpec.MAX_DESCRIPTION + " characters"));
        }
        SourceView source = sources.require(spec.source());
        if (spec.kind() == BackupKind.PHYSICAL) {
            checkPhysical(spec, source);
        } else if (spec.type() != BackupType.FULL) {
            String detail = "logical backups are always FULL; DIFFERENTIAL/INCREMENTAL need kind PHYSICAL";
            throw ApiException.unprocessable(detail, new FieldProblem("type", detail));
        }
    }

    /** A physical backup is restorable only with the WAL archived from its start on. */
    private static void checkPhysical(BackupSpec spec, SourceView source) {
        if (source.walArchiving() == null || !source.walArchiving().enabled()) {
            String detail = "PHYSICAL backups need continuous WAL archiving of source '" + source.name()
                    + "' (the backup copies no WAL): enable it with PUT /api/v1/sources/" + source.name()
                    + "/wal-archiving {\"enabled\": true}, or ask for kind LOGICAL";
            throw ApiException.unprocessable(detail, new FieldProblem("kind", detail));
        }
    }

    /** Checks, then records the job with its {@link TakeBackup} (the catalog relays it to Kafka); {@code requestId} may be null. */
    JobView submit(BackupSpec spec, JobId jobId, String requestId) {
        check(spec);
        BackupId backupId = BackupId.newId(clock.instant());
        NewJob job = new NewJob(jobId.toString(), JobKind.BACKUP, spec.source(), requestId, backupId.toString());
        return jobs.enqueue(
                job,
                Topics.BACKUP_COMMANDS,
                // a redelivered request finds its job already recorded, with the command (and backup id) of the
                // first time: this one is then not stored
                new TakeBackup(
                        TakeBackup.SCHEMA_VERSION,
                        jobId,
                        backupId,
                        spec.source(),
                        spec.kind(),
                        spec.type(),
                        spec.schemaOnly(),
                        spec.description(),
                        requestId,
                        clock.instant()));
    }

    /** Records a VERIFY job of {@code backup} with its {@link VerifyBackup} (the catalog relays it to Kafka). */
    JobView verify(BackupView backup, JobId jobId) {
        NewJob job = new NewJob(jobId.toString(), JobKind.VERIFY, backup.source(), null, backup.backupId());
        return jobs.enqueue(
                job,
                Topics.BACKUP_COMMANDS,
                new VerifyBackup(
                        VerifyBackup.SCHEMA_VERSION,
                        jobId,
                        BackupId.parse(backup.backupId()),
                        backup.source(),
                        null,
                        clock.instant()));
    }

    /** Records a DELETE job of {@code backup} with its {@link DeleteBackup} (the catalog relays it to Kafka). */
    JobView delete(BackupView backup, boolean cascade, JobId jobId) {
        NewJob job = new NewJob(jobId.toString(), JobKind.DELETE, backup.source(), null, backup.backupId());
        return jobs.enqueue(
                job,
                Topics.BACKUP_COMMANDS,
                new DeleteBackup(
                        DeleteBackup.SCHEMA_VERSION,
                        jobId,
                        BackupId.parse(backup.backupId()),
                        backup.source(),
                        cascade,
                        null,
                        clock.instant()));
    }
}

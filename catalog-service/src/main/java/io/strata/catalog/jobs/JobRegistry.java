package io.strata.catalog.jobs;

import io.strata.catalog.backups.BackupSeed;
import io.strata.catalog.backups.BackupStore;
import io.strata.catalog.idempotency.ProcessedMessages;
import io.strata.catalog.jobs.Job.JobOrigin;
import io.strata.common.command.RestoreBackup;
import io.strata.common.command.TakeBackup;
import io.strata.common.model.JobKind;
import io.strata.platform.catalog.CatalogApi.JobView;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Creates jobs, QUEUED, from whichever announcement arrives first: the gateway's HTTP registration (so
 * a job is visible the moment its 202 is sent) or the command on Kafka. Creation is idempotent on the
 * job id; the later announcement only fills in what the earlier one did not know.
 */
@Service
class JobRegistry {
    private static final Logger log = LoggerFactory.getLogger(JobRegistry.class);
    private final JobStore jobs;
    private final BackupStore backups;
    private final ProcessedMessages processed;
    private final Clock clock;

    JobRegistry(JobStore jobs, BackupStore backups, ProcessedMessages processed, Clock clock) {
        this.jobs = jobs;
        this.backups = backups;
        this.processed = processed;
        this.clock = clock;
    }

    /** The job as it now stands, and whether this call created it. */
    record Registered(boolean created, JobView job) {}

    @Transactional
    Registered register(JobOrigin origin) {
        boolean created = jobs.insertIfAbsent(origin);
        if (origin.kind() == JobKind.BACKUP && origin.backupId() != null) {
            backups.insertQueued(
                    BackupSeed.unknownShape(origin.backupId(), origin.source(), origin.jobId(), origin.createdAt()));
        }
        if (created) {
            log.info("Job {} ({} of {}) registered QUEUED", origin.jobId(), origin.kind(), origin.source());
        }
        return new Registered(created, jobs.find(origin.jobId()).orElseThrow().toView());
    }

    @Transactional
    void onTakeBackup(String ceId, String topic, TakeBackup command) {
        if (!processed.markFirstDelivery(ceId, topic)) {
            log.debug("Skipping already applied {} {}", topic, ceId);
            return;
        }
        Instant at = Objects.requireNonNullElseGet(command.requestedAt(), clock::instant);
        String backupId = command.backupId() == null ? null : command.backupId().toString();
        jobs.insertIfAbsent(new JobOrigin(
                command.jobId().value(), JobKind.BACKUP, command.source(), backupId, command.requestId(), at));
        if (backupId != null) {
            backups.insertQueued(new BackupSeed(
                    backupId,
                    command.source(),
                    command.jobId().value(),
                    command.kind(),
                    command.type(),
                    command.schemaOnly(),
                    command.description(),
                    at));
        }
    }

    @Transactional
    void onRestoreBackup(String ceId, String topic, RestoreBackup command) {
        if (!processed.markFirstDelivery(ceId, topic)) {
            log.debug("Skipping already applied {} {}", topic, ceId);
            return;
        }
        Instant at = Objects.requireNonNullElseGet(command.requestedAt(), clock::instant);
        String backupId = command.backupId() == null ? null : command.backupId().toString();
        jobs.insertIfAbsent(new JobOrigin(
                command.jobId().value(), JobKind.RESTORE, command.source(), backupId, command.requestId(), at));
    }
}

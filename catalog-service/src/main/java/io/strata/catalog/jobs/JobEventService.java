package io.strata.catalog.jobs;

import io.strata.catalog.backups.BackupStore;
import io.strata.catalog.idempotency.ProcessedMessages;
import io.strata.catalog.jobs.Job.JobOrigin;
import io.strata.catalog.jobs.JobTransitions.Transition;
import io.strata.common.event.JobEvent;
import io.strata.common.event.JobEvent.JobRef;
import io.strata.common.event.JobFailed;
import io.strata.common.event.JobResult;
import io.strata.common.event.JobResult.BackupResult;
import io.strata.common.event.JobSucceeded;
import io.strata.common.messaging.Json;
import io.strata.common.model.JobKind;
import io.strata.common.model.JobStatus;
import java.time.Clock;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Applies job events to the job and, for backup jobs, to the backup they produce. One transaction per
 * event holds the ce_id marker, the job row lock and every write, so a redelivery either finds all of
 * it or none of it. An event from a worker whose lease was superseded changes nothing ({@link LeaseFence});
 * one that ends the job ends its lease too.
 */
@Service
class JobEventService {
    private static final Logger log = LoggerFactory.getLogger(JobEventService.class);
    private final JobStore jobs;
    private final BackupStore backups;
    private final ProcessedMessages processed;
    private final LeaseFence fence;
    private final Clock clock;

    JobEventService(JobStore jobs, BackupStore backups, ProcessedMessages processed, LeaseFence fence, Clock clock) {
        this.jobs = jobs;
        this.backups = backups;
        this.processed = processed;
        this.fence = fence;
        this.clock = clock;
    }

    /** Applies {@code event}; {@code leaseToken} is its {@code strata_lease_token} header, null without one. */
    @Transactional
    void apply(String ceId, String topic, JobEvent event, Long leaseToken) {
        if (!processed.markFirstDelivery(ceId, topic)) {
            log.debug("Skipping already applied {} {}", topic, ceId);
            return;
        }
        JobRef ref = event.job();
        // a worker's own child job (a safety backup before a replace) is first heard of through its events
        jobs.insertIfAbsent(new JobOrigin(
                ref.jobId().value(),
                ref.kind(),
                ref.source(),
                ref.backupId(),
                ref.requestId(),
                Objects.requireNonNullElseGet(event.occurredAt(), clock::instant)));
        Job job = jobs.lock(ref.jobId().value()).orElseThrow();
        if (fence.isStale(job, leaseToken, event.getClass().getSimpleName())) {
            return;
        }
        switch (JobTransitions.apply(job.state(), event)) {
            case Transition.Ignored ignored ->
                log.debug(
                        "Ignoring {} for job {}: {}", event.getClass().getSimpleName(), job.jobId(), ignored.reason());
            case Transition.Applied applied -> {
                jobs.update(job.jobId(), applied.next(), resultJson(event), clock.instant());
                followBackup(job, ref, applied.next(), event);
                if (applied.next().status() != job.state().status()) {
                    log.info(
                            "Job {} {} -> {}",
                            job.jobId(),
                            job.state().status(),
                            applied.next().status());
                }
            }
        }
    }

    /** Keeps a backup job's backup row in step with the job. */
    private void followBackup(Job job, JobRef ref, JobState next, JobEvent event) {
        if (job.origin().kind() != JobKind.BACKUP) {
            return;
        }
        String backupId = job.origin().backupId() != null ? job.origin().backupId() : ref.backupId();
        String source = job.origin().source();
        if (event instanceof JobSucceeded succeeded && succeeded.result() instanceof BackupResult result) {
            BackupResult withId = result.backupId() != null ? result : withBackupId(result, backupId);
            if (withId.backupId() != null) {
                backups.recordSucceeded(source, job.jobId(), withId);
            }
        } else if (backupId == null) {
            return;
        } else if (event instanceof JobFailed failed && next.status() == JobStatus.CANCELLED) {
            backups.markCancelled(backupId, backupError(failed.code().name(), failed.message()), next.finishedAt());
        } else if (event instanceof JobFailed failed) {
            backups.markFailed(backupId, backupError(failed.code().name(), failed.message()), next.finishedAt());
        } else if (next.status() == JobStatus.RUNNING && job.state().status() == JobStatus.QUEUED) {
            backups.markRunning(backupId, source, job.jobId(), next.startedAt());
        }
    }

    private static BackupResult withBackupId(BackupResult r, String backupId) {
        return new BackupResult(
                backupId,
                r.kind(),
                r.type(),
                r.schemaOnly(),
                r.database(),
                r.serverVersion(),
                r.sizeBytes(),
                r.storedBytes(),
                r.sha256(),
                r.objectKey(),
                r.manifestKey(),
                r.startedAt(),
                r.finishedAt(),
                r.description(),
                r.startLsn(),
                r.endLsn(),
                r.timeline(),
                r.chain(),
                r.objects());
    }

    /** A failed backup's {@code error}: its job's code and message. */
    static String backupError(String code, String message) {
        return code == null ? message : code + ": " + message;
    }

    private static String resultJson(JobEvent event) {
        if (event instanceof JobSucceeded succeeded && succeeded.result() != null) {
            return Json.mapper().writerFor(JobResult.class).writeValueAsString(succeeded.result());
        }
        return null;
    }
}

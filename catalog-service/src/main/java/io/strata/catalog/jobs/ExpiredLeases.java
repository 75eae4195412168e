package io.strata.catalog.jobs;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.strata.catalog.backups.BackupStore;
import io.strata.catalog.jobs.JobTransitions.Transition;
import io.strata.catalog.jobs.LeasePolicy.Expiry;
import io.strata.catalog.outbox.Outbox;
import io.strata.common.model.FailureCode;
import io.strata.common.model.JobKind;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Judges RUNNING jobs whose lease expired: a job safe to repeat goes back to QUEUED for the next worker
 * (its command is redelivered and claimed again), any other, or one that lost too many workers, ends
 * FAILED with {@code WORKER_LOST} and a message saying what may have been left behind. A re-queued job's
 * command goes back to the dispatcher, which sends it again (Kafka already settled the first delivery).
 */
@Service
class ExpiredLeases {
    static final String METRIC = "strata.catalog.leases.expired";
    static final String CODE = FailureCode.WORKER_LOST.name();
    private static final Logger log = LoggerFactory.getLogger(ExpiredLeases.class);
    private final LeaseStore leases;
    private final JobStore jobs;
    private final BackupStore backups;
    private final CatalogFailures failures;
    private final JobCommandStore commands;
    private final Outbox outbox;
    private final LeasePolicy policy;
    private final MeterRegistry meters;

    ExpiredLeases(
            LeaseStore leases,
            JobStore jobs,
            BackupStore backups,
            CatalogFailures failures,
            JobCommandStore commands,
            Outbox outbox,
            LeaseProperties properties,
            MeterRegistry meters) {
        this.leases = leases;
        this.jobs = jobs;
        this.backups = backups;
        this.failures = failures;
        this.commands = commands;
        this.outbox = outbox;
        this.policy = new LeasePolicy(properties.maxAttempts());
        this.meters = meters;
    }

    /** Judges up to {@code limit} jobs whose lease expired before {@code now}; how many it found. */
    @Transactional
    int expire(Instant now, int limit) {
        List<Job> expired = leases.lockExpired(now, limit);
        for (Job job : expired) {
            if (job.cancelRequestedAt() != null) {
                cancelled(job, now);
                continue;
            }
            switch (policy.onExpiry(job, commands.restoreTarget(job.jobId()).orElse(null))) {
                case Expiry.Requeue requeue -> requeue(job, requeue.step(), now);
                case Expiry.Fail fail -> {
                    leases.retire(job.jobId());
                    failures.fail(job, now, CODE, fail.message());
                    count("failed");
                }
            }
        }
        return expired.size();
    }

    /**
     * A job cancelled while it ran whose worker was then lost ends CANCELLED, not offered again: nobody wants
     * it any more. Its worker could not report, so what it wrote is left to the orphan sweep (a backup) or
     * named for the operator (a restore).
     */
    private void cancelled(Job job, Instant now) {
        String message = "Cancelled on request; its worker " + job.lease().owner()
                + " was lost before it reported back, so it was not offered again. A backup's leftovers are removed"
                + " by the orphan sweep; a restore may have left what it was making.";
        if (JobTransitions.cancelledOnRequest(job.state(), now, message) instanceof Transition.Applied applied) {
            jobs.update(job.jobId(), applied.next(), null, now);
            leases.retire(job.jobId());
            commands.retire(job.jobId());
            if (job.origin().kind() == JobKind.BACKUP && job.origin().backupId() != null) {
                backups.markCancelled(job.origin().backupId(), JobTransitions.CANCELLED + ": " + message, now);
            }
            log.info(
                    "Job {} ({}) RUNNING -> CANCELLED: cancelled, then its worker was lost",
                    job.jobId(),
                    job.origin().kind());
            count("cancelled");
        }
    }

    private void requeue(Job job, String step, Instant now) {
        if (!(JobTransitions.requeued(job.state(), step) instanceof Transition.Applied applied)) {
            return;
        }
        if (!commands.undispatch(job.jobId(), now)) {
            leases.retire(job.jobId());
            failures.fail(
                    job,
                    now,
                    CODE,
                    "Its worker was lost and its command is not stored in the catalog (the job was created before"
                            + " commands were kept), so it cannot be offered again: ask for it again.");
            count("failed");
            return;
        }
        jobs.update(job.jobId(), applied.next(), null, now);
        leases.release(job.jobId());
        outbox.relayAfterCommit();
        if (job.origin().kind() == JobKind.BACKUP && job.origin().backupId() != null) {
            backups.markQueuedAgain(job.origin().backupId());
        }
        log.warn(
                "Job {} ({}) RUNNING -> QUEUED: {}; its command is dispatched again for another worker",
                job.jobId(),
                job.origin().kind(),
                step);
        count("requeued");
    }

    private void count(String outcome) {
        Counter.builder(METRIC)
                .tag("outcome", outcome)
                .description("Jobs whose worker stopped renewing its lease: requeued or failed WORKER_LOST")
                .register(meters)
                .increment();
    }
}

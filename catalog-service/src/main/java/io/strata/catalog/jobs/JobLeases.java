package io.strata.catalog.jobs;

import io.strata.catalog.backups.BackupStore;
import io.strata.catalog.web.ConflictException;
import io.strata.catalog.web.ResourceNotFoundException;
import io.strata.common.model.JobKind;
import io.strata.common.model.JobStatus;
import io.strata.platform.catalog.CatalogApi.JobLease;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Claims and heartbeats: a worker runs a job only under a lease it claimed here and renews before it
 * expires. What may be claimed is decided by {@link LeaseStore#claim}'s single UPDATE; when it refuses, the
 * job is read again to say why ({@link LeasePolicy#claimRefusal}).
 */
@Service
class JobLeases {
    private static final Logger log = LoggerFactory.getLogger(JobLeases.class);
    private final LeaseStore leases;
    private final JobStore jobs;
    private final BackupStore backups;
    private final JobCommandStore commands;
    private final JobDispatchProperties dispatch;
    private final LeasePolicy policy;
    private final Clock clock;

    JobLeases(
            LeaseStore leases,
            JobStore jobs,
            BackupStore backups,
            JobCommandStore commands,
            JobDispatchProperties dispatch,
            LeaseProperties properties,
            Clock clock) {
        this.leases = leases;
        this.jobs = jobs;
        this.backups = backups;
        this.commands = commands;
        this.dispatch = dispatch;
        this.policy = new LeasePolicy(properties.maxAttempts());
        this.clock = clock;
    }

    /** The lease granted to {@code owner}; {@link ConflictException} saying why when the job cannot be had. */
    @Transactional(noRollbackFor = ConflictException.class) // a backup sent back to wait stays sent back
    JobLease claim(UUID jobId, String owner, Duration duration) {
        Instant now = clock.instant();
        Job before = existing(jobId);
        if (before.origin().kind() == JobKind.BACKUP
                && before.state().status() == JobStatus.QUEUED
                && dispatch.limitsBackups()) {
            waitForOtherBackups(before, now);
        }
        Job job = leases.claim(jobId, owner, now, now.plus(duration), policy)
                .orElseThrow(() -> new ConflictException(policy.claimRefusal(existing(jobId), owner, now)));
        // the claim, not the worker's JobStarted, now moves the job (and its backup) to RUNNING
        if (job.origin().kind() == JobKind.BACKUP && job.origin().backupId() != null) {
            backups.markRunning(
                    job.origin().backupId(),
                    job.origin().source(),
                    jobId,
                    job.state().startedAt());
        }
        log.info(
                "Job {} ({}) claimed by {} with lease {} until {}{}",
                jobId,
                job.origin().kind(),
                owner,
                job.lease().token(),
                job.lease().expiresAt(),
                job.lease().lostLeases() == 0
                        ? ""
                        : " (workers lost so far: " + job.lease().lostLeases() + ")");
        return lease(job);
    }

    /** The renewed lease; {@link ConflictException} when {@code owner} no longer holds it and must stop. */
    @Transactional
    JobLease renew(UUID jobId, String owner, long token, Duration duration) {
        Instant now = clock.instant();
        return leases.renew(jobId, owner, token, now, now.plus(duration))
                .map(JobLeases::lease)
                .orElseThrow(() -> {
                    String why = policy.renewalRefusal(existing(jobId), owner, token);
                    log.info("Heartbeat refused: {}", why);
                    return new ConflictException(why);
                });
    }

    /**
     * Refuses the claim of a backup while its source already runs as many backups as allowed (a command that
     * reached Kafka around the dispatcher: sent straight there, or twice); the job goes back to the
     * dispatcher, which sends it again once the source is free. Claims of one source's backups are ordered
     * by the source's advisory lock.
     */
    private void waitForOtherBackups(Job job, Instant now) {
        commands.lockSource(job.origin().source());
        List<UUID> running = commands.activeBackups(job.origin().source(), job.jobId(), true);
        if (running.size() < dispatch.backupsPerSource()) {
            return;
        }
        String step = JobDispatcher.waitingFor(running.getFirst(), job.origin().source());
        commands.undispatch(job.jobId(), now);
        commands.showStep(job.jobId(), step, now);
        throw new ConflictException("Job " + job.jobId() + " is " + step + "; it is dispatched again then.");
    }

    private Job existing(UUID jobId) {
        return jobs.find(jobId).orElseThrow(() -> new ResourceNotFoundException("job", jobId.toString()));
    }

    private static JobLease lease(Job job) {
        return new JobLease(
                job.jobId().toString(),
                job.lease().owner(),
                job.lease().token(),
                job.lease().expiresAt(),
                job.cancelRequestedAt() != null);
    }
}

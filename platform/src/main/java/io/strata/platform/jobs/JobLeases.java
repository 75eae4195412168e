package io.strata.platform.jobs;

import io.strata.common.model.JobId;
import io.strata.platform.catalog.CatalogApi.JobClaim;
import io.strata.platform.catalog.CatalogApi.JobLease;
import io.strata.platform.catalog.CatalogApi.LeaseRenewal;
import io.strata.platform.catalog.CatalogClient;
import io.strata.platform.jobs.JobExecution.Outcome;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a worker owns the jobs it runs: it claims a job in the catalog before starting it (QUEUED → RUNNING,
 * with this worker as owner and a fencing token), renews the claim every third of the lease while it
 * works, and learns when the claim was lost (the catalog judged it dead and gave the job to another
 * worker or failed it). A worker that dies simply stops renewing: the catalog's sweeper then re-queues a
 * job that is safe to repeat, or fails it {@code WORKER_LOST}.
 */
public final class JobLeases {
    private static final Logger log = LoggerFactory.getLogger(JobLeases.class);
    /** How long a command may wait for the catalog to learn of its job (a command put straight on Kafka). */
    private static final Duration UNKNOWN_JOB_PATIENCE = Duration.ofSeconds(10);
    /** How long a claim is retried while the catalog cannot be reached. */
    private static final Duration UNREACHABLE_PATIENCE = Duration.ofMinutes(2);
    /** Heartbeats go out at least this often, so a cancel reaches a running job within a few seconds. */
    static final Duration MAX_RENEWAL_INTERVAL = Duration.ofSeconds(2);

    private final CatalogClient catalog;
    private final String owner;
    private final Duration lease;

    public JobLeases(CatalogClient catalog, String owner, Duration lease) {
        this.catalog = catalog;
        this.owner = owner;
        this.lease = lease;
    }

    public String owner() {
        return owner;
    }

    /**
     * Claims {@code jobId}; empty when the catalog refuses (the job ended, a live worker runs it, or it is
     * not safe to run again). While the catalog does not know the job yet, or cannot be reached, the claim
     * is retried for a while; after that an unknown job is refused and an unreachable catalog throws.
     */
    public Optional<Lease> claim(JobId jobId) {
        return claim(jobId, UNREACHABLE_PATIENCE);
    }

    /** {@link #claim(JobId)}, giving up on an unreachable catalog after {@code unreachablePatience}. */
    public Optional<Lease> claim(JobId jobId, Duration unreachablePatience) {
        long started = System.nanoTime();
        Duration pause = Duration.ofMillis(200);
        boolean known = false; // whether the catalog knew the job before the last claim was refused
        while (true) {
            try {
                Optional<JobLease> granted =
                        catalog.claim(jobId.toString(), new JobClaim(owner, (int) lease.toSeconds()));
                if (granted.isPresent()) {
                    return Optional.of(new Lease(jobId, granted.get()));
                }
                // A refusal counts only for a job the catalog knew before the claim: a command taken from
                // Kafka can reach a worker before the catalog has recorded its job, and a job recorded
                // between the claim and this look must be claimed again, not dropped.
                if (known || waited(started, UNKNOWN_JOB_PATIENCE)) {
                    return Optional.empty();
                }
                known = catalog.job(jobId.toString()).isPresent();
                if (known) {
                    continue;
                }
            } catch (RuntimeException e) {
                if (waited(started, unreachablePatience)) {
                    throw e;
                }
                log.warn("cannot claim job {} in the catalog yet, retrying: {}", jobId, e.getMessage());
            }
            sleep(pause);
            pause = pause.multipliedBy(2).compareTo(Duration.ofSeconds(5)) > 0
                    ? Duration.ofSeconds(5)
                    : pause.multipliedBy(2);
        }
    }

    /**
     * Claims the job and runs {@code work} under its lease ({@link JobExecution#run}): every event carries
     * the lease's token, and if the lease is lost the thread running the work is interrupted. Empty when the
     * job was not claimed (it ended, or a live worker runs it): nothing ran.
     */
    public Optional<Outcome> runClaimed(JobReporter reporter, String firstStep, JobExecution.Work work) {
        JobId jobId = reporter.job().jobId();
        Optional<Lease> claimed = claim(jobId);
        if (claimed.isEmpty()) {
            log.info("job {} was not claimed (it ended, or a live worker runs it): skipping", jobId);
            return Optional.empty();
        }
        return Optional.of(run(claimed.get(), reporter, firstStep, work));
    }

    /**
     * Runs {@code work} under {@code lease} ({@link JobExecution#run}) on the calling thread: every event
     * carries the lease's token, and if the lease is lost the thread is interrupted. Closes the lease.
     */
    public Outcome run(Lease lease, JobReporter reporter, String firstStep, JobExecution.Work work) {
        Thread runner = Thread.currentThread();
        try (lease;
                JobCancellation cancellation = JobCancellation.open()) {
            reporter.fencedBy(lease.token());
            lease.onLost(runner::interrupt); // another worker owns the job now: stop this run
            lease.onCancel(() -> {
                if (cancellation.cancel()) {
                    log.info("job {} cancelled on request at step '{}': stopping it", lease.jobId, reporter.step());
                }
            });
            return JobExecution.run(reporter, firstStep, work, cancellation::requested);
        } finally {
            Thread.interrupted(); // a lost lease's interrupt must not reach the caller (a pooled thread)
        }
    }

    private static boolean waited(long startedNanos, Duration patience) {
        return System.nanoTime() - startedNanos > patience.toNanos();
    }

    private static void sleep(Duration pause) {
        try {
            Thread.sleep(pause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while claiming a job", e);
        }
    }

    /** A claim held while the job runs; closing it stops the renewals (the final event ends the lease). */
    public final class Lease implements AutoCloseable {
        private final JobId jobId;
        private final long token;
        private final Thread renewer;
        private volatile boolean lost;
        private volatile boolean cancelRequested;
        private Runnable onLost = () -> {};
        private Runnable onCancel = () -> {};
        private boolean closed;

        private Lease(JobId jobId, JobLease granted) {
            this.jobId = jobId;
            this.token = granted.token();
            this.cancelRequested = granted.cancelRequested();
            this.renewer = Thread.ofVirtual().name("lease-" + jobId).start(this::renew);
        }

        /** The fencing token: every event of this run carries it, and the catalog ignores older ones. */
        public long token() {
            return token;
        }

        /** Whether the catalog gave the job away: this run must stop and its events are ignored. */
        public boolean lost() {
            return lost;
        }

        /** What to do once the lease is lost (e.g. interrupt the thread running the job); never after close. */
        public synchronized void onLost(Runnable action) {
            this.onLost = action;
            if (lost && !closed) {
                action.run();
            }
        }

        /** What to do when the catalog says the job was cancelled (stop it); never after close. */
        public synchronized void onCancel(Runnable action) {
            this.onCancel = action;
            if (cancelRequested && !closed) {
                action.run();
            }
        }

        private synchronized void cancelled() {
            if (!cancelRequested) {
                cancelRequested = true;
                if (!closed) {
                    onCancel.run();
                }
            }
        }

        /** Marks the lease lost and runs the action, unless the run already ended (closed). */
        private synchronized void lose() {
            lost = true;
            if (!closed) {
                onLost.run();
            }
        }

        private void renew() {
            // a third of the lease, and at most two seconds: a cancel reaches the job with the next answer
            Duration every =
                    lease.dividedBy(3).compareTo(MAX_RENEWAL_INTERVAL) > 0 ? MAX_RENEWAL_INTERVAL : lease.dividedBy(3);
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    Thread.sleep(every);
                } catch (InterruptedException e) {
                    return;
                }
                try {
                    Optional<JobLease> renewed = catalog.heartbeat(
                            jobId.toString(), new LeaseRenewal(owner, token, (int) lease.toSeconds()));
                    if (renewed.isEmpty()) {
                        log.warn(
                                "lost the lease of job {} (token {}): the catalog gave it away; stopping",
                                jobId,
                                token);
                        lose();
                        return;
                    }
                    if (renewed.get().cancelRequested()) {
                        cancelled();
                    }
                } catch (RuntimeException e) {
                    // the catalog is unreachable: keep trying; if this lasts past the lease, it reclaims the job
                    log.warn("cannot renew the lease of job {}: {}", jobId, e.getMessage());
                }
            }
        }

        /**
         * Stops the renewals. After this returns the lost-lease action never runs, even if a renewal in flight
         * comes back refused (the job just ended): it must not interrupt a thread that has moved on.
         */
        @Override
        public synchronized void close() {
            closed = true;
            renewer.interrupt();
        }
    }
}

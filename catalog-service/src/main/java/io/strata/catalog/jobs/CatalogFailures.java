package io.strata.catalog.jobs;

import io.strata.catalog.backups.BackupStore;
import io.strata.catalog.jobs.JobTransitions.Transition;
import io.strata.common.model.JobKind;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Jobs the catalog fails on its own account (a record it cannot store, a worker whose lease ran out), the
 * way a worker's JobFailed fails them: the job and, for a backup job, its backup, in the caller's
 * transaction.
 */
@Component
class CatalogFailures {
    private static final Logger log = LoggerFactory.getLogger(CatalogFailures.class);
    private final JobStore jobs;
    private final BackupStore backups;

    CatalogFailures(JobStore jobs, BackupStore backups) {
        this.jobs = jobs;
        this.backups = backups;
    }

    /** FAILED with {@code code} and {@code message} unless it already ended; the caller holds the row lock. */
    Transition fail(Job job, Instant now, String code, String message) {
        Transition transition = JobTransitions.failedByCatalog(job.state(), now, code, message);
        if (transition instanceof Transition.Applied applied) {
            jobs.update(job.jobId(), applied.next(), null, now);
            if (job.origin().kind() == JobKind.BACKUP && job.origin().backupId() != null) {
                backups.markFailed(job.origin().backupId(), JobEventService.backupError(code, message), now);
            }
            log.warn("Job {} {} -> FAILED ({}): {}", job.jobId(), job.state().status(), code, message);
        }
        return transition;
    }
}

package io.strata.catalog.jobs;

import io.strata.catalog.backups.BackupStore;
import io.strata.catalog.jobs.JobTransitions.Transition;
import io.strata.catalog.web.ConflictException;
import io.strata.catalog.web.ResourceNotFoundException;
import io.strata.common.model.JobKind;
import io.strata.common.model.JobStatus;
import io.strata.platform.catalog.CatalogApi.CancelAnswer;
import java.time.Clock;
import java.time.Instant;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * {@code POST /internal/v1/jobs/{id}/cancel}: a QUEUED job ends CANCELLED at once (a worker that takes its
 * command later finds it ended); a RUNNING one that {@link CancelPolicy} allows is marked, and its worker
 * learns it from its next heartbeat answer (every two seconds at most), stops, and reports it CANCELLED.
 */
@Service
class JobCancels {
    private static final Logger log = LoggerFactory.getLogger(JobCancels.class);
    private final JobStore jobs;
    private final JobCommandStore commands;
    private final BackupStore backups;
    private final Clock clock;

    JobCancels(JobStore jobs, JobCommandStore commands, BackupStore backups, Clock clock) {
        this.jobs = jobs;
        this.commands = commands;
        this.backups = backups;
        this.clock = clock;
    }

    @Transactional
    CancelAnswer cancel(UUID jobId, String actor) {
        Instant now = clock.instant();
        Job job = jobs.lock(jobId).orElseThrow(() -> new ResourceNotFoundException("job", jobId.toString()));
        JobStatus status = job.state().status();
        if (status.isTerminal()) {
            throw new ConflictException("Job " + jobId + " already ended: it is " + status
                    + (job.state().finishedAt() == null
                            ? ""
                            : " since " + job.state().finishedAt())
                    + "; there is nothing to cancel.");
        }
        if (status == JobStatus.QUEUED) {
            String message = "Cancelled by " + actor + " before a worker started it.";
            if (JobTransitions.cancelledOnRequest(job.state(), now, message) instanceof Transition.Applied applied) {
                jobs.update(jobId, applied.next(), null, now);
                commands.retire(jobId);
                if (job.origin().kind() == JobKind.BACKUP && job.origin().backupId() != null) {
                    backups.markCancelled(job.origin().backupId(), JobTransitions.CANCELLED + ": " + message, now);
                }
            }
            log.info(
                    "Job {} ({} of {}) QUEUED -> CANCELLED by {}",
                    jobId,
                    job.origin().kind(),
                    job.origin().source(),
                    actor);
            return new CancelAnswer(jobId.toString(), JobStatus.CANCELLED, message);
        }
        CancelPolicy.refusal(job).ifPresent(why -> {
            throw new ConflictException(why);
        });
        if (!jobs.requestCancel(jobId, actor, now)) {
            return new CancelAnswer(
                    jobId.toString(),
                    JobStatus.RUNNING,
                    "Cancelling since " + job.cancelRequestedAt() + ": "
                            + job.lease().owner() + " stops it.");
        }
        log.info(
                "Job {} ({} of {}) cancel requested by {}; {} stops it",
                jobId,
                job.origin().kind(),
                job.origin().source(),
                actor,
                job.lease().owner());
        return new CancelAnswer(
                jobId.toString(),
                JobStatus.RUNNING,
                "Cancelling: "
                        + (job.lease().owner() == null
                                ? "its worker"
                                : job.lease().owner())
                        + " learns it within seconds, stops the job at step '"
                        + job.state().currentStep()
                        + "', removes what it wrote, and the job ends CANCELLED.");
    }
}

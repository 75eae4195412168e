package io.strata.catalog.jobs;

import io.strata.common.event.JobEvent;
import io.strata.common.event.JobFailed;
import io.strata.common.event.JobProgressed;
import io.strata.common.event.JobResult;
import io.strata.common.event.JobStarted;
import io.strata.common.event.JobSucceeded;
import io.strata.common.model.FailureCode;
import io.strata.common.model.JobStatus;
import java.time.Instant;

/**
 * The job state machine, free of storage so its rules can be checked on their own:
 * {@code QUEUED -> RUNNING -> SUCCEEDED | FAILED | CANCELLED}. Terminal states are final and progress
 * (percent, bytes done) never decreases, because events may be redelivered or arrive from a worker that
 * restarted. No event moves a job back to QUEUED; only the lease sweeper does ({@link #requeued}), when
 * the worker running a job that is safe to repeat was lost.
 */
final class JobTransitions {
    /** The code a worker fails a job with when it stopped it on request: the job ends CANCELLED. */
    static final String CANCELLED = FailureCode.CANCELLED.name();

    private JobTransitions() {}

    /** A job cancelled on request: QUEUED before any worker took it, or RUNNING when its worker stopped it. */
    static Transition cancelledOnRequest(JobState current, Instant at, String message) {
        if (current.status().isTerminal()) {
            return new Transition.Ignored("job is already " + current.status());
        }
        return new Transition.Applied(cancelled(current, at, message));
    }

    private static JobState cancelled(JobState current, Instant at, String message) {
        JobState ended = current.withStatus(JobStatus.CANCELLED).withError(CANCELLED, message);
        return ended.withTimes(current.startedAt(), at)
                .withProgress(ended.progressPercent(), "cancelled", ended.bytesDone(), ended.bytesTotal());
    }

    /** What an event does to a job in state {@code current}. */
    static Transition apply(JobState current, JobEvent event) {
        if (current.status().isTerminal()) {
            return new Transition.Ignored("job is already " + current.status());
        }
        JobState next = switch (event) {
            case JobStarted started -> started(current, started);
            case JobProgressed progressed -> progressed(current, progressed);
            case JobSucceeded succeeded -> succeeded(current, succeeded);
            case JobFailed failed ->
                failed.code() == FailureCode.CANCELLED
                        ? cancelled(current, failed.occurredAt(), failed.message())
                        : failed(current, failed.occurredAt(), failed.code().name(), failed.message());
        };
        return new Transition.Applied(next);
    }

    private static JobState started(JobState current, JobStarted event) {
        JobState running = running(current, event.occurredAt());
        String step = event.step() != null ? event.step() : running.currentStep();
        return running.withProgress(running.progressPercent(), step, running.bytesDone(), running.bytesTotal());
    }

    private static JobState progressed(JobState current, JobProgressed event) {
        JobState running = running(current, event.occurredAt());
        int percent = Math.max(running.progressPercent(), clampPercent(event.percent()));
        long done = Math.max(running.bytesDone(), event.bytesDone());
        // zero means the worker does not know the total (yet); an estimate it does send replaces the old one
        long total = event.bytesTotal() > 0 ? event.bytesTotal() : running.bytesTotal();
        String step = event.step() != null ? event.step() : running.currentStep();
        return running.withProgress(percent, step, done, total);
    }

    private static JobState succeeded(JobState current, JobSucceeded event) {
        JobState done = current.withStatus(JobStatus.SUCCEEDED)
                .withTimes(startedOr(current, event.occurredAt()), event.occurredAt());
        // Finished: the bytes are the result's real size, no longer the running estimate.
        long bytes = Math.max(done.bytesDone(), resultBytes(event.result()));
        return done.withProgress(100, "done", bytes, bytes);
    }

    private static long resultBytes(JobResult result) {
        return switch (result) {
            case JobResult.BackupResult backup -> backup.sizeBytes();
            case JobResult.RestoreResult restore -> restore.restoredBytes();
            case JobResult.UploadRestoreResult upload -> upload.uploadedBytes();
            case JobResult.WalCleanupResult cleanup -> cleanup.deletedBytes();
            case JobResult.VerifyResult verify -> verify.storedBytes();
            case JobResult.DeleteResult delete -> delete.storedBytes();
            case JobResult.RetentionResult retention -> retention.storedBytes() + retention.walBytes();
            case JobResult.DrillResult drill -> drill.restoredBytes();
            case null -> 0;
        };
    }

    /**
     * What the catalog itself does to a job whose event or command it could not record: FAILED with
     * {@code code}, unless the job already ended.
     */
    static Transition failedByCatalog(JobState current, Instant at, String code, String message) {
        if (current.status().isTerminal()) {
            return new Transition.Ignored("job is already " + current.status());
        }
        return new Transition.Applied(failed(current, at, code, message));
    }

    /**
     * The one move back: a RUNNING job whose worker was lost waits QUEUED for another, showing {@code step};
     * its progress stays, so it does not go backwards while the next worker catches up.
     */
    static Transition requeued(JobState current, String step) {
        if (current.status() != JobStatus.RUNNING) {
            return new Transition.Ignored(
                    "only a RUNNING job goes back to QUEUED, and this one is " + current.status());
        }
        return new Transition.Applied(current.withStatus(JobStatus.QUEUED)
                .withProgress(current.progressPercent(), step, current.bytesDone(), current.bytesTotal()));
    }

    private static JobState failed(JobState current, Instant at, String code, String message) {
        return current.withStatus(JobStatus.FAILED)
                .withTimes(startedOr(current, at), at)
                .withError(code, message);
    }

    /** RUNNING, keeping the first start time: a repeated start (worker retry) does not reset it. */
    private static JobState running(JobState current, Instant at) {
        return current.withStatus(JobStatus.RUNNING).withTimes(startedOr(current, at), current.finishedAt());
    }

    private static Instant startedOr(JobState current, Instant at) {
        return current.startedAt() != null ? current.startedAt() : at;
    }

    private static int clampPercent(int percent) {
        return Math.clamp(percent, 0, 100);
    }

    /** Either the job's next state, or why the event changes nothing. */
    sealed interface Transition {
        record Applied(JobState next) implements Transition {}

        record Ignored(String reason) implements Transition {}
    }
}

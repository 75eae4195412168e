package io.strata.catalog.jobs;

import io.strata.common.event.JobResult;
import io.strata.common.messaging.Json;
import io.strata.common.model.JobKind;
import io.strata.platform.catalog.CatalogApi.JobError;
import io.strata.platform.catalog.CatalogApi.JobView;
import java.time.Instant;
import java.util.UUID;

/**
 * One row of the {@code job} table: who the job is ({@link JobOrigin}), where it stands ({@link JobState}),
 * which worker holds it ({@link Lease}) and, once it succeeded, what it produced (its JobResult as JSON, or
 * null), and when a cancel was asked for while it ran (null: never).
 */
record Job(JobOrigin origin, JobState state, Lease lease, String resultJson, Instant cancelRequestedAt) {

    Job(JobOrigin origin, JobState state, Lease lease, String resultJson) {
        this(origin, state, lease, resultJson, null);
    }

    UUID jobId() {
        return origin.jobId();
    }

    JobView toView() {
        JobError error = state.errorCode() == null && state.errorMessage() == null
                ? null
                : new JobError(state.errorCode(), state.errorMessage());
        return new JobView(
                origin.jobId().toString(),
                origin.kind(),
                origin.source(),
                state.status(),
                state.progressPercent(),
                state.currentStep(),
                state.bytesDone(),
                state.bytesTotal(),
                origin.createdAt(),
                state.startedAt(),
                state.finishedAt(),
                error,
                origin.backupId(),
                origin.requestId(),
                resultJson == null ? null : Json.read(resultJson, JobResult.class),
                lease.owner(),
                lease.heartbeatAt(),
                lease.expiresAt(),
                cancelRequestedAt);
    }

    /** What a job is from its creation on; events never change it. */
    record JobOrigin(UUID jobId, JobKind kind, String source, String backupId, String requestId, Instant createdAt) {}

    /**
     * The job's lease: {@code owner} claimed it last (null if never claimed) with {@code token}; it is
     * lost unless renewed by {@code expiresAt} (null when no lease runs); {@code lostLeases} counts the
     * workers that lost it.
     */
    record Lease(String owner, long token, Instant expiresAt, Instant heartbeatAt, int lostLeases) {}
}

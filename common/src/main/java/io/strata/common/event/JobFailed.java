package io.strata.common.event;

import io.strata.common.model.FailureCode;
import java.time.Instant;

/**
 * The job ended without its result. {@code code} is stable for machines (e.g. {@code CHECKSUM_MISMATCH}; a
 * record with a code outside {@link FailureCode} is not a valid event); {@code message} says what went
 * wrong and what to do. {@code CANCELLED} ends the job CANCELLED rather than FAILED.
 */
public record JobFailed(
        int schemaVersion, JobRef job, Instant occurredAt, FailureCode code, String message, boolean retryable)
        implements JobEvent {
    @Override
    public String ceType() {
        return "strata.job.failed.v1";
    }
}

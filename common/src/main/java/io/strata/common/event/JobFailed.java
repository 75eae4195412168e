package io.strata.common.event;

import java.time.Instant;

/**
 * The job ended without its result. {@code code} is stable for machines (e.g. {@code CHECKSUM_MISMATCH});
 * {@code message} says what went wrong and what to do.
 */
public record JobFailed(
        int schemaVersion, JobRef job, Instant occurredAt, String code, String message, boolean retryable)
        implements JobEvent {
    @Override
    public String ceType() {
        return "strata.job.failed.v1";
    }
}

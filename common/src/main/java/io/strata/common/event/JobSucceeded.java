package io.strata.common.event;

import java.time.Instant;

/** The job finished and its result is durable. */
public record JobSucceeded(int schemaVersion, JobRef job, Instant occurredAt, JobResult result) implements JobEvent {
    @Override
    public String ceType() {
        return "strata.job.succeeded.v1";
    }
}

package io.strata.common.event;

import java.time.Instant;

/** A worker took the job and began. */
public record JobStarted(int schemaVersion, JobRef job, Instant occurredAt, String step, String worker)
        implements JobEvent {
    @Override
    public String ceType() {
        return "strata.job.started.v1";
    }
}

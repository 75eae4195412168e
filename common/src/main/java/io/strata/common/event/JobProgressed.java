package io.strata.common.event;

import java.time.Instant;

/** How far a running job is. {@code bytesTotal} is an estimate where the total is unknown up front. */
public record JobProgressed(
        int schemaVersion, JobRef job, Instant occurredAt, int percent, String step, long bytesDone, long bytesTotal)
        implements JobEvent {
    @Override
    public String ceType() {
        return "strata.job.progress.v1";
    }
}

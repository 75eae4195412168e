package io.strata.common.event;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.strata.common.messaging.Message;
import io.strata.common.model.JobId;
import io.strata.common.model.JobKind;
import java.time.Instant;

/**
 * What happens to a job, on {@code strata.job.events} keyed by job id. Every event names its job's
 * kind, source and caller's request id, so a consumer can follow a job it has never seen created.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = JobStarted.class, name = "JobStarted"),
    @JsonSubTypes.Type(value = JobProgressed.class, name = "JobProgressed"),
    @JsonSubTypes.Type(value = JobSucceeded.class, name = "JobSucceeded"),
    @JsonSubTypes.Type(value = JobFailed.class, name = "JobFailed")
})
public sealed interface JobEvent extends Message permits JobStarted, JobProgressed, JobSucceeded, JobFailed {
    int SCHEMA_VERSION = 1;

    JobRef job();

    Instant occurredAt();

    @Override
    default String kafkaKey() {
        return job().jobId().toString();
    }

    @Override
    default String jobIdHeader() {
        return job().jobId().toString();
    }

    /** The identity of the job an event is about. */
    record JobRef(JobId jobId, JobKind kind, String source, String requestId, String backupId) {}
}

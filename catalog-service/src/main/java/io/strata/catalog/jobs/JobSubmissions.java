package io.strata.catalog.jobs;

import io.strata.catalog.jobs.Job.JobOrigin;
import io.strata.common.messaging.Json;
import io.strata.common.messaging.Message;
import io.strata.common.model.JobKind;
import io.strata.platform.catalog.CatalogApi.JobCommand;
import io.strata.platform.catalog.CatalogApi.JobView;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Jobs the catalog itself starts (a schedule's fire): recorded with their command exactly as the gateway's
 * {@code POST /internal/v1/jobs} records them, so they go the same way from there (dispatch limits, the
 * outbox, leases, events).
 */
@Service
public class JobSubmissions {
    private final JobRegistry registry;
    private final JobStore jobs;
    private final String producer;

    JobSubmissions(JobRegistry registry, JobStore jobs, @Value("${spring.application.name}") String producer) {
        this.registry = registry;
        this.jobs = jobs;
        this.producer = producer;
    }

    /**
     * Records the job {@code jobId} QUEUED with {@code command} (sent on {@code topic} once it may run), in
     * the caller's transaction: if that rolls back, neither the job nor its command exist.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public JobView submit(
            UUID jobId,
            JobKind kind,
            String source,
            String backupId,
            String requestId,
            Instant at,
            String topic,
            Message command) {
        JobCommand stored = new JobCommand(topic, command.kafkaKey(), command.ceType(), producer, Json.write(command));
        return registry.register(new JobOrigin(jobId, kind, source, backupId, requestId, at), stored, command)
                .job();
    }

    /** A job of {@code kind} of {@code source} that is QUEUED or RUNNING, if any (the oldest). */
    public Optional<JobView> unfinished(String source, JobKind kind) {
        return jobs.oldestUnfinished(source, kind).map(Job::toView);
    }
}

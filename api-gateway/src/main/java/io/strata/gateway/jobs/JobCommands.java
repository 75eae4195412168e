package io.strata.gateway.jobs;

import io.strata.common.messaging.Message;
import io.strata.common.model.JobStatus;
import io.strata.gateway.problem.ApiException;
import io.strata.platform.catalog.CatalogApi.JobView;
import io.strata.platform.catalog.CatalogApi.NewJob;
import io.strata.platform.catalog.CatalogClient;
import io.strata.platform.messaging.MessagePublisher;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Turns an accepted request into a job: records it in the catalog first, so {@code GET /jobs/{id}} shows
 * it QUEUED before the caller hears 202, then publishes its command and waits for Kafka's ack.
 *
 * <p>The catalog's {@code createJob} is idempotent on the job id; a job that already exists and has
 * left QUEUED was handled before, so its command is not published again. The command's {@code ce_id}
 * is derived from the job id, so a re-published command is recognisably the same one downstream.
 */
@Component
public class JobCommands {
    private static final Logger log = LoggerFactory.getLogger(JobCommands.class);
    private final CatalogClient catalog;
    private final MessagePublisher publisher;

    public JobCommands(CatalogClient catalog, MessagePublisher publisher) {
        this.catalog = catalog;
        this.publisher = publisher;
    }

    /**
     * @param command builds the command from the job as the catalog holds it (a redelivered request
     *     must reuse the backup id recorded the first time)
     */
    public JobView enqueue(NewJob job, String topic, Function<JobView, Message> command) {
        JobView created = catalog.createJob(job);
        if (created.status() != JobStatus.QUEUED) {
            log.info(
                    "job {} already exists with status {}; not publishing its command again",
                    created.jobId(),
                    created.status());
            return created;
        }
        try {
            publisher.publish(topic, command.apply(created), commandCeId(created.jobId()));
        } catch (MessagePublisher.PublishException e) {
            // The catalog has no way to fail a job but a job event, and that needs the same Kafka: the job
            // stays QUEUED; the caller learns so and may retry with a new request.
            throw ApiException.unavailable(
                    "job " + created.jobId() + " was recorded but its command could not be queued (" + e.getMessage()
                            + "); the job stays QUEUED and will not run: retry the request once Kafka is back",
                    e);
        }
        return created;
    }

    static String commandCeId(String jobId) {
        return UUID.nameUUIDFromBytes(("command:" + jobId).getBytes(StandardCharsets.UTF_8))
                .toString();
    }
}

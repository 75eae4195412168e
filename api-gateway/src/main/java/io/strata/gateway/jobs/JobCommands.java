package io.strata.gateway.jobs;

import io.strata.common.messaging.Json;
import io.strata.common.messaging.Message;
import io.strata.platform.catalog.CatalogApi.JobCommand;
import io.strata.platform.catalog.CatalogApi.JobView;
import io.strata.platform.catalog.CatalogApi.NewJob;
import io.strata.platform.catalog.CatalogClient;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Turns an accepted request into a job: hands the job and its command to the catalog, which stores both in
 * one transaction (its outbox) and relays the command to Kafka. So {@code GET /jobs/{id}} shows the job
 * QUEUED before the caller hears 202, and a 202 means the command will be delivered, even if Kafka is down
 * right now: the relay keeps trying.
 *
 * <p>The catalog's {@code createJob} is idempotent on the job id: a job that already exists keeps the
 * command it was created with (a redelivered request finds the backup id chosen the first time).
 */
@Component
public class JobCommands {
    private final CatalogClient catalog;
    private final String producer;

    public JobCommands(CatalogClient catalog, @Value("${spring.application.name}") String producer) {
        this.catalog = catalog;
        this.producer = producer;
    }

    /** Records {@code job} with {@code command} (published on {@code topic}); the job as the catalog holds it. */
    public JobView enqueue(NewJob job, String topic, Message command) {
        return catalog.createJob(job.withCommand(
                new JobCommand(topic, command.kafkaKey(), command.ceType(), producer, Json.write(command))));
    }
}

package io.strata.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.strata.common.event.JobEvent;
import io.strata.common.event.JobFailed;
import io.strata.common.event.JobStarted;
import io.strata.common.event.JobSucceeded;
import io.strata.common.messaging.Topics;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class BackupRequestIT extends StackTestSupport {

    @Test
    void backupRequestedOnKafkaBecomesJobWhoseEventsCarryRequestId() throws Exception {
        String source = registerSampleSource(unique("billing"), 2_000);
        String requestId = "billing-nightly-" + UUID.randomUUID();

        try (JobEvents events = new JobEvents(stack.kafkaBootstrap())) {
            JobEvents.publish(
                    stack.kafkaBootstrap(),
                    Topics.BACKUP_REQUESTS,
                    source,
                    """
                    {"schemaVersion":1,"requestId":"%s","source":"%s","kind":"LOGICAL","type":"FULL","description":"nightly from billing"}
                    """.formatted(requestId, source),
                    JobEvents.ceHeaders(UUID.randomUUID().toString(), "strata.backup.request.v1"));

            await().atMost(Duration.ofMinutes(2))
                    .until(() -> forRequest(events, requestId).stream().anyMatch(JobSucceeded.class::isInstance));
            List<JobEvent> mine = forRequest(events, requestId);
            String jobId = mine.getFirst().job().jobId().toString();
            assertThat(mine)
                    .allSatisfy(e -> assertThat(e.job().jobId().toString()).isEqualTo(jobId));
            assertThat(mine.getFirst()).isInstanceOf(JobStarted.class);
            assertThat(events.of(jobId))
                    .as("every event of the job carries the requestId")
                    .allSatisfy(e -> assertThat(e.job().requestId()).isEqualTo(requestId));

            // the catalog consumes the same events on its own: wait for it to see the success too
            JsonNode job = awaitSucceeded(jobId);
            assertThat(job.get("requestId").asString()).isEqualTo(requestId);
        }
    }

    @Test
    void invalidBackupRequestIsAnsweredWithFailedEventCarryingRequestId() throws Exception {
        String requestId = "bad-" + UUID.randomUUID();
        try (JobEvents events = new JobEvents(stack.kafkaBootstrap())) {
            JobEvents.publish(
                    stack.kafkaBootstrap(),
                    Topics.BACKUP_REQUESTS,
                    "no-such-source",
                    """
                    {"schemaVersion":1,"requestId":"%s","source":"no-such-source","kind":"LOGICAL","type":"FULL"}
                    """.formatted(requestId),
                    JobEvents.ceHeaders(UUID.randomUUID().toString(), "strata.backup.request.v1"));

            await().atMost(Duration.ofMinutes(1))
                    .until(() -> !forRequest(events, requestId).isEmpty());
            JobEvent answer = forRequest(events, requestId).getFirst();
            assertThat(answer).isInstanceOf(JobFailed.class);
            assertThat(((JobFailed) answer).message()).contains("no-such-source");
        }
    }

    private static List<JobEvent> forRequest(JobEvents events, String requestId) {
        return events.all().stream()
                .map(JobEvents.Received::event)
                .filter(e -> requestId.equals(e.job().requestId()))
                .toList();
    }
}

package io.strata.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.common.command.TakeBackup;
import io.strata.common.messaging.Json;
import io.strata.common.messaging.Topics;
import io.strata.common.model.BackupId;
import io.strata.common.model.BackupKind;
import io.strata.common.model.BackupType;
import io.strata.common.model.JobId;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Finding 5 of issue #7, through Kafka (the gateway refuses a NUL itself): a backup command whose description
 * holds a NUL, sent by a service with write access to the command topic. Before, the backup ran to the end in
 * S3 while its job stayed RUNNING for ever, because the catalog dead-lettered every event of the job.
 */
class InvalidEventsIT extends StackTestSupport {

    @Test
    void aCommandTheCatalogCannotStoreFailsItsJobAndIsRecordedInsteadOfLeavingItRunning() throws Exception {
        String source = registerSampleSource(unique("nulcmd"), 50);
        TakeBackup command = new TakeBackup(
                TakeBackup.SCHEMA_VERSION,
                JobId.random(),
                BackupId.newId(Instant.now()),
                source,
                BackupKind.LOGICAL,
                BackupType.FULL,
                false,
                "nightly\u0000backup",
                null,
                Instant.now());
        String ceId = UUID.randomUUID().toString();
        Map<String, String> headers = new HashMap<>(JobEvents.ceHeaders(ceId, command.ceType()));
        headers.put("strata_job_id", command.jobId().toString());
        JobEvents.publish(
                stack.kafkaBootstrap(), Topics.BACKUP_COMMANDS, command.kafkaKey(), Json.write(command), headers);

        JsonNode job = awaitJob(command.jobId().toString());
        assertThat(job.get("status").asString()).isEqualTo("FAILED");
        assertThat(job.get("error").get("code").asString()).isEqualTo("INVALID_EVENT");
        assertThat(job.get("error").get("message").asString()).contains("NUL").contains("description");

        HttpResponse<String> log = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(stack.catalogUrl() + "/internal/v1/invalid-events?limit=50"))
                                .header("Authorization", "Bearer " + stack.catalogAdminToken())
                                .timeout(Duration.ofSeconds(10))
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(log.statusCode()).as(log.body()).isEqualTo(200);
        assertThat(Json.mapper().readTree(log.body()))
                .as("recorded in the catalog's invalid-event log")
                .anySatisfy(entry -> {
                    assertThat(entry.get("ceId").asString()).isEqualTo(ceId);
                    assertThat(entry.get("jobId").asString())
                            .isEqualTo(command.jobId().toString());
                    assertThat(entry.get("payloadExcerpt").asString()).doesNotContain("\u0000");
                });

        // the worker may still run the dump; whatever it reports later, the job stays FAILED
        awaitSucceeded(requestBackup(source).text("jobId"));
        assertThat(viewer.get("/api/v1/jobs/" + command.jobId()).text("status")).isEqualTo("FAILED");
    }
}

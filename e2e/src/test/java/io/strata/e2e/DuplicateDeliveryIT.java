package io.strata.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.strata.common.command.TakeBackup;
import io.strata.common.event.JobEvent;
import io.strata.common.event.JobEvent.JobRef;
import io.strata.common.event.JobFailed;
import io.strata.common.event.JobProgressed;
import io.strata.common.event.JobStarted;
import io.strata.common.messaging.Json;
import io.strata.common.messaging.Topics;
import io.strata.common.model.BackupId;
import io.strata.common.model.BackupKind;
import io.strata.common.model.BackupType;
import io.strata.common.model.FailureCode;
import io.strata.common.model.JobId;
import io.strata.common.model.JobKind;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class DuplicateDeliveryIT extends StackTestSupport {

    /**
     * Issue #8: the command of a running job delivered again under a new {@code ce_id} (so no idempotency
     * key can catch it) is taken by a worker while the job runs, and its claim is refused: the job runs
     * once. The duplicate is known to have been handled while the job ran because the worker share group's
     * start offset moved past it before the lock that holds the job was released.
     */
    @Test
    void aCommandDeliveredAgainUnderANewCeIdWhileItsJobRunsIsNotRunTwice() throws Exception {
        String database = unique("dupcmd");
        String source = registerSampleSource(database, 1_000);
        TakeBackup command = takeBackup(source);
        String jobId = command.jobId().toString();

        try (JobEvents events = new JobEvents(stack.kafkaBootstrap());
                Connection lock = sourceCluster.connect(database)) {
            holdLock(lock);
            publishCommand(command, UUID.randomUUID().toString());
            String owner = awaitStep(jobId, "dumping").get("owner").asString();
            RecordMetadata duplicate = publishCommand(command, UUID.randomUUID().toString());
            ShareGroups.awaitSettled(stack.kafkaBootstrap(), "backup-worker", duplicate, Duration.ofSeconds(60));
            JsonNode stillRunning = viewer.get("/api/v1/jobs/" + jobId).json();
            assertThat(stillRunning.get("status").asString()).isEqualTo("RUNNING");
            assertThat(stillRunning.get("owner").asString()).isEqualTo(owner);
            lock.rollback();

            awaitSucceeded(jobId);
            long starts = events.of(jobId).stream()
                    .filter(JobStarted.class::isInstance)
                    .count();
            assertThat(starts).as("the backup ran once").isEqualTo(1);
            assertThat(viewer.get("/api/v1/backups?source=" + source).json()).hasSize(1);
        }
    }

    @Test
    void eventDeliveredTwiceWithSameCeIdChangesNothing() throws Exception {
        String jobId = JobId.random().toString();
        String source = registerSampleSource(unique("dupevt"), 10);
        JobRef ref = new JobRef(JobId.parse(jobId), JobKind.VERIFY, source, null, null);
        String ceId = UUID.randomUUID().toString();

        publishEvent(new JobProgressed(1, ref, Instant.now(), 10, "checking", 10, 100), ceId);
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(
                        () -> assertThat(viewer.get("/api/v1/jobs/" + jobId).text("status"))
                                .isEqualTo("RUNNING"));

        publishEvent(
                new JobFailed(1, ref, Instant.now(), FailureCode.INTERNAL, "should be ignored as a duplicate", false),
                ceId);
        publishEvent(
                new JobProgressed(1, ref, Instant.now(), 20, "checking", 20, 100),
                UUID.randomUUID().toString());

        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(viewer.get("/api/v1/jobs/" + jobId)
                                .json()
                                .get("progressPercent")
                                .asInt())
                        .isEqualTo(20));
        assertThat(viewer.get("/api/v1/jobs/" + jobId).text("status")).isEqualTo("RUNNING");
    }

    private TakeBackup takeBackup(String source) {
        return new TakeBackup(
                TakeBackup.SCHEMA_VERSION,
                JobId.random(),
                BackupId.newId(Instant.now()),
                source,
                BackupKind.LOGICAL,
                BackupType.FULL,
                false,
                "duplicate delivery test",
                null,
                Instant.now());
    }

    private RecordMetadata publishCommand(TakeBackup command, String ceId) {
        return JobEvents.publish(
                stack.kafkaBootstrap(),
                Topics.BACKUP_COMMANDS,
                command.kafkaKey(),
                Json.write(command),
                withJob(
                        JobEvents.ceHeaders(ceId, command.ceType()),
                        command.jobId().toString()));
    }

    private void publishEvent(JobEvent event, String ceId) {
        JobEvents.publish(
                stack.kafkaBootstrap(),
                Topics.JOB_EVENTS,
                event.kafkaKey(),
                Json.write(event),
                withJob(
                        JobEvents.ceHeaders(ceId, event.ceType()),
                        event.job().jobId().toString()));
    }

    private static java.util.Map<String, String> withJob(java.util.Map<String, String> headers, String jobId) {
        var all = new java.util.HashMap<>(headers);
        all.put("strata_job_id", jobId);
        return all;
    }
}

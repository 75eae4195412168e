package io.strata.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.strata.common.event.JobStarted;
import io.strata.devstack.ManagedService;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.sql.Connection;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Issue #8's fault suite: the Kafka broker and the catalog restart in the middle of a backup (held on a
 * lock, so it surely runs across the restart). The job finishes with the right final state, runs once,
 * and what was asked while the broker was down is not lost.
 */
class RestartsIT extends StackTestSupport {

    @Test
    void aBrokerRestartDuringABackupLosesNoCommandAndNoEvent() throws Exception {
        String database = unique("brokerrestart");
        String source = registerSampleSource(database, 300);
        String other = registerSampleSource(unique("brokerrestart_other"), 50);
        Map<String, String> before = SampleDatabase.fingerprint(sourceCluster, database);
        String jobId;
        String askedWhileDown;
        try (Connection lock = sourceCluster.connect(database)) {
            holdLock(lock);
            jobId = requestBackup(source).text("jobId");
            awaitStep(jobId, "dumping");
            Thread broker = Thread.ofPlatform().start(() -> {
                try {
                    stack.restartKafka(Duration.ofSeconds(5));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            await().atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> !brokerAnswers());
            // the broker is down: the job and its command are still stored (the outbox sends it later)
            askedWhileDown = requestBackup(other).text("jobId");
            broker.join();
            lock.rollback();
        }
        JsonNode done = awaitSucceeded(jobId);
        awaitSucceeded(askedWhileDown);
        try (JobEvents events = new JobEvents(stack.kafkaBootstrap())) {
            org.awaitility.Awaitility.await()
                    .atMost(Duration.ofSeconds(30))
                    .until(() ->
                            events.of(jobId).stream().anyMatch(e -> e instanceof io.strata.common.event.JobSucceeded));
            assertThat(events.of(jobId).stream()
                            .filter(JobStarted.class::isInstance)
                            .count())
                    .as("the backup ran once")
                    .isEqualTo(1);
        }
        assertThat(viewer.get("/api/v1/backups?source=" + source).json()).hasSize(1);
        assertRestoresEqual(source, done.get("backupId").asString(), before);
    }

    @Test
    void aCatalogRestartDuringABackupEndsWithTheRightFinalState() throws Exception {
        String database = unique("catalogrestart");
        String source = registerSampleSource(database, 300);
        Map<String, String> before = SampleDatabase.fingerprint(sourceCluster, database);
        ManagedService catalog = stack.service("catalog-service");
        String jobId;
        try (Connection lock = sourceCluster.connect(database)) {
            holdLock(lock);
            jobId = requestBackup(source).text("jobId");
            String owner = awaitStep(jobId, "dumping").get("owner").asString();
            catalog.restart(); // heartbeats fail meanwhile; the lease sweeper waits 30 s after a start
            JsonNode after = viewer.get("/api/v1/jobs/" + jobId).json();
            assertThat(after.get("status").asString()).isEqualTo("RUNNING");
            assertThat(after.get("owner").asString()).isEqualTo(owner);
            lock.rollback();
        }
        JsonNode done = awaitSucceeded(jobId);
        assertThat(viewer.get("/api/v1/backups/" + done.get("backupId").asString())
                        .text("status"))
                .isEqualTo("SUCCEEDED");
        assertRestoresEqual(source, done.get("backupId").asString(), before);
    }

    /** Whether the broker accepts a connection on its bootstrap address. */
    private boolean brokerAnswers() {
        String bootstrap = stack.kafkaBootstrap().split(",")[0];
        int colon = bootstrap.lastIndexOf(':');
        try (Socket socket = new Socket()) {
            socket.connect(
                    new InetSocketAddress(
                            bootstrap.substring(0, colon), Integer.parseInt(bootstrap.substring(colon + 1))),
                    200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}

package io.strata.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.strata.devstack.ManagedService;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Issue #8, leases: a worker killed in the middle of a job never leaves it RUNNING. The dev stack's lease is
 * 10 s (renewed every 3.3 s) and the catalog sweeps every 5 s. To kill a worker at a known point, the test
 * holds an ACCESS EXCLUSIVE lock on a table, so pg_dump waits on it while the job runs.
 */
class WorkerLeaseIT extends StackTestSupport {

    @Test
    void aBackupWhoseWorkerIsKilledIsQueuedAgainAndRunsToTheEndOnTheRestartedWorker() throws Exception {
        String database = unique("leased");
        String source = registerSampleSource(database, 500);
        Map<String, String> before = SampleDatabase.fingerprint(sourceCluster, database);
        ManagedService worker = stack.service("backup-worker");
        String jobId;
        try (Connection lock = sourceCluster.connect(database)) {
            holdLock(lock);
            jobId = requestBackup(source).text("jobId");
            JsonNode running = awaitStep(jobId, "dumping");
            assertThat(running.get("owner").asString()).startsWith("backup-worker@");
            worker.kill();

            JsonNode requeued = await().atMost(Duration.ofSeconds(40))
                    .pollInterval(Duration.ofMillis(500))
                    .until(
                            () -> viewer.get("/api/v1/jobs/" + jobId).json(),
                            job -> "QUEUED".equals(job.get("status").asString()));
            assertThat(requeued.get("currentStep").asString())
                    .contains("waiting for a worker")
                    .contains("stopped renewing its lease");
            lock.rollback();
        }
        worker.restart(); // the command was never acknowledged: Kafka hands it to the new instance

        JsonNode done = awaitSucceeded(jobId);
        String backupId = done.get("backupId").asString();
        String copy = unique("leased_copy");
        Api.Response restore = admin.post(
                "/api/v1/restores", Map.of("source", source, "backupId", backupId, "into", Map.of("database", copy)));
        assertThat(restore.status()).as(restore.toString()).isEqualTo(202);
        awaitSucceeded(restore.text("jobId"));
        assertThat(SampleDatabase.fingerprint(sourceCluster, copy)).isEqualTo(before);
    }

    @Test
    void aReplaceRestoreWhoseWorkerIsKilledFailsWorkerLostAndIsNotRunAgain() throws Exception {
        String database = unique("leasedrestore");
        String source = registerSampleSource(database, 200);
        String backupId = backupAndWait(source);
        Map<String, String> before = SampleDatabase.fingerprint(sourceCluster, database);
        ManagedService worker = stack.service("restore-worker");
        String jobId;
        try (Connection lock = sourceCluster.connect(database)) {
            holdLock(lock); // the safety backup's pg_dump waits on it
            Api.Response accepted = admin.post(
                    "/api/v1/restores",
                    Map.of("source", source, "backupId", backupId, "into", Map.of("replace", true), "confirm", true));
            assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
            jobId = accepted.text("jobId");
            awaitStep(jobId, "safety backup");
            worker.kill();

            JsonNode failed = await().atMost(Duration.ofSeconds(40))
                    .pollInterval(Duration.ofMillis(500))
                    .until(
                            () -> viewer.get("/api/v1/jobs/" + jobId).json(),
                            job -> "FAILED".equals(job.get("status").asString()));
            assertThat(failed.get("error").get("code").asString()).isEqualTo("WORKER_LOST");
            assertThat(failed.get("error").get("message").asString())
                    .contains("stopped renewing")
                    .contains("replace");
            lock.rollback();
        }
        worker.restart(); // the command comes again; the job ended, so it is not run twice

        // a later restore of the same source (same partition, so after the redelivered command) proves the
        // restarted worker consumed the old command and skipped it
        String copy = unique("leasedrestore_copy");
        Api.Response later = admin.post(
                "/api/v1/restores", Map.of("source", source, "backupId", backupId, "into", Map.of("database", copy)));
        assertThat(later.status()).as(later.toString()).isEqualTo(202);
        awaitSucceeded(later.text("jobId"));
        JsonNode after = viewer.get("/api/v1/jobs/" + jobId).json();
        assertThat(after.get("status").asString()).isEqualTo("FAILED");
        assertThat(SampleDatabase.fingerprint(sourceCluster, database))
                .as("the database was never replaced")
                .isEqualTo(before);
    }

    private static void holdLock(Connection connection) throws Exception {
        connection.setAutoCommit(false);
        try (Statement statement = connection.createStatement()) {
            statement.execute("LOCK TABLE invoices IN ACCESS EXCLUSIVE MODE");
        }
    }

    private JsonNode awaitStep(String jobId, String step) {
        return await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(
                        () -> viewer.get("/api/v1/jobs/" + jobId).json(),
                        job -> "RUNNING".equals(job.get("status").asString())
                                && job.path("currentStep").asString().contains(step));
    }
}

package io.strata.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.strata.common.event.JobStarted;
import io.strata.devstack.ManagedService;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Issue #8, leases: a worker killed in the middle of a job never leaves it RUNNING. The dev stack's lease is
 * 6 s (renewed every 2 s) and the catalog sweeps every second. To kill a worker at a known point, the test
 * holds an ACCESS EXCLUSIVE lock on a table, so pg_dump waits on it while the job runs. The shared stack runs
 * three backup workers and one restore worker.
 */
class WorkerLeaseIT extends StackTestSupport {

    /**
     * With several backup workers, the one running a backup is killed: the catalog sees its lease lapse, puts the
     * job back in the queue and dispatches its command again, and the other worker runs it to the end.
     */
    @Test
    void aBackupWhoseWorkerIsKilledIsQueuedAgainAndFinishedByTheOtherWorker() throws Exception {
        String database = unique("leased");
        String source = registerSampleSource(database, 500);
        Map<String, String> before = SampleDatabase.fingerprint(sourceCluster, database);
        assertThat(stack.instances("backup-worker")).hasSizeGreaterThanOrEqualTo(2);
        String jobId;
        ManagedService victim;
        try (JobEvents events = new JobEvents(stack.kafkaBootstrap());
                Connection lock = sourceCluster.connect(database)) {
            holdLock(lock);
            jobId = requestBackup(source).text("jobId");
            String owner = awaitStep(jobId, "dumping").get("owner").asString();
            assertThat(owner).startsWith("backup-worker-");
            victim = stack.service(owner.substring(0, owner.indexOf('@')));
            victim.kill();
            try {
                await().atMost(Duration.ofSeconds(40))
                        .pollInterval(Duration.ofMillis(200))
                        .until(
                                () -> viewer.get("/api/v1/jobs/" + jobId).json(),
                                job -> !job.path("owner").asString().equals(owner));
                lock.rollback();

                JsonNode done = awaitSucceeded(jobId);
                assertThat(done.get("owner").asString()).doesNotStartWith(victim.name() + "@");
                List<String> workers = events.of(jobId).stream()
                        .filter(JobStarted.class::isInstance)
                        .map(e -> ((JobStarted) e).worker())
                        .toList();
                assertThat(workers)
                        .as("started by the killed worker, then by the other")
                        .hasSize(2);
                assertThat(workers.getFirst()).isEqualTo(owner);
                assertThat(workers.getLast()).isEqualTo(done.get("owner").asString());
            } finally {
                victim.restart();
            }
        }
        String backupId = viewer.get("/api/v1/jobs/" + jobId).text("backupId");
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
        worker.restart(); // the job ended: it is not dispatched again, nor run twice

        // the restarted worker takes new restores of the same source
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

    /**
     * The restore-worker is SIGKILLed while a point-in-time restore unpacks its base backup: the job fails
     * {@code WORKER_LOST} within two lease periods (plus the sweep), and the message names the data
     * directory it was making, so an operator knows what to remove.
     */
    @Test
    void aPointInTimeRestoreWhoseWorkerIsKilledFailsWorkerLostNamingItsDataDirectory() throws Exception {
        String source = registerArchivedSource(unique("leasedpitr"), 500);
        Api.Response backup = operator.post("/api/v1/backups", Map.of("source", source, "kind", "PHYSICAL"));
        assertThat(backup.status()).as(backup.toString()).isEqualTo(202);
        awaitSucceeded(backup.text("jobId"));
        SampleDatabase.execute(sourceCluster, "postgres", "SELECT pg_switch_wal()");
        java.nio.file.Path dir = stack.restoreRoot().resolve("killed-" + unique("pitr"));
        Map<String, Object> body = Map.of(
                "source", source,
                "target", Map.of("latest", true),
                "into", Map.of("dataDirectory", dir.toString(), "port", 5999));
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> operator.post("/api/v1/restores/preview", body).status() == 200);
        ManagedService worker = stack.service("restore-worker");
        Api.Response accepted = admin.post("/api/v1/restores", body);
        assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
        String jobId = accepted.text("jobId");
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(50))
                .until(() ->
                        "RUNNING".equals(viewer.get("/api/v1/jobs/" + jobId).text("status")));
        worker.kill();
        long killed = System.nanoTime();
        try {
            JsonNode failed = await().atMost(Duration.ofSeconds(40))
                    .pollInterval(Duration.ofMillis(250))
                    .until(
                            () -> viewer.get("/api/v1/jobs/" + jobId).json(),
                            job -> "FAILED".equals(job.get("status").asString()));
            Duration toFail = Duration.ofNanos(System.nanoTime() - killed);
            assertThat(failed.get("error").get("code").asString()).isEqualTo("WORKER_LOST");
            assertThat(failed.get("error").get("message").asString())
                    .contains("data directory '" + dir + "'", "port 5999");
            assertThat(toFail).as("two 6 s leases and a 1 s sweep").isLessThan(Duration.ofSeconds(13));
        } finally {
            worker.restart();
            stack.stopRestoredCluster(dir);
        }
    }
}

package io.strata.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.strata.common.event.JobFailed;
import io.strata.common.event.JobStarted;
import io.strata.common.messaging.Topics;
import io.strata.common.model.BackupId;
import io.strata.common.model.FailureCode;
import io.strata.common.storage.ObjectStore;
import io.strata.common.storage.StorageLayout;
import io.strata.devstack.ManagedService;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Issue #8, the job runtime on the real stack (three backup workers, each running two jobs at a time): work
 * taken from a Kafka share group, one backup per source at a time, cancel, and unreadable commands. Jobs
 * are held at a known point by an ACCESS EXCLUSIVE lock that pg_dump waits on.
 */
class JobRuntimeIT extends StackTestSupport {
    private static final int PARTITIONS = 3;

    /**
     * Two sources whose keys hash to the same partition (with the three partitions the command topics had
     * under consumer groups) back up at the same time: no command waits behind another source's job while a
     * worker slot is free. A consumer group handed the whole partition to one worker, one record after the
     * other; the share group's workers take records from one shared partition.
     */
    @Test
    void backupsOfTwoSourcesSharingAPartitionRunAtTheSameTime() throws Exception {
        List<String> databases = databasesOnOnePartition(2);
        List<String> sources = new ArrayList<>();
        for (String database : databases) {
            sources.add(registerSampleSource(database, 200));
        }
        try (Connection first = sourceCluster.connect(databases.get(0));
                Connection second = sourceCluster.connect(databases.get(1))) {
            holdLock(first);
            holdLock(second);
            String a = requestBackup(sources.get(0)).text("jobId");
            String b = requestBackup(sources.get(1)).text("jobId");

            JsonNode runningA = awaitStep(a, "dumping");
            JsonNode runningB = awaitStep(b, "dumping");
            assertThat(viewer.get("/api/v1/jobs/" + a).text("status"))
                    .as("the first still runs while the second runs")
                    .isEqualTo("RUNNING");
            assertThat(List.of(
                            runningA.get("owner").asString(),
                            runningB.get("owner").asString()))
                    .allSatisfy(owner -> assertThat(owner).startsWith("backup-worker-"));
            first.rollback();
            second.rollback();
            awaitSucceeded(a);
            awaitSucceeded(b);
        }
    }

    @Test
    void aSecondBackupOfASourceWaitsQueuedWhileOtherSourcesBackUp() throws Exception {
        String database = unique("onebackup");
        String source = registerSampleSource(database, 200);
        String other = registerSampleSource(unique("onebackup_other"), 50);
        try (JobEvents events = new JobEvents(stack.kafkaBootstrap());
                Connection lock = sourceCluster.connect(database)) {
            holdLock(lock);
            String first = requestBackup(source).text("jobId");
            awaitStep(first, "dumping");
            String second = requestBackup(source).text("jobId");
            JsonNode waiting = await().atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofMillis(200))
                    .until(
                            () -> viewer.get("/api/v1/jobs/" + second).json(),
                            job -> job.path("currentStep").asString().startsWith("waiting for backup job " + first));
            assertThat(waiting.get("status").asString()).isEqualTo("QUEUED");

            awaitSucceeded(requestBackup(other).text("jobId")); // another source is not held up
            assertThat(viewer.get("/api/v1/jobs/" + second).text("status")).isEqualTo("QUEUED");
            assertThat(events.of(second)).noneMatch(JobStarted.class::isInstance);

            lock.rollback();
            JsonNode firstDone = awaitSucceeded(first);
            JsonNode secondDone = awaitSucceeded(second);
            assertThat(Instant.parse(secondDone.get("startedAt").asString()))
                    .isAfterOrEqualTo(Instant.parse(firstDone.get("finishedAt").asString()));
        }
    }

    @Test
    void aQueuedJobIsCancelledAtOnceAndNeverRuns() throws Exception {
        String database = unique("cancelqueued");
        String source = registerSampleSource(database, 100);
        try (JobEvents events = new JobEvents(stack.kafkaBootstrap());
                Connection lock = sourceCluster.connect(database)) {
            holdLock(lock);
            String first = requestBackup(source).text("jobId");
            awaitStep(first, "dumping");
            Api.Response queued = requestBackup(source);
            String second = queued.text("jobId");

            Api.Response cancelled = operator.post("/api/v1/jobs/" + second + "/cancel", Map.of());
            assertThat(cancelled.status()).as(cancelled.toString()).isEqualTo(202);
            assertThat(cancelled.text("status")).isEqualTo("CANCELLED");
            assertProblem(viewer.post("/api/v1/jobs/" + first + "/cancel", Map.of()), 403);

            JsonNode job = viewer.get("/api/v1/jobs/" + second).json();
            assertThat(job.get("status").asString()).isEqualTo("CANCELLED");
            assertThat(job.get("error").get("code").asString()).isEqualTo("CANCELLED");
            assertThat(viewer.get("/api/v1/backups/" + queued.text("backupId")).text("status"))
                    .isEqualTo("CANCELLED");
            lock.rollback();
            awaitSucceeded(first);
            Thread.sleep(2_000); // a dispatch of the cancelled job would have been claimed by now
            assertThat(events.of(second)).noneMatch(JobStarted.class::isInstance);
            Api.Response again = operator.post("/api/v1/jobs/" + second + "/cancel", Map.of());
            assertProblem(again, 409);
            assertThat(again.json().get("detail").asString()).contains("already ended", "CANCELLED");
        }
    }

    /**
     * A running logical backup is cancelled: its pg_dump is gone within five seconds, the job ends
     * CANCELLED, and neither a manifest nor a data object of it is left in the store.
     */
    @Test
    void aRunningLogicalBackupIsCancelledWithinSecondsAndLeavesNothingStored() throws Exception {
        String database = unique("cancelrunning");
        String source = registerSampleSource(database, 2_000);
        try (Connection lock = sourceCluster.connect(database)) {
            holdLock(lock);
            Api.Response accepted = requestBackup(source);
            String jobId = accepted.text("jobId");
            BackupId backupId = BackupId.parse(accepted.text("backupId"));
            awaitStep(jobId, "dumping");
            await().atMost(Duration.ofSeconds(30)).until(() -> pgDumps() > 0);

            long asked = System.nanoTime();
            Api.Response cancelling = operator.post("/api/v1/jobs/" + jobId + "/cancel", Map.of());
            assertThat(cancelling.status()).as(cancelling.toString()).isEqualTo(202);
            assertThat(cancelling.text("status")).isEqualTo("RUNNING");
            assertThat(cancelling.text("message")).contains("Cancelling");
            await().atMost(Duration.ofSeconds(5))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> pgDumps() == 0);
            Duration toStop = Duration.ofNanos(System.nanoTime() - asked);

            JsonNode job = awaitJob(jobId);
            assertThat(job.get("status").asString()).as(job.toString()).isEqualTo("CANCELLED");
            assertThat(job.get("error").get("code").asString()).isEqualTo("CANCELLED");
            assertThat(job.get("error").get("message").asString()).contains("dumping");
            assertThat(toStop).isLessThan(Duration.ofSeconds(5));
            ObjectStore store = objectStore();
            assertThat(store.stat(StorageLayout.manifestKey(source, backupId))).isEmpty();
            assertThat(store.list(StorageLayout.backupPrefix(source, backupId)))
                    .as("no object of the cancelled backup")
                    .isEmpty();
            assertThat(viewer.get("/api/v1/backups/" + backupId).text("status")).isEqualTo("CANCELLED");
            lock.rollback();
        }
        assertThat(backupAndWait(source)).isNotBlank(); // the source backs up as before
    }

    /**
     * A running physical backup is cancelled while the base backup streams: the object store stops answering
     * for this source (the dev stack's S3 proxy holds its requests), so the worker stops reading and the
     * server's walsender blocks on a full socket, as it would behind a slow store. The server's base backup
     * is gone within five seconds (the worker closed its replication session), the job ends CANCELLED,
     * and once the store answers again neither an object nor an unfinished multipart upload of it is left
     * (the worker aborts its upload; the orphan sweep would catch what it could not).
     */
    @Test
    void aRunningPhysicalBackupIsCancelledWithinSecondsAndLeavesNothingStored() throws Exception {
        String database = unique("cancelphysical");
        String source = registerArchivedSource(database, 10);
        // more than one multipart part (16 MiB) after compression, so the upload starts while pg_basebackup runs
        SampleDatabase.execute(
                sourceCluster,
                database,
                "CREATE TABLE bulk AS SELECT md5(i::text) || md5((i * 7)::text) || md5((i * 13)::text) AS v"
                        + " FROM generate_series(1, 600000) i");
        ObjectStore store = objectStore();
        String jobId;
        BackupId backupId;
        Duration toStop;
        try (AutoCloseable held = stack.s3Faults().hold("/" + source + "/backups/")) {
            Api.Response accepted = operator.post("/api/v1/backups", Map.of("source", source, "kind", "PHYSICAL"));
            assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
            jobId = accepted.text("jobId");
            backupId = BackupId.parse(accepted.text("backupId"));
            awaitStep(jobId, "copying");
            await().atMost(Duration.ofSeconds(30)).until(() -> runningBaseBackups() > 0);

            long asked = System.nanoTime();
            Api.Response cancelling = operator.post("/api/v1/jobs/" + jobId + "/cancel", Map.of());
            assertThat(cancelling.status()).as(cancelling.toString()).isEqualTo(202);
            assertThat(cancelling.text("status")).isEqualTo("RUNNING");
            await().atMost(Duration.ofSeconds(5))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> runningBaseBackups() == 0);
            toStop = Duration.ofNanos(System.nanoTime() - asked);
        }
        JsonNode job = awaitJob(jobId);
        assertThat(job.get("status").asString()).as(job.toString()).isEqualTo("CANCELLED");
        assertThat(job.get("error").get("code").asString()).isEqualTo("CANCELLED");
        assertThat(job.get("error").get("message").asString()).contains("copying");
        assertThat(toStop).isLessThan(Duration.ofSeconds(5));
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> {
                    assertThat(store.list(StorageLayout.backupPrefix(source, backupId)))
                            .as("no object of the cancelled backup")
                            .isEmpty();
                    assertThat(store.pendingUploads(source + "/backups/"))
                            .as("no unfinished multipart upload")
                            .isEmpty();
                });
        assertThat(viewer.get("/api/v1/backups/" + backupId).text("status")).isEqualTo("CANCELLED");
        SampleDatabase.execute(sourceCluster, database, "DROP TABLE bulk"); // later physical backups copy less
    }

    @Test
    void cancellingAnUnknownOrMalformedJobIsAClearError() {
        assertProblem(operator.post("/api/v1/jobs/" + UUID.randomUUID() + "/cancel", Map.of()), 404);
        assertProblem(operator.post("/api/v1/jobs/not-a-job/cancel", Map.of()), 400);
    }

    /**
     * A record on the command topic that is not a command is rejected by the worker that takes it, parked on
     * the topic's {@code .dlt} (share groups have no dead-letter queue of their own) and its job fails.
     */
    @Test
    void anUnreadableCommandIsParkedOnTheDltAndItsJobFails() throws Exception {
        String source = registerSampleSource(unique("poison"), 10);
        String jobId = UUID.randomUUID().toString();
        Map<String, String> headers =
                new HashMap<>(JobEvents.ceHeaders(UUID.randomUUID().toString(), "strata.backup.take.v1"));
        headers.put("strata_job_id", jobId);
        try (JobEvents events = new JobEvents(stack.kafkaBootstrap())) {
            JobEvents.publish(
                    stack.kafkaBootstrap(), Topics.BACKUP_COMMANDS, source, "{\"command\":\"TakeBackup\",", headers);

            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(250))
                    .until(() -> events.of(jobId).stream()
                            .anyMatch(e ->
                                    e instanceof JobFailed failed && failed.code() == FailureCode.INVALID_COMMAND));
            JobFailed failed = (JobFailed) events.of(jobId).stream()
                    .filter(e -> e instanceof JobFailed f && f.code() == FailureCode.INVALID_COMMAND)
                    .findFirst()
                    .orElseThrow();
            assertThat(failed.message()).contains("could not be read", Topics.deadLetter(Topics.BACKUP_COMMANDS));
            assertThat(awaitJob(jobId).get("status").asString()).isEqualTo("FAILED");
        }
        ConsumerRecord<String, String> parked = parkedCommand(jobId);
        assertThat(parked.value()).isEqualTo("{\"command\":\"TakeBackup\",");
        assertThat(new String(parked.headers().lastHeader("strata_dlt_reason").value(), StandardCharsets.UTF_8))
                .isNotBlank();
    }

    /** pg_dump processes running under any backup-worker instance. */
    private long pgDumps() {
        return tools("pg_dump");
    }

    /** {@code tool} processes running under any backup-worker instance. */
    /** Base backups the source's server is sending (to a worker's replication session or a pg_basebackup). */
    private long runningBaseBackups() throws Exception {
        return Long.parseLong(
                SampleDatabase.queryOne(sourceCluster, "postgres", "select count(*) from pg_stat_progress_basebackup"));
    }

    private long tools(String tool) {
        return stack.instances("backup-worker").stream()
                .filter(ManagedService::isAlive)
                .flatMap(worker -> ProcessHandle.of(worker.pid()).stream())
                .flatMap(ProcessHandle::descendants)
                .filter(ProcessHandle::isAlive)
                .filter(p -> p.info().command().map(c -> c.endsWith("/" + tool)).orElse(false))
                .count();
    }

    /** {@code count} new database names whose sources (dashes for underscores) hash to one partition. */
    private static List<String> databasesOnOnePartition(int count) {
        Map<Integer, List<String>> byPartition = new HashMap<>();
        while (true) {
            String database = unique("sharedpart");
            String source = database.replace('_', '-');
            int partition = Utils.toPositive(Utils.murmur2(source.getBytes(StandardCharsets.UTF_8))) % PARTITIONS;
            List<String> same = byPartition.computeIfAbsent(partition, p -> new ArrayList<>());
            same.add(database);
            if (same.size() == count) {
                return same;
            }
        }
    }

    private ConsumerRecord<String, String> parkedCommand(String jobId) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrap());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "e2e-dlt-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            consumer.subscribe(List.of(Topics.deadLetter(Topics.BACKUP_COMMANDS)));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    var header = record.headers().lastHeader("strata_job_id");
                    if (header != null && jobId.equals(new String(header.value(), StandardCharsets.UTF_8))) {
                        return record;
                    }
                }
            }
        }
        throw new AssertionError("no record of job " + jobId + " on " + Topics.deadLetter(Topics.BACKUP_COMMANDS));
    }
}

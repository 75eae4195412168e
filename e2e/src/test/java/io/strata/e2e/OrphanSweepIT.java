package io.strata.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.strata.common.model.BackupId;
import io.strata.common.storage.ObjectStore;
import io.strata.common.storage.StorageLayout;
import io.strata.devstack.ManagedService;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import tools.jackson.databind.JsonNode;

/**
 * Issue #8, no orphans: what a killed backup leaves in the store (objects without a manifest, a multipart
 * upload never completed) is removed by the backup-workers' orphan sweep (every 10 s in the dev stack, 20 s
 * grace), while a complete backup of the same source is left alone.
 */
class OrphanSweepIT extends StackTestSupport {

    @Test
    void aFailedBackupsLeftoversAreRemovedByTheSweepAndCompleteBackupsStay() throws Exception {
        String database = unique("orphans");
        String source = registerSampleSource(database, 200);
        String kept = backupAndWait(source);
        String failedJob;
        BackupId failed;
        try (Connection lock = sourceCluster.connect(database)) {
            holdLock(lock);
            Api.Response accepted = requestBackup(source);
            failedJob = accepted.text("jobId");
            failed = BackupId.parse(accepted.text("backupId"));
            awaitStep(failedJob, "dumping");
            Api.Response cancelled = operator.post("/api/v1/jobs/" + failedJob + "/cancel", Map.of());
            assertThat(cancelled.status()).as(cancelled.toString()).isEqualTo(202);
            // the lock holds pg_dump until the worker has stopped it
            assertThat(awaitJob(failedJob).get("status").asString()).isEqualTo("CANCELLED");
            lock.rollback();
        }

        // what a worker killed mid-upload leaves: a data object without a manifest, and an open multipart upload
        String leftover = StorageLayout.backupObjectKey(source, failed, "dump.zst");
        String unfinished = StorageLayout.backupObjectKey(source, failed, "base.tar.zst");
        ObjectStore store = objectStore();
        store.put(leftover, "half a dump".getBytes(StandardCharsets.UTF_8));
        S3Client s3 = s3Client();
        String uploadId = s3.createMultipartUpload(
                        b -> b.bucket(stack.s3Bucket()).key(unfinished))
                .uploadId();
        s3.uploadPart(
                b -> b.bucket(stack.s3Bucket())
                        .key(unfinished)
                        .uploadId(uploadId)
                        .partNumber(1),
                RequestBody.fromBytes(new byte[1024]));
        assertThat(store.pendingUploads(source + "/backups/")).isNotEmpty();

        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> {
                    assertThat(store.list(StorageLayout.backupPrefix(source, failed)))
                            .isEmpty();
                    assertThat(store.pendingUploads(source + "/backups/")).isEmpty();
                });
        BackupId complete = BackupId.parse(kept);
        assertThat(store.stat(StorageLayout.manifestKey(source, complete))).isPresent();
        assertThat(store.list(StorageLayout.backupPrefix(source, complete))).hasSizeGreaterThanOrEqualTo(2);
        String sweptBy = sweepLog(leftover).orElseThrow(() -> new AssertionError("no sweep log names " + leftover));
        assertThat(sweptBy).contains("CANCELLED and has no manifest");
        JsonNode restored = restoreInto(source, kept);
        assertThat(restored.get("status").asString()).isEqualTo("SUCCEEDED");
    }

    private JsonNode restoreInto(String source, String backupId) {
        Api.Response restore = admin.post(
                "/api/v1/restores",
                Map.of("source", source, "backupId", backupId, "into", Map.of("database", unique("orphans_copy"))));
        assertThat(restore.status()).as(restore.toString()).isEqualTo(202);
        return awaitJob(restore.text("jobId"));
    }

    /** The log line of the backup-worker instance that removed {@code key}. */
    private Optional<String> sweepLog(String key) throws Exception {
        for (ManagedService worker : stack.instances("backup-worker")) {
            for (String line : java.nio.file.Files.readAllLines(worker.logFile(), StandardCharsets.ISO_8859_1)) {
                if (line.contains("removed orphan " + key)) {
                    return Optional.of(line);
                }
            }
        }
        return Optional.empty();
    }
}

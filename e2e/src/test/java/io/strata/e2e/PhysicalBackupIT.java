package io.strata.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.luben.zstd.ZstdInputStream;
import io.strata.common.crypto.ObjectEncryption;
import io.strata.common.event.JobProgressed;
import io.strata.common.event.JobSucceeded;
import io.strata.common.messaging.Json;
import io.strata.common.model.BackupId;
import io.strata.common.model.Lsn;
import io.strata.common.storage.BackupManifest;
import io.strata.common.storage.BackupManifest.StoredObject;
import io.strata.common.storage.HashingInputStream;
import io.strata.common.storage.ObjectStore;
import io.strata.common.storage.StorageLayout;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class PhysicalBackupIT extends StackTestSupport {

    @Test
    void physicalBackupStoresTheClustersTarWithItsManifestAndWalPositions() throws Exception {
        String database = unique("physshop");
        String source = registerArchivedSource(database, 2_000);

        List<JobProgressed> copying;
        Api.Response accepted;
        try (JobEvents events = new JobEvents(stack.kafkaBootstrap())) {
            accepted = operator.post("/api/v1/backups", Map.of("source", source, "kind", "PHYSICAL"));
            assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
            String jobId = accepted.text("jobId");
            awaitSucceeded(jobId);
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> !events.of(jobId).isEmpty() && events.of(jobId).getLast() instanceof JobSucceeded);
            copying = events.of(jobId).stream()
                    .filter(JobProgressed.class::isInstance)
                    .map(JobProgressed.class::cast)
                    .filter(e -> e.step().equals("copying"))
                    .toList();
        }
        // a watcher knows the size from the copy's first event on: the server's own estimate, sent as its data
        // begins (before, the first event said 0 and the size came a tick later, if the backup lasted that long)
        assertThat(copying).as("progress events of the copy").isNotEmpty();
        assertThat(copying.getFirst().bytesTotal())
                .as("the copy's first event carries the cluster's size")
                .isGreaterThan(10L << 20);

        String backupId = accepted.text("backupId");
        JsonNode backup = viewer.get("/api/v1/backups/" + backupId).json();
        assertThat(backup.get("kind").asString()).isEqualTo("PHYSICAL");
        Lsn start = Lsn.parse(backup.get("startLsn").asString());
        Lsn end = Lsn.parse(backup.get("endLsn").asString());
        assertThat(end).isGreaterThanOrEqualTo(start);

        ObjectStore store = objectStore();
        BackupManifest manifest = Json.read(
                readPlain(store, StorageLayout.manifestKey(source, BackupId.parse(backupId))), BackupManifest.class);
        assertThat(manifest.startLsn()).isEqualTo(start);
        assertThat(manifest.timeline()).isEqualTo(1);
        String objectKey = manifest.objects().getFirst().key();

        Set<String> members;
        byte[] stored = store.readAll(objectKey);
        try (InputStream tar = new ZstdInputStream(openPlain(new ByteArrayInputStream(stored)))) {
            members = tarMembers(tar);
        }
        HashingInputStream hashed = new HashingInputStream(new ByteArrayInputStream(stored));
        hashed.transferTo(OutputStream.nullOutputStream());
        assertThat(hashed.sha256Hex())
                .as("the catalog's SHA-256 is of the stored bytes")
                .isEqualTo(backup.get("sha256").asString());
        assertThat(ObjectEncryption.isEncrypted(stored))
                .as("stored encrypted (the dev stack has a key)")
                .isTrue();
        // the server compressed it (the default for FULL backups): its own tar, PostgreSQL's manifest stored beside it
        assertThat(members).contains("PG_VERSION", "global/pg_control").doesNotContain("backup_manifest");
        assertThat(manifest.object(StoredObject.PG_MANIFEST)).isPresent();
        assertThat(members).noneMatch(name -> name.startsWith("pg_wal/0000"));
    }

    @Test
    void restorePointAfterABaseBackupVerifiesAndACorruptSegmentIsCaught() throws Exception {
        String database = unique("verifyshop");
        String source = registerArchivedSource(database, 500);
        String points = "/api/v1/sources/" + source + "/restore-points";

        assertThat(operator.post(points, Map.of("name", "too-early")).status()).isEqualTo(201);
        JsonNode early = operator.post(points + "/too-early/verify", Map.of()).json();
        assertThat(early.get("restorable").asBoolean()).isFalse();
        assertThat(early.get("reason").asString()).contains("no usable physical base backup");

        Api.Response backup = operator.post("/api/v1/backups", Map.of("source", source, "kind", "PHYSICAL"));
        awaitSucceeded(backup.text("jobId"));
        SampleDatabase.execute(sourceCluster, database, "UPDATE invoices SET status = 'paid' WHERE id <= 50");
        assertThat(operator.post(points, Map.of("name", "after-payments")).status())
                .isEqualTo(201);
        SampleDatabase.execute(sourceCluster, database, "SELECT pg_switch_wal()");

        JsonNode verified = org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofMinutes(1))
                .pollInterval(java.time.Duration.ofMillis(500))
                .until(
                        () -> operator.post(points + "/after-payments/verify", Map.of())
                                .json(),
                        v -> v.get("restorable").asBoolean());
        assertThat(verified.get("baseBackupId").asString()).isEqualTo(backup.text("backupId"));
        assertThat(verified.get("walSegments").asInt()).isPositive();

        ObjectStore store = objectStore();
        String segmentKey = store.list(StorageLayout.walPrefix(source, 1)).stream()
                .map(ObjectStore.ObjectInfo::key)
                .filter(k -> k.matches(".*/[0-9A-F]{24}\\.zst")) // complete segments, not partials
                .sorted()
                .reduce((a, b) -> b)
                .orElseThrow();
        byte[] bytes = store.readAll(segmentKey);
        bytes[bytes.length / 2] ^= 0x01;
        store.put(segmentKey, bytes);

        JsonNode corrupt =
                operator.post(points + "/after-payments/verify", Map.of()).json();
        assertThat(corrupt.get("restorable").asBoolean()).isFalse();
        assertThat(corrupt.get("reason").asString()).contains("SHA-256");
    }

    @Test
    void physicalBackupOfSourceWithoutWalArchivingIsRefused() throws Exception {
        String source = registerSampleSource(unique("physnoarch"), 10);
        int jobs = viewer.get("/api/v1/jobs?source=" + source).json().size();

        Api.Response refused = operator.post("/api/v1/backups", Map.of("source", source, "kind", "PHYSICAL"));

        assertProblem(refused, 422);
        assertThat(refused.json().get("detail").asString()).contains("wal-archiving");
        assertThat(viewer.get("/api/v1/jobs?source=" + source).json()).hasSize(jobs);
    }

    /** The names in a tar stream (ustar headers), reading every member to the end. */
    private static Set<String> tarMembers(InputStream tar) throws IOException {
        Set<String> names = new HashSet<>();
        byte[] header = new byte[512];
        while (tar.readNBytes(header, 0, 512) == 512 && header[0] != 0) {
            String name =
                    new String(header, 0, 100, StandardCharsets.US_ASCII).trim().replace("\0", "");
            String prefix = new String(header, 345, 155, StandardCharsets.US_ASCII)
                    .trim()
                    .replace("\0", "");
            long size = Long.parseLong(
                    new String(header, 124, 12, StandardCharsets.US_ASCII)
                            .trim()
                            .replace("\0", ""),
                    8);
            names.add(prefix.isEmpty() ? name : prefix + "/" + name);
            tar.skipNBytes((size + 511) / 512 * 512);
        }
        tar.transferTo(java.io.OutputStream.nullOutputStream()); // read to the end so the hash covers all
        return names;
    }
}

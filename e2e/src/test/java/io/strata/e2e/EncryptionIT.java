package io.strata.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.luben.zstd.ZstdInputStream;
import io.strata.common.crypto.ObjectEncryption;
import io.strata.common.storage.ObjectStore;
import io.strata.common.storage.ObjectStore.ObjectInfo;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import tools.jackson.databind.JsonNode;

/**
 * Client-side encryption on the dev stack, which gives every worker a keyring: what is stored cannot be read
 * without the key, restores of encrypted backups are equal, a worker without the key fails before writing,
 * and keys rotate with old backups still restorable. A second source with {@code "encrypt": false} is the
 * control that proves the plaintext scan can find the marker when it is there.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EncryptionIT extends StackTestSupport {
    private static final String RESTORE_WORKER = "restore-worker";
    private final String marker = "strata-marker-" + HexFormat.of().formatHex(random(12));
    private String encrypted;
    private String clear;
    private String encryptedBackup;
    private String encryptedIncremental;

    @BeforeAll
    void twoSourcesWithTheSameSecretOneEncryptedOneNot() throws Exception {
        encrypted = source(unique("sealed"), null);
        clear = source(unique("clear"), false);
        for (String source : List.of(encrypted, clear)) {
            Api.Response physical = operator.post("/api/v1/backups", Map.of("source", source, "kind", "PHYSICAL"));
            assertThat(physical.status()).as(physical.toString()).isEqualTo(202);
            awaitSucceeded(physical.text("jobId"));
        }
        // both slots exist now (a physical backup waits for its source's): this WAL reaches both archives
        SampleDatabase.execute(sourceCluster, databaseOf(encrypted), "UPDATE secrets SET v = v");
        encryptedBackup = backupAndWait(encrypted);
        encryptedIncremental = physical(encrypted, "INCREMENTAL"); // a block pack and map of the changed pages
        backupAndWait(clear);
        SampleDatabase.execute(sourceCluster, "postgres", "SELECT pg_switch_wal()");
        ObjectStore store = objectStore();
        String segment = await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> revealingWal(store, clear), name -> name != null);
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> store.stat(encrypted + "/wal/" + segment).isPresent());
    }

    /** The name (under wal/) of a complete WAL segment of {@code source} that shows the marker, or null. */
    private String revealingWal(ObjectStore store, String source) throws IOException {
        for (ObjectInfo object : store.list(source + "/wal/")) {
            if (object.key().matches(".*/[0-9A-F]{24}\\.zst")
                    && readable(store.readAll(object.key())).contains(marker)) {
                return object.key().substring((source + "/wal/").length());
            }
        }
        return null;
    }

    /**
     * The object's bytes, or null when it went between the listing and the read: the archiver replaces the
     * partial WAL segment of a source it still streams (a new .partial object, the old one removed).
     */
    private static byte[] readIfStill(ObjectStore store, ObjectInfo object) throws java.io.IOException {
        try {
            return store.readAll(object.key());
        } catch (io.strata.common.storage.NoSuchObjectException gone) {
            assertThat(object.key())
                    .as("only a partial WAL segment is replaced while the test reads")
                    .contains(".partial");
            return null;
        }
    }

    @Test
    @Order(1)
    void nothingStoredForAnEncryptedSourceRevealsItsDataWhileTheClearControlDoes() throws Exception {
        ObjectStore store = objectStore();
        List<ObjectInfo> sealed = store.list(encrypted + "/");
        assertThat(sealed)
                .as("manifests, dumps, base backups and WAL")
                .extracting(ObjectInfo::key)
                .anyMatch(key -> key.endsWith("manifest.json"))
                .anyMatch(key -> key.endsWith("dump.pgc.zst"))
                .anyMatch(key -> key.endsWith("base.tar.zst"))
                .anyMatch(key -> key.endsWith("blocks.pack.zst"))
                .anyMatch(key -> key.endsWith("blockmap.zst"))
                .anyMatch(key -> key.contains("/wal/"));
        for (ObjectInfo object : sealed) {
            byte[] bytes = readIfStill(store, object);
            if (bytes == null) {
                continue;
            }
            assertThat(ObjectEncryption.isEncrypted(bytes)).as(object.key()).isTrue();
            assertThat(readable(bytes))
                    .as(object.key() + " read as an attacker would")
                    .doesNotContain(marker);
        }

        List<String> revealing = new ArrayList<>();
        for (ObjectInfo object : store.list(clear + "/")) {
            byte[] bytes = readIfStill(store, object);
            if (bytes == null) {
                continue;
            }
            assertThat(ObjectEncryption.isEncrypted(bytes)).as(object.key()).isFalse();
            if (readable(bytes).contains(marker)) {
                revealing.add(object.key());
            }
        }
        assertThat(revealing)
                .as("the same scan finds the secret in the clear source's dump, base backup and WAL")
                .anyMatch(key -> key.endsWith("dump.pgc.zst"))
                .anyMatch(key -> key.endsWith("base.tar.zst"))
                .anyMatch(key -> key.contains("/wal/"));
        JsonNode view = viewer.get("/api/v1/sources/" + clear).json();
        assertThat(view.get("encrypt").asBoolean()).isFalse();
    }

    @Test
    @Order(2)
    void anEncryptedBackupRestoresEqual() throws Exception {
        String target = unique("sealed_copy");
        Api.Response accepted = admin.post(
                "/api/v1/restores",
                Map.of("source", encrypted, "backupId", encryptedBackup, "into", Map.of("database", target)));
        assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
        awaitSucceeded(accepted.text("jobId"));

        assertThat(SampleDatabase.fingerprint(sourceCluster, target))
                .isEqualTo(SampleDatabase.fingerprint(sourceCluster, databaseOf(encrypted)));
        assertThat(SampleDatabase.count(sourceCluster, target, "secrets")).isOne();
    }

    @Test
    @Order(3)
    void aRestoreWorkerWithoutTheKeyFailsNamingItBeforeWritingAnything() throws Exception {
        Path keys = stack.encryptionKeysFile(RESTORE_WORKER);
        String original = Files.readString(keys);
        // its active key, the last line (the restore-worker also holds the gateway's upload key)
        String[] lines = original.strip().split("\n");
        String active = lines[lines.length - 1];
        String missingKeyId = active.substring(0, active.indexOf(':'));
        try {
            rewrite(keys, keyLine("someone-elses-key"));

            String database = unique("never_made");
            Api.Response logical = admin.post(
                    "/api/v1/restores",
                    Map.of("source", encrypted, "backupId", encryptedBackup, "into", Map.of("database", database)));
            assertThat(logical.status()).as(logical.toString()).isEqualTo(202);
            JsonNode failed = awaitJob(logical.text("jobId"));
            assertThat(failed.get("status").asString()).isEqualTo("FAILED");
            assertThat(failed.get("error").get("code").asString()).isEqualTo("ENCRYPTION_KEY_MISSING");
            assertThat(failed.get("error").get("message").asString())
                    .contains("'" + missingKeyId + "'")
                    .contains(RESTORE_WORKER);
            assertThat(SampleDatabase.exists(sourceCluster, database)).isFalse();

            String directory = "never-made-" + unique("dir").replace('_', '-');
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("source", encrypted);
            body.put("target", Map.of("latest", true));
            body.put("into", Map.of("dataDirectory", directory, "port", 5999));
            Api.Response physical = admin.post("/api/v1/restores", body);
            assertThat(physical.status()).as(physical.toString()).isEqualTo(202);
            JsonNode pitr = awaitJob(physical.text("jobId"));
            assertThat(pitr.get("status").asString()).isEqualTo("FAILED");
            assertThat(pitr.get("error").get("code").asString()).isEqualTo("ENCRYPTION_KEY_MISSING");
            assertThat(stack.restoreRoot().resolve(directory)).doesNotExist();
            try (var entries = Files.list(stack.restoreRoot())) {
                assertThat(entries.map(path -> path.getFileName().toString()))
                        .noneMatch(name -> name.contains(directory));
            }
        } finally {
            rewrite(keys, original);
        }
    }

    @Test
    @Order(4)
    void afterKeyRotationNewBackupsUseTheNewKeyAndOldAndNewBothRestore() throws Exception {
        String newKey = keyLine("rotated-" + unique("k").replace('_', '-'));
        String newKeyId = newKey.substring(0, newKey.indexOf(':'));
        // readers first, so nothing is written with a key a reader does not have yet
        for (String service : List.of(RESTORE_WORKER, "wal-archiver", "backup-worker")) {
            Path file = stack.encryptionKeysFile(service);
            rewrite(file, Files.readString(file) + newKey);
        }
        String rotatedBackup = backupAndWait(encrypted);
        String dumpKey = encrypted + "/backups/" + rotatedBackup + "/dump.pgc.zst";
        assertThat(keyIdOf(objectStore().readAll(dumpKey))).isEqualTo(newKeyId);
        String oldKeyKey = encrypted + "/backups/" + encryptedBackup + "/dump.pgc.zst";
        assertThat(keyIdOf(objectStore().readAll(oldKeyKey))).isNotEqualTo(newKeyId);

        for (String backup : List.of(encryptedBackup, rotatedBackup)) {
            String target = unique("rotated_copy");
            Api.Response accepted = admin.post(
                    "/api/v1/restores",
                    Map.of("source", encrypted, "backupId", backup, "into", Map.of("database", target)));
            assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
            awaitSucceeded(accepted.text("jobId"));
            assertThat(SampleDatabase.count(sourceCluster, target, "secrets"))
                    .as(backup)
                    .isOne();
        }

        // a chain across the rotation: its FULL and first INCREMENTAL under the old key, this one under the new
        SampleDatabase.execute(sourceCluster, databaseOf(encrypted), "UPDATE secrets SET v = v || '-rotated'");
        String chained = physical(encrypted, "INCREMENTAL");
        JsonNode view = viewer.get("/api/v1/backups/" + chained).json();
        assertThat(view.get("parentBackupId").asString()).isEqualTo(encryptedIncremental);
        assertThat(keyIdOf(objectStore().readAll(encrypted + "/backups/" + chained + "/blocks.pack.zst")))
                .isEqualTo(newKeyId);
        assertThat(keyIdOf(objectStore().readAll(encrypted + "/backups/" + encryptedIncremental + "/blocks.pack.zst")))
                .isNotEqualTo(newKeyId);
        Path dir = stack.restoreRoot().resolve("restored-" + unique("sealedchain"));
        try {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("source", encrypted);
            body.put("backupId", chained);
            body.put("into", Map.of("dataDirectory", dir.toString(), "port", freePort()));
            awaitRestorable(body);
            Api.Response accepted = admin.post("/api/v1/restores", body);
            assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
            int port = awaitSucceeded(accepted.text("jobId"))
                    .get("result")
                    .get("port")
                    .asInt();
            try (var c = java.sql.DriverManager.getConnection(
                            "jdbc:postgresql://127.0.0.1:" + port + "/" + databaseOf(encrypted),
                            sourceCluster.superuser(),
                            sourceCluster.password());
                    var st = c.createStatement();
                    var r = st.executeQuery("SELECT v FROM secrets")) {
                assertThat(r.next()).isTrue();
                assertThat(r.getString(1)).isEqualTo(marker + "-rotated");
            }
        } finally {
            stack.stopRestoredCluster(dir);
        }
    }

    /** Takes a physical backup of {@code type}; returns its id once it succeeded. */
    private String physical(String source, String type) {
        Api.Response accepted =
                operator.post("/api/v1/backups", Map.of("source", source, "kind", "PHYSICAL", "type", type));
        assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
        awaitSucceeded(accepted.text("jobId"));
        return accepted.text("backupId");
    }

    private String source(String database, Boolean encrypt) throws Exception {
        SampleDatabase.create(sourceCluster, database, 300);
        SampleDatabase.execute(
                sourceCluster,
                database,
                "CREATE TABLE secrets (v text); INSERT INTO secrets VALUES ('" + marker + "')");
        String name = database.replace('_', '-');
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", name);
        body.put("host", sourceCluster.host());
        body.put("port", sourceCluster.port());
        body.put("database", database);
        body.put("username", sourceCluster.superuser());
        body.put("password", sourceCluster.password());
        body.put("walArchiving", true);
        if (encrypt != null) {
            body.put("encrypt", encrypt);
        }
        Api.Response created = admin.post("/api/v1/sources", body);
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        return name;
    }

    private static String databaseOf(String source) {
        return source.replace('-', '_');
    }

    /**
     * What someone holding the stored bytes but no key can read: the bytes as text, and their zstd
     * decompression where they decompress (Strata's plain objects are zstd or JSON).
     */
    private static String readable(byte[] bytes) {
        String raw = new String(bytes, StandardCharsets.ISO_8859_1);
        try (var zstd = new ZstdInputStream(new ByteArrayInputStream(bytes))) {
            return raw + new String(zstd.readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return raw; // not zstd: the raw bytes are all there is to read
        }
    }

    /** The key id a STRATA-ENC object names in its clear header: byte 9 is its length, from byte 10. */
    private static String keyIdOf(byte[] stored) {
        assertThat(ObjectEncryption.isEncrypted(stored)).isTrue();
        return new String(stored, 10, stored[9], StandardCharsets.US_ASCII);
    }

    /** Rewrites a keyring file in place (keeping its 0600 mode), with a new modification time. */
    private static void rewrite(Path file, String content) throws IOException {
        Files.writeString(file, content, StandardCharsets.UTF_8);
        Files.setLastModifiedTime(file, FileTime.from(Instant.now()));
    }

    private static String keyLine(String id) {
        return id + ":" + Base64.getEncoder().encodeToString(random(32)) + "\n";
    }

    private static byte[] random(int length) {
        byte[] bytes = new byte[length];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }
}

package io.strata.platform.logical;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.ZstdInputStream;
import io.strata.common.crypto.EncryptionKey;
import io.strata.common.crypto.Keyring;
import io.strata.common.crypto.ObjectEncryption;
import io.strata.common.event.JobEvent.JobRef;
import io.strata.common.event.JobProgressed;
import io.strata.common.event.JobResult.BackupResult;
import io.strata.common.messaging.Json;
import io.strata.common.model.BackupId;
import io.strata.common.model.FailureCode;
import io.strata.common.model.JobId;
import io.strata.common.model.JobKind;
import io.strata.common.storage.BackupManifest;
import io.strata.common.storage.LocalObjectStore;
import io.strata.common.storage.ObjectStore;
import io.strata.common.storage.ObjectUpload;
import io.strata.common.storage.StorageLayout;
import io.strata.platform.catalog.CatalogApi.SourceConnection;
import io.strata.platform.jobs.JobFailureException;
import io.strata.platform.jobs.JobReporter;
import io.strata.platform.postgres.PgTools;
import io.strata.platform.postgres.PostgresProperties;
import io.strata.platform.postgres.SourceNetworks;
import io.strata.platform.storage.StorageEncryption;
import io.strata.platform.testing.ForwardingObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The backup pipeline against stand-in {@code pg_dump} scripts: our process and stream handling, not PostgreSQL's. */
class LogicalBackupTest {
    private static final SourceConnection SOURCE =
            new SourceConnection("shop", "127.0.0.1", 5432, "shopdb", "bob", "pw");
    private static final ServerFacts FACTS = new ServerFacts(1_000_000, "15.18");

    @TempDir
    Path temp;

    private Path bin;
    private LocalObjectStore store;
    private RecordingPublisher publisher;
    private BackupId backupId;

    @BeforeEach
    void setUp() throws IOException {
        bin = Files.createDirectories(temp.resolve("bin"));
        store = new LocalObjectStore(temp.resolve("store"));
        publisher = new RecordingPublisher();
        backupId = BackupId.newId(Instant.parse("2026-11-22T10:00:00Z"));
    }

    @Test
    void storesCompressedDumpAndManifestWhoseHashMatchesTheObject() throws Exception {
        byte[] dump = new byte[3_000_000];
        new Random(42).nextBytes(dump);
        Path content = Files.write(temp.resolve("content"), dump);
        fakePgDump("cat '" + content + "'");

        BackupResult result = backup(store).run(request(), reporter());

        byte[] stored = store.readAll(result.objectKey());
        assertThat(result.objectKey()).isEqualTo("shop/backups/" + backupId + "/dump.pgc.zst");
        assertThat(result.sizeBytes()).isEqualTo(dump.length);
        assertThat(result.storedBytes()).isEqualTo(stored.length);
        assertThat(result.sha256()).isEqualTo(sha256(stored));
        try (InputStream in = new ZstdInputStream(store.open(result.objectKey()))) {
            assertThat(in.readAllBytes()).isEqualTo(dump);
        }
        BackupManifest manifest =
                Json.read(store.readAll(StorageLayout.manifestKey("shop", backupId)), BackupManifest.class);
        assertThat(manifest.objects()).singleElement().satisfies(object -> {
            assertThat(object.key()).isEqualTo(result.objectKey());
            assertThat(object.sha256()).isEqualTo(result.sha256());
            assertThat(object.rawBytes()).isEqualTo(dump.length);
            assertThat(object.format()).isEqualTo("pg_dump-custom");
            assertThat(object.compression()).isEqualTo("zstd");
        });
        assertThat(manifest.serverVersion()).isEqualTo("15.18");
        assertThat(publisher.sent).first().isInstanceOf(JobProgressed.class);
    }

    @Test
    void withAKeyTheDumpAndManifestAreStoredEncryptedAndHashedAsStored() throws Exception {
        String marker = "STRATA-PLAINTEXT-MARKER-";
        Path content = Files.writeString(temp.resolve("content"), marker.repeat(50_000));
        fakePgDump("cat '" + content + "'");
        EncryptionKey key = EncryptionKey.generate("k1");

        BackupResult result = backup(store, StorageEncryption.of("test", Keyring.of("k1", key)))
                .run(request(), reporter());

        byte[] stored = store.readAll(result.objectKey());
        byte[] manifest = store.readAll(StorageLayout.manifestKey("shop", backupId));
        assertThat(ObjectEncryption.isEncrypted(stored)).isTrue();
        assertThat(ObjectEncryption.isEncrypted(manifest)).isTrue();
        assertThat(new String(manifest, StandardCharsets.ISO_8859_1)).doesNotContain(result.objectKey());
        assertThat(result.sha256()).as("the hash is of the stored bytes").isEqualTo(sha256(stored));
        assertThat(result.storedBytes()).isEqualTo(stored.length);
        try (InputStream in = new ZstdInputStream(
                ObjectEncryption.decryptIfNeeded(store.open(result.objectKey()), Keyring.of("k1", key)))) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo(marker.repeat(50_000));
        }
        assertThat(Json.read(ObjectEncryption.decrypt(manifest, Keyring.of("k1", key)), BackupManifest.class)
                        .objects())
                .singleElement()
                .satisfies(object -> assertThat(object.sha256()).isEqualTo(result.sha256()));
    }

    @Test
    void aSourceThatRequiresEncryptionFailsBeforeDumpingWhenTheWorkerHasNoKey() throws Exception {
        Path started = temp.resolve("started");
        fakePgDump("touch '" + started + "'\necho data");
        SourceConnection requiring =
                new SourceConnection("shop", "127.0.0.1", 5432, "shopdb", "bob", "pw", null, null, true);

        assertThatThrownBy(() -> backup(store)
                        .run(LogicalBackupRequest.full(requiring, backupId, JobId.random(), false, "t"), reporter()))
                .isInstanceOfSatisfying(JobFailureException.class, e -> {
                    assertThat(e.code()).isEqualTo(FailureCode.ENCRYPTION_KEY_MISSING);
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.getMessage())
                            .contains("'shop' requires encrypted storage")
                            .contains("STRATA_ENCRYPTION_KEYS_FILE");
                });
        assertThat(started).as("pg_dump never ran").doesNotExist();
        assertThat(store.list("shop/")).isEmpty();
    }

    @Test
    void aSourceThatTurnsEncryptionOffIsStoredInClearEvenWithAKey() throws Exception {
        fakePgDump("echo plain-data");
        SourceConnection clear =
                new SourceConnection("shop", "127.0.0.1", 5432, "shopdb", "bob", "pw", null, null, false);
        StorageEncryption keyed = StorageEncryption.of("test", Keyring.of("k1", EncryptionKey.generate("k1")));

        BackupResult result = backup(store, keyed)
                .run(LogicalBackupRequest.full(clear, backupId, JobId.random(), false, "t"), reporter());

        assertThat(ObjectEncryption.isEncrypted(store.readAll(result.objectKey())))
                .isFalse();
        assertThat(ObjectEncryption.isEncrypted(store.readAll(result.manifestKey())))
                .isFalse();
    }

    @Test
    void failingPgDumpLeavesNoObjectAndReportsItsErrorWithAHint() throws Exception {
        fakePgDump("printf 'PGDMP partial'\n"
                + "echo 'pg_dump: error: connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  password"
                + " authentication failed for user \"bob\"' >&2\nexit 1");

        assertThatThrownBy(() -> backup(store).run(request(), reporter()))
                .isInstanceOfSatisfying(JobFailureException.class, e -> {
                    assertThat(e.code()).isEqualTo(FailureCode.PG_DUMP_FAILED);
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.getMessage())
                            .contains("exited with code 1")
                            .contains("password authentication failed for user \"bob\"")
                            .contains("Hint: Check the username 'bob'");
                });
        assertThat(store.list("shop/")).isEmpty();
    }

    @Test
    void pgDumpKilledBySignalIsAFailureNotABackup() throws Exception {
        fakePgDump("printf 'PGDMP partial'\nkill -9 $$");

        assertThatThrownBy(() -> backup(store).run(request(), reporter()))
                .isInstanceOfSatisfying(
                        JobFailureException.class,
                        e -> assertThat(e.getMessage()).contains("was killed by signal 9"));
        assertThat(store.list("shop/")).isEmpty();
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void storageFailureKillsPgDumpAndAbortsTheUpload() throws Exception {
        Path pidFile = temp.resolve("pid");
        fakePgDump("echo $$ > '" + pidFile + "'\nexec yes 'endless dump'");
        ObjectStore failing = new FailingAfterBytes(store, 1 << 20);

        assertThatThrownBy(() -> backup(failing).run(request(), reporter()))
                .isInstanceOfSatisfying(JobFailureException.class, e -> {
                    assertThat(e.code()).isEqualTo(FailureCode.STORAGE_ERROR);
                    assertThat(e.getMessage()).contains("disk full (simulated)");
                });
        long pid = Long.parseLong(Files.readString(pidFile).strip());
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive)).isNotEqualTo(Optional.of(true));
        assertThat(store.list("shop/")).isEmpty();
    }

    @Test
    void percentFollowsTheEstimateButNeverReaches100() {
        assertThat(LogicalBackup.percent(0, 1000)).isZero();
        assertThat(LogicalBackup.percent(500, 1000)).isEqualTo(50);
        assertThat(LogicalBackup.percent(5000, 1000)).isEqualTo(99);
        assertThat(LogicalBackup.percent(5000, 0)).isZero();
    }

    private LogicalBackup backup(ObjectStore target) {
        return backup(target, StorageEncryption.off("test"));
    }

    private LogicalBackup backup(ObjectStore target, StorageEncryption encryption) {
        PgTools tools = new PgTools(new PostgresProperties(bin), SourceNetworks.of(java.util.List.of()), "strata-test");
        return new LogicalBackup(
                tools, target, encryption, (source, db) -> FACTS, Clock.systemUTC(), Duration.ofMillis(50), 2);
    }

    private LogicalBackupRequest request() {
        return LogicalBackupRequest.full(SOURCE, backupId, JobId.random(), false, "test");
    }

    private JobReporter reporter() {
        JobRef ref = new JobRef(JobId.random(), JobKind.BACKUP, "shop", null, backupId.toString());
        return new JobReporter(publisher, Clock.systemUTC(), ref, Duration.ZERO, "test-worker");
    }

    private void fakePgDump(String body) throws IOException {
        Path script = bin.resolve("pg_dump");
        Files.writeString(script, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }

    /** A store whose uploads fail once they have taken {@code limit} bytes, like a full disk or a dropped S3 link. */
    private static final class FailingAfterBytes extends ForwardingObjectStore {
        private final long limit;

        FailingAfterBytes(ObjectStore delegate, long limit) {
            super(delegate);
            this.limit = limit;
        }

        @Override
        public ObjectUpload create(String key) throws IOException {
            ObjectUpload real = delegate.create(key);
            return new ObjectUpload() {
                private long written;

                @Override
                public void write(int b) throws IOException {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    written += len;
                    if (written > limit) {
                        throw new IOException("disk full (simulated)");
                    }
                    real.write(b, off, len);
                }

                @Override
                protected long doComplete() throws IOException {
                    return real.complete();
                }

                @Override
                protected void doAbort() {
                    real.abort();
                }
            };
        }

        @Override
        public String describe() {
            return "failing store";
        }
    }
}

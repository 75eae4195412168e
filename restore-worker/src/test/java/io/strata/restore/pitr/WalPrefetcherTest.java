package io.strata.restore.pitr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.luben.zstd.Zstd;
import io.strata.common.crypto.EncryptionKey;
import io.strata.common.crypto.Keyring;
import io.strata.common.crypto.ObjectEncryption;
import io.strata.common.model.Lsn;
import io.strata.common.storage.LocalObjectStore;
import io.strata.platform.catalog.CatalogApi.PlannedSegment;
import io.strata.platform.storage.StorageEncryption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WalPrefetcherTest {
    private static final long SEGMENT_SIZE = 1024 * 1024;
    private static final String NAME = "000000010000000000000003";

    private static PlannedSegment store(LocalObjectStore store, String key, byte[] raw, boolean partial)
            throws Exception {
        return store(store, key, raw, partial, Keyring.none());
    }

    private static PlannedSegment store(LocalObjectStore store, String key, byte[] raw, boolean partial, Keyring keys)
            throws Exception {
        byte[] compressed = ObjectEncryption.encrypt(Zstd.compress(raw, 3), keys);
        store.put(key, compressed);
        String sha =
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(compressed));
        return new PlannedSegment(NAME, key, sha, partial, Lsn.parse("0/3000100"), compressed.length, Instant.now());
    }

    @Test
    void aPartialReplacedWhileRecoveryRunsIsFetchedInItsNewerFormPaddedToTheSegmentSize(@TempDir Path dir)
            throws Exception {
        LocalObjectStore store = new LocalObjectStore(dir.resolve("store"));
        Path spool = Files.createDirectories(dir.resolve("spool"));
        String key = "shop/wal/00000001/" + NAME + ".partial.zst";
        PlannedSegment planned = store(store, key, new byte[] {1, 2, 3}, true);
        // the archiver ships a longer partial under the same key before the restore reads it
        PlannedSegment newer = store(store, key, new byte[] {1, 2, 3, 4, 5}, true);

        try (WalPrefetcher wal = new WalPrefetcher(
                store,
                StorageEncryption.off("test"),
                false,
                name -> Optional.of(newer),
                spool,
                List.of(planned),
                SEGMENT_SIZE,
                2,
                4)) {
            wal.prepare(new OsUser(System.getProperty("user.name")));
            wal.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(spool.resolve(NAME)));
            assertThat(wal.failure()).isNull();
        }
        byte[] fetched = Files.readAllBytes(spool.resolve(NAME));
        assertThat(fetched).hasSize((int) SEGMENT_SIZE);
        assertThat(fetched).startsWith(1, 2, 3, 4, 5, 0, 0);
    }

    @Test
    void anEncryptedSegmentIsDecryptedAndOneWithAKeyThisWorkerLacksStopsRecoveryNamingTheKey(@TempDir Path dir)
            throws Exception {
        Keyring keys = Keyring.of("k1", EncryptionKey.generate("k1"));
        LocalObjectStore store = new LocalObjectStore(dir.resolve("store"));
        String key = "shop/wal/00000001/" + NAME + ".zst";
        byte[] raw = new byte[(int) SEGMENT_SIZE];
        raw[0] = 42;
        raw[raw.length - 1] = 7;
        PlannedSegment planned = store(store, key, raw, false, keys);
        assertThat(ObjectEncryption.isEncrypted(store.readAll(key))).isTrue();

        Path spool = Files.createDirectories(dir.resolve("spool"));
        try (WalPrefetcher wal = new WalPrefetcher(
                store,
                StorageEncryption.of("test", keys),
                true,
                name -> Optional.empty(),
                spool,
                List.of(planned),
                SEGMENT_SIZE,
                2,
                4)) {
            wal.prepare(new OsUser(System.getProperty("user.name")));
            wal.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(spool.resolve(NAME)));
            assertThat(wal.failure()).isNull();
        }
        assertThat(Files.readAllBytes(spool.resolve(NAME))).isEqualTo(raw);

        Path otherSpool = Files.createDirectories(dir.resolve("other"));
        StorageEncryption wrong = StorageEncryption.of("test", Keyring.of("k9", EncryptionKey.generate("k9")));
        try (WalPrefetcher wal = new WalPrefetcher(
                store, wrong, false, name -> Optional.empty(), otherSpool, List.of(planned), SEGMENT_SIZE, 2, 4)) {
            wal.prepare(new OsUser(System.getProperty("user.name")));
            wal.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> wal.failure() != null);
            assertThat(wal.failure()).contains("'k1'");
        }
        assertThat(otherSpool.resolve(NAME)).doesNotExist();
    }

    @Test
    void aCompleteSegmentThatDoesNotMatchItsChecksumStopsRecovery(@TempDir Path dir) throws Exception {
        LocalObjectStore store = new LocalObjectStore(dir.resolve("store"));
        Path spool = Files.createDirectories(dir.resolve("spool"));
        String key = "shop/wal/00000001/" + NAME + ".zst";
        PlannedSegment planned = store(store, key, new byte[(int) SEGMENT_SIZE], false);
        store(store, key, new byte[] {9}, false); // damaged in storage

        try (WalPrefetcher wal = new WalPrefetcher(
                store,
                StorageEncryption.off("test"),
                false,
                name -> Optional.empty(),
                spool,
                List.of(planned),
                SEGMENT_SIZE,
                2,
                4)) {
            wal.prepare(new OsUser(System.getProperty("user.name")));
            wal.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> wal.failure() != null);
            assertThat(wal.failure()).contains("corrupt", NAME);
        }
        assertThat(spool.resolve(NAME)).doesNotExist();
        assertThat(Files.readString(spool.resolve(WalPrefetcher.FAILED))).contains("corrupt");
    }
}

package io.strata.restore.pitr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.luben.zstd.Zstd;
import io.strata.common.crypto.EncryptionKey;
import io.strata.common.crypto.Keyring;
import io.strata.common.crypto.ObjectEncryption;
import io.strata.common.model.Lsn;
import io.strata.common.storage.LocalObjectStore;
import io.strata.common.storage.ObjectStore;
import io.strata.platform.catalog.CatalogApi.PlannedSegment;
import io.strata.platform.storage.StorageEncryption;
import io.strata.platform.testing.ForwardingObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
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
        return planned(store, NAME, key, raw, partial, keys);
    }

    /** Stores {@code raw} as the archiver does (zstd, encrypted with {@code keys}) and plans it as {@code name}. */
    private static PlannedSegment planned(
            LocalObjectStore store, String name, String key, byte[] raw, boolean partial, Keyring keys)
            throws Exception {
        byte[] compressed = ObjectEncryption.encrypt(Zstd.compress(raw, 3), keys);
        store.put(key, compressed);
        String sha =
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(compressed));
        return new PlannedSegment(name, key, sha, partial, Lsn.parse("0/3000100"), compressed.length, Instant.now());
    }

    private static PlannedSegment segment(LocalObjectStore store, String name, byte[] raw, boolean partial)
            throws Exception {
        String key = "shop/wal/00000001/" + name + (partial ? ".partial.zst" : ".zst");
        return planned(store, name, key, raw, partial, Keyring.none());
    }

    /** {@code count} whole segments, 000000010000000000000001 on, archived and planned. */
    private static List<PlannedSegment> plan(LocalObjectStore store, int count) throws Exception {
        List<PlannedSegment> plan = new java.util.ArrayList<>();
        for (int i = 1; i <= count; i++) {
            plan.add(segment(store, "00000001000000000000000" + i, new byte[(int) SEGMENT_SIZE], false));
        }
        return plan;
    }

    private static WalPrefetcher prefetcher(LocalObjectStore store, Path spool, List<PlannedSegment> plan, int ahead)
            throws Exception {
        return prefetcher(store, spool, plan, plan.size(), ahead);
    }

    private static WalPrefetcher prefetcher(
            LocalObjectStore store, Path spool, List<PlannedSegment> plan, int needed, int ahead) throws Exception {
        WalPrefetcher wal = new WalPrefetcher(
                store,
                StorageEncryption.off("test"),
                false,
                name -> Optional.empty(),
                spool,
                plan,
                needed,
                List.of(),
                SEGMENT_SIZE,
                2,
                ahead,
                WalPrefetcher.STOP_WAIT);
        wal.prepare(new OsUser(System.getProperty("user.name")));
        return wal;
    }

    /**
     * A plan's timeline history files are fetched before recovery starts, as they are (no padding, no segment
     * size), and listed among the files PostgreSQL may ask for.
     */
    @Test
    void timelineHistoriesAreFetchedAsTheyAreBeforeRecoveryStarts(@TempDir Path dir) throws Exception {
        LocalObjectStore store = new LocalObjectStore(dir.resolve("store"));
        Path spool = Files.createDirectories(dir.resolve("spool"));
        byte[] content =
                "1\t0/3000158\tno recovery target specified\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        PlannedSegment history = planned(
                store, "00000002.history", "shop/wal/00000002/00000002.history.zst", content, false, Keyring.none());
        List<PlannedSegment> plan = plan(store, 2);

        try (WalPrefetcher wal = new WalPrefetcher(
                store,
                StorageEncryption.off("test"),
                false,
                name -> Optional.empty(),
                spool,
                plan,
                plan.size(),
                List.of(history),
                SEGMENT_SIZE,
                2,
                4,
                WalPrefetcher.STOP_WAIT)) {
            wal.prepare(new OsUser(System.getProperty("user.name")));
            wal.start();
            assertThat(Files.readAllBytes(spool.resolve("00000002.history")))
                    .as("there when start returns")
                    .isEqualTo(content);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> Files.exists(spool.resolve(plan.get(1).segment())));
            assertThat(wal.failure()).isNull();
        }
        assertThat(Files.readAllLines(spool.resolve(WalPrefetcher.PLANNED)))
                .containsExactly(
                        "00000002.history", plan.get(0).segment(), plan.get(1).segment());
    }

    /** Zeros would read as the end of WAL: recovery would stop early and the restore look fine. */
    @Test
    void aCompleteSegmentShorterThanASegmentStopsRecoveryInsteadOfBeingPadded(@TempDir Path dir) throws Exception {
        LocalObjectStore store = new LocalObjectStore(dir.resolve("store"));
        Path spool = Files.createDirectories(dir.resolve("spool"));
        PlannedSegment shortOne = segment(store, NAME, new byte[1000], false);

        try (WalPrefetcher wal = prefetcher(store, spool, List.of(shortOne), 4)) {
            wal.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> wal.failure() != null);
            assertThat(wal.failure()).contains(NAME, "1000 bytes", "not a whole segment");
        }
        assertThat(spool.resolve(NAME)).doesNotExist();
        try (var left = Files.list(spool)) { // nothing half-written left, nor the staging directory
            assertThat(left.map(p -> p.getFileName().toString()))
                    .noneMatch(name -> name.startsWith(NAME) || name.startsWith(ClusterFiles.STAGE_PREFIX));
        }
        assertThat(Files.readString(spool.resolve(WalPrefetcher.FAILED))).contains("not a whole segment");
    }

    @Test
    void aSegmentThatInflatesBeyondASegmentIsCutOffAndStopsRecovery(@TempDir Path dir) throws Exception {
        LocalObjectStore store = new LocalObjectStore(dir.resolve("store"));
        Path spool = Files.createDirectories(dir.resolve("spool"));
        PlannedSegment big = segment(store, NAME, new byte[(int) SEGMENT_SIZE * 8], false); // 8 MiB of zeros

        try (WalPrefetcher wal = prefetcher(store, spool, List.of(big), 4)) {
            wal.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> wal.failure() != null);
            assertThat(wal.failure()).contains(NAME, "more than a segment");
        }
        try (var left = Files.list(spool)) {
            assertThat(left.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder(WalPrefetcher.PLANNED, WalPrefetcher.FAILED);
        }
    }

    /**
     * PostgreSQL reads the base backup's checkpoint record before going back to its redo point; on a busy
     * server that record lies beyond the window of segments fetched ahead, and nothing may wait on nothing.
     */
    @Test
    void aSegmentRecoveryWaitsForIsFetchedOutsideTheWindow(@TempDir Path dir) throws Exception {
        LocalObjectStore store = new LocalObjectStore(dir.resolve("store"));
        Path spool = Files.createDirectories(dir.resolve("spool"));
        List<PlannedSegment> plan = plan(store, 8);
        String checkpoint = plan.get(6).segment();

        try (WalPrefetcher wal = prefetcher(store, spool, plan, 2)) {
            wal.start();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> Files.exists(spool.resolve(plan.get(1).segment())));
            assertThat(spool.resolve(checkpoint)).doesNotExist(); // outside the window of 2

            Files.createFile(spool.resolve(checkpoint + WalPrefetcher.WANTED)); // as RestoreProgram does
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(spool.resolve(checkpoint)));
            assertThat(wal.failure()).isNull();
            assertThat(spool.resolve(plan.get(2).segment())).doesNotExist(); // the window itself did not move
        }
    }

    /**
     * Past the target only what recovery asks for is fetched: a segment there that cannot be fetched fails
     * nothing until recovery wants it, and once it goes past the estimate the rest is fetched ahead too.
     */
    @Test
    void segmentsPastTheTargetAreFetchedOnlyWhenRecoveryAsks(@TempDir Path dir) throws Exception {
        LocalObjectStore store = new LocalObjectStore(dir.resolve("store"));
        Path spool = Files.createDirectories(dir.resolve("spool"));
        List<PlannedSegment> plan = plan(store, 6);
        store.delete(plan.get(5).key()); // gone from the archive, past the target

        try (WalPrefetcher wal = prefetcher(store, spool, plan, 2, 8)) {
            wal.start();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> Files.exists(spool.resolve(plan.get(1).segment())));
            // ten rounds of the coordinator (it looks every 50 ms): nothing past the target comes
            await().during(Duration.ofMillis(500))
                    .atMost(Duration.ofSeconds(2))
                    .until(() -> !Files.exists(spool.resolve(plan.get(2).segment())) && wal.failure() == null);

            Files.createFile(spool.resolve(plan.get(2).segment() + WalPrefetcher.WANTED)); // recovery goes on
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> Files.exists(spool.resolve(plan.get(4).segment())));
            await().atMost(Duration.ofSeconds(10)).until(() -> wal.failure() != null);
            assertThat(wal.failure()).contains(plan.get(5).segment(), "is gone");
        }
    }

    /** The spool belongs to the cluster's user; the worker (root) must never write through a link there. */
    @Test
    void aLinkPlantedInTheSpoolIsNeverWrittenThrough(@TempDir Path dir) throws Exception {
        LocalObjectStore store = new LocalObjectStore(dir.resolve("store"));
        Path spool = Files.createDirectories(dir.resolve("spool"));
        Path victim = Files.writeString(dir.resolve("victim"), "precious");
        Files.createSymbolicLink(spool.resolve(NAME), victim);
        PlannedSegment planned = segment(store, NAME, new byte[(int) SEGMENT_SIZE], false);

        try (WalPrefetcher wal = prefetcher(store, spool, List.of(planned), 4)) {
            wal.start();
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> Files.isRegularFile(spool.resolve(NAME), java.nio.file.LinkOption.NOFOLLOW_LINKS));
            assertThat(wal.failure()).isNull();
        }
        assertThat(Files.readString(victim)).isEqualTo("precious");
        assertThat(Files.isSymbolicLink(spool.resolve(NAME))).isFalse();
        assertThat(Files.size(spool.resolve(NAME))).isEqualTo(SEGMENT_SIZE);
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

        fetchWithoutFailure(store, spool, planned, newer);
        byte[] fetched = Files.readAllBytes(spool.resolve(NAME));
        assertThat(fetched).hasSize((int) SEGMENT_SIZE);
        assertThat(fetched).startsWith(1, 2, 3, 4, 5, 0, 0);
    }

    /** Fetches {@code planned} into {@code spool}, the catalog answering {@code recorded} when asked again. */
    private static void fetchWithoutFailure(
            LocalObjectStore store, Path spool, PlannedSegment planned, PlannedSegment recorded) throws Exception {
        try (WalPrefetcher wal = new WalPrefetcher(
                store,
                StorageEncryption.off("test"),
                false,
                name -> Optional.of(recorded),
                spool,
                List.of(planned),
                1,
                List.of(),
                SEGMENT_SIZE,
                2,
                4,
                WalPrefetcher.STOP_WAIT)) {
            wal.prepare(new OsUser(System.getProperty("user.name")));
            wal.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(spool.resolve(planned.segment())));
            assertThat(wal.failure()).isNull();
        }
    }

    @Test
    void aCompleteSegmentStoredAgainSinceThePlanIsFetchedAsTheCatalogNowRecordsIt(@TempDir Path dir) throws Exception {
        LocalObjectStore store = new LocalObjectStore(dir.resolve("store"));
        Path spool = Files.createDirectories(dir.resolve("spool"));
        String key = "shop/wal/00000001/" + NAME + ".zst";
        byte[] raw = new byte[(int) SEGMENT_SIZE];
        raw[0] = 9;
        PlannedSegment planned = store(store, key, raw, false);
        // the archiver found it damaged and stored it again (other bytes, same WAL); the catalog has the new hash
        byte[] again = Zstd.compress(raw, 1);
        store.put(key, again);
        PlannedSegment recorded = new PlannedSegment(
                NAME,
                key,
                HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(again)),
                false,
                planned.endLsn(),
                again.length,
                Instant.now());
        assertThat(recorded.sha256()).isNotEqualTo(planned.sha256());

        fetchWithoutFailure(store, spool, planned, recorded);
        assertThat(Files.readAllBytes(spool.resolve(NAME))).isEqualTo(raw);
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
                1,
                List.of(),
                SEGMENT_SIZE,
                2,
                4,
                WalPrefetcher.STOP_WAIT)) {
            wal.prepare(new OsUser(System.getProperty("user.name")));
            wal.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(spool.resolve(NAME)));
            assertThat(wal.failure()).isNull();
        }
        assertThat(Files.readAllBytes(spool.resolve(NAME))).isEqualTo(raw);

        Path otherSpool = Files.createDirectories(dir.resolve("other"));
        StorageEncryption wrong = StorageEncryption.of("test", Keyring.of("k9", EncryptionKey.generate("k9")));
        try (WalPrefetcher wal = new WalPrefetcher(
                store,
                wrong,
                false,
                name -> Optional.empty(),
                otherSpool,
                List.of(planned),
                1,
                List.of(),
                SEGMENT_SIZE,
                2,
                4,
                WalPrefetcher.STOP_WAIT)) {
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
                1,
                List.of(),
                SEGMENT_SIZE,
                2,
                4,
                WalPrefetcher.STOP_WAIT)) {
            wal.prepare(new OsUser(System.getProperty("user.name")));
            wal.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> wal.failure() != null);
            assertThat(wal.failure()).contains("corrupt", NAME);
        }
        assertThat(spool.resolve(NAME)).doesNotExist();
        assertThat(Files.readString(spool.resolve(WalPrefetcher.FAILED))).contains("corrupt");
    }

    /**
     * A fetch stuck in a read that ignores interrupts (a socket without a timeout) outlives the close's wait:
     * the close returns, and the spool's staging directory, which the fetch may still write into, is closed
     * and removed once the fetch ends, not leaked (before, it stayed open until the worker stopped).
     */
    @Test
    void aFetchStuckPastTheCloseLeavesItsStagingDirectoryToBeClosedWhenItEnds(@TempDir Path dir) throws Exception {
        LocalObjectStore local = new LocalObjectStore(dir.resolve("store"));
        Path spool = Files.createDirectories(dir.resolve("spool"));
        List<PlannedSegment> plan = plan(local, 1);
        CountDownLatch reading = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        ObjectStore stuck = new ForwardingObjectStore(local) {
            @Override
            public InputStream open(String key) throws IOException {
                reading.countDown();
                boolean released = false;
                while (!released) { // deaf to interrupts, as a blocked socket read is
                    try {
                        released = release.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException ignored) {
                        // keeps waiting
                    }
                }
                throw new IOException("the read ended");
            }
        };
        WalPrefetcher wal = new WalPrefetcher(
                stuck,
                StorageEncryption.off("test"),
                false,
                name -> Optional.empty(),
                spool,
                plan,
                1,
                List.of(),
                SEGMENT_SIZE,
                1,
                4,
                Duration.ofMillis(200));
        wal.prepare(new OsUser(System.getProperty("user.name")));
        wal.start();
        assertThat(reading.await(10, TimeUnit.SECONDS)).isTrue();

        long before = System.nanoTime();
        wal.close();
        assertThat(Duration.ofNanos(System.nanoTime() - before)).isLessThan(Duration.ofSeconds(5));
        assertThat(staging(spool))
                .as("kept while the fetch may still write into it")
                .hasSize(1);

        release.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> staging(spool).isEmpty());
    }

    private static List<String> staging(Path spool) throws IOException {
        try (var entries = Files.list(spool)) {
            return entries.map(p -> p.getFileName().toString())
                    .filter(name -> name.startsWith(ClusterFiles.STAGE_PREFIX))
                    .toList();
        }
    }
}

package io.strata.wal.streaming;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.Zstd;
import io.strata.common.crypto.EncryptionKey;
import io.strata.common.crypto.Keyring;
import io.strata.common.crypto.ObjectEncryption;
import io.strata.common.messaging.Topics;
import io.strata.common.model.Lsn;
import io.strata.common.storage.LocalObjectStore;
import io.strata.common.storage.ObjectStore;
import io.strata.common.wal.WalSegmentArchived;
import io.strata.common.wal.WalSegmentName;
import io.strata.common.wal.WalTimelineArchived;
import io.strata.platform.storage.StorageEncryption;
import io.strata.platform.testing.ForwardingObjectStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Semaphore;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SegmentShipperTest {
    private static final long SEGMENT_SIZE = 64 * 1024;
    private static final Instant NOW = Instant.parse("2025-03-01T12:00:00Z");
    private final WalSegmentName segment = new WalSegmentName(2, 0x4A, SEGMENT_SIZE);
    private final RecordingPublisher publisher = new RecordingPublisher();
    private final byte[] content = new byte[(int) SEGMENT_SIZE];
    private LocalObjectStore store;
    private SegmentShipper shipper;
    /** A session that saw the server at the segment's start: all it ships covers that moment. */
    private final WalCoverage caughtUp = new WalCoverage();

    private final List<SegmentCompressor> compressors = new java.util.ArrayList<>();

    @TempDir
    Path spool;

    @BeforeEach
    void setUp(@TempDir Path root) throws Exception {
        store = new LocalObjectStore(root);
        shipper = shipper(store, StorageEncryption.off("test"), new Semaphore(4));
        new Random(3).nextBytes(content);
        caughtUp.observed(new WalCoverage.Sample(segment.startLsn(), NOW.minusSeconds(5)));
    }

    @Test
    void partialHoldsTheBytesSoFarAndEndsWhereTheyEnd() throws Exception {
        WalSegmentArchived event =
                shipper.shipPartial(segment, bytes(content, 1000), caughtUp).orElseThrow();

        String key = "shop/wal/00000002/" + segment + ".partial.zst";
        byte[] stored = store.readAll(key);
        assertThat(Zstd.decompress(stored, 1000)).isEqualTo(Arrays.copyOf(content, 1000));
        assertThat(event.partial()).isTrue();
        assertThat(event.key()).isEqualTo(key);
        assertThat(event.startLsn()).isEqualTo(segment.startLsn());
        assertThat(event.endLsn()).isEqualTo(new Lsn(segment.startLsn().value() + 1000));
        assertThat(event.sha256()).isEqualTo(SegmentShipper.sha256Hex(stored));
        assertThat(event.storedBytes()).isEqualTo(stored.length);
        assertThat(publisher.sent)
                .singleElement()
                .satisfies(sent -> assertThat(sent.topic()).isEqualTo(Topics.WAL_EVENTS));
    }

    @Test
    void completeSegmentReplacesItsPartialAndIsAnnounced() throws Exception {
        shipper.shipPartial(segment, bytes(content, 1000), caughtUp);

        WalSegmentArchived event = shipper.shipComplete(segment, whole(), caughtUp);

        byte[] stored = store.readAll("shop/wal/00000002/" + segment + ".zst");
        assertThat(Zstd.decompress(stored, (int) SEGMENT_SIZE)).isEqualTo(content);
        assertThat(store.stat("shop/wal/00000002/" + segment + ".partial.zst")).isEmpty();
        assertThat(event)
                .returns(false, WalSegmentArchived::partial)
                .returns("shop", WalSegmentArchived::source)
                .returns(2, WalSegmentArchived::timeline)
                .returns(segment.toString(), WalSegmentArchived::segment)
                .returns(SEGMENT_SIZE, WalSegmentArchived::segmentSize)
                .returns(segment.endLsn(), WalSegmentArchived::endLsn)
                .returns(SegmentShipper.sha256Hex(stored), WalSegmentArchived::sha256)
                .returns(NOW, WalSegmentArchived::archivedAt)
                .returns(NOW.minusSeconds(5), WalSegmentArchived::coveredUntil);
        assertThat(publisher.sent).hasSize(2);
    }

    @Test
    void lastArchivedSegmentIgnoresPartialsAndHistory() throws Exception {
        shipper.shipComplete(segment, whole(), caughtUp);
        shipper.shipComplete(segment.next(), whole(), caughtUp);
        shipper.shipPartial(segment.next().next(), bytes(content, 10), caughtUp);
        shipper.shipHistory(2, "1\t0/3000000\tno recovery target specified\n".getBytes(StandardCharsets.UTF_8));

        assertThat(shipper.lastArchivedSegment(2, SEGMENT_SIZE)).contains(segment.next());
        assertThat(shipper.lastArchivedSegment(3, SEGMENT_SIZE)).isEmpty();
    }

    @Test
    void aHistoryIsStoredAndReportedWithItsEntriesEachTime() throws Exception {
        byte[] history = "1\t0/3000158\tno recovery target specified\n\n2\t0/5000000\tbefore 2026-12-04 15:29:00+00\n"
                .getBytes(StandardCharsets.UTF_8);

        WalTimelineArchived first = shipper.shipHistory(3, history).orElseThrow();
        WalTimelineArchived again = shipper.shipHistory(3, history).orElseThrow();

        byte[] stored = store.readAll("shop/wal/00000003/00000003.history.zst");
        assertThat(Zstd.decompress(stored, history.length)).isEqualTo(history);
        assertThat(again)
                .returns("shop", WalTimelineArchived::source)
                .returns(3, WalTimelineArchived::timeline)
                .returns("shop/wal/00000003/00000003.history.zst", WalTimelineArchived::key)
                .returns(SegmentShipper.sha256Hex(stored), WalTimelineArchived::sha256)
                .returns((long) stored.length, WalTimelineArchived::storedBytes)
                .returns(NOW, WalTimelineArchived::archivedAt);
        assertThat(first.sha256()).as("the same content is not stored again").isEqualTo(again.sha256());
        assertThat(first.history())
                .containsExactly(
                        new WalTimelineArchived.Switch(1, Lsn.parse("0/3000158")),
                        new WalTimelineArchived.Switch(2, Lsn.parse("0/5000000")));
        assertThat(publisher.sent).hasSize(2);
    }

    @Test
    void aStoredHistoryThatDiffersIsReplacedByTheServers() throws Exception {
        shipper.shipHistory(2, "1\t0/3000000\tanother server's\n".getBytes(StandardCharsets.UTF_8));
        byte[] servers = "1\t0/4000000\tno recovery target specified\n".getBytes(StandardCharsets.UTF_8);

        WalTimelineArchived event = shipper.shipHistory(2, servers).orElseThrow();

        byte[] stored = store.readAll("shop/wal/00000002/00000002.history.zst");
        assertThat(Zstd.decompress(stored, servers.length)).isEqualTo(servers);
        assertThat(event.sha256()).isEqualTo(SegmentShipper.sha256Hex(stored));
        assertThat(event.history()).containsExactly(new WalTimelineArchived.Switch(1, Lsn.parse("0/4000000")));
    }

    /**
     * A stored history this archiver cannot decrypt (a key since removed from its keyring) is kept as it is
     * and reported with its own SHA-256: replacing it would change the hash a restore planned with.
     */
    @Test
    void aStoredHistoryThisArchiverCannotDecryptIsKept(@TempDir Path root) throws Exception {
        LocalObjectStore encrypted = new LocalObjectStore(root);
        byte[] history = "1\t0/3000000\tno recovery target specified\n".getBytes(StandardCharsets.UTF_8);
        SegmentShipper before = shipper(
                encrypted,
                StorageEncryption.of("test", Keyring.of("k1", EncryptionKey.generate("k1"))),
                new Semaphore(4));
        SegmentShipper after = shipper(
                encrypted,
                StorageEncryption.of("test", Keyring.of("k2", EncryptionKey.generate("k2"))),
                new Semaphore(4));

        WalTimelineArchived first = before.shipHistory(2, history).orElseThrow();
        WalTimelineArchived again = after.shipHistory(2, history).orElseThrow();

        assertThat(again.sha256()).isEqualTo(first.sha256());
        assertThat(SegmentShipper.sha256Hex(encrypted.readAll(first.key()))).isEqualTo(first.sha256());
    }

    @Test
    void aHistoryThatDoesNotReadIsStoredButNotReported() throws Exception {
        byte[] odd = "3\t0/3000158\tlater than its own timeline\n".getBytes(StandardCharsets.UTF_8);

        assertThat(shipper.shipHistory(2, odd)).isEmpty();

        assertThat(store.stat("shop/wal/00000002/00000002.history.zst")).isPresent();
        assertThat(publisher.sent).isEmpty();
    }

    @Test
    void anEncryptedSegmentIsStoredEncryptedAndNothingStaysInTheSpool(@TempDir Path root) throws Exception {
        Encrypted secret = encrypted(root);

        WalSegmentArchived event = secret.shipper().shipComplete(segment, whole(), caughtUp);

        byte[] stored = secret.store().readAll(event.key());
        assertThat(ObjectEncryption.isEncrypted(stored)).isTrue();
        assertThat(Zstd.decompress(ObjectEncryption.decrypt(stored, secret.keys()), (int) SEGMENT_SIZE))
                .isEqualTo(content);
        assertThat(event.sha256()).isEqualTo(SegmentShipper.sha256Hex(stored));
        assertThat(event.storedBytes()).isEqualTo(stored.length);
        assertThat(spoolFiles()).as("the spool files are unlinked").isEmpty();
    }

    @Test
    void partialsAndTheSegmentOfABusySourceAreStoredEncryptedAndReadBackAsTheWal(@TempDir Path root) throws Exception {
        shipThroughAnAccumulator(root, false);
    }

    @Test
    void partialsAndTheSegmentOfASourceThatRestedAreStoredEncryptedAndReadBackAsTheWal(@TempDir Path root)
            throws Exception {
        shipThroughAnAccumulator(root, true);
    }

    /** WAL arriving in pieces, a partial shipped after each until the segment completes; {@code rest} midway. */
    private void shipThroughAnAccumulator(Path root, boolean rest) throws Exception {
        Encrypted secret = encrypted(root);
        List<WalSegmentArchived> completed = new java.util.ArrayList<>();
        try (SegmentAccumulator accumulator = new SegmentAccumulator(segment, spool)) {
            int[] arrivals = {1000, 20_000, 3, 30_000, (int) SEGMENT_SIZE - 51_003 + 77};
            int offset = 0;
            for (int count : arrivals) {
                accumulator.accept(
                        new Lsn(segment.startLsn().value() + offset),
                        java.nio.ByteBuffer.wrap(wholeAndMore(), offset, count).slice(),
                        (full, bytes) -> completed.add(secret.shipper().shipComplete(full, bytes, caughtUp)));
                offset += count;
                if (completed.isEmpty()) {
                    WalSegmentArchived partial = secret.shipper()
                            .shipPartial(segment, accumulator.heldBytes(), caughtUp)
                            .orElseThrow();
                    byte[] plain = ObjectEncryption.decrypt(secret.store().readAll(partial.key()), secret.keys());
                    assertThat(Zstd.decompress(plain, offset))
                            .as("the partial after %d bytes", offset)
                            .isEqualTo(Arrays.copyOf(content, offset));
                    assertThat(partial.endLsn())
                            .isEqualTo(new Lsn(segment.startLsn().value() + offset));
                }
                if (rest && offset == 21_000) {
                    accumulator.rest(); // the source went quiet for a while: the next partial starts a frame
                }
            }
            assertThat(accumulator.segment()).isEqualTo(segment.next());
            assertThat(accumulator.held()).isEqualTo(77);
        }
        byte[] stored = secret.store().readAll(completed.getFirst().key());
        byte[] zstd = ObjectEncryption.decrypt(stored, secret.keys());
        assertThat(Zstd.findFrameCompressedSize(zstd)).as("one frame").isEqualTo(zstd.length);
        assertThat(Zstd.decompress(zstd, (int) SEGMENT_SIZE)).isEqualTo(content);
        assertThat(completed.getFirst().sha256()).isEqualTo(SegmentShipper.sha256Hex(stored));
        assertThat(secret.store().stat("shop/wal/00000002/" + segment + ".partial.zst"))
                .isEmpty();
        assertThat(spoolFiles()).isEmpty();
    }

    @Test
    void aCompleteSegmentShippedAgainKeepsWhatIsStoredWhenItHoldsTheSameWal(@TempDir Path root) throws Exception {
        Encrypted secret = encrypted(root);
        WalSegmentArchived first = secret.shipper().shipComplete(segment, whole(), caughtUp);
        byte[] stored = secret.store().readAll(first.key());

        // a new session streams the segment again (the server never heard it was stored)
        WalSegmentArchived again = secret.shipper().shipComplete(segment, whole(), caughtUp);

        assertThat(secret.store().readAll(first.key())).as("not replaced").isEqualTo(stored);
        assertThat(again.sha256()).isEqualTo(first.sha256());
        assertThat(again.storedBytes()).isEqualTo(first.storedBytes());
        assertThat(publisher.sent).hasSize(2);
    }

    @Test
    void aStoredCompleteSegmentThatIsDamagedOrHoldsOtherWalIsStoredAgain() throws Exception {
        WalSegmentArchived first = shipper.shipComplete(segment, whole(), caughtUp);
        byte[] damaged = store.readAll(first.key());
        damaged[damaged.length / 2] ^= 0x10;
        store.put(first.key(), damaged);

        WalSegmentArchived repaired = shipper.shipComplete(segment, whole(), caughtUp);
        assertThat(Zstd.decompress(store.readAll(first.key()), (int) SEGMENT_SIZE))
                .isEqualTo(content);
        assertThat(repaired.sha256()).isEqualTo(SegmentShipper.sha256Hex(store.readAll(first.key())));

        byte[] other = content.clone();
        other[7] ^= 1;
        shipper.shipComplete(segment, bytes(other, other.length), caughtUp);
        assertThat(Zstd.decompress(store.readAll(first.key()), (int) SEGMENT_SIZE))
                .isEqualTo(other);
    }

    @Test
    void aPartialIsNeverReplacedByAShorterOneNorShippedAgainAtTheSameLength() throws Exception {
        String key = "shop/wal/00000002/" + segment + ".partial.zst";
        shipper.shipPartial(segment, bytes(content, 5000), caughtUp).orElseThrow();
        byte[] stored = store.readAll(key);

        assertThat(shipper.shipPartial(segment, bytes(content, 3000), caughtUp)).isEmpty();
        assertThat(shipper.shipPartial(segment, bytes(content, 5000), caughtUp)).isEmpty();
        // a new process (a shipper that knows nothing yet) streaming the segment again from its first byte
        SegmentShipper restarted = shipper(store, StorageEncryption.off("test"), new Semaphore(4));
        assertThat(restarted.shipPartial(segment, bytes(content, 1000), caughtUp))
                .isEmpty();
        assertThat(store.readAll(key)).as("the longer partial is kept").isEqualTo(stored);
        assertThat(publisher.sent).hasSize(1);

        WalSegmentArchived longer =
                restarted.shipPartial(segment, bytes(content, 6000), caughtUp).orElseThrow();
        assertThat(longer.endLsn()).isEqualTo(new Lsn(segment.startLsn().value() + 6000));
        assertThat(Zstd.decompress(store.readAll(key), 6000)).isEqualTo(Arrays.copyOf(content, 6000));
    }

    @Test
    void aLongerStoredPartialOfOtherWalIsReplaced() throws Exception {
        String key = "shop/wal/00000002/" + segment + ".partial.zst";
        byte[] other = content.clone();
        other[500] ^= 1;
        shipper.shipPartial(segment, bytes(other, 5000), caughtUp).orElseThrow();

        SegmentShipper restarted = shipper(store, StorageEncryption.off("test"), new Semaphore(4));
        assertThat(restarted.shipPartial(segment, bytes(content, 1000), caughtUp))
                .isPresent();
        assertThat(Zstd.decompress(store.readAll(key), 5000)).isEqualTo(Arrays.copyOf(content, 1000));
    }

    @Test
    void aStoredSegmentThatCannotBeReadFromTheStoreFailsTheShipmentAndIsNotReplaced(@TempDir Path root)
            throws Exception {
        LocalObjectStore local = new LocalObjectStore(root);
        WalSegmentArchived first = shipper(local, StorageEncryption.off("test"), new Semaphore(4))
                .shipComplete(segment, whole(), caughtUp);
        byte[] stored = local.readAll(first.key());
        ObjectStore flaky = new ForwardingObjectStore(local) {
            @Override
            public InputStream open(String key) throws IOException {
                return new java.io.FilterInputStream(super.open(key)) {
                    private int reads;

                    @Override
                    public int read(byte[] b, int off, int len) throws IOException {
                        if (++reads > 1) {
                            throw new IOException("injected: the connection broke");
                        }
                        return super.read(b, off, Math.min(len, 100));
                    }
                };
            }
        };
        publisher.sent.clear();

        assertThatThrownBy(() -> shipper(flaky, StorageEncryption.off("test"), new Semaphore(4))
                        .shipComplete(segment, whole(), caughtUp))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("injected");

        assertThat(local.readAll(first.key())).as("not replaced").isEqualTo(stored);
        assertThat(publisher.sent).isEmpty();
    }

    @Test
    void aSegmentStoredInClearForASourceThatRequiresEncryptionIsStoredAgainEncrypted(@TempDir Path root)
            throws Exception {
        Encrypted secret = encrypted(root);
        shipper(secret.store(), StorageEncryption.off("test"), new Semaphore(4))
                .shipComplete(segment, whole(), caughtUp);
        secret.shipper().encrypt(true);

        WalSegmentArchived again = secret.shipper().shipComplete(segment, whole(), caughtUp);

        byte[] stored = secret.store().readAll(again.key());
        assertThat(ObjectEncryption.isEncrypted(stored)).isTrue();
        assertThat(again.sha256()).isEqualTo(SegmentShipper.sha256Hex(stored));
    }

    @Test
    void aLongerPartialStoredInClearForASourceThatRequiresEncryptionIsReplaced(@TempDir Path root) throws Exception {
        Encrypted secret = encrypted(root);
        shipper(secret.store(), StorageEncryption.off("test"), new Semaphore(4))
                .shipPartial(segment, bytes(content, 5000), caughtUp)
                .orElseThrow();
        secret.shipper().encrypt(true);

        assertThat(secret.shipper().shipPartial(segment, bytes(content, 1000), caughtUp))
                .isPresent();
        assertThat(ObjectEncryption.isEncrypted(
                        secret.store().readAll("shop/wal/00000002/" + segment + ".partial.zst")))
                .isTrue();
    }

    @Test
    void aDamagedEncryptedSegmentIsStoredAgain(@TempDir Path root) throws Exception {
        Encrypted secret = encrypted(root);
        WalSegmentArchived first = secret.shipper().shipComplete(segment, whole(), caughtUp);
        byte[] damaged = secret.store().readAll(first.key());
        damaged[damaged.length - 20] ^= 0x01; // in the last chunk: its tag no longer verifies
        secret.store().put(first.key(), damaged);

        WalSegmentArchived again = secret.shipper().shipComplete(segment, whole(), caughtUp);

        byte[] stored = secret.store().readAll(again.key());
        assertThat(again.sha256()).isNotEqualTo(first.sha256()).isEqualTo(SegmentShipper.sha256Hex(stored));
        assertThat(Zstd.decompress(ObjectEncryption.decrypt(stored, secret.keys()), (int) SEGMENT_SIZE))
                .isEqualTo(content);
    }

    @Test
    void aCompleteSegmentStoredWithAKeyThisArchiverNoLongerHasIsKept(@TempDir Path root) throws Exception {
        LocalObjectStore shared = new LocalObjectStore(root);
        Keyring old = Keyring.of("old", EncryptionKey.generate("old"));
        WalSegmentArchived first = shipper(shared, StorageEncryption.of("test", old), new Semaphore(4))
                .shipComplete(segment, whole(), caughtUp);
        byte[] stored = shared.readAll(first.key());
        Keyring rotated = Keyring.of("new", EncryptionKey.generate("new"));

        WalSegmentArchived again = shipper(shared, StorageEncryption.of("test", rotated), new Semaphore(4))
                .shipComplete(segment, whole(), caughtUp);

        assertThat(shared.readAll(first.key())).isEqualTo(stored);
        assertThat(again.sha256()).isEqualTo(first.sha256());
        assertThat(again.storedBytes()).isEqualTo(stored.length);
    }

    /** The segment's content, then 77 bytes of the next one. */
    private byte[] wholeAndMore() {
        return Arrays.copyOf(content, content.length + 77);
    }

    @Test
    void aStoreThatFailsLeavesNoSpoolFileAndNoEvent(@TempDir Path root) throws Exception {
        ObjectStore failing = new ForwardingObjectStore(new LocalObjectStore(root)) {
            @Override
            public void put(String key, long length, Content body) throws IOException {
                try (InputStream in = body.open()) {
                    in.readNBytes((int) Math.min(length, 100));
                }
                throw new IOException("injected: the store is down");
            }
        };
        SegmentShipper broken = shipper(failing, StorageEncryption.off("test"), new Semaphore(4));

        assertThatThrownBy(() -> broken.shipComplete(segment, whole(), caughtUp))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("injected");

        assertThat(publisher.sent).isEmpty();
        assertThat(spoolFiles()).isEmpty();
    }

    @Test
    void anUploadHoldsOneOfTheSharedPermitsAndGivesItBack(@TempDir Path root) throws Exception {
        Semaphore uploads = new Semaphore(1);
        List<Integer> freeDuringPut = new java.util.ArrayList<>();
        ObjectStore watched = new ForwardingObjectStore(new LocalObjectStore(root)) {
            @Override
            public void put(String key, long length, Content body) throws IOException {
                freeDuringPut.add(uploads.availablePermits());
                if (freeDuringPut.size() == 2) {
                    throw new IOException("injected: the second upload fails");
                }
                super.put(key, length, body);
            }
        };
        SegmentShipper shipper = shipper(watched, StorageEncryption.off("test"), uploads);

        shipper.shipPartial(segment, bytes(content, 1000), caughtUp);
        assertThatThrownBy(() -> shipper.shipComplete(segment, whole(), caughtUp))
                .hasMessageContaining("injected");

        assertThat(freeDuringPut).containsExactly(0, 0);
        assertThat(uploads.availablePermits())
                .as("given back after a failed upload too")
                .isEqualTo(1);
    }

    @Test
    void aSegmentOfTheWrongLengthIsNeverShippedWhole() {
        assertThatThrownBy(() -> shipper.shipComplete(segment, bytes(content, 1000), caughtUp))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("torn segment");
        assertThat(publisher.sent).isEmpty();
    }

    /** A shipper that encrypts with a key of its own, and its store. */
    private record Encrypted(LocalObjectStore store, Keyring keys, SegmentShipper shipper) {}

    private Encrypted encrypted(Path root) throws IOException {
        LocalObjectStore store = new LocalObjectStore(root);
        Keyring keys = Keyring.of("k1", EncryptionKey.generate("k1"));
        return new Encrypted(store, keys, shipper(store, StorageEncryption.of("test", keys), new Semaphore(4)));
    }

    /** A shipper of source "shop" at {@link #NOW}, spooling in {@link #spool}. */
    private SegmentShipper shipper(ObjectStore target, StorageEncryption encryption, Semaphore uploads) {
        return new SegmentShipper(
                "shop", target, encryption, publisher, Clock.fixed(NOW, ZoneOffset.UTC), spool, uploads);
    }

    private SegmentAccumulator.WalBytes whole() throws IOException {
        return bytes(content, content.length);
    }

    /** The first {@code length} bytes of {@code content}, compressed by a compressor of their own. */
    private SegmentAccumulator.WalBytes bytes(byte[] content, int length) throws IOException {
        SegmentCompressor compressor = new SegmentCompressor(spool, SegmentShipper.ZSTD_LEVEL);
        compressors.add(compressor);
        return new SegmentAccumulator.WalBytes() {
            @Override
            public int length() {
                return length;
            }

            @Override
            public InputStream open() {
                return new ByteArrayInputStream(content, 0, length);
            }

            @Override
            public SegmentCompressor.CompressedWal compressed() throws IOException {
                return compressor.compress(this, length == SEGMENT_SIZE);
            }
        };
    }

    @AfterEach
    void closeCompressors() throws IOException {
        for (SegmentCompressor compressor : compressors) {
            compressor.close();
        }
    }

    private List<Path> spoolFiles() throws IOException {
        try (Stream<Path> files = Files.list(spool)) {
            return files.toList();
        }
    }
}

package io.strata.wal.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.luben.zstd.Zstd;
import io.strata.common.messaging.Topics;
import io.strata.common.model.Lsn;
import io.strata.common.storage.LocalObjectStore;
import io.strata.common.wal.WalSegmentArchived;
import io.strata.common.wal.WalSegmentName;
import io.strata.platform.storage.StorageEncryption;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Random;
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

    @BeforeEach
    void setUp(@TempDir Path root) throws Exception {
        store = new LocalObjectStore(root);
        shipper = new SegmentShipper(
                "shop", store, StorageEncryption.off("test"), publisher, Clock.fixed(NOW, ZoneOffset.UTC));
        new Random(3).nextBytes(content);
        caughtUp.observed(new WalCoverage.Sample(segment.startLsn(), NOW.minusSeconds(5)));
    }

    @Test
    void partialHoldsTheBytesSoFarAndEndsWhereTheyEnd() throws Exception {
        WalSegmentArchived event = shipper.shipPartial(segment, content, 1000, caughtUp);

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
        shipper.shipPartial(segment, content, 1000, caughtUp);

        WalSegmentArchived event = shipper.shipComplete(segment, content, caughtUp);

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
        shipper.shipComplete(segment, content, caughtUp);
        shipper.shipComplete(segment.next(), content, caughtUp);
        shipper.shipPartial(segment.next().next(), content, 10, caughtUp);
        shipper.shipHistory(2, "1\t0/3000000\tno recovery target specified\n".getBytes(StandardCharsets.UTF_8));

        assertThat(shipper.lastArchivedSegment(2, SEGMENT_SIZE)).contains(segment.next());
        assertThat(shipper.lastArchivedSegment(3, SEGMENT_SIZE)).isEmpty();
        assertThat(shipper.hasHistory(2)).isTrue();
        assertThat(shipper.hasHistory(3)).isFalse();
    }
}

package io.strata.wal.streaming;

import io.strata.common.wal.WalSegmentName;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * Decides when the unfinished current segment is shipped: once {@code interval} has passed since
 * the last shipment (partial or complete) and the segment holds bytes not shipped yet. A quiet source
 * costs nothing; a busy one loses at most about {@code interval} of WAL if it vanishes.
 */
final class PartialSchedule {
    private final Duration interval;
    private final Clock clock;
    private Instant lastShipment;
    private WalSegmentName shippedSegment;
    private long shippedBytes;

    PartialSchedule(Duration interval, Clock clock) {
        this.interval = interval;
        this.clock = clock;
        this.lastShipment = clock.instant();
    }

    boolean due(WalSegmentName segment, long held) {
        long alreadyShipped = segment.equals(shippedSegment) ? shippedBytes : 0;
        return held > alreadyShipped && !clock.instant().isBefore(lastShipment.plus(interval));
    }

    /** Whatever is due, {@code held} bytes of {@code segment} are now in the archive. */
    void shipped(WalSegmentName segment, long held) {
        shippedSegment = segment;
        shippedBytes = held;
        lastShipment = clock.instant();
    }

    /** Bytes of {@code segment} not in the archive yet, for a last shipment before stopping. */
    boolean hasUnshipped(WalSegmentName segment, long held) {
        return held > (segment.equals(shippedSegment) ? shippedBytes : 0);
    }
}

package io.strata.wal.streaming;

import io.strata.common.model.Lsn;
import io.strata.common.wal.WalSegmentName;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.sql.SQLException;

/**
 * Collects streamed WAL into whole segments. The stream starts at a segment boundary, so every
 * segment handed to the sink holds the segment's bytes from its first to its last, exactly as
 * PostgreSQL's own file in {@code pg_wal}. One segment-sized buffer is reused: a sink must be done
 * with the bytes when it returns.
 */
final class SegmentAccumulator {
    private final byte[] buffer;
    private WalSegmentName segment;
    private int held;

    /** Receives each segment as soon as its last byte arrived. */
    @FunctionalInterface
    interface SegmentSink {
        void completed(WalSegmentName segment, byte[] content) throws IOException, SQLException;
    }

    SegmentAccumulator(WalSegmentName first) {
        this.buffer = new byte[Math.toIntExact(first.segmentSize())];
        this.segment = first;
    }

    /**
     * Appends WAL that starts at {@code dataStart}; completes every segment it fills.
     *
     * @throws WalContinuityException when the data does not continue where the last chunk ended
     */
    void accept(Lsn dataStart, ByteBuffer data, SegmentSink sink) throws IOException, SQLException {
        if (!dataStart.equals(position())) {
            throw new WalContinuityException("WAL arrived for " + dataStart + " but the archive continues at "
                    + position() + " (segment " + segment + "); reconnecting to stream from the slot again");
        }
        while (data.hasRemaining()) {
            int count = Math.min(data.remaining(), buffer.length - held);
            data.get(buffer, held, count);
            held += count;
            if (held == buffer.length) {
                sink.completed(segment, buffer);
                segment = segment.next();
                held = 0;
            }
        }
    }

    /** The segment being filled. */
    WalSegmentName segment() {
        return segment;
    }

    /** How many bytes of the current segment are held (from its start). */
    int held() {
        return held;
    }

    /** The current segment's bytes so far: valid up to {@link #held()}, overwritten by later data. */
    byte[] heldBytes() {
        return buffer;
    }

    /** The WAL position right after the last byte received. */
    Lsn position() {
        return new Lsn(segment.startLsn().value() + held);
    }
}

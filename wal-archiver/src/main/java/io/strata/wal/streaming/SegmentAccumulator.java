package io.strata.wal.streaming;

import io.strata.common.model.Lsn;
import io.strata.common.wal.WalSegmentName;
import io.strata.wal.streaming.SegmentCompressor.CompressedWal;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.sql.SQLException;

/**
 * Collects streamed WAL into whole segments. The stream starts at a segment boundary, so every segment handed
 * to the sink holds the segment's bytes from its first to its last, exactly as PostgreSQL's own file in
 * {@code pg_wal}. The segment being filled is held in a spool file ({@link WalSpool}), not in memory, and so is
 * its compressed form, made as shipments ask for it ({@link SegmentCompressor}); both files are reused for the
 * next segment: a sink must be done with the bytes when it returns.
 */
final class SegmentAccumulator implements AutoCloseable {
    private final WalSpool spool;
    private final SegmentCompressor compressor;
    private WalSegmentName segment;
    private int held;

    /** Receives each segment as soon as its last byte arrived. */
    @FunctionalInterface
    interface SegmentSink {
        void completed(WalSegmentName segment, WalBytes content) throws IOException, SQLException;
    }

    /** The first bytes of a segment, readable as often as asked while the sink (or caller) holds them. */
    interface WalBytes {
        int length();

        InputStream open() throws IOException;

        /** These bytes compressed as they are stored (see {@link SegmentCompressor}). */
        CompressedWal compressed() throws IOException;
    }

    /** Spools the segments from {@code first} on in a file of {@code spoolDirectory}. */
    SegmentAccumulator(WalSegmentName first, Path spoolDirectory) throws IOException {
        this.spool = WalSpool.open(spoolDirectory);
        try {
            this.compressor = new SegmentCompressor(spoolDirectory, SegmentShipper.ZSTD_LEVEL);
        } catch (IOException | RuntimeException e) {
            spool.close();
            throw e;
        }
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
        int segmentSize = Math.toIntExact(segment.segmentSize()); // PostgreSQL's largest is 1 GiB
        while (data.hasRemaining()) {
            int count = Math.min(data.remaining(), segmentSize - held);
            ByteBuffer part = data.slice(data.position(), count);
            spool.write(part, held);
            data.position(data.position() + count);
            held += count;
            if (held == segmentSize) {
                sink.completed(segment, view(held, true));
                compressor.reset();
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

    /** The current segment's bytes so far (up to {@link #held()}), valid until more data is accepted. */
    WalBytes heldBytes() {
        return view(held, false);
    }

    /**
     * The source is quiet: the compressed segment's open frame is ended and its context freed until more WAL
     * arrives.
     */
    void rest() throws IOException {
        compressor.rest();
    }

    private WalBytes view(int length, boolean whole) {
        return new WalBytes() {
            @Override
            public int length() {
                return length;
            }

            @Override
            public InputStream open() {
                return spool.read(length);
            }

            @Override
            public CompressedWal compressed() throws IOException {
                return compressor.compress(this, whole);
            }
        };
    }

    /** The WAL position right after the last byte received. */
    Lsn position() {
        return new Lsn(segment.startLsn().value() + held);
    }

    /** Gives the spool files back. */
    @Override
    public void close() throws IOException {
        try (WalSpool file = spool) {
            compressor.close();
        }
    }
}

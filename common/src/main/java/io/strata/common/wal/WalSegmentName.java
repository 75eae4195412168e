package io.strata.common.wal;

import io.strata.common.model.Lsn;
import java.util.regex.Pattern;

/**
 * A WAL segment file name as PostgreSQL writes it: timeline, then the segment number split in two
 * 8-hex-digit halves ({@code 000000010000000A00000003}). The split depends on the segment size, so
 * the size is part of the value.
 */
public record WalSegmentName(int timeline, long segmentNumber, long segmentSize) implements Comparable<WalSegmentName> {
    private static final Pattern SHAPE = Pattern.compile("[0-9A-F]{24}");
    private static final long FOUR_GIB = 0x1_0000_0000L;

    public WalSegmentName {
        if (timeline <= 0) {
            throw new IllegalArgumentException("timelines start at 1, got " + timeline);
        }
        if (segmentSize <= 0 || Long.bitCount(segmentSize) != 1 || segmentSize > 1L << 30) {
            throw new IllegalArgumentException(
                    "WAL segment size must be a power of two up to 1 GiB, got " + segmentSize);
        }
        if (segmentNumber < 0) {
            throw new IllegalArgumentException("segment number must not be negative, got " + segmentNumber);
        }
    }

    /** The segment holding {@code lsn}. */
    public static WalSegmentName of(int timeline, Lsn lsn, long segmentSize) {
        return new WalSegmentName(timeline, lsn.segmentNumber(segmentSize), segmentSize);
    }

    public static WalSegmentName parse(String name, long segmentSize) {
        if (name == null || !SHAPE.matcher(name).matches()) {
            throw new IllegalArgumentException("a WAL segment name is 24 upper-case hex digits, got: " + name);
        }
        int timeline = Integer.parseUnsignedInt(name.substring(0, 8), 16);
        long high = Long.parseLong(name.substring(8, 16), 16);
        long low = Long.parseLong(name.substring(16, 24), 16);
        long perLogFile = FOUR_GIB / segmentSize;
        if (low >= perLogFile) {
            throw new IllegalArgumentException(
                    name + " is not a segment of size " + segmentSize + ": its low part must be below " + perLogFile);
        }
        return new WalSegmentName(timeline, high * perLogFile + low, segmentSize);
    }

    /** The first WAL position inside this segment. */
    public Lsn startLsn() {
        return new Lsn(segmentNumber * segmentSize);
    }

    /** The first WAL position after this segment. */
    public Lsn endLsn() {
        return new Lsn((segmentNumber + 1) * segmentSize);
    }

    public WalSegmentName next() {
        return new WalSegmentName(timeline, segmentNumber + 1, segmentSize);
    }

    @Override
    public int compareTo(WalSegmentName other) {
        int byTimeline = Integer.compare(timeline, other.timeline);
        return byTimeline != 0 ? byTimeline : Long.compare(segmentNumber, other.segmentNumber);
    }

    @Override
    public String toString() {
        long perLogFile = FOUR_GIB / segmentSize;
        return String.format("%08X%08X%08X", timeline, segmentNumber / perLogFile, segmentNumber % perLogFile);
    }
}

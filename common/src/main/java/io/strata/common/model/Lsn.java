package io.strata.common.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** A PostgreSQL WAL position ({@code 16/3002D50}), compared unsigned. */
public record Lsn(long value) implements Comparable<Lsn> {
    public static final Lsn INVALID = new Lsn(0);

    @JsonCreator
    public static Lsn parse(String text) {
        int slash = text == null ? -1 : text.indexOf('/');
        if (slash <= 0 || slash == text.length() - 1) {
            throw new IllegalArgumentException("an LSN looks like 16/3002D50, got: " + text);
        }
        long high;
        long low;
        try {
            high = Long.parseUnsignedLong(text.substring(0, slash), 16);
            low = Long.parseUnsignedLong(text.substring(slash + 1), 16);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("an LSN looks like 16/3002D50, got: " + text, e);
        }
        if (high > 0xFFFFFFFFL || low > 0xFFFFFFFFL) {
            throw new IllegalArgumentException("LSN halves are 32-bit hex numbers, got: " + text);
        }
        return new Lsn(high << 32 | low);
    }

    /** The segment number this position falls in, for a given WAL segment size. */
    public long segmentNumber(long segmentSize) {
        return Long.divideUnsigned(value, segmentSize);
    }

    @Override
    public int compareTo(Lsn other) {
        return Long.compareUnsigned(value, other.value);
    }

    @JsonValue
    @Override
    public String toString() {
        return String.format("%X/%X", value >>> 32, value & 0xFFFFFFFFL);
    }
}

package io.strata.wal.streaming;

import java.nio.charset.StandardCharsets;

/**
 * The replication slot the archiver owns for a source. PostgreSQL allows lower-case letters, digits
 * and {@code _} up to 63 characters; source names may also hold {@code -} and reach 63 characters
 * themselves, so long names are shortened with a hash of the full name to stay unique.
 */
final class SlotNames {
    static final int MAX_LENGTH = 63;
    private static final int HASH_CHARS = 8;

    private SlotNames() {}

    static String forSource(String prefix, String source) {
        String name = prefix + source.replace('-', '_');
        if (name.length() <= MAX_LENGTH) {
            return name;
        }
        String hash = SegmentShipper.sha256Hex(source.getBytes(StandardCharsets.UTF_8))
                .substring(0, HASH_CHARS);
        return name.substring(0, MAX_LENGTH - HASH_CHARS - 1) + "_" + hash;
    }
}

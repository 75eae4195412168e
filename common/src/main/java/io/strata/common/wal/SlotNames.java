package io.strata.common.wal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The replication slot the archiver owns for a source. PostgreSQL allows lower-case letters, digits
 * and {@code _} up to 63 characters; source names may also hold {@code -} and reach 63 characters
 * themselves, so long names are shortened with a hash of the full name to stay unique. The backup-worker
 * uses the same name to wait for the slot before a physical backup.
 */
public final class SlotNames {
    public static final String DEFAULT_PREFIX = "strata_";
    static final int MAX_LENGTH = 63;
    private static final int HASH_CHARS = 8;
    private static final java.util.regex.Pattern VALID = java.util.regex.Pattern.compile("[a-z0-9_]{1,63}");

    private SlotNames() {}

    /** Whether {@code name} is what PostgreSQL allows as a slot's name: only such a name goes into a replication command. */
    public static boolean isValid(String name) {
        return name != null && VALID.matcher(name).matches();
    }

    public static String forSource(String prefix, String source) {
        String name = prefix + source.replace('-', '_');
        if (name.length() <= MAX_LENGTH) {
            return name;
        }
        String hash = sha256Hex(source.getBytes(StandardCharsets.UTF_8)).substring(0, HASH_CHARS);
        return name.substring(0, MAX_LENGTH - HASH_CHARS - 1) + "_" + hash;
    }

    private static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}

package io.strata.common.crypto;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One named AES-256 key of a {@link Keyring}. The id is stored in clear in every object the key
 * encrypts, so it must never be secret; the bytes must never appear in a log line or an exception
 * message, which is why {@link #toString()} redacts them and {@link #bytes()} hands out a copy.
 */
public record EncryptionKey(String id, byte[] bytes) {
    /** AES-256 key length in bytes. */
    public static final int LENGTH = 32;

    static final String GENERATE_HINT = "generate one with `head -c 32 /dev/urandom | base64`";
    static final String ID_RULE = "a key id must be 1-32 characters of A-Z a-z 0-9 . _ -";

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9._-]{1,32}");

    /**
     * @throws IllegalArgumentException when the id is not 1-32 of [A-Za-z0-9._-] or the key is not 32
     *     bytes; the message never contains key bytes, nor an invalid id (which may be a pasted key)
     */
    public EncryptionKey {
        if (!isValidId(id)) {
            throw new IllegalArgumentException(ID_RULE);
        }
        Objects.requireNonNull(bytes, "bytes");
        if (bytes.length != LENGTH) {
            throw new IllegalArgumentException(
                    "key '" + id + "' is " + bytes.length + " bytes; AES-256 needs 32: " + GENERATE_HINT);
        }
        bytes = bytes.clone();
    }

    /** A fresh random key, for tests and for tooling that creates a keyring. */
    public static EncryptionKey generate(String id) {
        byte[] bytes = new byte[LENGTH];
        new SecureRandom().nextBytes(bytes);
        return new EncryptionKey(id, bytes);
    }

    /** Whether {@code id} may name a key: it is written in clear into object headers. */
    public static boolean isValidId(String id) {
        return id != null && ID.matcher(id).matches();
    }

    /** A copy, so no caller can change the key under a stream that is using it. */
    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof EncryptionKey key
                && id.equals(key.id)
                && MessageDigest.isEqual(bytes, key.bytes); // constant time: no timing hint about the bytes
    }

    @Override
    public int hashCode() {
        return id.hashCode();
    }

    @Override
    public String toString() {
        return "EncryptionKey[id=" + id + ", bytes=<redacted>]";
    }
}

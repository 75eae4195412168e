package io.strata.common.crypto;

import static io.strata.common.crypto.EncryptedObjectException.Reason.MALFORMED_HEADER;
import static io.strata.common.crypto.EncryptedObjectException.Reason.NOT_ENCRYPTED;
import static io.strata.common.crypto.EncryptedObjectException.Reason.TRUNCATED;
import static io.strata.common.crypto.EncryptedObjectException.Reason.UNSUPPORTED_VERSION;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;

/**
 * The STRATA-ENC v1 header (layout in {@code package-info.java}). Its encoded bytes are part of every
 * chunk's AAD, so it is kept exactly as read rather than re-encoded.
 */
final class ObjectHeader {
    static final byte[] MAGIC = "STRATAE1".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    static final int SALT_LENGTH = 16;
    /** Magic, version, key id length, chunk size and salt: everything but the key id. */
    static final int FIXED_LENGTH = MAGIC.length + 1 + 1 + Integer.BYTES + SALT_LENGTH;

    private static final SecureRandom RANDOM = new SecureRandom();

    private final String keyId;
    private final int chunkSize;
    private final byte[] encoded;

    private ObjectHeader(String keyId, int chunkSize, byte[] encoded) {
        this.keyId = keyId;
        this.chunkSize = chunkSize;
        this.encoded = encoded;
    }

    /** A header for a new object, with a fresh random salt. */
    static ObjectHeader create(String keyId, int chunkSize) {
        requireValidChunkSize(chunkSize);
        byte[] id = keyId.getBytes(StandardCharsets.UTF_8);
        byte[] salt = new byte[SALT_LENGTH];
        RANDOM.nextBytes(salt);
        ByteBuffer header = ByteBuffer.allocate(FIXED_LENGTH + id.length)
                .put(MAGIC)
                .put((byte) VERSION)
                .put((byte) id.length)
                .put(id)
                .putInt(chunkSize)
                .put(salt);
        return new ObjectHeader(keyId, chunkSize, header.array());
    }

    /** The encoded length of a header naming {@code keyId}. */
    static int length(String keyId) {
        return FIXED_LENGTH + keyId.getBytes(StandardCharsets.UTF_8).length;
    }

    static void requireValidChunkSize(int chunkSize) {
        if (chunkSize < 1 || chunkSize > ObjectEncryption.MAX_CHUNK_SIZE) {
            throw new IllegalArgumentException(
                    "chunk size must be 1.." + ObjectEncryption.MAX_CHUNK_SIZE + " bytes, got " + chunkSize);
        }
    }

    /**
     * Reads exactly the header from {@code in}, checking every field before anything is allocated
     * from it: the header is only authenticated with the first chunk, so a forged chunk size must not
     * make the reader allocate gigabytes.
     */
    static ObjectHeader read(InputStream in) throws IOException {
        byte[] start = new byte[MAGIC.length + 2];
        int read = in.readNBytes(start, 0, start.length);
        if (read < MAGIC.length || !Arrays.equals(start, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw new EncryptedObjectException(
                    NOT_ENCRYPTED, "object is not in STRATA-ENC format: it does not start with the STRATAE1 magic");
        }
        if (read < start.length) {
            throw truncated();
        }
        int version = start[MAGIC.length] & 0xFF;
        if (version != VERSION) {
            throw new EncryptedObjectException(
                    UNSUPPORTED_VERSION,
                    "object uses STRATA-ENC version " + version + ", but this Strata reads only version " + VERSION
                            + ": upgrade Strata to read it");
        }
        int idLength = start[MAGIC.length + 1] & 0xFF;
        if (idLength < 1 || idLength > 32) {
            throw malformed("key id length " + idLength + " is outside 1..32");
        }
        byte[] rest = new byte[idLength + Integer.BYTES + SALT_LENGTH];
        if (in.readNBytes(rest, 0, rest.length) < rest.length) {
            throw truncated();
        }
        String keyId = new String(rest, 0, idLength, StandardCharsets.UTF_8);
        if (!EncryptionKey.isValidId(keyId)) {
            throw malformed("the key id is not 1-32 characters of A-Z a-z 0-9 . _ -");
        }
        int chunkSize = ByteBuffer.wrap(rest).getInt(idLength);
        if (chunkSize < 1 || chunkSize > ObjectEncryption.MAX_CHUNK_SIZE) {
            throw malformed("chunk size " + chunkSize + " is outside 1.." + ObjectEncryption.MAX_CHUNK_SIZE);
        }
        byte[] encoded = Arrays.copyOf(start, start.length + rest.length);
        System.arraycopy(rest, 0, encoded, start.length, rest.length);
        return new ObjectHeader(keyId, chunkSize, encoded);
    }

    String keyId() {
        return keyId;
    }

    int chunkSize() {
        return chunkSize;
    }

    /** The salt the object key is derived with. */
    byte[] salt() {
        return Arrays.copyOfRange(encoded, encoded.length - SALT_LENGTH, encoded.length);
    }

    /** The header exactly as stored; callers must not modify it. */
    byte[] encoded() {
        return encoded;
    }

    private static EncryptedObjectException truncated() {
        return new EncryptedObjectException(
                TRUNCATED, "encrypted object ends inside its header, before its final chunk: it was truncated");
    }

    private static EncryptedObjectException malformed(String detail) {
        return new EncryptedObjectException(
                MALFORMED_HEADER, "encrypted object has a malformed header (" + detail + "): the object is corrupt");
    }
}

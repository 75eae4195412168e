package io.strata.common.crypto;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Random;

/** Builds and picks apart STRATA-ENC objects for tests, using the layout the format documents. */
final class EncryptedObjects {
    /** Bytes a chunk adds to its plaintext: flag 1, length 4, nonce 12, tag 16. */
    static final int CHUNK_OVERHEAD = 33;

    private EncryptedObjects() {}

    static byte[] encrypt(byte[] plain, EncryptionKey key, int chunkSize) {
        ByteArrayOutputStream stored = new ByteArrayOutputStream();
        try (EncryptingOutputStream out = new EncryptingOutputStream(stored, key, chunkSize)) {
            out.write(plain);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return stored.toByteArray();
    }

    static byte[] decrypt(byte[] stored, Keyring keyring) throws IOException {
        try (InputStream in = new DecryptingInputStream(new ByteArrayInputStream(stored), keyring)) {
            return in.readAllBytes();
        }
    }

    /**
     * Reads until the stream fails, recording how many plaintext bytes it released first. The
     * failure is rethrown wrapped, so a test can assert both on it and on what came before it.
     */
    static long bytesReleasedBeforeFailure(byte[] stored, Keyring keyring) throws Exception {
        long released = 0;
        try (InputStream in = new DecryptingInputStream(new ByteArrayInputStream(stored), keyring)) {
            byte[] buffer = new byte[1000];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                released += n;
            }
        } catch (EncryptedObjectException e) {
            return released;
        }
        throw new AssertionError("the object decrypted without error (" + released + " bytes)");
    }

    static byte[] randomBytes(int length, long seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    static int headerLength(String keyId) {
        return 30 + keyId.length();
    }

    /** Offset of chunk {@code index}, assuming every chunk before it is full. */
    static int chunkOffset(String keyId, int chunkSize, int index) {
        return headerLength(keyId) + index * (chunkSize + CHUNK_OVERHEAD);
    }

    static byte[] flipped(byte[] bytes, int position) {
        byte[] copy = bytes.clone();
        copy[position] ^= 0x01;
        return copy;
    }
}

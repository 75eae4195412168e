package io.strata.common.crypto;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PushbackInputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Objects;

/**
 * Where storage code meets encryption: wrap what goes into the object store with {@link
 * #encrypt(OutputStream, Keyring)} and what comes out with {@link #decryptIfNeeded(InputStream,
 * Keyring)}. Reading decides by the object's first bytes, not by configuration, so objects stored
 * before encryption was switched on (or while it was off) stay readable: Strata's plain objects are
 * zstd frames or JSON, which never start with the STRATA-ENC magic.
 *
 * <p>Consequence to keep in mind: reading accepts plaintext objects, so encryption protects
 * confidentiality and detects tampering of encrypted objects, but does not stop someone with write
 * access to the store from replacing an object with an unencrypted one.
 */
public final class ObjectEncryption {
    /** Plaintext bytes per chunk for new objects: small next to a 16 MiB upload part, 33 bytes overhead. */
    public static final int DEFAULT_CHUNK_SIZE = 1 << 20;
    /** The largest chunk size a reader accepts, bounding its memory at about twice this. */
    public static final int MAX_CHUNK_SIZE = 16 << 20;

    private static final int WARM_UP_CHUNKS = 10_000;
    private static final int WARM_UP_CHUNK_BYTES = 512;
    private static final int WARM_UP_MAX_ROUNDS = 20;
    private static final long WARM_UP_PAUSE_MILLIS = 1_000;
    /** Interpreted or lightly compiled, AES-GCM runs at tens of MB/s here; compiled, at more than a GB/s. */
    private static final double COMPILED_MEGABYTES_PER_SECOND = 400;

    private ObjectEncryption() {}

    /** Whether an object starting with {@code firstBytes} (at least 8 of them) is STRATA-ENC. */
    public static boolean isEncrypted(byte[] firstBytes) {
        return firstBytes.length >= ObjectHeader.MAGIC.length
                && Arrays.equals(
                        firstBytes, 0, ObjectHeader.MAGIC.length, ObjectHeader.MAGIC, 0, ObjectHeader.MAGIC.length);
    }

    /**
     * The plaintext of a stored object: {@code in}'s own bytes when the object is not encrypted, else
     * a {@link DecryptingInputStream}. Takes ownership of {@code in}: it is closed if this throws.
     *
     * @throws EncryptedObjectException when the object is encrypted and cannot be opened with {@code
     *     keyring}, including when the keyring is {@link Keyring#none()}
     */
    public static InputStream decryptIfNeeded(InputStream in, Keyring keyring) throws IOException {
        Objects.requireNonNull(keyring, "keyring");
        PushbackInputStream peekable = new PushbackInputStream(in, ObjectHeader.MAGIC.length);
        byte[] first;
        try {
            first = peekable.readNBytes(ObjectHeader.MAGIC.length);
            peekable.unread(first);
        } catch (IOException | RuntimeException e) {
            try (in) {
                throw e;
            }
        }
        return isEncrypted(first) ? new DecryptingInputStream(peekable, keyring) : peekable;
    }

    /**
     * {@code out} itself when {@code keyring} has no active key, else a stream that encrypts into it
     * with the active key; closing the returned stream completes the object.
     */
    public static OutputStream encrypt(OutputStream out, Keyring keyring) {
        return keyring.activeKey()
                .<OutputStream>map(key -> new EncryptingOutputStream(out, key))
                .orElse(out);
    }

    /**
     * The exact stored size of {@code plainLength} bytes encrypted in chunks of {@code chunkSize}
     * under key {@code keyId}: header, then one chunk per started {@code chunkSize} bytes (at least
     * one), each adding {@value ChunkCipher#OVERHEAD} bytes.
     */
    public static long encryptedLength(long plainLength, int chunkSize, String keyId) {
        if (plainLength < 0) {
            throw new IllegalArgumentException("plain length must not be negative, got " + plainLength);
        }
        ObjectHeader.requireValidChunkSize(chunkSize);
        if (!EncryptionKey.isValidId(keyId)) {
            throw new IllegalArgumentException(EncryptionKey.ID_RULE);
        }
        long chunks = Math.max(1, Math.ceilDiv(plainLength, chunkSize));
        return ObjectHeader.length(keyId) + chunks * ChunkCipher.OVERHEAD + plainLength;
    }

    /** A small object (a manifest) as it should be stored: {@code plain} itself without an active key. */
    public static byte[] encrypt(byte[] plain, Keyring keyring) {
        if (keyring.activeKey().isEmpty()) {
            return plain;
        }
        String keyId = keyring.activeKey().get().id();
        long size = encryptedLength(plain.length, DEFAULT_CHUNK_SIZE, keyId);
        ByteArrayOutputStream stored = new ByteArrayOutputStream((int) Math.min(size, Integer.MAX_VALUE - 8));
        try (OutputStream out = encrypt(stored, keyring)) {
            out.write(plain);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot happen: in-memory streams do not fail", e);
        }
        return stored.toByteArray();
    }

    /** The plaintext of a small stored object, which may or may not be encrypted. */
    public static byte[] decrypt(byte[] stored, Keyring keyring) throws EncryptedObjectException {
        try (InputStream in = decryptIfNeeded(new ByteArrayInputStream(stored), keyring)) {
            return in.readAllBytes();
        } catch (EncryptedObjectException e) {
            throw e;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot happen: in-memory streams do not fail", e);
        }
    }

    /**
     * What {@link #warmUp()} did: how long it took, how many rounds of small chunks, and the AES-GCM rate measured
     * after the last (seal and open of a 1 MiB chunk).
     */
    public record WarmUp(java.time.Duration took, int rounds, double megabytesPerSecond) {}

    /**
     * Gets the JDK's AES-GCM compiled to its CPU instructions before the first object needs it (see {@link
     * ChunkCipher#warmUp}); a service that encrypts or decrypts calls this once at start-up, off its main path.
     * The compiler works in the background, and slowly while a service starts, so rounds go on (a pause between
     * them) until the measured rate is that of compiled code, or a bound is reached.
     */
    public static WarmUp warmUp() {
        long start = System.nanoTime();
        double rate = 0;
        int round = 0;
        while (round < WARM_UP_MAX_ROUNDS) {
            // the first round gets the code queued for compiling; later ones keep it hot while the compiler works
            ChunkCipher.warmUp(round == 0 ? WARM_UP_CHUNKS : WARM_UP_CHUNKS / 5, WARM_UP_CHUNK_BYTES);
            round++;
            long measuring = System.nanoTime();
            long bytes = ChunkCipher.warmUp(1, DEFAULT_CHUNK_SIZE);
            rate = bytes * 2 / 1e6 / Math.max(1e-9, (System.nanoTime() - measuring) / 1e9);
            if (rate >= COMPILED_MEGABYTES_PER_SECOND) {
                break;
            }
            try {
                Thread.sleep(WARM_UP_PAUSE_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return new WarmUp(java.time.Duration.ofNanos(System.nanoTime() - start), round, rate);
    }
}

package io.strata.common.crypto;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.AEADBadTagException;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Seals and opens the chunks of one object with one {@link Cipher}, re-initialised per chunk with
 * that chunk's nonce: creating a Cipher costs a provider lookup, re-initialising it does not. Also
 * owns a chunk's frame (flag, plaintext length, nonce), so the stream classes never touch nonces or
 * AAD. Not thread-safe, like the streams that use it.
 */
final class ChunkCipher {
    static final byte FLAG_MORE = 0;
    static final byte FLAG_FINAL = 1;
    static final int NONCE_LENGTH = 12;
    static final int TAG_LENGTH = 16;
    /** Flag, plaintext length, nonce: what precedes a chunk's ciphertext. */
    static final int FRAME_LENGTH = 1 + Integer.BYTES + NONCE_LENGTH;
    /** Bytes a chunk adds to its plaintext. */
    static final int OVERHEAD = FRAME_LENGTH + TAG_LENGTH;

    private static final int NONCE_OFFSET = 1 + Integer.BYTES;
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final byte[] HKDF_INFO = "STRATA-ENC v1 object key".getBytes(StandardCharsets.US_ASCII);

    private final Cipher cipher;
    private final SecretKeySpec objectKey;
    private final byte[] header;
    private final ByteBuffer aadTail = ByteBuffer.allocate(Long.BYTES + 1);
    private final byte[] nonce = new byte[NONCE_LENGTH];

    ChunkCipher(EncryptionKey key, ObjectHeader header) {
        this.header = header.encoded();
        this.objectKey = deriveObjectKey(key.bytes(), header.salt());
        try {
            this.cipher = Cipher.getInstance("AES/GCM/NoPadding");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK does not provide AES/GCM", e);
        }
    }

    /**
     * Encrypts {@code plain[0, length)} as chunk {@code index} with a fresh random nonce.
     *
     * @param frame receives the chunk's frame, {@link #FRAME_LENGTH} bytes
     * @param sealed receives ciphertext and tag, at least {@code length + TAG_LENGTH} bytes
     * @return the number of bytes written to {@code sealed}
     */
    int seal(long index, boolean last, byte[] plain, int length, byte[] frame, byte[] sealed) {
        RANDOM.nextBytes(nonce);
        byte flag = last ? FLAG_FINAL : FLAG_MORE;
        ByteBuffer.wrap(frame).put(flag).putInt(length).put(nonce);
        try {
            cipher.init(Cipher.ENCRYPT_MODE, objectKey, new GCMParameterSpec(TAG_LENGTH * 8, nonce));
            addAad(index, flag);
            return cipher.doFinal(plain, 0, length, sealed, 0);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
    }

    /**
     * Decrypts and verifies chunk {@code index}; {@code plain} is only meaningful when this returns.
     *
     * @return the number of plaintext bytes written to {@code plain}
     * @throws AEADBadTagException when the chunk, its frame, its position or the header was altered,
     *     or the key is not the one the object was written with
     */
    int open(long index, byte[] frame, byte[] sealed, int sealedLength, byte[] plain) throws AEADBadTagException {
        try {
            cipher.init(
                    Cipher.DECRYPT_MODE,
                    objectKey,
                    new GCMParameterSpec(TAG_LENGTH * 8, frame, NONCE_OFFSET, NONCE_LENGTH));
            addAad(index, frame[0]);
            return cipher.doFinal(sealed, 0, sealedLength, plain, 0);
        } catch (AEADBadTagException e) {
            throw e;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM decryption failed", e);
        }
    }

    /** The flag byte of a frame read from an object, 0..255. */
    static int flag(byte[] frame) {
        return frame[0] & 0xFF;
    }

    /** The plaintext length a frame announces; negative if forged. */
    static int plainLength(byte[] frame) {
        return ByteBuffer.wrap(frame).getInt(1);
    }

    private void addAad(long index, byte flag) {
        cipher.updateAAD(header);
        cipher.updateAAD(aadTail.putLong(0, index).put(Long.BYTES, flag).array());
    }

    /**
     * Seals and opens {@code rounds} small chunks under a throw-away key, through {@link #seal} and {@link #open}
     * themselves. The JDK's AES-GCM reaches its CPU instructions (AES-NI, carry-less multiply) only from code its
     * optimising compiler has compiled, and a service sealing 1 MiB chunks calls that code too rarely to get
     * there: measured on this project's machine, 55 MB/s each way cold against 1.4-3 GB/s after 10,000 rounds
     * of 512 bytes (0.2 s). Many small calls get the whole path compiled.
     *
     * @return the plaintext bytes sealed and opened, so the work cannot be optimised away
     */
    static long warmUp(int rounds, int chunkBytes) {
        ChunkCipher throwAway = new ChunkCipher(
                EncryptionKey.generate("warm-up"), ObjectHeader.create("warm-up", ObjectEncryption.DEFAULT_CHUNK_SIZE));
        byte[] plain = new byte[chunkBytes];
        byte[] frame = new byte[FRAME_LENGTH];
        byte[] sealed = new byte[chunkBytes + TAG_LENGTH];
        byte[] opened = new byte[chunkBytes];
        long total = 0;
        try {
            for (int i = 0; i < rounds; i++) {
                int length = throwAway.seal(i, false, plain, chunkBytes, frame, sealed);
                total += throwAway.open(i, frame, sealed, length, opened);
            }
            return total;
        } catch (AEADBadTagException e) {
            throw new IllegalStateException("AES-GCM could not open what it sealed while warming up", e);
        }
    }

    /** HKDF-SHA256 (RFC 5869) extract and one expand block: 32 bytes, an AES-256 key. */
    static SecretKeySpec deriveObjectKey(byte[] key, byte[] salt) {
        byte[] prk = null;
        byte[] okm = null;
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(salt, "HmacSHA256"));
            prk = mac.doFinal(key);
            mac.init(new SecretKeySpec(prk, "HmacSHA256"));
            mac.update(HKDF_INFO);
            mac.update((byte) 1);
            okm = mac.doFinal();
            return new SecretKeySpec(okm, "AES");
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK does not provide HmacSHA256", e);
        } finally {
            Arrays.fill(key, (byte) 0); // callers pass a copy; do not leave key material on the heap longer
            if (prk != null) {
                Arrays.fill(prk, (byte) 0);
            }
            if (okm != null) {
                Arrays.fill(okm, (byte) 0);
            }
        }
    }
}

package io.strata.common.crypto;

import static io.strata.common.crypto.EncryptedObjectException.Reason.AUTHENTICATION_FAILED;
import static io.strata.common.crypto.EncryptedObjectException.Reason.CORRUPT_FRAMING;
import static io.strata.common.crypto.EncryptedObjectException.Reason.NO_KEY_CONFIGURED;
import static io.strata.common.crypto.EncryptedObjectException.Reason.TRAILING_DATA;
import static io.strata.common.crypto.EncryptedObjectException.Reason.TRUNCATED;
import static io.strata.common.crypto.EncryptedObjectException.Reason.UNKNOWN_KEY;

import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;
import javax.crypto.AEADBadTagException;

/**
 * Reads a STRATA-ENC v1 object (see {@code package-info.java}) and yields its plaintext, one chunk
 * at a time. A chunk's bytes are released only after its tag verifies, and the final chunk's only
 * after the object is known to end there, so a consumer never acts on bytes that turn out to be
 * forged, and a stream that ends without an {@link EncryptedObjectException} was the whole object.
 *
 * <p>The header is read in the constructor (as {@link java.util.zip.GZIPInputStream} does) so a
 * missing key is reported when the object is opened, before a restore starts writing anything.
 */
public final class DecryptingInputStream extends InputStream {
    private final InputStream in;
    private final String keyId;
    private final ChunkCipher cipher;
    private final byte[] frame = new byte[ChunkCipher.FRAME_LENGTH];
    private final byte[] sealed;
    private final byte[] plain;
    private int pos;
    private int limit;
    private long index;
    private boolean finalChunkRead;
    private EncryptedObjectException failure;
    private boolean closed;

    /**
     * Reads the header from {@code in} and resolves its key id through {@code keyring}. Takes
     * ownership of {@code in}: it is closed if this constructor throws.
     *
     * @throws EncryptedObjectException when {@code in} is not a readable STRATA-ENC object or the
     *     keyring lacks its key
     */
    public DecryptingInputStream(InputStream in, Keyring keyring) throws IOException {
        this.in = Objects.requireNonNull(in, "in");
        try {
            ObjectHeader header = ObjectHeader.read(in);
            this.keyId = header.keyId();
            this.cipher = new ChunkCipher(resolveKey(header.keyId(), keyring), header);
            this.plain = new byte[header.chunkSize()];
            this.sealed = new byte[header.chunkSize() + ChunkCipher.TAG_LENGTH];
        } catch (IOException | RuntimeException e) {
            try (in) {
                throw e;
            }
        }
    }

    /** The id of the key the object was written with. */
    public String keyId() {
        return keyId;
    }

    @Override
    public int read() throws IOException {
        ensureOpen();
        return fill() ? plain[pos++] & 0xFF : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        ensureOpen();
        if (len == 0) {
            return 0;
        }
        if (!fill()) {
            return -1;
        }
        int n = Math.min(len, limit - pos);
        System.arraycopy(plain, pos, b, off, n);
        pos += n;
        return n;
    }

    @Override
    public int available() throws IOException {
        ensureOpen();
        return limit - pos;
    }

    @Override
    public void close() throws IOException {
        closed = true;
        in.close();
    }

    /** Makes verified plaintext available; false at the end of the object. */
    private boolean fill() throws IOException {
        while (pos == limit) {
            if (failure != null) {
                throw failure; // a damaged object stays damaged: never resume past the bad chunk
            }
            if (finalChunkRead) {
                return false;
            }
            try {
                readChunk();
            } catch (EncryptedObjectException e) {
                failure = e;
                throw e;
            }
        }
        return true;
    }

    private void readChunk() throws IOException {
        int length = readFrame();
        boolean last = ChunkCipher.flag(frame) == ChunkCipher.FLAG_FINAL;
        int sealedLength = length + ChunkCipher.TAG_LENGTH;
        if (in.readNBytes(sealed, 0, sealedLength) < sealedLength) {
            throw truncatedInsideChunk();
        }
        int opened = open(sealedLength);
        if (last && in.read() >= 0) {
            throw fail(
                    TRAILING_DATA,
                    "has data after its final chunk (chunk " + index
                            + "): it was damaged, or something was appended to it");
        }
        finalChunkRead = last;
        index++;
        pos = 0;
        limit = opened;
    }

    /** Reads the next chunk's frame and returns its plaintext length, refusing impossible ones. */
    private int readFrame() throws IOException {
        int framed = in.readNBytes(frame, 0, frame.length);
        if (framed == 0) {
            String end = index == 0 ? "its header" : "chunk " + (index - 1);
            throw fail(
                    TRUNCATED,
                    "ends before its final chunk (it stops after " + end
                            + "): it was truncated, e.g. by an interrupted upload or copy");
        }
        if (framed < frame.length) {
            throw truncatedInsideChunk();
        }
        int flag = ChunkCipher.flag(frame);
        int length = ChunkCipher.plainLength(frame);
        boolean last = flag == ChunkCipher.FLAG_FINAL;
        if (flag > ChunkCipher.FLAG_FINAL || length < 0 || length > plain.length || (!last && length != plain.length)) {
            throw fail(
                    CORRUPT_FRAMING,
                    "is corrupt at chunk " + index
                            + " (impossible chunk flag or length): it is damaged or was tampered with");
        }
        return length;
    }

    private int open(int sealedLength) throws EncryptedObjectException {
        try {
            return cipher.open(index, frame, sealed, sealedLength, plain);
        } catch (AEADBadTagException e) {
            throw fail(
                    AUTHENTICATION_FAILED,
                    "failed authentication at chunk " + index
                            + ": the object is corrupt or was tampered with, or key '" + keyId
                            + "' is not the key it was written with");
        }
    }

    private EncryptedObjectException truncatedInsideChunk() {
        return fail(
                TRUNCATED,
                "ends before its final chunk (it stops inside chunk " + index
                        + "): it was truncated, e.g. by an interrupted upload or copy");
    }

    private EncryptedObjectException fail(EncryptedObjectException.Reason reason, String problem) {
        return new EncryptedObjectException(reason, "encrypted object (key '" + keyId + "') " + problem);
    }

    private static EncryptionKey resolveKey(String keyId, Keyring keyring) throws EncryptedObjectException {
        if (keyring.isEmpty()) {
            throw new EncryptedObjectException(
                    NO_KEY_CONFIGURED,
                    "object is encrypted with key '" + keyId
                            + "' but no encryption key is configured: set strata.encryption.keys to a keyring that"
                            + " holds key '" + keyId + "'");
        }
        return keyring.key(keyId)
                .orElseThrow(() -> new EncryptedObjectException(
                        UNKNOWN_KEY,
                        "object was encrypted with key '"
                                + keyId + "', which this service does not have: add it to strata.encryption.keys"
                                + " (keys rotate: keep old keys to read old objects)"));
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("decrypting stream is closed");
        }
    }
}

package io.strata.common.crypto;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Objects;

/**
 * Encrypts everything written to it into a STRATA-ENC v1 object (see {@code package-info.java}) on
 * the wrapped stream, holding at most one chunk of plaintext: objects are many GB.
 *
 * <p>A full chunk is sealed only when the next byte arrives, because until then it may be the final
 * one; {@link #close()} seals the last chunk with the final flag and closes the wrapped stream. An
 * object whose stream is never closed is therefore detectably truncated, never silently short.
 * {@link #flush()} flushes the wrapped stream but cannot push out buffered plaintext: every
 * non-final chunk must be full.
 */
public final class EncryptingOutputStream extends OutputStream {
    private final OutputStream out;
    private final ObjectHeader header;
    private final ChunkCipher cipher;
    private final byte[] plain;
    private final byte[] sealed;
    private final byte[] frame = new byte[ChunkCipher.FRAME_LENGTH];
    private int filled;
    private long index;
    private boolean headerWritten;
    private boolean closed;

    /** Encrypts with {@code key} in chunks of {@link ObjectEncryption#DEFAULT_CHUNK_SIZE}. */
    public EncryptingOutputStream(OutputStream out, EncryptionKey key) {
        this(out, key, ObjectEncryption.DEFAULT_CHUNK_SIZE);
    }

    /**
     * @param chunkSize plaintext bytes per chunk, 1..{@link ObjectEncryption#MAX_CHUNK_SIZE}: memory
     *     use on both sides is about twice this, and each chunk costs {@code 33} bytes of overhead
     */
    public EncryptingOutputStream(OutputStream out, EncryptionKey key, int chunkSize) {
        this.out = Objects.requireNonNull(out, "out");
        this.header = ObjectHeader.create(key.id(), chunkSize);
        this.cipher = new ChunkCipher(key, header);
        this.plain = new byte[chunkSize];
        this.sealed = new byte[chunkSize + ChunkCipher.TAG_LENGTH];
    }

    @Override
    public void write(int b) throws IOException {
        ensureOpen();
        writeHeaderOnce();
        if (filled == plain.length) {
            sealChunk(false);
        }
        plain[filled++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        ensureOpen();
        writeHeaderOnce();
        while (len > 0) {
            if (filled == plain.length) {
                sealChunk(false);
            }
            int n = Math.min(len, plain.length - filled);
            System.arraycopy(b, off, plain, filled, n);
            filled += n;
            off += n;
            len -= n;
        }
    }

    @Override
    public void flush() throws IOException {
        ensureOpen();
        out.flush();
    }

    /** Seals the final chunk (empty for an empty object) and closes the wrapped stream; idempotent. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try (out) {
            writeHeaderOnce();
            sealChunk(true);
        }
    }

    private void writeHeaderOnce() throws IOException {
        if (!headerWritten) {
            out.write(header.encoded());
            headerWritten = true;
        }
    }

    private void sealChunk(boolean last) throws IOException {
        int length = cipher.seal(index, last, plain, filled, frame, sealed);
        out.write(frame);
        out.write(sealed, 0, length);
        index++;
        filled = 0;
    }

    private void ensureOpen() throws IOException {
        if (closed) {
            throw new IOException("encrypting stream is closed");
        }
    }
}

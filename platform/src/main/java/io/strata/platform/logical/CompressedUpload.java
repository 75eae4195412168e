package io.strata.platform.logical;

import com.github.luben.zstd.ZstdOutputStream;
import io.strata.common.crypto.Keyring;
import io.strata.common.crypto.ObjectEncryption;
import io.strata.common.model.FailureCode;
import io.strata.common.storage.HashingOutputStream;
import io.strata.common.storage.ObjectStore;
import io.strata.common.storage.ObjectUpload;
import io.strata.platform.jobs.JobFailureException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Streams a backup program's output (pg_dump, pg_basebackup) through zstd, encryption (when the keyring has
 * an active key) and SHA-256 into one object; the hash is of the stored bytes, so anyone may verify the
 * object without its key.
 * The object becomes visible only if {@code producerSucceeded} returns normally once the input has
 * ended; if it throws, or anything else fails, the upload is aborted and nothing is left behind.
 */
public final class CompressedUpload {
    static final int COPY_BUFFER_BYTES = 128 * 1024;
    /** zstd's own default; logical dumps are compressed at it. */
    public static final int DEFAULT_LEVEL = 3;

    private CompressedUpload() {}

    /**
     * How to compress: zstd {@code level} (negative levels are zstd's fast ones) on {@code workers} threads
     * besides the writing one (0: on the writing thread).
     */
    public record Zstd(int level, int workers) {}

    /** What was stored: raw bytes read, bytes stored, and the SHA-256 of the stored (compressed, encrypted) bytes. */
    public record Stored(String key, long rawBytes, long storedBytes, String sha256) {}

    /** Confirms the producer's success after its output ended; throws to abort the upload. */
    @FunctionalInterface
    public interface ProducerCheck {
        void producerSucceeded();
    }

    public static Stored write(
            ObjectStore store, String key, CountingInputStream raw, Zstd zstd, Keyring keys, ProducerCheck check) {
        try (Unpublished written = writeUnpublished(store, key, raw, zstd, keys, check)) {
            return written.publish();
        }
    }

    /**
     * As {@link #write}, but the object is not yet visible: every byte is handed to the upload and hashed (an
     * S3 upload may still be sending its last parts), and {@link Unpublished#publish()} makes it durable and
     * visible, so a caller may do so beside other work.
     */
    public static Unpublished writeUnpublished(
            ObjectStore store, String key, CountingInputStream raw, Zstd zstd, Keyring keys, ProducerCheck check) {
        ObjectUpload upload = null;
        try {
            upload = store.create(key);
            HashingOutputStream hashing = new HashingOutputStream(upload);
            // closing zstd closes the encrypting stream, which seals its final chunk, but not the upload
            try (OutputStream compressed =
                    compressor(ObjectEncryption.encrypt(new NonClosingOutputStream(hashing), keys), zstd)) {
                copy(raw, compressed);
            }
            check.producerSucceeded();
            Unpublished written =
                    new Unpublished(store, upload, new Stored(key, raw.count(), hashing.count(), hashing.sha256Hex()));
            upload = null;
            return written;
        } catch (IOException e) {
            throw storageError(store, key, e);
        } finally {
            if (upload != null) {
                upload.close(); // aborts: nothing is left behind
            }
        }
    }

    /**
     * An object whose bytes are all handed to its upload and hashed (its {@link Stored} is known) but which is not
     * yet visible: {@link #publish()} makes it durable and visible; {@link #close()} without it aborts the upload.
     * Not for two threads at once: a caller that publishes on another thread waits for it before closing.
     */
    public static final class Unpublished implements AutoCloseable {
        private final ObjectStore store;
        private final ObjectUpload upload;
        private final Stored stored;

        private Unpublished(ObjectStore store, ObjectUpload upload, Stored stored) {
            this.store = store;
            this.upload = upload;
            this.stored = stored;
        }

        /** What the object will hold once published. */
        public Stored stored() {
            return stored;
        }

        /** Makes the object durable and visible (a local file synced and moved into place, a multipart upload completed). */
        public Stored publish() {
            try {
                upload.complete();
                return stored;
            } catch (IOException e) {
                throw storageError(store, stored.key(), e);
            }
        }

        /** Aborts the upload unless it was published. */
        @Override
        public void close() {
            upload.close();
        }
    }

    /**
     * An object being written by the caller (push): bytes written to {@link #stream()} are compressed (unless they
     * come compressed: {@link #openCompressed}), encrypted when the keyring has an active key, hashed and uploaded;
     * {@link #finish()} hands the object over to be published ({@link Unpublished}), {@link #close()} without it
     * aborts the upload and leaves nothing behind. One thread may write while another closes: each waits for
     * the other, and a write after the close fails.
     */
    public static final class Sink implements AutoCloseable {
        private final ObjectStore store;
        private final String key;
        private final ObjectUpload upload;
        private final HashingOutputStream hashing;
        private final CountingOutputStream raw;
        private final OutputStream encoder;
        private boolean handedOver;
        private boolean closed;

        private Sink(ObjectStore store, String key, ObjectUpload upload, Zstd compression, Keyring keys)
                throws IOException {
            this.store = store;
            this.key = key;
            this.upload = upload;
            this.hashing = new HashingOutputStream(upload);
            OutputStream encrypted = ObjectEncryption.encrypt(new NonClosingOutputStream(hashing), keys);
            this.encoder = compression == null ? encrypted : compressor(encrypted, compression);
            this.raw = new CountingOutputStream(encoder, this, e -> storageError(store, key, e));
        }

        /**
         * Where the object's plain bytes go; a write the object store fails throws STORAGE_ERROR (a {@link
         * JobFailureException}), so a caller's own I/O failures are not taken for the store's.
         */
        public OutputStream stream() {
            return raw;
        }

        /**
         * Ends the stream: every byte is handed to the upload and hashed, and the object is handed over not yet visible
         * (this sink's {@link #close()} then leaves it alone).
         */
        public Unpublished finish() {
            return finish(raw.count);
        }

        /** As {@link #finish()}, recording {@code plainBytes} as what the stored bytes hold once decompressed. */
        public synchronized Unpublished finish(long plainBytes) {
            if (closed) {
                throw storageError(store, key, new IOException("the upload was aborted"));
            }
            try {
                encoder.close(); // seals the last encrypted chunk; the upload stays open
                handedOver = true;
                return new Unpublished(
                        store, upload, new Stored(key, plainBytes, hashing.count(), hashing.sha256Hex()));
            } catch (IOException e) {
                throw storageError(store, key, e);
            }
        }

        @Override
        public synchronized void close() {
            if (handedOver || closed) {
                return;
            }
            closed = true;
            try {
                encoder.close();
            } catch (IOException ignored) {
                // the upload is aborted below anyway
            }
            upload.close(); // aborts
        }
    }

    /** Starts writing {@code key}; see {@link Sink}. */
    public static Sink open(ObjectStore store, String key, Zstd zstd, Keyring keys) {
        try {
            return new Sink(store, key, store.create(key), zstd, keys);
        } catch (IOException e) {
            throw storageError(store, key, e);
        }
    }

    /**
     * Starts writing {@code key} from bytes that come zstd-compressed already (a base backup the server compressed):
     * they are stored as they come, encrypted when the keyring has an active key; see {@link Sink}.
     */
    public static Sink openCompressed(ObjectStore store, String key, Keyring keys) {
        try {
            return new Sink(store, key, store.create(key), null, keys);
        } catch (IOException e) {
            throw storageError(store, key, e);
        }
    }

    private static JobFailureException storageError(ObjectStore store, String key, IOException e) {
        return new JobFailureException(
                FailureCode.STORAGE_ERROR,
                "Could not write the backup object " + key + " to " + store.describe() + ": " + e.getMessage()
                        + ". Check the object store (reachable, credentials, free space) and retry.",
                true,
                e);
    }

    /** A sink's stream: counts, turns the store's failures into STORAGE_ERROR, and holds the sink's lock. */
    private static final class CountingOutputStream extends java.io.FilterOutputStream {
        private final Sink sink;
        private final java.util.function.Function<IOException, RuntimeException> failure;
        private long count;

        CountingOutputStream(
                OutputStream out, Sink sink, java.util.function.Function<IOException, RuntimeException> failure) {
            super(out);
            this.sink = sink;
            this.failure = failure;
        }

        @Override
        public void write(int b) {
            synchronized (sink) {
                requireOpen();
                try {
                    out.write(b);
                } catch (IOException e) {
                    throw failure.apply(e);
                }
                count++;
            }
        }

        private void requireOpen() {
            if (sink.closed || sink.handedOver) {
                throw failure.apply(
                        new IOException("a write after the object was " + (sink.closed ? "aborted" : "finished")));
            }
        }

        @Override
        public void write(byte[] b, int off, int len) {
            synchronized (sink) {
                requireOpen();
                try {
                    out.write(b, off, len);
                } catch (IOException e) {
                    throw failure.apply(e);
                }
                count += len;
            }
        }

        @Override
        public void flush() {
            synchronized (sink) {
                if (sink.closed || sink.handedOver) {
                    return;
                }
                try {
                    out.flush();
                } catch (IOException e) {
                    throw failure.apply(e);
                }
            }
        }

        @Override
        public void close() {
            // the sink closes the compressor itself
        }
    }

    private static OutputStream compressor(OutputStream target, Zstd compression) throws IOException {
        ZstdOutputStream zstd = new ZstdOutputStream(target, compression.level());
        zstd.setChecksum(true);
        if (compression.workers() > 0) {
            zstd.setWorkers(compression.workers());
        }
        return zstd;
    }

    private static void copy(InputStream in, OutputStream out) throws IOException {
        byte[] buffer = new byte[COPY_BUFFER_BYTES];
        int n;
        while ((n = in.read(buffer)) >= 0) {
            out.write(buffer, 0, n);
        }
    }
}

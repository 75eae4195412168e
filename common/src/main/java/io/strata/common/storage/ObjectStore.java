package io.strata.common.storage;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Where backups live: an S3 bucket or a local directory, with the same keys (see {@link StorageLayout}).
 * Writes are all-or-nothing: an {@link ObjectUpload} is visible only after {@link ObjectUpload#complete()}.
 */
public interface ObjectStore {

    /** Starts a streamed write of unknown length. Memory stays bounded whatever the size. */
    ObjectUpload create(String key) throws IOException;

    /** Writes a small object (a manifest) in one call. */
    void put(String key, byte[] content) throws IOException;

    /**
     * Writes an object of a known {@code length} in one call (one PUT on S3), its bytes read from {@code content},
     * which is opened again from the start when the write is retried: for objects too big to hold in memory
     * many times over but small enough for one request (a WAL segment spooled to disk).
     */
    default void put(String key, long length, Content content) throws IOException {
        try (ObjectUpload upload = create(key);
                InputStream in = content.open()) {
            long copied = in.transferTo(upload);
            if (copied != length) {
                throw new IOException("the content of " + key + " was " + copied + " bytes, not " + length);
            }
            upload.complete();
        }
    }

    /** The bytes of an object to write, readable from the start as often as asked. */
    @FunctionalInterface
    interface Content {
        InputStream open() throws IOException;
    }

    /** Opens an object for reading; {@link NoSuchObjectException} when it does not exist. */
    InputStream open(String key) throws IOException;

    /**
     * Opens {@code length} bytes of an object from {@code offset} (a ranged GET on S3), so one large object
     * can be fetched over several connections at once ({@link ParallelDownload}).
     */
    InputStream openRange(String key, long offset, long length) throws IOException;

    Optional<ObjectInfo> stat(String key) throws IOException;

    /** Every object whose key starts with {@code prefix}, in key order. */
    List<ObjectInfo> list(String prefix) throws IOException;

    void delete(String key) throws IOException;

    /** A human-readable location, e.g. {@code s3://bucket} or {@code file:/var/lib/strata}. */
    String describe();

    /** Deletes {@code key} if it can; for cleaning up after a failure that is already being reported. */
    default void deleteQuietly(String key) {
        try {
            delete(key);
        } catch (IOException | RuntimeException ignored) {
            // an object without its manifest is not a backup; a later cleanup may remove it
        }
    }

    default byte[] readAll(String key) throws IOException {
        try (InputStream in = open(key)) {
            return in.readAllBytes();
        }
    }

    /**
     * Writes started and never completed under {@code prefix} (an S3 multipart upload, a hidden partial file
     * of the local store): a killed writer leaves them behind, and they cost storage until aborted.
     */
    default List<PendingUpload> pendingUploads(String prefix) throws IOException {
        return List.of();
    }

    /** Aborts a write {@link #pendingUploads} found; nothing happens when it is already gone. */
    default void abortUpload(PendingUpload upload) throws IOException {}

    /** An object; {@code lastModified} is null where the store does not say. */
    record ObjectInfo(String key, long size, Instant lastModified) {
        public ObjectInfo(String key, long size) {
            this(key, size, null);
        }
    }

    /** A write in progress or abandoned: the object {@code key}, the store's id of the write, when it began. */
    record PendingUpload(String key, String uploadId, Instant initiated) {}
}

package io.strata.platform.storage;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdIOException;
import com.github.luben.zstd.ZstdInputStream;
import io.strata.common.crypto.EncryptedObjectException;
import io.strata.common.model.FailureCode;
import io.strata.common.storage.BackupManifest.StoredObject;
import io.strata.common.storage.HashingInputStream;
import io.strata.common.storage.MalformedContentException;
import io.strata.common.storage.NoSuchObjectException;
import io.strata.common.storage.ObjectStore;
import io.strata.common.storage.ParallelDownload;
import io.strata.common.storage.ReadAbandoned;
import io.strata.platform.jobs.JobFailureException;
import io.strata.platform.logical.CountingInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads a backup object as written by {@code CompressedUpload}: fetched over several connections at once,
 * its stored bytes hashed, decrypted when encrypted, decompressed, and handed to a reader as a plain
 * stream. Once the stream ends, the SHA-256 and size the manifest recorded are checked: a reader may act
 * on bytes before that (a restore writes into a directory it removes on failure), so it must treat its
 * work as provisional until this returns.
 */
public final class StoredObjects {
    private StoredObjects() {}

    /**
     * Reads an object's plain bytes; it may stop early (the rest is drained and hashed), or throw {@link
     * ReadAbandoned} to end the download at once.
     */
    @FunctionalInterface
    public interface PlainReader {
        void read(InputStream plain) throws IOException;
    }

    /** How it went: plain bytes the reader was given and stored bytes fetched. */
    public record Read(long plainBytes, long storedBytes) {}

    /**
     * @param what what the object is, for messages ("base backup object", "block pack")
     * @param storedRead counts stored bytes as they arrive (progress)
     * @throws JobFailureException BACKUP_NOT_FOUND when missing, CHECKSUM_MISMATCH when its bytes differ,
     *     BACKUP_MALFORMED when they are the backup's own but do not decompress or the reader finds them
     *     malformed ({@link MalformedContentException}), an encryption failure when unreadable, STORAGE_ERROR
     *     when the store fails
     */
    public static Read read(
            ObjectStore store,
            StorageEncryption encryption,
            StoredObject object,
            boolean requireEncrypted,
            int chunkBytes,
            int connections,
            AtomicLong storedRead,
            String what,
            PlainReader reader) {
        long plainBytes;
        String actual;
        long count;
        try (InputStream download =
                        new ParallelDownload(store, object.key(), object.storedBytes(), chunkBytes, connections);
                HashingInputStream hashing = new HashingInputStream(new CountingInputStream(download, storedRead))) {
            IOException readFailure = null;
            long plain0 = 0;
            try {
                InputStream plain = encryption.plaintext(hashing, requireEncrypted);
                try (CountingInputStream zstd = new CountingInputStream(
                        new ZstdInputStream(StorageEncryption.keepOpen(plain)), new AtomicLong())) {
                    reader.read(new java.io.BufferedInputStream(zstd, 1 << 16));
                    zstd.transferTo(OutputStream.nullOutputStream());
                    plain0 = zstd.count();
                }
                plain.transferTo(OutputStream.nullOutputStream()); // authenticates up to the final chunk
            } catch (EncryptedObjectException e) {
                throw encryption.unreadable(object.key(), e);
            } catch (NoSuchObjectException e) {
                throw e;
            } catch (ReadAbandoned e) {
                throw e; // the job failed elsewhere: the rest of the object is neither fetched nor judged
            } catch (IOException e) {
                // a stream that does not decompress, or a reader that found garbage: first see whether the stored
                // bytes are those the backup wrote (the rest is hashed as stored, past the decoders; a download
                // that failed fails again here, and is reported as such)
                readFailure = e;
            }
            plainBytes = plain0;
            hashing.transferTo(OutputStream.nullOutputStream());
            if (!hashing.sha256Hex().equalsIgnoreCase(object.sha256()) || hashing.count() != object.storedBytes()) {
                throw corrupt(
                        object,
                        what,
                        hashing.sha256Hex(),
                        hashing.count(),
                        readFailure instanceof ZstdIOException
                                ? "it does not decompress (" + readFailure.getMessage() + ")"
                                : "its bytes differ from those the backup wrote");
            }
            if (contentFault(readFailure)) {
                throw malformed(object, what, readFailure);
            }
            if (readFailure != null) {
                throw readFailure;
            }
            hashing.transferTo(OutputStream.nullOutputStream());
            actual = hashing.sha256Hex();
            count = hashing.count();
        } catch (NoSuchObjectException e) {
            throw new JobFailureException(
                    FailureCode.BACKUP_NOT_FOUND,
                    "The backup's manifest lists " + what + " " + object.key() + " but " + store.describe()
                            + " has no such object; the backup is damaged: restore from another one.",
                    false,
                    e);
        } catch (IOException e) {
            throw new JobFailureException(
                    FailureCode.STORAGE_ERROR,
                    "Could not read " + what + " " + object.key() + " from " + store.describe() + ": " + e.getMessage()
                            + ". Check the object store (and free space where it is written) and retry.",
                    true,
                    e);
        }
        if (!actual.equalsIgnoreCase(object.sha256()) || count != object.storedBytes()) {
            throw corrupt(object, what, actual, count, "its bytes differ from those the backup wrote");
        }
        return new Read(plainBytes, count);
    }

    /**
     * Whether a reader's failure on bytes that hash as their backup wrote them is the content's: a reader found
     * them malformed, or zstd could not decode them (not when zstd could not allocate its buffers: that is this
     * worker's failure).
     */
    public static boolean contentFault(IOException failure) {
        return failure instanceof MalformedContentException
                || (failure instanceof ZstdIOException zstd && !outOfMemory(zstd));
    }

    private static boolean outOfMemory(ZstdIOException e) {
        long memory = Zstd.errMemoryAllocation();
        // the code as zstd-jni keeps it, or zstd's raw result (both forms are met across versions)
        return e.getErrorCode() == memory || Zstd.getErrorCode(e.getErrorCode()) == memory;
    }

    /**
     * BACKUP_MALFORMED, not retryable, for {@code object} ({@code what} it is, for the message): its bytes hash
     * as its backup wrote them but {@code failure}, a {@link #contentFault}, says they cannot be used.
     */
    public static JobFailureException malformed(StoredObject object, String what, IOException failure) {
        return new JobFailureException(
                FailureCode.BACKUP_MALFORMED,
                what.substring(0, 1).toUpperCase(java.util.Locale.ROOT) + what.substring(1) + " " + object.key()
                        + " holds the bytes its backup wrote (SHA-256 " + object.sha256() + "), but "
                        + (failure instanceof ZstdIOException
                                ? "they do not decompress (" + failure.getMessage() + ")"
                                : "they cannot be used: " + failure.getMessage())
                        + ". The backup was written wrongly or altered together with its manifest; retrying will not"
                        + " help: use another backup.",
                false,
                failure);
    }

    private static JobFailureException corrupt(
            StoredObject object, String what, String actual, long bytes, String why) {
        return new JobFailureException(
                FailureCode.CHECKSUM_MISMATCH,
                what.substring(0, 1).toUpperCase(java.util.Locale.ROOT) + what.substring(1) + " " + object.key()
                        + " is corrupt: " + why + ". Expected SHA-256 " + object.sha256() + " over "
                        + object.storedBytes() + " bytes, got " + actual + " over " + bytes
                        + " bytes. Restore from another backup (POST /api/v1/backups/{id}/verify names every damaged"
                        + " object).",
                false);
    }
}

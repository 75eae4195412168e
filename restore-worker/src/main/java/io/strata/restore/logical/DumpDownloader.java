package io.strata.restore.logical;

import com.github.luben.zstd.ZstdIOException;
import com.github.luben.zstd.ZstdInputStream;
import io.strata.common.crypto.EncryptedObjectException;
import io.strata.common.model.FailureCode;
import io.strata.common.storage.BackupManifest.StoredObject;
import io.strata.common.storage.HashingInputStream;
import io.strata.common.storage.NoSuchObjectException;
import io.strata.common.storage.ObjectStore;
import io.strata.platform.jobs.JobFailureException;
import io.strata.platform.logical.CountingInputStream;
import io.strata.platform.storage.StorageEncryption;
import io.strata.platform.storage.StoredObjects;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fetches a backup's dump into a local file, decrypting (when it is encrypted) and decompressing it, and
 * proving on the way that the stored bytes are exactly those the manifest names. Nothing downstream may use the file unless this returned.
 */
final class DumpDownloader {
    private static final int COPY_BUFFER_BYTES = 128 * 1024;
    private final ObjectStore store;
    private final StorageEncryption encryption;

    DumpDownloader(ObjectStore store, StorageEncryption encryption) {
        this.store = store;
        this.encryption = encryption;
    }

    /**
     * Writes the decompressed dump to {@code target}; {@code storedRead} follows how many stored bytes have
     * been read, for a progress reporter on another thread.
     *
     * @return the raw (decompressed) size
     * @throws JobFailureException {@code CHECKSUM_MISMATCH} when the object does not hash to the manifest's
     *     SHA-256, {@code BACKUP_MALFORMED} when it does but does not decompress, {@code BACKUP_NOT_FOUND} when it
     *     is gone, {@code STORAGE_ERROR}
     */
    long download(StoredObject object, Path target, AtomicLong storedRead, boolean requireEncrypted) {
        try (InputStream stored = store.open(object.key())) {
            HashingInputStream hashing = new HashingInputStream(new CountingInputStream(stored, storedRead));
            long raw;
            try {
                InputStream plain = encryption.plaintext(hashing, requireEncrypted);
                raw = decompress(plain, target);
                plain.transferTo(OutputStream.nullOutputStream()); // authenticates up to the final chunk
            } catch (EncryptedObjectException e) {
                throw encryption.unreadable(object.key(), e);
            } catch (ZstdIOException e) {
                hashing.transferTo(OutputStream.nullOutputStream()); // the hash decides what the fault is
                String actual = hashing.sha256Hex();
                if (actual.equalsIgnoreCase(object.sha256()) && hashing.count() == object.storedBytes()) {
                    if (StoredObjects.contentFault(e)) {
                        throw StoredObjects.malformed(object, "backup object", e);
                    }
                    throw e; // zstd could not allocate its buffers: this worker's failure (STORAGE_ERROR, retried)
                }
                throw mismatch(object, actual, hashing.count(), "it does not decompress (" + e.getMessage() + ")");
            }
            hashing.transferTo(OutputStream.nullOutputStream()); // bytes after the zstd frame count too
            String actual = hashing.sha256Hex(); // finishes the digest: read it once
            if (!actual.equalsIgnoreCase(object.sha256()) || hashing.count() != object.storedBytes()) {
                throw mismatch(object, actual, hashing.count(), "its bytes differ from those the backup wrote");
            }
            return raw;
        } catch (NoSuchObjectException e) {
            throw new JobFailureException(
                    FailureCode.BACKUP_NOT_FOUND,
                    "The backup's manifest lists " + object.key() + " but the object store has no such object;"
                            + " the backup is damaged: restore another one.",
                    false,
                    e);
        } catch (IOException e) {
            throw new JobFailureException(
                    FailureCode.STORAGE_ERROR,
                    "Could not download " + object.key() + " from " + store.describe() + " to " + target + ": "
                            + e.getMessage() + ". Check the object store and free space in strata.restore.work-dir.",
                    true,
                    e);
        }
    }

    private static long decompress(InputStream compressed, Path target) throws IOException {
        byte[] buffer = new byte[COPY_BUFFER_BYTES];
        long raw = 0;
        // The compressed stream stays open when zstd is closed: the rest of it must still be hashed.
        try (InputStream zstd = new ZstdInputStream(new FilterInputStream(compressed) {
                    @Override
                    public void close() {}
                });
                OutputStream out = Files.newOutputStream(target)) {
            int n;
            while ((n = zstd.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
                raw += n;
            }
        }
        return raw;
    }

    private static JobFailureException mismatch(
            StoredObject object, String actualSha256, long actualBytes, String why) {
        return new JobFailureException(
                FailureCode.CHECKSUM_MISMATCH,
                "Backup object " + object.key() + " is corrupt: " + why + ". Expected SHA-256 " + object.sha256()
                        + " over " + object.storedBytes() + " bytes, got " + actualSha256 + " over "
                        + actualBytes + " bytes. Nothing was restored; restore another backup.",
                false);
    }
}

package io.strata.restore.pitr;

import com.github.luben.zstd.ZstdIOException;
import com.github.luben.zstd.ZstdInputStream;
import io.strata.common.crypto.EncryptedObjectException;
import io.strata.common.model.FailureCode;
import io.strata.common.storage.BackupManifest.StoredObject;
import io.strata.common.storage.HashingInputStream;
import io.strata.common.storage.NoSuchObjectException;
import io.strata.common.storage.ObjectStore;
import io.strata.common.storage.ParallelDownload;
import io.strata.platform.jobs.JobCancellation;
import io.strata.platform.jobs.JobFailureException;
import io.strata.platform.logical.CountingInputStream;
import io.strata.platform.logical.ToolProcesses;
import io.strata.platform.postgres.PgTools;
import io.strata.platform.postgres.ProcessOutput;
import io.strata.platform.storage.StorageEncryption;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Unpacks a physical base backup into a new data directory: the stored {@code base.tar.zst} is fetched
 * over several connections at once, hashed, decrypted (when encrypted), decompressed and fed to {@code tar -x} running as the cluster's
 * user (so every file is born with the right owner). The SHA-256 is checked once the stream ends; then
 * {@code pg_verifybackup} checks every file against the manifest PostgreSQL wrote during the backup.
 */
final class BaseBackupExtractor {
    private final ObjectStore store;
    private final StorageEncryption encryption;
    private final PgTools pgTools;
    private final OsUser user;
    private final PitrProperties properties;

    BaseBackupExtractor(
            ObjectStore store, StorageEncryption encryption, PgTools pgTools, OsUser user, PitrProperties properties) {
        this.store = store;
        this.encryption = encryption;
        this.pgTools = pgTools;
        this.user = user;
        this.properties = properties;
    }

    /**
     * Extracts the tar into {@code dataDir} (which exists, empty, owned by the user).
     *
     * @return the tar's size
     */
    long extract(StoredObject tar, Path dataDir, AtomicLong storedRead, boolean requireEncrypted) {
        Process untar = start(List.of("tar", "-x", "-f", "-", "-C", dataDir.toString()), "tar");
        ProcessOutput errors = ProcessOutput.drain(untar.getErrorStream());
        long raw = 0;
        String actual;
        long count;
        try (InputStream download = new ParallelDownload(
                        store,
                        tar.key(),
                        tar.storedBytes(),
                        properties.downloadChunkBytes(),
                        properties.downloadConnections());
                HashingInputStream hashing = new HashingInputStream(new CountingInputStream(download, storedRead))) {
            try {
                InputStream plain = encryption.plaintext(hashing, requireEncrypted); // leaves the rest to hash
                try (InputStream zstd = new ZstdInputStream(StorageEncryption.keepOpen(plain));
                        OutputStream toTar = untar.getOutputStream()) {
                    raw = zstd.transferTo(toTar);
                }
                plain.transferTo(OutputStream.nullOutputStream()); // authenticates up to the final chunk
            } catch (EncryptedObjectException e) {
                throw encryption.unreadable(tar.key(), e);
            } catch (ZstdIOException e) {
                hashing.transferTo(OutputStream.nullOutputStream());
                throw corrupt(
                        tar, hashing.sha256Hex(), hashing.count(), "it does not decompress (" + e.getMessage() + ")");
            }
            hashing.transferTo(OutputStream.nullOutputStream());
            actual = hashing.sha256Hex();
            count = hashing.count();
        } catch (NoSuchObjectException e) {
            ToolProcesses.destroy(untar);
            throw new JobFailureException(
                    FailureCode.BACKUP_NOT_FOUND,
                    "The base backup's manifest lists " + tar.key() + " but " + store.describe()
                            + " has no such object; the backup is damaged: restore from another one.",
                    false,
                    e);
        } catch (IOException e) {
            ToolProcesses.destroy(untar);
            String tarSays = errors.tail();
            throw new JobFailureException(
                    FailureCode.STORAGE_ERROR,
                    "Could not fetch " + tar.key() + " from " + store.describe() + " into " + dataDir + ": "
                            + e.getMessage() + (tarSays.isBlank() ? "" : " (tar: " + tarSays + ")")
                            + ". Check the object store and free space there.",
                    true,
                    e);
        } catch (JobFailureException e) {
            ToolProcesses.destroy(untar);
            throw e;
        }
        int exit = ToolProcesses.awaitExit(untar, "tar");
        if (!actual.equalsIgnoreCase(tar.sha256()) || count != tar.storedBytes()) {
            throw corrupt(tar, actual, count, "its bytes differ from those the backup wrote");
        }
        if (exit != 0) {
            throw new JobFailureException(
                    FailureCode.INTERNAL,
                    "tar " + ToolProcesses.describeExit(exit) + " unpacking the base backup into " + dataDir + ": "
                            + errors.tail(),
                    false);
        }
        return raw;
    }

    /**
     * Runs {@code pg_verifybackup} over the unpacked files: every file's size and checksum against the
     * backup_manifest PostgreSQL wrote while the backup ran. The WAL is checked separately (archive SHA-256s).
     */
    void verify(Path dataDir) {
        Process verify = start(
                List.of(pgTools.binary("pg_verifybackup").toString(), "--no-parse-wal", "--quiet", dataDir.toString()),
                "pg_verifybackup");
        ProcessOutput errors = ProcessOutput.drain(verify.getErrorStream());
        ProcessOutput output = ProcessOutput.drain(verify.getInputStream());
        int exit = ToolProcesses.awaitExit(verify, "pg_verifybackup");
        if (exit != 0) {
            throw new JobFailureException(
                    FailureCode.BACKUP_VERIFY_FAILED,
                    "pg_verifybackup found the restored files differ from the base backup's manifest: "
                            + (errors.tail() + " " + output.tail()).strip()
                            + ". The data directory was not started; restore from another base backup.",
                    false);
        }
    }

    private Process start(List<String> command, String tool) {
        try {
            Process process = new ProcessBuilder(user.command(command)).start();
            JobCancellation.track(process); // a cancelled restore stops unpacking and verifying at once
            return process;
        } catch (IOException e) {
            throw new JobFailureException(
                    FailureCode.INTERNAL, "Cannot start " + tool + ": " + e.getMessage(), false, e);
        }
    }

    private static JobFailureException corrupt(StoredObject object, String actual, long bytes, String why) {
        return new JobFailureException(
                FailureCode.CHECKSUM_MISMATCH,
                "Base backup object " + object.key() + " is corrupt: " + why + ". Expected SHA-256 " + object.sha256()
                        + " over " + object.storedBytes() + " bytes, got " + actual + " over " + bytes
                        + " bytes. The restored files were removed; restore from another base backup.",
                false);
    }
}

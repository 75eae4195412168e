package io.strata.platform.storage;

import io.strata.common.messaging.Json;
import io.strata.common.model.BackupId;
import io.strata.common.model.FailureCode;
import io.strata.common.storage.BackupManifest;
import io.strata.common.storage.NoSuchObjectException;
import io.strata.common.storage.ObjectStore;
import io.strata.common.storage.StorageLayout;
import io.strata.platform.jobs.JobFailureException;
import java.io.IOException;

/** Reads a backup's {@code manifest.json} (decrypted when encrypted), failing a job clearly when it cannot. */
public final class BackupManifests {
    private BackupManifests() {}

    public static BackupManifest read(
            ObjectStore store, StorageEncryption encryption, String source, String backupId, boolean requireEncrypted) {
        try {
            return Json.read(
                    encryption.readAll(
                            store, StorageLayout.manifestKey(source, BackupId.parse(backupId)), requireEncrypted),
                    BackupManifest.class);
        } catch (NoSuchObjectException e) {
            throw new JobFailureException(
                    FailureCode.BACKUP_NOT_FOUND,
                    "Backup " + backupId + " of source '" + source + "' has no manifest in " + store.describe()
                            + " (deleted?)",
                    false,
                    e);
        } catch (io.strata.common.crypto.EncryptedObjectException e) {
            throw encryption.unreadable(StorageLayout.manifestKey(source, BackupId.parse(backupId)), e);
        } catch (IOException e) {
            throw new JobFailureException(
                    FailureCode.STORAGE_ERROR,
                    "Cannot read the manifest of backup " + backupId + ": " + e.getMessage(),
                    true,
                    e);
        }
    }
}

package io.strata.backup.delete;

import io.strata.common.command.DeleteBackup;
import io.strata.common.event.JobResult.DeleteResult;
import io.strata.common.messaging.Json;
import io.strata.common.model.BackupId;
import io.strata.common.model.FailureCode;
import io.strata.common.storage.ObjectStore;
import io.strata.common.storage.ObjectStore.ObjectInfo;
import io.strata.common.storage.StorageLayout;
import io.strata.platform.catalog.CatalogApi.BackupDeletion;
import io.strata.platform.catalog.CatalogApi.ForgottenBackups;
import io.strata.platform.catalog.CatalogClient;
import io.strata.platform.jobs.JobFailureException;
import io.strata.platform.jobs.JobReporter;
import java.io.IOException;
import java.util.Comparator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.client.HttpClientErrorException;

/**
 * A DELETE job: the catalog forgets the backup (and with cascade the backups built on it) first, so nothing
 * plans a restore from it or builds a chain on it any more; then each forgotten backup's objects are removed
 * from storage, its {@code manifest.json} first (a backup without one does not exist). Repeating the job
 * after a crash finds the same backups forgotten and removes what is left. WAL is not touched: WAL cleanup
 * keeps what the remaining backups and restore points need.
 */
@Component
public class BackupDeleter {
    static final String STEP = "deleting objects";
    private static final Logger log = LoggerFactory.getLogger(BackupDeleter.class);
    private final CatalogClient catalog;
    private final ObjectStore store;

    public BackupDeleter(CatalogClient catalog, ObjectStore store) {
        this.catalog = catalog;
        this.store = store;
    }

    public DeleteResult run(DeleteBackup command, JobReporter reporter) {
        String backupId = command.backupId().toString();
        ForgottenBackups forgotten = forget(command);
        if (!command.source().equals(forgotten.source())) {
            throw new JobFailureException(
                    FailureCode.INVALID_COMMAND,
                    "Backup " + backupId + " belongs to source " + forgotten.source() + ", not " + command.source(),
                    false);
        }
        Removed removed = removeBackups(command.source(), forgotten.backupIds(), reporter);
        return new DeleteResult(backupId, forgotten.backupIds(), removed.objects(), removed.bytes());
    }

    /** How many objects, and stored bytes, a removal deleted. */
    record Removed(int objects, long bytes) {}

    /**
     * Removes the objects of backups the catalog has forgotten, each backup's manifest first (a backup
     * half-deleted is then no backup, never a broken one), reporting progress by backup.
     */
    Removed removeBackups(String source, List<String> backupIds, JobReporter reporter) {
        reporter.progress(STEP, 0, 0, backupIds.size());
        int objects = 0;
        long bytes = 0;
        int done = 0;
        for (String id : backupIds) {
            BackupId forgottenId = BackupId.parse(id);
            String manifest = StorageLayout.manifestKey(source, forgottenId);
            try {
                List<ObjectInfo> stored = store.list(StorageLayout.backupPrefix(source, forgottenId)).stream()
                        .sorted(Comparator.comparing((ObjectInfo o) -> !o.key().equals(manifest)))
                        .toList();
                for (ObjectInfo object : stored) {
                    store.delete(object.key());
                    objects++;
                    bytes += object.size();
                }
                log.info("Deleted backup {} of {}: {} objects", id, source, stored.size());
            } catch (IOException e) {
                throw new JobFailureException(
                        FailureCode.STORAGE_ERROR,
                        "Could not delete the objects of backup " + id + " from " + store.describe() + ": "
                                + e.getMessage() + ". The catalog has forgotten it; the job can be repeated.",
                        true,
                        e);
            }
            done++;
            reporter.progress(STEP, done * 100 / Math.max(1, backupIds.size()), done, backupIds.size());
        }
        return new Removed(objects, bytes);
    }

    private ForgottenBackups forget(DeleteBackup command) {
        String backupId = command.backupId().toString();
        try {
            return catalog.forgetBackup(
                    backupId, new BackupDeletion(command.jobId().toString(), command.cascade()));
        } catch (HttpClientErrorException.NotFound e) {
            throw new JobFailureException(
                    FailureCode.BACKUP_NOT_FOUND, "The catalog has no backup " + backupId + " to delete.", false, e);
        } catch (HttpClientErrorException.Conflict e) {
            Problem problem = Problem.of(e);
            FailureCode code = FailureCode.BACKUP_HAS_DEPENDENTS.name().equals(problem.code())
                    ? FailureCode.BACKUP_HAS_DEPENDENTS
                    : FailureCode.INVALID_REQUEST;
            throw new JobFailureException(code, problem.detail(), false, e);
        }
    }

    /** The parts of the catalog's problem+json this job reports. */
    record Problem(String detail, String code) {
        static Problem of(HttpClientErrorException e) {
            try {
                Problem read = Json.read(e.getResponseBodyAsString(), Problem.class);
                return read.detail() == null ? new Problem(e.getMessage(), read.code()) : read;
            } catch (RuntimeException unreadable) {
                return new Problem(e.getMessage(), null);
            }
        }
    }
}

package io.strata.backup.delete;

import io.strata.backup.delete.BackupDeleter.Problem;
import io.strata.backup.delete.BackupDeleter.Removed;
import io.strata.common.command.ApplyRetention;
import io.strata.common.event.JobResult.RetentionResult;
import io.strata.common.model.FailureCode;
import io.strata.common.storage.ObjectStore;
import io.strata.platform.catalog.CatalogClient;
import io.strata.platform.catalog.PolicyApi.RetentionForgetting;
import io.strata.platform.catalog.PolicyApi.RetentionForgotten;
import io.strata.platform.jobs.JobFailureException;
import io.strata.platform.jobs.JobReporter;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.client.HttpClientErrorException;

/**
 * A RETENTION job: the catalog plans from the source's policy and forgets what the plan deletes (backups and
 * WAL) first; then the backups' objects are removed, each manifest first, and the WAL objects. Repeating the
 * job after a crash gets the same list from the catalog and removes what is left.
 */
@Component
public class RetentionRunner {
    static final String WAL_STEP = "deleting WAL";
    private static final Logger log = LoggerFactory.getLogger(RetentionRunner.class);
    private final CatalogClient catalog;
    private final BackupDeleter deleter;
    private final ObjectStore store;

    public RetentionRunner(CatalogClient catalog, BackupDeleter deleter, ObjectStore store) {
        this.catalog = catalog;
        this.deleter = deleter;
        this.store = store;
    }

    public RetentionResult run(ApplyRetention command, JobReporter reporter) {
        RetentionForgotten forgotten = forget(command);
        if (!command.source().equals(forgotten.source())) {
            throw new JobFailureException(
                    FailureCode.INVALID_COMMAND,
                    "The catalog answered for source " + forgotten.source() + ", not " + command.source(),
                    false);
        }
        Removed removed = deleter.removeBackups(command.source(), forgotten.backupIds(), reporter);
        int segments = 0;
        for (String key : forgotten.walKeys()) {
            try {
                store.delete(key);
            } catch (IOException e) {
                throw new JobFailureException(
                        FailureCode.STORAGE_ERROR,
                        "Could not delete WAL object " + key + " from " + store.describe() + ": " + e.getMessage()
                                + ". The catalog has forgotten it; the job can be repeated.",
                        true,
                        e);
            }
            segments++;
            reporter.progress(
                    WAL_STEP,
                    segments * 100 / forgotten.walKeys().size(),
                    segments,
                    forgotten.walKeys().size());
        }
        log.info(
                "Retention of {} deleted {} backup(s) ({} objects, {} bytes) and {} WAL segment(s) ({} bytes)",
                command.source(),
                forgotten.backupIds().size(),
                removed.objects(),
                removed.bytes(),
                segments,
                forgotten.walBytes());
        return new RetentionResult(
                forgotten.backupIds(), removed.objects(), removed.bytes(), segments, forgotten.walBytes());
    }

    private RetentionForgotten forget(ApplyRetention command) {
        try {
            return catalog.forgetForRetention(
                    command.source(), new RetentionForgetting(command.jobId().toString()));
        } catch (HttpClientErrorException.NotFound e) {
            throw new JobFailureException(
                    FailureCode.INVALID_REQUEST,
                    "Source " + command.source() + " has no policy (or is not registered): nothing to apply. "
                            + Problem.of(e).detail(),
                    false,
                    e);
        } catch (HttpClientErrorException.Conflict e) {
            // nothing forgotten or deleted; a policy's retention is queued again once the source is idle
            throw new JobFailureException(FailureCode.SOURCE_BUSY, Problem.of(e).detail(), true, e);
        }
    }
}

package io.strata.backup.orphans;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.strata.common.model.JobStatus;
import io.strata.common.storage.ObjectStore;
import io.strata.common.storage.ObjectStore.ObjectInfo;
import io.strata.common.storage.ObjectStore.PendingUpload;
import io.strata.common.storage.StorageLayout;
import io.strata.platform.catalog.CatalogApi.BackupView;
import io.strata.platform.catalog.CatalogApi.JobView;
import io.strata.platform.catalog.CatalogApi.SourceView;
import io.strata.platform.catalog.CatalogClient;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Removes what killed or cancelled backups leave in the store: objects under
 * {@code <source>/backups/<backupId>/} of a backup that has no manifest (so it does not exist), and writes
 * never completed there (S3 multipart uploads, the local store's partial files). A backup's leftovers go
 * when the catalog says its job ended without it (FAILED or CANCELLED, a minute ago or more, or the grace if
 * shorter, so the job's own cleanup runs first), or, for a backup the catalog does not know, once nothing was written for
 * {@code strata.worker.orphan-sweep.grace}. Uploaded archives ({@code <source>/uploads/<jobId>/}) go once their
 * UPLOAD_RESTORE job ended (its worker removes them itself, unless it was lost), or when no such job exists after
 * a day (an upload may take hours, and its job is recorded only once the file is stored). A backup that is QUEUED or RUNNING (or waits to run again
 * after its worker was lost) is never touched. Every removal is logged and counted
 * ({@code strata.backup.orphans.removed}, by kind). Runs every {@code strata.worker.orphan-sweep.interval}
 * on each backup-worker; removals are idempotent, so instances need not take turns.
 */
@Component
public class OrphanSweeper {
    static final String MANIFEST = "manifest.json";
    static final Duration ENDED_JOB_CLEANUP = Duration.ofMinutes(1);
    /** How long an unfinished upload of an archive may go on without a job before it counts as abandoned. */
    static final Duration RECEIVING = Duration.ofDays(1);

    private static final java.util.regex.Pattern JOB_ID =
            java.util.regex.Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final Logger log = LoggerFactory.getLogger(OrphanSweeper.class);
    private final CatalogClient catalog;
    private final ObjectStore store;
    private final Clock clock;
    private final Duration grace;
    private final Counter objects;
    private final Counter uploads;

    OrphanSweeper(
            CatalogClient catalog,
            ObjectStore store,
            Clock clock,
            MeterRegistry meters,
            @Value("${strata.worker.orphan-sweep.grace:1h}") Duration grace) {
        this.catalog = catalog;
        this.store = store;
        this.clock = clock;
        this.grace = grace;
        this.objects = removed(meters, "object");
        this.uploads = removed(meters, "upload");
    }

    private static Counter removed(MeterRegistry meters, String kind) {
        return Counter.builder("strata.backup.orphans.removed")
                .tag("kind", kind)
                .description("Objects and unfinished uploads of backups that do not exist, removed by the sweep")
                .register(meters);
    }

    @Scheduled(
            initialDelayString = "${strata.worker.orphan-sweep.interval:10m}",
            fixedDelayString = "${strata.worker.orphan-sweep.interval:10m}")
    void scheduled() {
        try {
            Sweep sweep = sweep();
            if (sweep.objects() + sweep.uploads() > 0) {
                log.info(
                        "orphan sweep removed {} objects and {} unfinished uploads of backups that do not exist",
                        sweep.objects(),
                        sweep.uploads());
            }
        } catch (IOException | RuntimeException e) {
            log.warn("orphan sweep failed, trying again next interval: {}", e.toString());
        }
    }

    /** What one sweep removed. */
    public record Sweep(int objects, int uploads) {}

    /** One pass over every registered source's backups and uploaded archives. */
    public Sweep sweep() throws IOException {
        Instant now = clock.instant();
        int removedObjects = 0;
        int abortedUploads = 0;
        // an upload still being received has no job yet, and may take hours: only a day without one counts
        Duration receiving = grace.compareTo(RECEIVING) > 0 ? grace : RECEIVING;
        for (SourceView source : catalog.sources()) {
            Sweep backups = sweepUnder(
                    source.name() + "/backups/",
                    now,
                    found -> found.stream().anyMatch(o -> o.key().endsWith("/" + MANIFEST)), // a backup: it exists
                    (backupId, lastWrite) -> orphaned(backupId, lastWrite, now),
                    (backupId, began) -> orphanedUpload(backupId, began, now),
                    "orphan");
            // uploaded archives whose UPLOAD_RESTORE job ended without removing them (its worker was lost), or
            // whose job never came to be (the gateway stopped between storing and recording it)
            Sweep archives = sweepUnder(
                    StorageLayout.uploadPrefix(source.name()),
                    now,
                    found -> false,
                    // a stored archive's time may be when its upload began (S3 multipart), not when it ended
                    (jobId, lastWrite) -> uploadOrphaned(jobId, lastWrite, receiving, now),
                    (jobId, began) -> uploadOrphaned(jobId, began, receiving, now),
                    "uploaded archive");
            removedObjects += backups.objects() + archives.objects();
            abortedUploads += backups.uploads() + archives.uploads();
        }
        return new Sweep(removedObjects, abortedUploads);
    }

    /** Why the leftovers of one id (a backup, a job), last written or begun at a time, may go; empty to keep them. */
    @FunctionalInterface
    private interface Verdict {
        Optional<String> why(String id, Instant at);
    }

    /**
     * Removes the objects under {@code prefix}, grouped by the next path segment, that {@code stored} finds
     * orphaned (unless {@code kept}), and aborts the unfinished uploads there that {@code pending} does.
     */
    private Sweep sweepUnder(
            String prefix,
            Instant now,
            java.util.function.Predicate<List<ObjectInfo>> kept,
            Verdict stored,
            Verdict pending,
            String what)
            throws IOException {
        int removedObjects = 0;
        int abortedUploads = 0;
        for (Map.Entry<String, List<ObjectInfo>> group :
                byBackup(prefix, store.list(prefix)).entrySet()) {
            List<ObjectInfo> found = group.getValue();
            if (kept.test(found)) {
                continue;
            }
            Instant lastWrite = found.stream()
                    .map(ObjectInfo::lastModified)
                    .filter(java.util.Objects::nonNull)
                    .max(Instant::compareTo)
                    .orElse(now);
            Optional<String> why = stored.why(group.getKey(), lastWrite);
            if (why.isPresent()) {
                for (ObjectInfo object : found) {
                    store.delete(object.key());
                    objects.increment();
                    removedObjects++;
                    log.warn("removed {} {} ({} bytes): {}", what, object.key(), object.size(), why.get());
                }
            }
        }
        for (PendingUpload upload : store.pendingUploads(prefix)) {
            String id = backupId(prefix, upload.key());
            if (id == null) {
                continue;
            }
            Instant began = upload.initiated() == null ? now : upload.initiated();
            Optional<String> why = pending.why(id, began);
            if (why.isPresent()) {
                store.abortUpload(upload);
                uploads.increment();
                abortedUploads++;
                log.warn("aborted the unfinished upload of {} begun {}: {}", upload.key(), began, why.get());
            }
        }
        return new Sweep(removedObjects, abortedUploads);
    }

    /** Why the uploaded archive of job {@code jobId} may go; empty to keep it. */
    private Optional<String> uploadOrphaned(String jobId, Instant lastWrite, Duration unknownFor, Instant now) {
        if (!JOB_ID.matcher(jobId).matches()) {
            return Optional.empty(); // not a key Strata writes: left alone
        }
        Optional<JobView> known = catalog.job(jobId);
        if (known.isEmpty()) {
            return lastWrite.isBefore(now.minus(unknownFor))
                    ? Optional.of("no job " + jobId + " restores it, and nothing was written for " + unknownFor)
                    : Optional.empty();
        }
        JobView job = known.get();
        boolean ended = job.status() == JobStatus.SUCCEEDED
                || job.status() == JobStatus.FAILED
                || job.status() == JobStatus.CANCELLED;
        Instant finished = job.finishedAt() == null ? lastWrite : job.finishedAt();
        Duration settle = grace.compareTo(ENDED_JOB_CLEANUP) < 0 ? grace : ENDED_JOB_CLEANUP;
        return ended && finished.isBefore(now.minus(settle))
                ? Optional.of("its job " + jobId + " is " + job.status())
                : Optional.empty();
    }

    /** Why the leftovers of {@code backupId}, last written at {@code lastWrite}, may go; empty to keep them. */
    private Optional<String> orphaned(String backupId, Instant lastWrite, Instant now) {
        Optional<BackupView> known = catalog.backup(backupId);
        if (known.isEmpty()) {
            return lastWrite.isBefore(now.minus(grace))
                    ? Optional.of("backup " + backupId + " is unknown to the catalog, has no manifest and nothing was"
                            + " written for " + grace)
                    : Optional.empty();
        }
        BackupView backup = known.get();
        String status = backup.status() == null ? "" : backup.status();
        boolean ended = status.equals("FAILED") || status.equals("CANCELLED") || status.equals("DELETED");
        Instant finished = backup.finishedAt() == null ? lastWrite : backup.finishedAt();
        Duration settle = grace.compareTo(ENDED_JOB_CLEANUP) < 0 ? grace : ENDED_JOB_CLEANUP;
        if (ended && finished.isBefore(now.minus(settle))) {
            return Optional.of("backup " + backupId + " is " + status + " and has no manifest");
        }
        return Optional.empty(); // QUEUED, RUNNING, just ended, or SUCCEEDED (its manifest is checked above)
    }

    /**
     * Why an unfinished upload of {@code backupId} begun at {@code began} may be aborted: as for objects, and
     * also when the backup completed after it began (an earlier attempt's write, left by a killed worker).
     */
    private Optional<String> orphanedUpload(String backupId, Instant began, Instant now) {
        Optional<BackupView> known = catalog.backup(backupId);
        if (known.isPresent()
                && "SUCCEEDED".equals(known.get().status())
                && known.get().finishedAt() != null
                && began.isBefore(known.get().finishedAt())) {
            return Optional.of("backup " + backupId + " completed at "
                    + known.get().finishedAt() + " without it: an earlier attempt's write");
        }
        return orphaned(backupId, began, now);
    }

    /** The objects under {@code prefix} grouped by backup id (the next path segment). */
    private static Map<String, List<ObjectInfo>> byBackup(String prefix, List<ObjectInfo> objects) {
        Map<String, List<ObjectInfo>> grouped = new TreeMap<>();
        for (ObjectInfo object : objects) {
            String backupId = backupId(prefix, object.key());
            if (backupId != null) {
                grouped.computeIfAbsent(backupId, id -> new ArrayList<>()).add(object);
            }
        }
        return grouped;
    }

    private static String backupId(String prefix, String key) {
        if (!key.startsWith(prefix)) {
            return null;
        }
        int slash = key.indexOf('/', prefix.length());
        return slash <= prefix.length() ? null : key.substring(prefix.length(), slash);
    }
}

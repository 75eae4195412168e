package io.strata.platform.logical;

import io.strata.common.crypto.Keyring;
import io.strata.common.crypto.ObjectEncryption;
import io.strata.common.event.JobResult.BackupResult;
import io.strata.common.messaging.Json;
import io.strata.common.model.BackupKind;
import io.strata.common.model.FailureCode;
import io.strata.common.storage.BackupManifest;
import io.strata.common.storage.BackupManifest.StoredObject;
import io.strata.common.storage.BackupManifest.TableRows;
import io.strata.common.storage.ObjectStore;
import io.strata.common.storage.StorageLayout;
import io.strata.platform.jobs.JobCancellation;
import io.strata.platform.jobs.JobFailureException;
import io.strata.platform.jobs.JobReporter;
import io.strata.platform.postgres.PgTools;
import io.strata.platform.postgres.StallWatchdog;
import io.strata.platform.storage.StorageEncryption;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes a logical backup: {@code pg_dump -Fc} streamed through zstd and SHA-256 into one object, then the
 * manifest, written last, with the rows of every table counted in the snapshot pg_dump dumped ({@link
 * DumpSnapshots}) for restore drills to compare with. Memory stays bounded: nothing is buffered beyond a copy buffer, the compressor's
 * window and the object store's upload parts; no temporary file holds the dump.
 */
public final class LogicalBackup {
    public static final String STEP = "dumping";
    private static final Logger log = LoggerFactory.getLogger(LogicalBackup.class);

    private final PgTools pgTools;
    private final ObjectStore store;
    private final StorageEncryption encryption;
    private final SourceInspector inspector;
    private final DumpSnapshots snapshots;
    private final Clock clock;
    private final Duration progressInterval;
    private final int zstdWorkers;

    public LogicalBackup(
            PgTools pgTools,
            ObjectStore store,
            StorageEncryption encryption,
            Clock clock,
            LogicalBackupProperties properties) {
        this(
                pgTools,
                store,
                encryption,
                SourceInspector.jdbc(pgTools),
                properties.countRows() ? DumpSnapshots.jdbc(pgTools) : DumpSnapshots.none(),
                clock,
                properties.progressInterval(),
                properties.zstdWorkers());
    }

    public LogicalBackup(
            PgTools pgTools,
            ObjectStore store,
            StorageEncryption encryption,
            SourceInspector inspector,
            Clock clock,
            Duration progressInterval,
            int zstdWorkers) {
        this(pgTools, store, encryption, inspector, DumpSnapshots.none(), clock, progressInterval, zstdWorkers);
    }

    public LogicalBackup(
            PgTools pgTools,
            ObjectStore store,
            StorageEncryption encryption,
            SourceInspector inspector,
            DumpSnapshots snapshots,
            Clock clock,
            Duration progressInterval,
            int zstdWorkers) {
        this.pgTools = pgTools;
        this.store = store;
        this.encryption = encryption;
        this.inspector = inspector;
        this.snapshots = snapshots;
        this.clock = clock;
        this.progressInterval = progressInterval;
        this.zstdWorkers = zstdWorkers;
    }

    /**
     * Runs the backup, reporting progress as step {@value #STEP}.
     *
     * @throws JobFailureException {@code PG_DUMP_FAILED} with pg_dump's own error text, or
     *     {@code STORAGE_ERROR}; in both cases no object and no manifest is left behind
     */
    public BackupResult run(LogicalBackupRequest request, JobReporter reporter) {
        Instant startedAt = clock.instant();
        // first: a source that requires encryption on a worker without a key fails before anything is written
        Keyring keys =
                encryption.forWriting(request.source().name(), request.source().encrypt());
        ServerFacts facts = inspector.inspect(request.source(), request.database());
        reporter.progress(STEP, 0, 0, facts.databaseSizeBytes());
        String key = LogicalBackupLayout.dumpKey(request.source().name(), request.backupId());
        StoredDump dump = dump(key, request, facts.databaseSizeBytes(), reporter, keys);
        Instant finishedAt = clock.instant();
        List<StoredObject> objects = List.of(new StoredObject(
                dump.key(),
                LogicalBackupLayout.FORMAT,
                LogicalBackupLayout.COMPRESSION,
                dump.rawBytes(),
                dump.storedBytes(),
                dump.sha256()));
        String manifestKey = writeManifest(request, facts, dump, objects, startedAt, finishedAt, keys);
        if (dump.tableRows() != null) {
            log.info(
                    "Backup {} of {} recorded the rows of {} tables, counted in the snapshot it dumped",
                    request.backupId(),
                    request.source().name(),
                    dump.tableRows().size());
        }
        return new BackupResult(
                request.backupId().toString(),
                BackupKind.LOGICAL,
                request.type(),
                request.schemaOnly(),
                request.database(),
                facts.serverVersion(),
                dump.rawBytes(),
                dump.storedBytes(),
                dump.sha256(),
                key,
                manifestKey,
                startedAt,
                finishedAt,
                request.description(),
                null,
                null,
                null,
                null,
                objects);
    }

    /** Percent of the estimate done, kept below 100 (the estimate is the database size, not the dump's). */
    static int percent(long done, long estimate) {
        return estimate <= 0 ? 0 : (int) Math.min(99, done * 100 / estimate);
    }

    private StoredDump dump(
            String key, LogicalBackupRequest request, long estimate, JobReporter reporter, Keyring keys) {
        // a schema-only dump has no rows to count; otherwise the rows are counted in the snapshot pg_dump dumps
        Optional<DumpSnapshots.Snapshot> snapshot =
                request.schemaOnly() ? Optional.empty() : snapshots.export(request.source(), request.database());
        try {
            PgDumpProcess pgDump = PgDumpProcess.start(
                    pgTools, request, snapshot.map(DumpSnapshots.Snapshot::id).orElse(null));
            CompletableFuture<List<TableRows>> counting =
                    snapshot.map(LogicalBackup::count).orElse(CompletableFuture.completedFuture(null));
            CountingInputStream raw = new CountingInputStream(pgDump.stdout());
            Duration silence =
                    Duration.ofSeconds(request.source().timeoutsOrDefault().io());
            StoredDump stored;
            try (ProgressTicker ticker = ProgressTicker.every(
                            progressInterval,
                            () -> reporter.progress(STEP, percent(raw.count(), estimate), raw.count(), estimate));
                    StallWatchdog watchdog = StallWatchdog.watch(raw::count, silence, pgDump::destroy)) {
                stored = upload(key, raw, () -> pgDump.awaitSuccess(watchdog), keys);
            } finally {
                // Whatever failed on our side, no pg_dump may outlive its backup.
                pgDump.destroy();
            }
            return stored.withTableRows(rowsCounted(counting, request));
        } finally {
            snapshot.ifPresent(DumpSnapshots.Snapshot::close);
        }
    }

    /** Counts the snapshot's rows on a thread of its own, while pg_dump dumps the same snapshot. */
    private static CompletableFuture<List<TableRows>> count(DumpSnapshots.Snapshot snapshot) {
        CompletableFuture<List<TableRows>> rows = new CompletableFuture<>();
        Thread.ofVirtual().name("strata-row-count").start(() -> {
            try {
                rows.complete(snapshot.countRows(JobCancellation::isRequested));
            } catch (SQLException | RuntimeException e) {
                rows.completeExceptionally(e);
            }
        });
        return rows;
    }

    /** The counts, once the dump is stored; none (and a warning) when they could not be made. */
    private static List<TableRows> rowsCounted(
            CompletableFuture<List<TableRows>> counting, LogicalBackupRequest request) {
        try {
            return counting.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JobFailureException(FailureCode.CANCELLED, "Interrupted while counting rows", false, e);
        } catch (ExecutionException e) {
            log.warn(
                    "Backup {} of {}: counting its rows failed ({}); its manifest records none, and a restore drill"
                            + " of it will report counts without comparing them",
                    request.backupId(),
                    request.source().name(),
                    e.getCause().getMessage());
            return null;
        }
    }

    private StoredDump upload(
            String key, CountingInputStream raw, CompressedUpload.ProducerCheck awaitSuccess, Keyring keys) {
        CompressedUpload.Stored stored = CompressedUpload.write(
                store,
                key,
                raw,
                new CompressedUpload.Zstd(CompressedUpload.DEFAULT_LEVEL, zstdWorkers),
                keys,
                awaitSuccess);
        return new StoredDump(stored.key(), stored.rawBytes(), stored.storedBytes(), stored.sha256(), null);
    }

    private String writeManifest(
            LogicalBackupRequest request,
            ServerFacts facts,
            StoredDump dump,
            List<StoredObject> objects,
            Instant startedAt,
            Instant finishedAt,
            Keyring keys) {
        String manifestKey = StorageLayout.manifestKey(request.source().name(), request.backupId());
        BackupManifest manifest = new BackupManifest(
                BackupManifest.SCHEMA_VERSION,
                request.backupId(),
                request.source().name(),
                BackupKind.LOGICAL,
                request.type(),
                request.schemaOnly(),
                request.database(),
                facts.serverVersion(),
                request.jobId().toString(),
                request.description(),
                startedAt,
                finishedAt,
                objects,
                null, // WAL positions, timeline and chain: a physical backup's
                null,
                null,
                null,
                dump.tableRows());
        try {
            store.put(
                    manifestKey, ObjectEncryption.encrypt(Json.write(manifest).getBytes(StandardCharsets.UTF_8), keys));
            return manifestKey;
        } catch (IOException e) {
            store.deleteQuietly(dump.key());
            throw new JobFailureException(
                    FailureCode.STORAGE_ERROR,
                    "Could not write the manifest " + manifestKey + " to " + store.describe() + ": " + e.getMessage()
                            + ". The backup does not exist; check the object store and retry.",
                    true,
                    e);
        }
    }

    record StoredDump(String key, long rawBytes, long storedBytes, String sha256, List<TableRows> tableRows) {
        StoredDump withTableRows(List<TableRows> rows) {
            return new StoredDump(key, rawBytes, storedBytes, sha256, rows);
        }
    }
}

package io.strata.platform.logical;

import io.strata.common.crypto.Keyring;
import io.strata.common.crypto.ObjectEncryption;
import io.strata.common.event.JobResult.BackupResult;
import io.strata.common.messaging.Json;
import io.strata.common.model.BackupKind;
import io.strata.common.model.FailureCode;
import io.strata.common.storage.BackupManifest;
import io.strata.common.storage.BackupManifest.StoredObject;
import io.strata.common.storage.ObjectStore;
import io.strata.common.storage.StorageLayout;
import io.strata.platform.jobs.JobFailureException;
import io.strata.platform.jobs.JobReporter;
import io.strata.platform.postgres.PgTools;
import io.strata.platform.postgres.StallWatchdog;
import io.strata.platform.storage.StorageEncryption;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Takes a logical backup: {@code pg_dump -Fc} streamed through zstd and SHA-256 into one object, then the
 * manifest, written last. Memory stays bounded: nothing is buffered beyond a copy buffer, the compressor's
 * window and the object store's upload parts; no temporary file holds the dump.
 */
public final class LogicalBackup {
    public static final String STEP = "dumping";

    private final PgTools pgTools;
    private final ObjectStore store;
    private final StorageEncryption encryption;
    private final SourceInspector inspector;
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
        this.pgTools = pgTools;
        this.store = store;
        this.encryption = encryption;
        this.inspector = inspector;
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
        PgDumpProcess pgDump = PgDumpProcess.start(pgTools, request);
        CountingInputStream raw = new CountingInputStream(pgDump.stdout());
        Duration silence =
                Duration.ofSeconds(request.source().timeoutsOrDefault().io());
        try (ProgressTicker ticker = ProgressTicker.every(
                        progressInterval,
                        () -> reporter.progress(STEP, percent(raw.count(), estimate), raw.count(), estimate));
                StallWatchdog watchdog = StallWatchdog.watch(raw::count, silence, pgDump::destroy)) {
            return upload(key, raw, () -> pgDump.awaitSuccess(watchdog), keys);
        } finally {
            // Whatever failed on our side, no pg_dump may outlive its backup.
            pgDump.destroy();
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
        return new StoredDump(stored.key(), stored.rawBytes(), stored.storedBytes(), stored.sha256());
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
                objects);
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

    record StoredDump(String key, long rawBytes, long storedBytes, String sha256) {}
}

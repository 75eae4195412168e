package io.strata.restore.logical;

import io.strata.common.command.RestoreBackup;
import io.strata.common.command.RestoreBackup.RestoreInto;
import io.strata.common.event.JobResult.RestoreResult;
import io.strata.common.messaging.Json;
import io.strata.common.model.BackupId;
import io.strata.common.model.BackupKind;
import io.strata.common.model.FailureCode;
import io.strata.common.model.Names;
import io.strata.common.storage.BackupManifest;
import io.strata.common.storage.BackupManifest.StoredObject;
import io.strata.common.storage.NoSuchObjectException;
import io.strata.common.storage.ObjectStore;
import io.strata.common.storage.StorageLayout;
import io.strata.platform.catalog.CatalogApi.SourceConnection;
import io.strata.platform.catalog.CatalogClient;
import io.strata.platform.jobs.JobCancellation;
import io.strata.platform.jobs.JobFailureException;
import io.strata.platform.jobs.JobReporter;
import io.strata.platform.logical.LogicalBackupLayout;
import io.strata.platform.logical.ProgressTicker;
import io.strata.platform.storage.StorageEncryption;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Restores a logical backup: proves the dump's checksum while downloading it, then pg_restores it into a
 * new database, or (replace) takes a safety backup, restores into a temporary database and swaps it in,
 * so the original is only touched once a complete copy exists.
 */
public class LogicalRestore {
    private static final Duration TICK = Duration.ofSeconds(1);
    private final CatalogClient catalog;
    private final ObjectStore store;
    private final StorageEncryption encryption;
    private final DumpDownloader downloader;
    private final PgRestoreRunner pgRestore;
    private final DatabaseAdmin admin;
    private final SafetyBackup safetyBackup;
    private final RestoreProperties properties;

    LogicalRestore(
            CatalogClient catalog,
            ObjectStore store,
            StorageEncryption encryption,
            PgRestoreRunner pgRestore,
            DatabaseAdmin admin,
            SafetyBackup safetyBackup,
            RestoreProperties properties) {
        this.catalog = catalog;
        this.store = store;
        this.encryption = encryption;
        this.downloader = new DumpDownloader(store, encryption);
        this.pgRestore = pgRestore;
        this.admin = admin;
        this.safetyBackup = safetyBackup;
        this.properties = properties;
    }

    /** @throws JobFailureException with the code the job fails with */
    public RestoreResult run(RestoreBackup command, JobReporter reporter) throws IOException {
        SourceConnection source = catalog.sourceConnection(command.source())
                .orElseThrow(() -> JobFailureException.sourceNotFound(command.source()));
        String newDatabase = newDatabase(command.into());
        if (newDatabase != null && admin.exists(source, newDatabase)) {
            throw new JobFailureException(FailureCode.TARGET_EXISTS, DatabaseAdmin.targetExists(newDatabase), false);
        }
        boolean requireEncrypted = Boolean.TRUE.equals(source.encrypt());
        StoredObject dump = dumpObject(command.source(), command.backupId(), requireEncrypted);
        // a dump this worker cannot decrypt fails here, before any database is created or replaced
        encryption.requireReadable(store, dump.key(), requireEncrypted);
        Path archive = Files.createTempFile(Files.createDirectories(properties.workDir()), "strata-restore-", ".pgc");
        try {
            long rawBytes = download(dump, archive, reporter, requireEncrypted);
            int entries = pgRestore.countEntries(source, archive);
            if (newDatabase != null) {
                restoreInto(source, newDatabase, archive, entries, true, reporter);
                return new RestoreResult(command.backupId().toString(), newDatabase, false, null, rawBytes);
            }
            String safetyBackupId = safetyBackup.takeBeforeReplace(
                    source, command.source(), command.jobId(), command.requestId(), reporter);
            replace(source, archive, entries, reporter);
            return new RestoreResult(command.backupId().toString(), source.database(), true, safetyBackupId, rawBytes);
        } finally {
            Files.deleteIfExists(archive);
        }
    }

    /**
     * A restore drill of a logical backup: restores it into {@code database}, created in the throw-away
     * {@code cluster} (nothing of the source is touched). Object owners and privileges are left out, since
     * the source's roles do not exist there. Returns the dump's bytes and the row counts the backup recorded.
     */
    public DrilledDump drill(
            String sourceName, BackupId backupId, SourceConnection cluster, String database, JobReporter reporter)
            throws IOException {
        boolean requireEncrypted = catalog.sourceConnection(sourceName)
                .map(source -> Boolean.TRUE.equals(source.encrypt()))
                .orElseThrow(() -> JobFailureException.sourceNotFound(sourceName));
        BackupManifest manifest = manifest(sourceName, backupId, requireEncrypted);
        StoredObject dump = dumpObject(manifest, backupId);
        encryption.requireReadable(store, dump.key(), requireEncrypted);
        Path archive = Files.createTempFile(Files.createDirectories(properties.workDir()), "strata-drill-", ".pgc");
        try {
            long rawBytes = download(dump, archive, reporter, requireEncrypted);
            int entries = pgRestore.countEntries(cluster, archive);
            restoreInto(cluster, database, archive, entries, false, reporter);
            return new DrilledDump(rawBytes, manifest.tableRows());
        } finally {
            Files.deleteIfExists(archive);
        }
    }

    /** What a drill restored: the dump's bytes, and the rows the backup recorded (null when it recorded none). */
    public record DrilledDump(long rawBytes, List<BackupManifest.TableRows> recordedRows) {}

    /** The database to create, or null when the source database is to be replaced. */
    static String newDatabase(RestoreInto into) {
        if (into != null && into.replace()) {
            return null;
        }
        String name = into == null ? null : into.database();
        if (!Names.isDatabase(name)) {
            throw new JobFailureException(
                    FailureCode.INVALID_TARGET,
                    "Cannot restore into database '" + name + "': a new database name must be " + Names.DATABASE_RULE
                            + " (or ask for {\"replace\":true}).",
                    false);
        }
        return name;
    }

    private StoredObject dumpObject(String sourceName, BackupId backupId, boolean requireEncrypted) throws IOException {
        return dumpObject(manifest(sourceName, backupId, requireEncrypted), backupId);
    }

    private BackupManifest manifest(String sourceName, BackupId backupId, boolean requireEncrypted) throws IOException {
        if (backupId == null) {
            throw new JobFailureException(
                    FailureCode.BACKUP_NOT_FOUND,
                    "The restore command names no backupId; a logical restore needs one.",
                    false);
        }
        BackupManifest manifest;
        try {
            manifest = Json.read(
                    encryption.readAll(store, StorageLayout.manifestKey(sourceName, backupId), requireEncrypted),
                    BackupManifest.class);
        } catch (NoSuchObjectException e) {
            throw new JobFailureException(
                    FailureCode.BACKUP_NOT_FOUND,
                    "Backup " + backupId + " of source '"
                            + sourceName + "' has no manifest: it never completed (or was deleted). Pick a backup"
                            + " listed by GET /api/v1/backups?source=" + sourceName + ".",
                    false,
                    e);
        } catch (IOException e) {
            throw new JobFailureException(
                    FailureCode.STORAGE_ERROR,
                    "Cannot read the manifest of backup " + backupId + " from " + store.describe() + ": "
                            + e.getMessage(),
                    true,
                    e);
        }
        return manifest;
    }

    private static StoredObject dumpObject(BackupManifest manifest, BackupId backupId) {
        if (manifest.kind() != BackupKind.LOGICAL) {
            throw new JobFailureException(
                    FailureCode.UNSUPPORTED,
                    "Backup " + backupId + " is " + manifest.kind() + "; this restore-worker restores"
                            + " LOGICAL backups only.",
                    false);
        }
        return manifest.objects().stream()
                .filter(object -> LogicalBackupLayout.FORMAT.equals(object.format()))
                .findFirst()
                .orElseThrow(() -> new JobFailureException(
                        FailureCode.BACKUP_NOT_FOUND,
                        "Backup " + backupId + "'s manifest lists no pg_dump archive.",
                        false));
    }

    long download(StoredObject dump, Path archive, JobReporter reporter, boolean requireEncrypted) {
        AtomicLong read = new AtomicLong();
        long total = dump.storedBytes();
        reporter.progress(RestoreProgress.DOWNLOADING, 0, 0, total);
        try (ProgressTicker ticker = ProgressTicker.every(
                TICK,
                () -> reporter.progress(
                        RestoreProgress.DOWNLOADING,
                        RestoreProgress.downloadingPercent(read.get(), total),
                        read.get(),
                        total))) {
            return downloader.download(dump, archive, read, requireEncrypted);
        }
    }

    /**
     * Creates {@code database} and restores into it (with GRANTs and REVOKEs when {@code privileges}); drops it
     * again if the restore fails.
     */
    private void restoreInto(
            SourceConnection source,
            String database,
            Path archive,
            int entries,
            boolean privileges,
            JobReporter reporter) {
        admin.create(source, database);
        try {
            pgRestore(
                    source,
                    database,
                    archive,
                    entries,
                    properties.jobs(),
                    privileges ? List.of() : List.of("--no-privileges"),
                    reporter);
        } catch (RuntimeException e) {
            DatabaseAdmin.uninterrupted(() -> admin.dropQuietly(source, database));
            throw e;
        }
    }

    /**
     * Runs pg_restore of {@code archive} into the existing {@code database}, logged in as {@code login}, on
     * {@code jobs} jobs with {@code options}, reporting the share of its {@code entries} done each second.
     */
    void pgRestore(
            SourceConnection login,
            String database,
            Path archive,
            int entries,
            int jobs,
            List<String> options,
            JobReporter reporter) {
        RestoreProgress.ItemCounter counter = new RestoreProgress.ItemCounter(jobs > 1);
        reporter.step(RestoreProgress.RESTORING, RestoreProgress.DOWNLOAD_END);
        try (ProgressTicker ticker = ProgressTicker.every(
                TICK,
                () -> reporter.progress(
                        RestoreProgress.RESTORING, RestoreProgress.restoringPercent(counter.done(), entries), 0, 0))) {
            pgRestore.restore(login, database, archive, jobs, options, counter);
        }
    }

    private void replace(SourceConnection source, Path archive, int entries, JobReporter reporter) {
        String hex = DatabaseNames.randomHex();
        String temporary = DatabaseNames.temporary(source.database(), hex);
        restoreInto(source, temporary, archive, entries, true, reporter);
        swapIn(admin, source, temporary, hex, reporter);
    }

    /**
     * Renames the restored copy {@code temporary} into the source database's place (the old one retired and
     * dropped); drops the copy if that fails, leaving the source database as it was.
     */
    static void swapIn(
            DatabaseAdmin admin, SourceConnection source, String temporary, String hex, JobReporter reporter) {
        // from here the restored copy is renamed into place: a cancel now is not applied
        JobCancellation.pointOfNoReturn("the restored copy is being renamed into place; the restore finishes");
        reporter.step(RestoreProgress.SWAPPING, 99);
        try {
            admin.swap(source, source.database(), temporary, DatabaseNames.retired(source.database(), hex));
        } catch (RuntimeException e) {
            DatabaseAdmin.uninterrupted(() -> admin.dropQuietly(source, temporary));
            throw e;
        }
    }
}

package io.strata.backup.physical;

import io.strata.common.command.TakeBackup;
import io.strata.common.crypto.Keyring;
import io.strata.common.crypto.ObjectEncryption;
import io.strata.common.event.JobResult.BackupResult;
import io.strata.common.messaging.Json;
import io.strata.common.model.BackupKind;
import io.strata.common.model.BackupType;
import io.strata.common.model.FailureCode;
import io.strata.common.storage.BackupManifest;
import io.strata.common.storage.BackupManifest.StoredObject;
import io.strata.common.storage.HashingOutputStream;
import io.strata.common.storage.ObjectStore;
import io.strata.common.storage.StorageLayout;
import io.strata.common.wal.SlotNames;
import io.strata.platform.catalog.CatalogApi.SourceConnection;
import io.strata.platform.catalog.CatalogClient;
import io.strata.platform.jobs.JobFailureException;
import io.strata.platform.jobs.JobReporter;
import io.strata.platform.logical.CompressedUpload;
import io.strata.platform.logical.CountingInputStream;
import io.strata.platform.logical.LogicalBackupProperties;
import io.strata.platform.logical.PgErrorHints;
import io.strata.platform.logical.ProgressTicker;
import io.strata.platform.logical.ServerFacts;
import io.strata.platform.logical.ToolProcesses;
import io.strata.platform.postgres.PgTools;
import io.strata.platform.postgres.ProcessOutput;
import io.strata.platform.postgres.SourceErrors;
import io.strata.platform.postgres.StallWatchdog;
import io.strata.platform.storage.StorageEncryption;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * A {@link TakeBackup} of kind PHYSICAL: {@code pg_basebackup} writing a tar of the whole cluster to
 * stdout, streamed through zstd and SHA-256 into the object store, then the manifest (with the start
 * and end LSN and timeline) written last. WAL is not copied ({@code -X none}): it comes from the
 * continuous archive, which must therefore be on for the source.
 */
@Component
public class PhysicalBackupJob {
    static final String WAITING_FOR_ARCHIVER = "waiting for WAL archiving";
    private static final Duration SLOT_WAIT = Duration.ofSeconds(60);
    private static final Duration SLOT_POLL = Duration.ofMillis(500);
    private final String slotPrefix;
    static final String STEP = "copying";
    static final String OBJECT = "base.tar.zst";
    private static final String FACTS = "select (select sum(pg_database_size(oid)) from pg_database)::bigint as size,"
            + " current_setting('server_version') as version";

    private final CatalogClient catalog;
    private final PgTools pg;
    private final ObjectStore store;
    private final StorageEncryption encryption;
    private final Clock clock;
    private final LogicalBackupProperties properties;

    public PhysicalBackupJob(
            CatalogClient catalog,
            PgTools pg,
            ObjectStore store,
            StorageEncryption encryption,
            Clock clock,
            LogicalBackupProperties properties,
            @Value("${strata.wal.slot-prefix:" + SlotNames.DEFAULT_PREFIX + "}") String slotPrefix) {
        this.slotPrefix = slotPrefix;
        this.catalog = catalog;
        this.pg = pg;
        this.store = store;
        this.encryption = encryption;
        this.clock = clock;
        this.properties = properties;
    }

    /** @throws JobFailureException when the source cannot be backed up or the backup fails */
    public BackupResult run(TakeBackup command, JobReporter reporter) {
        if (command.type() != null && command.type() != BackupType.FULL) {
            throw new JobFailureException(
                    FailureCode.UNSUPPORTED,
                    command.type() + " physical backups are not available yet; ask for type FULL.",
                    false);
        }
        SourceConnection source = requireArchivedSource(command.source());
        // a source that requires encryption on a worker without a key fails before anything is written
        Keyring keys = encryption.forWriting(source.name(), source.encrypt());
        awaitArchiverSlot(source, reporter);
        Instant startedAt = clock.instant();
        ServerFacts facts = facts(source);
        String version = facts.serverVersion();
        String key = StorageLayout.backupObjectKey(source.name(), command.backupId(), OBJECT);
        Copied copied = copy(source, key, facts.databaseSizeBytes(), reporter, keys);
        CompressedUpload.Stored stored = copied.stored();
        byte[] pgManifest = requirePgManifest(copied.tap(), key);
        BaseBackupManifest positions = BaseBackupManifest.parse(pgManifest);
        String pgManifestKey = StorageLayout.backupObjectKey(source.name(), command.backupId(), TarManifestTap.MEMBER);
        byte[] storedPgManifest = ObjectEncryption.encrypt(pgManifest, keys);
        putOrDiscard(pgManifestKey, storedPgManifest, key);
        Instant finishedAt = clock.instant();
        String manifestKey = StorageLayout.manifestKey(source.name(), command.backupId());
        BackupManifest manifest = new BackupManifest(
                BackupManifest.SCHEMA_VERSION,
                command.backupId(),
                source.name(),
                BackupKind.PHYSICAL,
                BackupType.FULL,
                false,
                null,
                version,
                command.jobId().toString(),
                command.description(),
                startedAt,
                finishedAt,
                List.of(
                        new StoredObject(key, "tar", "zstd", stored.rawBytes(), stored.storedBytes(), stored.sha256()),
                        new StoredObject(
                                pgManifestKey,
                                "postgresql-backup-manifest",
                                "none",
                                pgManifest.length,
                                storedPgManifest.length,
                                sha256(storedPgManifest))),
                positions.startLsn(),
                positions.endLsn(),
                positions.timeline());
        putOrDiscard(
                manifestKey,
                ObjectEncryption.encrypt(Json.write(manifest).getBytes(StandardCharsets.UTF_8), keys),
                key);
        return new BackupResult(
                command.backupId().toString(),
                BackupKind.PHYSICAL,
                BackupType.FULL,
                false,
                null,
                version,
                stored.rawBytes(),
                stored.storedBytes(),
                stored.sha256(),
                key,
                manifestKey,
                startedAt,
                finishedAt,
                command.description(),
                positions.startLsn(),
                positions.endLsn(),
                positions.timeline());
    }

    private byte[] requirePgManifest(TarManifestTap tap, String key) {
        return tap.manifest().orElseThrow(() -> {
            store.deleteQuietly(key);
            return new JobFailureException(
                    FailureCode.PG_BASEBACKUP_FAILED,
                    "pg_basebackup's tar holds no backup_manifest (run with --no-manifest, or a server older than"
                            + " PostgreSQL 13?); without it the backup cannot be verified, so it was discarded",
                    false);
        });
    }

    private SourceConnection requireArchivedSource(String name) {
        boolean archived = catalog.source(name)
                .map(view -> view.walArchiving() != null && view.walArchiving().enabled())
                .orElseThrow(() -> new JobFailureException(
                        FailureCode.SOURCE_NOT_FOUND,
                        "Source '" + name
                                + "' is not registered (or was removed); register it with POST /api/v1/sources.",
                        false));
        if (!archived) {
            throw new JobFailureException(
                    FailureCode.WAL_ARCHIVING_REQUIRED,
                    "Source '" + name + "' does not archive"
                            + " WAL, so a physical backup of it could never be restored; enable it with PUT /api/v1/sources/"
                            + name + "/wal-archiving {\"enabled\": true} and ask again.",
                    false);
        }
        return catalog.sourceConnection(name).orElseThrow();
    }

    /**
     * Waits until the wal-archiver streams the source through its slot. The base backup's WAL (from its
     * start checkpoint on) comes from the archive, so a backup begun before the slot existed, just after
     * archiving was switched on, would need WAL that is never archived.
     */
    private void awaitArchiverSlot(SourceConnection source, JobReporter reporter) {
        String slot = SlotNames.forSource(slotPrefix, source.name());
        Instant deadline = clock.instant().plus(SLOT_WAIT);
        reporter.step(WAITING_FOR_ARCHIVER, 0);
        while (true) {
            try (Connection connection = pg.connect(source, source.database());
                    PreparedStatement query = connection.prepareStatement(
                            "select 1 from pg_replication_slots where slot_name = ? and restart_lsn is not null")) {
                query.setString(1, slot);
                try (ResultSet row = query.executeQuery()) {
                    if (row.next()) {
                        return;
                    }
                }
            } catch (SQLException e) {
                throw SourceErrors.jobFailure(
                        source, source.database(), "waiting for WAL archiving", e, FailureCode.PG_BASEBACKUP_FAILED);
            }
            if (clock.instant().isAfter(deadline)) {
                throw new JobFailureException(
                        FailureCode.WAL_ARCHIVING_REQUIRED,
                        "WAL archiving of source '" + source.name() + "' is switched on but the wal-archiver has not"
                                + " created its replication slot " + slot + " within " + SLOT_WAIT.toSeconds()
                                + " s; without archived WAL a physical backup cannot be restored. Check that the"
                                + " wal-archiver runs (GET /api/v1/sources/" + source.name() + "/wal) and ask again.",
                        true);
            }
            reporter.tick();
            try {
                Thread.sleep(SLOT_POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new JobFailureException(
                        FailureCode.INTERNAL, "Interrupted while waiting for the archiver", true, e);
            }
        }
    }

    /** The whole cluster's size (the progress estimate) and its version. */
    private ServerFacts facts(SourceConnection source) {
        try (Connection connection = pg.connect(source, source.database());
                Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery(FACTS)) {
            row.next();
            return new ServerFacts(row.getLong("size"), row.getString("version"));
        } catch (SQLException e) {
            throw SourceErrors.jobFailure(
                    source, source.database(), "checking the server", e, FailureCode.PG_BASEBACKUP_FAILED);
        }
    }

    /** What the copy produced: the stored tar, and the tap that saw PostgreSQL's manifest go by. */
    private record Copied(CompressedUpload.Stored stored, TarManifestTap tap) {}

    private Copied copy(SourceConnection source, String key, long estimate, JobReporter reporter, Keyring keys) {
        Process process;
        try {
            process = pg.command(
                            source,
                            source.database(),
                            "pg_basebackup",
                            List.of("-D", "-", "-Ft", "-X", "none", "--checkpoint=fast", "--no-password", "-v"))
                    .start();
        } catch (IOException e) {
            throw new JobFailureException(
                    FailureCode.PG_BASEBACKUP_FAILED, "Could not start pg_basebackup: " + e.getMessage(), false, e);
        }
        ProcessOutput stderr = ProcessOutput.drain(process.getErrorStream());
        TarManifestTap tap = new TarManifestTap(process.getInputStream());
        CountingInputStream raw = new CountingInputStream(tap);
        Duration silence = Duration.ofSeconds(source.timeoutsOrDefault().io());
        try (ProgressTicker ticker = ProgressTicker.every(
                        properties.progressInterval(),
                        () -> reporter.progress(
                                STEP,
                                estimate <= 0 ? 0 : (int) Math.min(99, raw.count() * 100 / estimate),
                                raw.count(),
                                estimate));
                StallWatchdog watchdog =
                        StallWatchdog.watch(raw::count, silence, () -> ToolProcesses.destroy(process))) {
            reporter.progress(STEP, 0, 0, estimate);
            CompressedUpload.Stored stored = CompressedUpload.write(
                    store,
                    key,
                    raw,
                    properties.zstdWorkers(),
                    keys,
                    () -> requireSucceeded(source, process, stderr, watchdog));
            return new Copied(stored, tap);
        } finally {
            ToolProcesses.destroy(process);
        }
    }

    private static void requireSucceeded(
            SourceConnection source, Process process, ProcessOutput stderr, StallWatchdog watchdog) {
        int exit = ToolProcesses.awaitExit(process, "pg_basebackup");
        if (watchdog.stalled()) {
            throw new JobFailureException(
                    FailureCode.SOURCE_TIMEOUT,
                    SourceErrors.stalledMessage(
                            source, STEP, source.timeoutsOrDefault().io()),
                    true);
        }
        if (exit == 0) {
            return;
        }
        String errors = stderr.tail();
        if (SourceErrors.toolCannotConnect(errors)) {
            throw new JobFailureException(
                    FailureCode.SOURCE_TIMEOUT,
                    SourceErrors.cannotConnectMessage(source, "starting pg_basebackup"),
                    true);
        }
        throw new JobFailureException(
                FailureCode.PG_BASEBACKUP_FAILED,
                PgErrorHints.withHint(
                        "pg_basebackup of source '" + source.name() + "' " + ToolProcesses.describeExit(exit) + ": "
                                + errors.strip(),
                        PgErrorHints.hint(errors, source.host(), source.port(), source.database(), source.username())),
                PgErrorHints.isTransient(errors));
    }

    private void putOrDiscard(String objectKey, byte[] content, String dataKey) {
        try {
            store.put(objectKey, content);
        } catch (IOException e) {
            store.deleteQuietly(dataKey);
            throw new JobFailureException(
                    FailureCode.STORAGE_ERROR,
                    "Could not write " + objectKey + ": " + e.getMessage()
                            + ". The backup does not exist; check the object store and retry.",
                    true,
                    e);
        }
    }

    private static String sha256(byte[] content) {
        HashingOutputStream hash = new HashingOutputStream(OutputStream.nullOutputStream());
        try {
            hash.write(content);
        } catch (IOException e) {
            throw new IllegalStateException("a null stream does not fail", e);
        }
        return hash.sha256Hex();
    }
}

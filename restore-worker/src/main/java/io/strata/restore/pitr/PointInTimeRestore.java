package io.strata.restore.pitr;

import io.strata.common.command.RecoveryTarget;
import io.strata.common.command.RecoveryTarget.Kind;
import io.strata.common.command.RestoreBackup;
import io.strata.common.command.RestoreBackup.RestoreInto;
import io.strata.common.event.JobResult.RestoreResult;
import io.strata.common.messaging.Json;
import io.strata.common.model.BackupId;
import io.strata.common.model.BackupKind;
import io.strata.common.model.FailureCode;
import io.strata.common.model.Lsn;
import io.strata.common.storage.BackupManifest;
import io.strata.common.storage.BackupManifest.StoredObject;
import io.strata.common.storage.NoSuchObjectException;
import io.strata.common.storage.ObjectStore;
import io.strata.common.storage.StorageLayout;
import io.strata.platform.catalog.CatalogApi.PlannedSegment;
import io.strata.platform.catalog.CatalogApi.RecoveryPlan;
import io.strata.platform.catalog.CatalogApi.RecoveryPlanRequest;
import io.strata.platform.catalog.CatalogApi.SourceConnection;
import io.strata.platform.catalog.CatalogClient;
import io.strata.platform.jobs.JobCancellation;
import io.strata.platform.jobs.JobFailureException;
import io.strata.platform.jobs.JobReporter;
import io.strata.platform.logical.ProgressTicker;
import io.strata.platform.postgres.PgTools;
import io.strata.platform.storage.StorageEncryption;
import io.strata.restore.pitr.RecoveringServer.Sanity;
import io.strata.restore.pitr.RecoveringServer.State;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Point-in-time restore into a new cluster on this host: asks the catalog for a recovery plan (so WAL
 * archived since the request counts), unpacks the plan's base backup into the new data directory while
 * proving its SHA-256, checks it with pg_verifybackup, fetches WAL ahead of recovery, starts PostgreSQL
 * with the target and {@code recovery_target_action=promote}, waits until it promoted, and asks it a real
 * query. A restore that fails stops its server and removes what it created; nothing existing is touched.
 */
public class PointInTimeRestore {
    private static final Logger log = LoggerFactory.getLogger(PointInTimeRestore.class);
    static final String DOWNLOADING = "downloading base backup";
    static final String VERIFYING = "verifying base backup";
    static final String REPLAYING = "replaying WAL";
    static final String CHECKING = "checking restored cluster";
    private static final String TARGET_NOT_REACHED = "recovery ended before configured recovery target was reached";
    private static final Duration TICK = Duration.ofSeconds(1);
    private static final Duration POLL = Duration.ofMillis(250);
    private static final Duration STARTUP_GRACE = Duration.ofSeconds(15);
    private final CatalogClient catalog;
    private final ObjectStore store;
    private final StorageEncryption encryption;
    private final PgTools pgTools;
    private final PitrProperties properties;
    private final OsUser user;
    private final BaseBackupExtractor extractor;
    private final DataRoots roots;
    private final RestoreProgram program;
    private final Clock clock;

    PointInTimeRestore(
            CatalogClient catalog,
            ObjectStore store,
            StorageEncryption encryption,
            PgTools pgTools,
            PitrProperties properties,
            DataRoots roots,
            RestoreProgram program,
            Clock clock) {
        this.roots = roots;
        this.program = program;
        this.catalog = catalog;
        this.store = store;
        this.encryption = encryption;
        this.pgTools = pgTools;
        this.properties = properties;
        this.user = new OsUser(properties.osUser());
        this.extractor = new BaseBackupExtractor(store, encryption, pgTools, user, properties);
        this.clock = clock;
    }

    /** @throws JobFailureException with the code the job fails with */
    public RestoreResult run(RestoreBackup command, JobReporter reporter) throws IOException {
        SourceConnection source = catalog.sourceConnection(command.source())
                .orElseThrow(() -> JobFailureException.sourceNotFound(command.source()));
        DataRoots.Target directory =
                roots.resolve(command.into() == null ? null : command.into().dataDirectory(), user.name());
        Path dataDir = directory.path();
        int port = freePort(command.into());
        RecoveryTarget target = command.target() != null ? command.target() : RecoveryTarget.immediateTarget();
        String backupId = command.backupId() == null ? null : command.backupId().toString();
        RecoveryPlan plan = catalog.planRecovery(source.name(), new RecoveryPlanRequest(target, backupId));
        if (!plan.possible()) {
            throw new JobFailureException(FailureCode.TARGET_UNREACHABLE, plan.problem(), false);
        }
        // a source registered with "encrypt": true wrote every object encrypted: a plain one was put there
        boolean requireEncrypted = Boolean.TRUE.equals(source.encrypt());
        StoredObject tar = baseTar(source.name(), plan.base().backupId(), requireEncrypted);
        requireKeys(tar, plan, requireEncrypted);
        boolean created = directory.create();
        Path spool = dataDir.resolveSibling("." + dataDir.getFileName() + ".strata-wal");
        RecoveringServer server = new RecoveringServer(pgTools, user, dataDir, port, source);
        boolean restored = false;
        boolean made = false;
        RecoveryPlanRequest request =
                new RecoveryPlanRequest(target, plan.base().backupId());
        try (WalPrefetcher wal = new WalPrefetcher(
                store,
                encryption,
                requireEncrypted,
                name -> catalog.planRecovery(source.name(), request).segments().stream()
                        .filter(segment -> segment.segment().equals(name))
                        .findFirst(),
                spool,
                plan.segments(),
                plan.segmentSize(),
                properties.walFetchers(),
                properties.walAhead())) {
            if (created) {
                // fails if anything appeared there since the check: never adopts what someone else made
                Files.createDirectory(dataDir);
                made = true;
                user.own(dataDir, "rwx------");
            }
            deleteTree(spool, true); // left by a worker that died mid-restore: never reuse its WAL
            user.own(Files.createDirectories(spool), "rwx------");
            long rawBytes = unpack(tar, dataDir, reporter, requireEncrypted);
            reporter.step(VERIFYING, 40);
            extractor.verify(dataDir);
            ensureConfigFiles(dataDir);
            wal.prepare(user);
            wal.start();
            RecoverySettings.write(dataDir, port, program.command(), RecoverySettings.targetLines(target, plan), user);
            log.info(
                    "recovering {} to {} from base backup {} with {} WAL segments into {} (port {})",
                    source.name(),
                    target.describe(),
                    plan.base().backupId(),
                    plan.segmentsToTarget(),
                    dataDir,
                    port);
            server.start();
            String fallback = awaitPromotion(server, wal, plan, target, dataDir, reporter);
            // promoted: a cancel now would throw away a finished restore
            JobCancellation.pointOfNoReturn("the restored cluster has promoted; the restore finishes");
            RecoverySettings.removeRecoveryBlock(dataDir);
            reporter.step(CHECKING, 99);
            Sanity sanity = server.sanity();
            String stop = server.recoveryStop() + (fallback == null ? "" : "; " + fallback);
            restored = true;
            return new RestoreResult(
                    plan.base().backupId(),
                    sanity.database(),
                    false,
                    null,
                    rawBytes,
                    dataDir.toString(),
                    port,
                    sanity.endLsn(),
                    server.newTimeline(),
                    target.describe(),
                    stop,
                    wal.consumed());
        } finally {
            // a cancelled or lost job arrives interrupted: clean up first (pg_ctl stop must be waited for)
            boolean interrupted = Thread.interrupted();
            try {
                deleteTree(spool, true);
                if (!restored) {
                    server.stopImmediately();
                    if (made || !created) { // an empty directory given to us gets its contents removed, not itself
                        deleteTree(dataDir, made);
                    }
                }
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    private long unpack(StoredObject tar, Path dataDir, JobReporter reporter, boolean requireEncrypted) {
        AtomicLong read = new AtomicLong();
        long total = tar.storedBytes();
        reporter.progress(DOWNLOADING, 0, 0, total);
        try (ProgressTicker ticker = ProgressTicker.every(
                TICK, () -> reporter.progress(DOWNLOADING, percent(read.get(), total, 0, 40), read.get(), total))) {
            return extractor.extract(tar, dataDir, read, requireEncrypted);
        }
    }

    /**
     * Waits until the server has promoted. Returns a note when a time target had to fall back to the end of
     * the WAL (no transaction committed after the target time), else null.
     */
    private String awaitPromotion(
            RecoveringServer server,
            WalPrefetcher wal,
            RecoveryPlan plan,
            RecoveryTarget target,
            Path dataDir,
            JobReporter reporter)
            throws IOException {
        Lsn from = plan.base().startLsn();
        List<PlannedSegment> needed = plan.neededSegments();
        Lsn to = needed.getLast().endLsn();
        long span = Math.max(1, to.value() - from.value());
        Instant started = clock.instant();
        Instant deadline = started.plus(properties.recoveryTimeout());
        String fallback = null;
        int logFrom = 0; // after a restart, only its own log lines count
        reporter.progress(REPLAYING, 45, 0, span);
        while (true) {
            if (wal.failure() != null) {
                throw new JobFailureException(
                        FailureCode.RECOVERY_FAILED,
                        "Recovery was stopped because archived WAL could not be fetched: " + wal.failure(),
                        true);
            }
            Optional<State> state = server.state();
            if (state.isPresent() && !state.get().inRecovery()) {
                return fallback;
            }
            if (state.isPresent() && state.get().lsn() != null) {
                long done = Math.max(0, state.get().lsn().value() - from.value());
                reporter.progress(REPLAYING, percent(done, span, 45, 98), Math.min(done, span), span);
            } else {
                reporter.tick();
            }
            boolean gone = state.isEmpty()
                    && !server.running()
                    && Duration.between(started, clock.instant()).compareTo(STARTUP_GRACE) > 0;
            // the log is read only once the server is gone, not on every poll of a slow start
            boolean stoppedShort = state.isEmpty() && !server.running() && server.logSays(TARGET_NOT_REACHED, logFrom);
            if (stoppedShort && target.kind() == Kind.TIME && fallback == null) {
                fallback = "no transaction committed after " + target.time() + " in the archived WAL, so its end"
                        + " is the state at that time: recovered to the end";
                log.info("{}; starting again without the time target", fallback);
                RecoverySettings.append(dataDir, List.of("recovery_target_time = ''"));
                logFrom = server.logLength();
                server.start();
                started = clock.instant();
                continue;
            }
            if (gone || stoppedShort) {
                throw new JobFailureException(
                        FailureCode.RECOVERY_FAILED,
                        "PostgreSQL did not recover " + plan.source() + " to " + target.describe() + ": "
                                + server.failureLines() + " (its log: " + server.logFile() + ", removed with the"
                                + " failed cluster)",
                        false);
            }
            if (clock.instant().isAfter(deadline)) {
                throw new JobFailureException(
                        FailureCode.RECOVERY_FAILED,
                        "Recovery did not finish within " + properties.recoveryTimeout()
                                + " (strata.restore.pitr.recovery-timeout); it was stopped",
                        true);
            }
            sleep();
        }
    }

    /**
     * Fails before the data directory is made when this worker lacks a key the restore needs: the base tar's,
     * and that of the first and last WAL segment of the plan (keys rotate forwards, so these name the oldest
     * and newest key; a segment in between written with a key since removed still fails recovery clearly).
     */
    private void requireKeys(StoredObject tar, RecoveryPlan plan, boolean requireEncrypted) {
        encryption.requireReadable(store, tar.key(), requireEncrypted);
        List<PlannedSegment> segments = plan.segments();
        if (!segments.isEmpty()) {
            encryption.requireReadable(store, segments.getFirst().key(), requireEncrypted);
            encryption.requireReadable(store, segments.getLast().key(), requireEncrypted);
        }
    }

    private StoredObject baseTar(String source, String backupId, boolean requireEncrypted) {
        BackupManifest manifest;
        try {
            manifest = Json.read(
                    encryption.readAll(
                            store, StorageLayout.manifestKey(source, BackupId.parse(backupId)), requireEncrypted),
                    BackupManifest.class);
        } catch (NoSuchObjectException e) {
            throw new JobFailureException(
                    FailureCode.BACKUP_NOT_FOUND,
                    "Base backup " + backupId + " of source '" + source + "' has no manifest in " + store.describe()
                            + " (deleted?); take a new physical backup.",
                    false,
                    e);
        } catch (IOException e) {
            throw new JobFailureException(
                    FailureCode.STORAGE_ERROR,
                    "Cannot read the manifest of base backup " + backupId + ": " + e.getMessage(),
                    true,
                    e);
        }
        if (manifest.kind() != BackupKind.PHYSICAL) {
            throw new JobFailureException(
                    FailureCode.UNSUPPORTED,
                    "Backup " + backupId + " is " + manifest.kind() + "; point-in-time restore needs a PHYSICAL one.",
                    false);
        }
        return manifest.objects().stream()
                .filter(object -> "tar".equals(object.format()))
                .findFirst()
                .orElseThrow(() -> new JobFailureException(
                        FailureCode.BACKUP_NOT_FOUND, "Base backup " + backupId + "'s manifest lists no tar.", false));
    }

    static int freePort(RestoreInto into) {
        Integer port = into == null ? null : into.port();
        if (port == null || port < 1024 || port > 65535) {
            throw invalid("into.port must be a free TCP port from 1024 to 65535; got " + port);
        }
        try (ServerSocket probe = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            return port;
        } catch (IOException e) {
            throw invalid("into.port " + port + " is in use on the restore-worker's host; choose a free one");
        }
    }

    private void ensureConfigFiles(Path dataDir) throws IOException {
        // A source whose configuration lives outside its data directory (Debian's /etc/postgresql) has none
        // in the backup: the restored cluster gets defaults plus Strata's settings, and password logins.
        Path conf = dataDir.resolve("postgresql.conf");
        if (!Files.exists(conf)) {
            user.own(
                    Files.writeString(conf, "# created by Strata: the source keeps its configuration elsewhere\n"),
                    "rw-------");
        }
        Path hba = dataDir.resolve("pg_hba.conf");
        if (!Files.exists(hba)) {
            user.own(Files.writeString(hba, "host all all 127.0.0.1/32 scram-sha-256\n"), "rw-------");
        }
    }

    private static int percent(long done, long total, int from, int to) {
        if (total <= 0) {
            return from;
        }
        return from + (int) Math.min(to - from, (to - from) * done / total);
    }

    private static JobFailureException invalid(String message) {
        return new JobFailureException(FailureCode.INVALID_TARGET, message, false);
    }

    private static void sleep() {
        try {
            Thread.sleep(POLL);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JobFailureException(FailureCode.INTERNAL, "Interrupted while waiting for recovery", true, e);
        }
    }

    /** Deletes a directory's contents, and the directory itself when {@code itself}. */
    private static void deleteTree(Path root, boolean itself) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            walk.sorted(Comparator.reverseOrder())
                    .filter(path -> itself || !path.equals(root))
                    .forEach(path -> {
                        try {
                            Files.deleteIfExists(path);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    });
        } catch (IOException | UncheckedIOException e) {
            log.warn("could not remove {}: {}", root, e.toString());
        }
    }
}

package io.strata.restore.pitr;

import io.strata.common.blocks.BlockApplier;
import io.strata.common.blocks.BlockMap;
import io.strata.common.blocks.BlockPack;
import io.strata.common.blocks.TargetLayout;
import io.strata.common.command.RecoveryTarget;
import io.strata.common.command.RecoveryTarget.Kind;
import io.strata.common.command.RestoreBackup;
import io.strata.common.command.RestoreBackup.RestoreInto;
import io.strata.common.event.JobResult.RestoreResult;
import io.strata.common.model.BackupKind;
import io.strata.common.model.BackupType;
import io.strata.common.model.FailureCode;
import io.strata.common.model.Lsn;
import io.strata.common.storage.BackupManifest;
import io.strata.common.storage.BackupManifest.StoredObject;
import io.strata.common.storage.MalformedContentException;
import io.strata.common.storage.NoSuchObjectException;
import io.strata.common.storage.ObjectStore;
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
import io.strata.platform.storage.BackupManifests;
import io.strata.platform.storage.StorageEncryption;
import io.strata.platform.storage.StoredObjects;
import io.strata.restore.pitr.RecoveringServer.Sanity;
import io.strata.restore.pitr.RecoveringServer.State;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
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
    static final String APPLYING = "applying the backup chain";
    static final String VERIFYING = "verifying base backup";
    private static final String PG_MANIFEST_FILE = "backup_manifest";
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
    private final BaseBackupVerifier verifier;
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
        this.verifier = new BaseBackupVerifier(pgTools, user);
        this.clock = clock;
    }

    /** The first data root: restores named by a bare directory name go there, and drills under it. */
    Path firstDataRoot() {
        return roots.first();
    }

    /** @throws JobFailureException with the code the job fails with */
    public RestoreResult run(RestoreBackup command, JobReporter reporter) throws IOException {
        SourceConnection source = catalog.sourceConnection(command.source())
                .orElseThrow(() -> JobFailureException.sourceNotFound(command.source()));
        DataRoots.Target directory =
                roots.resolve(command.into() == null ? null : command.into().dataDirectory(), user.name());
        int port = freePort(command.into());
        RecoveryTarget target = command.target() != null ? command.target() : RecoveryTarget.immediateTarget();
        String backupId = command.backupId() == null ? null : command.backupId().toString();
        return restore(source, directory, port, target, backupId, reporter);
    }

    /**
     * A restore drill's cluster: {@code backupId} with its chain, recovered to the end of the archived WAL, in
     * a new directory {@code drillDir} on a free loopback port. The server is left running for the drill's
     * checks; closing the returned cluster stops it and removes the directory. Nothing else is touched.
     */
    public DrillCluster drill(SourceConnection source, String backupId, Path drillDir, JobReporter reporter)
            throws IOException {
        int port = anyFreePort();
        RestoreResult restored = restore(
                source, new DataRoots.Target(drillDir, true), port, RecoveryTarget.latestTarget(), backupId, reporter);
        RecoveringServer server = new RecoveringServer(pgTools, user, drillDir, port, source);
        return new DrillCluster(
                new SourceConnection(
                        source.name(), "127.0.0.1", port, source.database(), source.username(), source.password()),
                restored,
                () -> {
                    server.stopImmediately();
                    deleteTree(drillDir, true, user);
                });
    }

    /**
     * A cluster a drill restored, running: how to reach it (the source's own login, on loopback), what the
     * restore reported, and how to throw it away.
     */
    public record DrillCluster(SourceConnection connection, RestoreResult restored, Runnable discard)
            implements AutoCloseable {
        @Override
        public void close() {
            discard.run();
        }
    }

    private RestoreResult restore(
            SourceConnection source,
            DataRoots.Target directory,
            int port,
            RecoveryTarget target,
            String backupId,
            JobReporter reporter)
            throws IOException {
        Path dataDir = directory.path();
        RecoveryPlan plan = catalog.planRecovery(source.name(), new RecoveryPlanRequest(target, backupId));
        if (!plan.possible()) {
            throw new JobFailureException(FailureCode.TARGET_UNREACHABLE, plan.problem(), false);
        }
        // a source registered with "encrypt": true wrote every object encrypted: a plain one was put there
        boolean requireEncrypted = Boolean.TRUE.equals(source.encrypt());
        Chain chain = chain(source.name(), plan.base().backupId(), requireEncrypted);
        StoredObject tar = chain.tar();
        RecoveryPlanRequest request =
                new RecoveryPlanRequest(target, plan.base().backupId());
        java.util.function.Function<String, java.util.Optional<PlannedSegment>> currentSegment =
                name -> catalog.planRecovery(source.name(), request).segments().stream()
                        .filter(segment -> segment.segment().equals(name))
                        .findFirst();
        List<Callable<Void>> probes = new java.util.ArrayList<>();
        probes.add(() -> {
            requireKeys(tar, plan, requireEncrypted, currentSegment);
            return null;
        });
        for (StoredObject pack : chain.packs()) {
            probes.add(() -> {
                encryption.requireReadable(store, pack.key(), requireEncrypted);
                return null;
            });
        }
        concurrently(probes);
        boolean created = directory.create();
        Path spool = dataDir.resolveSibling("." + dataDir.getFileName() + ".strata-wal");
        RecoveringServer server = new RecoveringServer(pgTools, user, dataDir, port, source);
        boolean restored = false;
        boolean made = false;
        String givenMode = null; // an existing directory's mode, once taken: it ends as it began
        ClusterFiles.Staging dataFiles = null;
        boolean adopted = false;
        try (WalPrefetcher wal = new WalPrefetcher(
                store,
                encryption,
                requireEncrypted,
                currentSegment,
                spool,
                plan.segments(),
                plan.segmentsToTarget(),
                plan.histories(),
                plan.segmentSize(),
                properties.walFetchers(),
                properties.walAhead(),
                WalPrefetcher.STOP_WAIT)) {
            if (created) {
                // fails if anything appeared there since the check: never adopts what someone else made. It stays
                // the worker's until the backup is written in it (ownTree hands it over last): the cluster's user
                // cannot swap a directory the worker writes into for a link meanwhile
                Files.createDirectory(
                        dataDir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                made = true;
            } else {
                OsUser.Taken taken = user.takeOver(dataDir); // gives it back itself if it fails half way
                givenMode = taken.permissions(); // given back below if the restore fails
                if (taken.empty()) {
                    adopted = true;
                } else {
                    throw new JobFailureException(
                            FailureCode.INVALID_TARGET,
                            "into.dataDirectory " + dataDir + " is no longer empty: something was put there after the"
                                    + " restore looked at it, and a restore never writes over files. Name a new or"
                                    + " empty directory",
                            false);
                }
            }
            deleteTree(spool, true, user); // left by a worker that died mid-restore: never reuse its WAL
            // created here or not at all (never a link or a directory someone else made); the worker's until
            // wal.prepare hands it to the cluster's user
            Files.createDirectory(
                    spool, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            long assembleStart = System.nanoTime();
            long rawBytes = assemble(chain, dataDir, reporter, requireEncrypted);
            // files reach the data directory only through a staging directory made while it is the worker's
            dataFiles = ClusterFiles.Staging.open(dataDir);
            if (chain.targetPgManifest() != null) { // the restored backup's own, where pg_verifybackup reads it
                dataFiles.replace(PG_MANIFEST_FILE, pgManifest(chain.targetPgManifest(), requireEncrypted), user);
            }
            // read while the directory is the worker's alone, never read back once it is the cluster's user's
            RecoverySettings settings = RecoverySettings.of(dataDir, dataFiles, user);
            RecoverySettings.dropStandbySignal(dataFiles);
            user.ownTree(dataDir, dataFiles.name());
            if (givenMode != null) {
                user.own(dataDir, givenMode);
            }
            long verifyStart = System.nanoTime();
            reporter.step(VERIFYING, 40);
            verifier.verify(dataDir);
            long recoveryStart = System.nanoTime();
            ensureConfigFiles(dataDir, dataFiles);
            wal.prepare(user);
            try {
                wal.start();
            } catch (IOException e) { // a timeline history file, fetched before recovery starts
                throw new JobFailureException(
                        FailureCode.RECOVERY_FAILED,
                        "Recovery was not started because a timeline history file could not be fetched: "
                                + SegmentFetcher.describe(e),
                        true);
            }
            settings.write(port, program.command(), RecoverySettings.targetLines(target, plan));
            log.info(
                    "recovering {} to {} from base backup {} with {} WAL segments into {} (port {})",
                    source.name(),
                    target.describe(),
                    plan.base().backupId(),
                    plan.segmentsToTarget(),
                    dataDir,
                    port);
            server.start();
            String fallback = awaitPromotion(server, wal, plan, target, settings, reporter);
            long promoted = System.nanoTime();
            log.info(
                    "{} of {} backup(s) written in {} ms, verified in {} ms, recovered and promoted in {} ms",
                    chain.incremental() ? "chain" : "base backup",
                    chain.packs().size() + 1,
                    (verifyStart - assembleStart) / 1_000_000,
                    (recoveryStart - verifyStart) / 1_000_000,
                    (promoted - recoveryStart) / 1_000_000);
            // promoted: a cancel now would throw away a finished restore
            JobCancellation.pointOfNoReturn("the restored cluster has promoted; the restore finishes");
            settings.removeRecoveryBlock();
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
                closeQuietly(dataFiles);
                deleteTree(spool, true, user);
                if (!restored) {
                    server.stopImmediately();
                    if (made || adopted) { // an empty directory given to us gets its contents removed, not itself
                        deleteTree(dataDir, made, user);
                    }
                }
            } finally {
                if (!restored && givenMode != null) {
                    giveBack(dataDir, givenMode);
                }
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
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
            RecoverySettings settings,
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
            // promoted first: recovery only promotes once it has read all it asked for, and a fetch failed
            // meanwhile (of a segment it never asked for) takes nothing from that
            Optional<State> state = server.state();
            if (state.isPresent() && !state.get().inRecovery()) {
                return fallback;
            }
            if (wal.failure() != null) {
                throw new JobFailureException(
                        FailureCode.RECOVERY_FAILED,
                        "Recovery was stopped because archived WAL could not be fetched: " + wal.failure(),
                        true);
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
                settings.overrideRecovery(List.of("recovery_target_time = ''"));
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
    private void requireKeys(
            StoredObject tar,
            RecoveryPlan plan,
            boolean requireEncrypted,
            java.util.function.Function<String, java.util.Optional<PlannedSegment>> currentSegment) {
        encryption.requireReadable(store, tar.key(), requireEncrypted);
        List<PlannedSegment> segments = plan.segments();
        if (!segments.isEmpty()) {
            encryption.requireReadable(store, segments.getFirst().key(), requireEncrypted);
            PlannedSegment last = segments.getLast();
            try {
                encryption.requireReadable(store, last.key(), requireEncrypted);
            } catch (JobFailureException e) {
                // the archive's newest segment may have been completed since the plan: its partial is gone,
                // replaced by the complete segment (or a longer partial), which holds all that was planned
                boolean replaced = last.partial()
                        && e.code() == FailureCode.STORAGE_ERROR
                        && e.getCause() instanceof NoSuchObjectException;
                java.util.Optional<PlannedSegment> current =
                        replaced ? currentSegment.apply(last.segment()) : java.util.Optional.empty();
                if (current.isEmpty() || current.get().key().equals(last.key())) {
                    throw e;
                }
                encryption.requireReadable(store, current.get().key(), requireEncrypted);
            }
        }
    }

    /**
     * What restoring a base backup takes: the tar of its chain's FULL backup, then each later backup's block
     * pack in chain order, and the restored backup's own block map (none for a FULL backup) and PostgreSQL
     * manifest. A FULL backup's tar holds that manifest too, unless the server compressed the tar (then it is the
     * server's own tar, as {@code pg_basebackup} writes it beside a separate manifest); a FULL backup older than
     * block chains has it only in its tar (null here).
     */
    record Chain(StoredObject tar, List<StoredObject> packs, StoredObject targetMap, StoredObject targetPgManifest) {
        boolean incremental() {
            return !packs.isEmpty();
        }
    }

    Chain chain(String source, String backupId, boolean requireEncrypted) {
        BackupManifest target = physicalManifest(source, backupId, requireEncrypted);
        if (target.type() == BackupType.FULL || target.chain() == null) {
            return new Chain(
                    object(target, StoredObject.TAR),
                    List.of(),
                    null,
                    target.object(StoredObject.PG_MANIFEST).orElse(null));
        }
        List<String> ids = target.chain().backupIds();
        if (ids.size() < 2 || !ids.getLast().equals(backupId)) {
            throw new JobFailureException(
                    FailureCode.BACKUP_NOT_FOUND,
                    "Backup " + backupId + "'s manifest does not name its chain back to a FULL backup; it cannot be"
                            + " restored: restore from another one.",
                    false);
        }
        // the chain's other manifests, read at once: the FULL's and those of the backups between
        List<BackupManifest> links = concurrently(ids.subList(0, ids.size() - 1).stream()
                .<Callable<BackupManifest>>map(id -> () -> physicalManifest(source, id, requireEncrypted))
                .toList());
        BackupManifest full = links.getFirst();
        if (full.type() != BackupType.FULL) {
            throw new JobFailureException(
                    FailureCode.BACKUP_NOT_FOUND,
                    "The chain of backup " + backupId + " starts with " + ids.getFirst() + ", which is " + full.type()
                            + ", not FULL; restore from another backup.",
                    false);
        }
        List<StoredObject> packs = new java.util.ArrayList<>();
        for (BackupManifest link : links.subList(1, links.size())) {
            packs.add(object(link, StoredObject.BLOCK_PACK));
        }
        packs.add(object(target, StoredObject.BLOCK_PACK));
        return new Chain(
                object(full, StoredObject.TAR),
                List.copyOf(packs),
                object(target, StoredObject.BLOCK_MAP),
                object(target, StoredObject.PG_MANIFEST));
    }

    /**
     * Runs {@code tasks} (reads of small objects: manifests, headers) at once, on virtual threads; their
     * results in order. The first failure, in task order, is thrown as it was.
     */
    private static <T> List<T> concurrently(List<Callable<T>> tasks) {
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<T>> futures = tasks.stream().map(threads::submit).toList();
            List<T> results = new java.util.ArrayList<>();
            for (Future<T> future : futures) {
                try {
                    results.add(future.get());
                } catch (ExecutionException e) {
                    futures.forEach(f -> f.cancel(true));
                    if (e.getCause() instanceof RuntimeException failure) {
                        throw failure;
                    }
                    throw new IllegalStateException(e.getCause());
                } catch (InterruptedException e) {
                    futures.forEach(f -> f.cancel(true));
                    Thread.currentThread().interrupt();
                    throw new JobFailureException(
                            FailureCode.INTERNAL, "interrupted while reading the backup's manifests", true, e);
                }
            }
            return results;
        }
    }

    private BackupManifest physicalManifest(String source, String backupId, boolean requireEncrypted) {
        BackupManifest manifest = BackupManifests.read(store, encryption, source, backupId, requireEncrypted);
        if (manifest.kind() != BackupKind.PHYSICAL) {
            throw new JobFailureException(
                    FailureCode.UNSUPPORTED,
                    "Backup " + backupId + " is " + manifest.kind() + "; point-in-time restore needs a PHYSICAL one.",
                    false);
        }
        return manifest;
    }

    private static StoredObject object(BackupManifest manifest, String format) {
        return manifest.object(format)
                .orElseThrow(() -> new JobFailureException(
                        FailureCode.BACKUP_NOT_FOUND,
                        "Backup " + manifest.backupId() + "'s manifest lists no " + format + " object; the backup is"
                                + " damaged: restore from another one.",
                        false));
    }

    /**
     * Rebuilds the data directory from the backup's chain, writing each block once, from the newest backup
     * that holds it: this thread unpacks the FULL's tar while another reads the later backups' packs, newest
     * first ({@link BlockApplier}). A chain then gets the restored backup's exact shape (file sizes, no file
     * it lacks) (its PostgreSQL manifest is written after, by the caller). Every object's SHA-256 is checked as it streams; the first failure stops both
     * readers. pg_verifybackup then proves the files byte for byte.
     *
     * @return the bytes written (the tar's files and the packs' blocks)
     */
    private long assemble(Chain chain, Path dataDir, JobReporter reporter, boolean requireEncrypted)
            throws IOException {
        String step = chain.incremental() ? APPLYING : DOWNLOADING;
        AtomicLong read = new AtomicLong();
        long total = chain.tar().storedBytes()
                + chain.packs().stream().mapToLong(StoredObject::storedBytes).sum();
        reporter.progress(step, 0, 0, total);
        long written;
        long tarMs = 0;
        AtomicReference<RuntimeException> first = new AtomicReference<>();
        // the restored backup's files and their sizes, read once: the tar writes nothing else, and the result
        // gets that shape
        long planStart = System.nanoTime();
        TargetLayout plan = chain.incremental() ? plan(chain, requireEncrypted) : null;
        long planMs = (System.nanoTime() - planStart) / 1_000_000;
        try (BlockApplier applier = new BlockApplier(dataDir, plan);
                ProgressTicker ticker = ProgressTicker.every(
                        TICK, () -> reporter.progress(step, percent(read.get(), total, 0, 38), read.get(), total));
                ExecutorService packReader = Executors.newSingleThreadExecutor(
                        Thread.ofPlatform().name("chain-packs").daemon().factory())) {
            long start = System.nanoTime();
            AtomicLong packsMs = new AtomicLong();
            Future<?> packs = packReader.submit(() -> {
                try {
                    BlockPack.BlockSink sink = applier.packs();
                    for (StoredObject pack : chain.packs().reversed()) {
                        readObject(
                                pack,
                                "block pack",
                                requireEncrypted,
                                read,
                                plain -> BlockPack.read(plain, pack.key(), sink));
                    }
                    packsMs.set((System.nanoTime() - start) / 1_000_000);
                } catch (RuntimeException e) {
                    first.compareAndSet(null, e);
                    applier.stop();
                }
            });
            try {
                readObject(chain.tar(), "base backup object", requireEncrypted, read, plain -> applier.untar(plain));
                tarMs = (System.nanoTime() - start) / 1_000_000;
            } catch (RuntimeException e) {
                first.compareAndSet(null, e);
                applier.stop();
                packs.cancel(true);
            }
            try {
                packs.get();
            } catch (CancellationException e) {
                // cancelled after the tar failed: that failure is reported
            } catch (ExecutionException e) {
                first.compareAndSet(null, new IllegalStateException("reading the block packs failed", e.getCause()));
            } catch (InterruptedException e) {
                packs.cancel(true);
                Thread.currentThread().interrupt();
                first.compareAndSet(
                        null,
                        new JobFailureException(
                                FailureCode.INTERNAL, "interrupted while the base backup was being written", true, e));
            }
            if (first.get() != null) {
                throw first.get();
            }
            written = applier.tarBytes() + applier.packBytes();
            if (chain.incremental()) {
                log.info(
                        "backup chain written: {} bytes of the FULL's tar ({} ms; its plan read in {} ms) and {} of {}"
                                + " packs' blocks ({} ms); {} bytes not written (newer, dropped or cut)",
                        applier.tarBytes(),
                        tarMs,
                        planMs,
                        applier.packBytes(),
                        chain.packs().size(),
                        packsMs.get(),
                        applier.skippedBytes());
            }
        }
        if (plan != null) {
            try {
                BlockApplier.shape(dataDir, plan, Set.of(PG_MANIFEST_FILE, "pg_wal"));
            } catch (MalformedContentException e) {
                // every object hashed as written: the chain's map and its packs disagree
                throw new JobFailureException(
                        FailureCode.BACKUP_MALFORMED,
                        "The backup chain does not rebuild the files its block map "
                                + chain.targetMap().key()
                                + " lists: " + e.getMessage() + ". Every object holds the bytes its backup wrote, so"
                                + " retrying will not help: restore from another backup.",
                        false,
                        e);
            }
        }
        return written;
    }

    /** The restored backup's layout (its files and their sizes), from its block map. */
    private TargetLayout plan(Chain chain, boolean requireEncrypted) {
        List<TargetLayout> plan = new java.util.ArrayList<>();
        readObject(
                chain.targetMap(),
                "block map",
                requireEncrypted,
                new AtomicLong(),
                plain -> plan.add(TargetLayout.of(
                        new BlockMap.Reader(plain, chain.targetMap().key()))));
        return plan.getFirst();
    }

    private void readObject(
            StoredObject object,
            String what,
            boolean requireEncrypted,
            AtomicLong read,
            StoredObjects.PlainReader reader) {
        StoredObjects.read(
                store,
                encryption,
                object,
                requireEncrypted,
                properties.downloadChunkBytes(),
                properties.downloadConnections(),
                read,
                what,
                reader);
    }

    /** The restored backup's PostgreSQL manifest, its stored bytes checked against their SHA-256. */
    private byte[] pgManifest(StoredObject object, boolean requireEncrypted) {
        try {
            byte[] stored = store.readAll(object.key());
            String actual = io.strata.common.storage.HashingOutputStream.sha256Hex(stored);
            if (!actual.equalsIgnoreCase(object.sha256())) {
                throw new JobFailureException(
                        FailureCode.CHECKSUM_MISMATCH,
                        "PostgreSQL manifest " + object.key() + " is corrupt: expected SHA-256 " + object.sha256()
                                + ", got " + actual + "; restore from another backup.",
                        false);
            }
            try (java.io.InputStream plain =
                    encryption.plaintext(new java.io.ByteArrayInputStream(stored), requireEncrypted)) {
                return plain.readAllBytes();
            }
        } catch (io.strata.common.crypto.EncryptedObjectException e) {
            throw encryption.unreadable(object.key(), e);
        } catch (NoSuchObjectException e) {
            throw new JobFailureException(
                    FailureCode.BACKUP_NOT_FOUND,
                    "The backup's manifest lists " + object.key() + " but the store has no such object; restore from"
                            + " another backup.",
                    false,
                    e);
        } catch (IOException e) {
            throw new JobFailureException(
                    FailureCode.STORAGE_ERROR, "Cannot read " + object.key() + ": " + e.getMessage(), true, e);
        }
    }

    /** A loopback port nothing listens on right now (a drill's cluster takes it a moment later). */
    static int anyFreePort() {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        } catch (IOException e) {
            throw new JobFailureException(
                    FailureCode.INTERNAL,
                    "Found no free loopback port for the drill's cluster: " + e.getMessage(),
                    true,
                    e);
        }
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

    private void ensureConfigFiles(Path dataDir, ClusterFiles.Staging dataFiles) throws IOException {
        // A source whose configuration lives outside its data directory (Debian's /etc/postgresql) has none
        // in the backup: the restored cluster gets defaults plus Strata's settings, and password logins.
        Path conf = dataDir.resolve("postgresql.conf");
        if (!ClusterFiles.exists(conf)) {
            dataFiles.replace(
                    "postgresql.conf",
                    "# created by Strata: the source keeps its configuration elsewhere\n"
                            .getBytes(StandardCharsets.UTF_8),
                    user);
        }
        Path hba = dataDir.resolve("pg_hba.conf");
        if (!ClusterFiles.exists(hba)) {
            dataFiles.replace(
                    "pg_hba.conf", "host all all 127.0.0.1/32 scram-sha-256\n".getBytes(StandardCharsets.UTF_8), user);
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

    private static void closeQuietly(ClusterFiles.Staging files) {
        if (files != null) {
            try {
                files.close();
            } catch (IOException e) {
                log.warn("cannot remove a staging directory: {}", e.toString());
            }
        }
    }

    /** An empty directory given to a restore that failed: the cluster's user's again, as it was. */
    private void giveBack(Path dataDir, String mode) {
        try {
            user.own(dataDir, mode);
        } catch (IOException | RuntimeException e) {
            log.warn("could not give {} back to {}: {}", dataDir, user.name(), e.toString());
        }
    }

    /**
     * Deletes a directory's contents, and the directory itself when {@code itself}. A directory of the
     * cluster's user's (handed over, or made by the user's initdb) is emptied as that user
     * ({@link OsUser#removeContentsAsUser}): root never opens a directory in it, which the user could swap for
     * a FIFO whose open would stall the worker. A directory of the worker's own (not yet handed over,
     * {@code rwx------}: nothing running as the user can reach inside it) is emptied by the worker, every entry
     * opened, listed and removed relative to its open parent directory (openat, unlinkat), never through a
     * path a link could redirect. The directory itself sits in a data root that is root's alone: it is
     * removed by the worker, also when emptying it failed.
     *
     * @return whether it is gone ({@code itself}) or emptied (not {@code itself}); a failure is logged
     */
    static boolean deleteTree(Path root, boolean itself, OsUser user) {
        IOException failure = null;
        try {
            if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
                return true;
            }
            if (Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
                int owner = (Integer) Files.getAttribute(root, "unix:uid", LinkOption.NOFOLLOW_LINKS);
                if (user.switching() && owner != 0) {
                    user.removeContentsAsUser(root);
                } else {
                    ClusterFiles.walk(root, (parent, name, attributes) -> {
                        if (attributes.isDirectory()) {
                            parent.deleteDirectory(name);
                        } else {
                            parent.deleteFile(name);
                        }
                    });
                }
            }
        } catch (IOException e) {
            failure = e;
        } catch (RuntimeException e) {
            failure = new IOException(e.toString(), e);
        }
        if (itself) {
            try {
                Files.deleteIfExists(root); // also after a failure above: it may have left nothing
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            log.warn("could not remove {}: {}", root, failure.toString());
        }
        return itself ? !Files.exists(root, LinkOption.NOFOLLOW_LINKS) : failure == null;
    }
}

package io.strata.backup.physical;

import io.strata.common.blocks.BlockDiffer;
import io.strata.common.blocks.BlockMap;
import io.strata.common.blocks.BlockPack;
import io.strata.common.blocks.ParentBlocks;
import io.strata.common.blocks.TarFollower;
import io.strata.common.command.TakeBackup;
import io.strata.common.crypto.Keyring;
import io.strata.common.crypto.ObjectEncryption;
import io.strata.common.event.JobResult.BackupResult;
import io.strata.common.messaging.Json;
import io.strata.common.model.BackupChain;
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
import io.strata.platform.jobs.JobCancellation;
import io.strata.platform.jobs.JobFailureException;
import io.strata.platform.jobs.JobReporter;
import io.strata.platform.logical.CompressedUpload;
import io.strata.platform.logical.CountingInputStream;
import io.strata.platform.logical.LogicalBackupProperties;
import io.strata.platform.logical.ProgressTicker;
import io.strata.platform.postgres.PgTools;
import io.strata.platform.postgres.ReplicationConnection;
import io.strata.platform.postgres.SourceErrors;
import io.strata.platform.postgres.StallWatchdog;
import io.strata.platform.storage.StorageEncryption;
import io.strata.platform.storage.StoredObjects;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * A {@link TakeBackup} of kind PHYSICAL: a tar of the whole cluster, read from a BASE_BACKUP the worker
 * speaks itself ({@link TarSource}: or {@code pg_basebackup} writing it to stdout), streamed through zstd and
 * SHA-256 into the object store (a FULL one compressed by the server itself where it can: {@code
 * strata.backup.server-compression}), then the manifest (with the start
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
    /** Between the command and the server's first byte: its checkpoint runs (pg_basebackup's own words). */
    static final String CHECKPOINT_STEP = "waiting for checkpoint";

    static final String OBJECT = "base.tar.zst";
    static final String PACK_OBJECT = "blocks.pack.zst";
    static final String BLOCK_MAP_OBJECT = "blockmap.zst";
    private static final int MAP_DOWNLOAD_CHUNK = 8 << 20;
    private static final int MAP_DOWNLOAD_CONNECTIONS = 2;
    /** A pipe holds 64 KiB by default on Linux: an incremental backup reads what it holds at once. */
    private static final int PIPE_READ_BYTES = 64 * 1024;

    private static final Logger log = LoggerFactory.getLogger(PhysicalBackupJob.class);
    /** Runs a job's side task (a login, an upload) while the job's thread does something else. */
    private static final Executor SIDE_THREAD =
            task -> Thread.ofPlatform().name("backup-side-task").daemon().start(task);

    /**
     * The server's size, version, cluster and timeline over SQL (PostgreSQL before 15, or pg_basebackup as
     * the client). On a primary the timeline is the one WAL is written on now (the first 8 hex digits of the
     * current WAL file's name): {@code pg_control_checkpoint()} still names the old one after a promotion
     * until the promotion's spread checkpoint ends, minutes later on a busy server, and a DIFFERENTIAL or
     * INCREMENTAL would be built on a parent of that old timeline. A standby has no current WAL file: its
     * last restartpoint's timeline is taken there.
     */
    static final String FACTS = "select (select sum(pg_database_size(oid)) from pg_database)::bigint as size,"
            + " current_setting('server_version') as version,"
            + " (select system_identifier from pg_control_system())::text as system_identifier,"
            + " case when pg_is_in_recovery() then (select timeline_id from pg_control_checkpoint())"
            + " else ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int end as timeline";

    private final CatalogClient catalog;
    private final PgTools pg;
    private final ObjectStore store;
    private final StorageEncryption encryption;
    private final Clock clock;
    private final LogicalBackupProperties properties;
    private final ParentChooser parents;
    private final String client;
    private final String serverCompression;
    /** Sources whose server refused to compress (its words), for this worker's life. */
    private final Map<String, String> refusedCompression = new ConcurrentHashMap<>();

    /** Which backups the server is asked to compress ({@code strata.backup.server-compression}). */
    static final String SERVER_COMPRESSION_FULL = "full";

    static final String SERVER_COMPRESSION_ALL = "all";
    static final String SERVER_COMPRESSION_NONE = "none";

    public PhysicalBackupJob(
            CatalogClient catalog,
            PgTools pg,
            ObjectStore store,
            StorageEncryption encryption,
            Clock clock,
            LogicalBackupProperties properties,
            ParentChooser parents,
            @Value("${strata.backup.base-backup-client:" + TarSource.BUILT_IN + "}") String client,
            @Value("${strata.wal.slot-prefix:" + SlotNames.DEFAULT_PREFIX + "}") String slotPrefix,
            @Value("${strata.backup.server-compression:" + SERVER_COMPRESSION_FULL + "}") String serverCompression) {
        this.slotPrefix = slotPrefix;
        if (!List.of(SERVER_COMPRESSION_FULL, SERVER_COMPRESSION_ALL, SERVER_COMPRESSION_NONE)
                .contains(serverCompression)) {
            throw new IllegalArgumentException("strata.backup.server-compression is '" + serverCompression + "': use "
                    + SERVER_COMPRESSION_FULL + " (the server compresses FULL backups, which store its bytes as they"
                    + " come), " + SERVER_COMPRESSION_ALL + " (every physical backup: fewer bytes on the network, more"
                    + " CPU on the server, and the worker decompresses them) or " + SERVER_COMPRESSION_NONE);
        }
        this.serverCompression = serverCompression;
        if (!TarSource.BUILT_IN.equals(client) && !TarSource.PG_BASEBACKUP.equals(client)) {
            throw new IllegalArgumentException("strata.backup.base-backup-client is '" + client + "': use "
                    + TarSource.BUILT_IN + " (the worker reads BASE_BACKUP itself) or " + TarSource.PG_BASEBACKUP);
        }
        this.client = client;
        this.catalog = catalog;
        this.pg = pg;
        this.store = store;
        this.encryption = encryption;
        this.clock = clock;
        this.properties = properties;
        this.parents = parents;
    }

    /** @throws JobFailureException when the source cannot be backed up or the backup fails */
    public BackupResult run(TakeBackup command, JobReporter reporter) {
        long began = System.nanoTime();
        SourceConnection source = requireArchivedSource(command.source());
        // a source that requires encryption on a worker without a key fails before anything is written
        Keyring keys = encryption.forWriting(source.name(), source.encrypt());
        boolean requireEncrypted = Boolean.TRUE.equals(source.encrypt());
        BackupType requested = command.type() == null ? BackupType.FULL : command.type();
        long lookupNanos = System.nanoTime() - began;
        // the likely parent is chosen and its block map loaded while the server is checked and the session logs in
        CompletableFuture<Parent> likely = requested == BackupType.FULL
                ? CompletableFuture.completedFuture(Parent.NONE)
                : CompletableFuture.supplyAsync(
                        () -> loadParent(parents.likely(source.name(), requested, requireEncrypted), requireEncrypted),
                        SIDE_THREAD);
        try {
            Prepared prepared = prepare(source, reporter, lookupNanos);
            Instant startedAt = clock.instant();
            try (TarSource tar = TarSource.open(pg, source, prepared.session(), clock, serverZstd(source, requested))) {
                // the server checkpoints while the parent is settled
                tar.begin();
                long settling = System.nanoTime();
                try (Parent parent = settle(likely, source, requested, prepared.facts(), requireEncrypted)) {
                    long waitedMs = (System.nanoTime() - settling) / 1_000_000;
                    return run(command, reporter, source, keys, prepared, startedAt, tar, parent, waitedMs);
                }
            }
        } finally {
            discard(likely); // closed once loaded, unless settled (closing twice does nothing)
        }
    }

    /**
     * The compression the server is asked for: for a FULL backup unless switched off, for all with {@code all}, and
     * not of a source that refused it before. Its level and threads are the worker's own for physical backups. A DIFFERENTIAL or INCREMENTAL that finds no
     * parent is taken as FULL from an uncompressed stream, compressed here.
     */
    BaseBackupStream.ServerZstd serverZstd(SourceConnection source, BackupType requested) {
        boolean asked = switch (serverCompression) {
            case SERVER_COMPRESSION_ALL -> true;
            case SERVER_COMPRESSION_FULL -> requested == BackupType.FULL;
            default -> false;
        };
        if (asked && refusedCompression.containsKey(source.name())) {
            return null; // it refused before (this worker's life): not asked again, nor its checkpoint paid twice
        }
        CompressedUpload.Zstd zstd = properties.physicalZstd();
        return asked ? new BaseBackupStream.ServerZstd(zstd.level(), zstd.workers()) : null;
    }

    /** Remembers that {@code source}'s server refused to compress ({@code why}): it is not asked again. */
    void compressionRefused(SourceConnection source, String why) {
        refusedCompression.put(source.name(), why);
    }

    /** A parent chosen and its block map loaded (NONE for a full backup), and how long that took. */
    private record Parent(ParentChooser.Choice choice, ParentBlocks blocks, long loadMs) implements AutoCloseable {
        static final Parent NONE = new Parent(ParentChooser.Choice.none(null), null, 0);

        @Override
        public void close() {
            if (blocks != null) {
                try {
                    blocks.close();
                } catch (IOException ignored) {
                    // a temporary file left behind
                }
            }
        }
    }

    /** The likely parent if it fits the server's facts, else the parent chosen again for them. */
    private Parent settle(
            CompletableFuture<Parent> likely,
            SourceConnection source,
            BackupType requested,
            Facts facts,
            boolean requireEncrypted) {
        if (requested == BackupType.FULL) {
            return Parent.NONE;
        }
        try {
            Parent parent = await(likely, "loading the parent's block map");
            if (parent.choice().fits(facts.systemIdentifier(), facts.timeline())) {
                return parent;
            }
            parent.close(); // none found, or of another cluster or timeline: chosen again among those that fit
        } catch (RuntimeException e) {
            if (Thread.currentThread().isInterrupted()) {
                throw e;
            }
            // it could not be loaded: chosen again for this cluster (the same one fails the same way)
        }
        return loadParent(
                parents.choose(source.name(), requested, facts.systemIdentifier(), facts.timeline(), requireEncrypted),
                requireEncrypted);
    }

    /**
     * What the checks before the copy found: the server's {@link Facts} and the logged-in replication session
     * (null for {@code pg_basebackup}), and how long the checks took.
     */
    private record Prepared(Facts facts, ReplicationConnection session, String timings) {}

    /**
     * Checks the archiver's slot and reads the server's facts. With the built-in client and PostgreSQL 15 or
     * later, all on the replication session the backup then uses (IDENTIFY_SYSTEM, READ_REPLICATION_SLOT; the
     * server estimates the size itself when the backup begins): one login, no second connection. Otherwise over
     * SQL, while the session (if any) logs in beside it: the login asks nothing of the server, so no backup
     * begins before the slot is found. No WAL sender is held while the archiver has yet to make its slot: the
     * session is closed then, and opened again once the slot is there.
     */
    private Prepared prepare(SourceConnection source, JobReporter reporter, long lookupNanos) {
        reporter.step(WAITING_FOR_ARCHIVER, 0);
        long start = System.nanoTime();
        String slot = SlotNames.forSource(slotPrefix, source.name());
        if (TarSource.BUILT_IN.equals(client) && SlotNames.isValid(slot)) {
            ReplicationConnection session = TarSource.login(pg, source, client);
            if (TarSource.major(session.serverVersion()) >= BaseBackupStream.MIN_SERVER_VERSION) {
                long loggedIn = System.nanoTime();
                Optional<Facts> found;
                // a cancel closes the session until the tar's source watches it; each answer has the io deadline
                try (AutoCloseable watched = JobCancellation.closeOnCancel(session)) {
                    found = sessionFacts(session, source, slot);
                } catch (Exception e) {
                    TarSource.closeQuietly(session);
                    throw e instanceof RuntimeException failure ? failure : new IllegalStateException(e);
                }
                if (found.isPresent()) {
                    return new Prepared(
                            found.get(),
                            session,
                            "the catalog's source " + lookupNanos / 1_000_000 + " ms, the login "
                                    + (loggedIn - start) / 1_000_000
                                    + " ms, the archiver's slot and the server's facts "
                                    + (System.nanoTime() - loggedIn) / 1_000_000 + " ms");
                }
                TarSource.closeQuietly(session);
                return afterTheSlot(source, reporter);
            }
            TarSource.closeQuietly(session); // an older server: over SQL, then pg_basebackup
        }
        CompletableFuture<ReplicationConnection> login =
                CompletableFuture.supplyAsync(() -> TarSource.login(pg, source, client), SIDE_THREAD);
        Optional<Facts> found;
        try {
            found = archiverSlotFacts(source);
        } catch (RuntimeException e) {
            discard(login);
            throw e;
        }
        if (found.isEmpty()) {
            discard(login);
            return afterTheSlot(source, reporter);
        }
        long checked = System.nanoTime();
        ReplicationConnection session;
        try {
            session = await(login, "logging in for the base backup");
        } catch (RuntimeException e) {
            discard(login); // interrupted: the login may still finish, and is closed then
            throw e;
        }
        long end = System.nanoTime();
        return new Prepared(
                found.get(),
                session,
                "the catalog's source " + lookupNanos / 1_000_000 + " ms, the archiver's slot and the server's facts "
                        + (checked - start) / 1_000_000 + " ms, the login " + (end - checked) / 1_000_000
                        + " ms more");
    }

    /** Waits for the archiver's slot (no session held meanwhile), then logs in. */
    private Prepared afterTheSlot(SourceConnection source, JobReporter reporter) {
        Facts facts = awaitArchiverSlot(source, reporter);
        return new Prepared(facts, TarSource.login(pg, source, client), "after waiting for the archiver's slot");
    }

    /**
     * The server's {@link Facts} from the replication session, if the archiver's {@code slot} is there and
     * holds WAL; the size is left to the server's own estimate when the backup begins (0 here).
     */
    private static Optional<Facts> sessionFacts(ReplicationConnection session, SourceConnection source, String slot) {
        int io = source.timeoutsOrDefault().io();
        try {
            // the slot's name is Strata's own and checked by SlotNames.isValid (no quote can be in it);
            // quoted, as a name such as "1db" or "timeline" must be in a replication command
            List<List<String>> slotRows = session.rows("READ_REPLICATION_SLOT \"" + slot + "\"", io);
            if (slotRows.size() != 1
                    || slotRows.get(0).size() < 2
                    || slotRows.get(0).get(1) == null) {
                return Optional.empty(); // no such slot, or it holds no WAL yet
            }
            List<List<String>> system = session.rows("IDENTIFY_SYSTEM", io);
            if (system.size() != 1 || system.get(0).size() < 2) {
                throw new JobFailureException(
                        FailureCode.PG_BASEBACKUP_FAILED,
                        "Source '" + source.name() + "' answered IDENTIFY_SYSTEM with " + system
                                + ", not one row of the cluster's identifier and timeline",
                        false);
            }
            return Optional.of(new Facts(
                    0,
                    session.serverVersion(),
                    system.get(0).get(0),
                    Integer.parseInt(system.get(0).get(1))));
        } catch (ReplicationConnection.ServerError e) {
            throw TarSource.refused(source, e, "reading the archiver's slot and the cluster's identity");
        } catch (IOException e) {
            throw new JobFailureException(
                    FailureCode.SOURCE_TIMEOUT,
                    "The replication session with source '" + source.name() + "' at " + source.host() + ":"
                            + source.port() + " broke or stayed silent for " + io + " s while reading the archiver's"
                            + " slot and the cluster's identity: " + e.getMessage(),
                    true,
                    e);
        } catch (NumberFormatException e) {
            throw new JobFailureException(
                    FailureCode.PG_BASEBACKUP_FAILED,
                    "Source '" + source.name() + "' answered IDENTIFY_SYSTEM with a timeline that is not a number: "
                            + e.getMessage(),
                    false,
                    e);
        }
    }

    /** Closes what {@code pending} opens, once it has (a session not wanted after all). */
    private static void discard(CompletableFuture<? extends AutoCloseable> pending) {
        pending.whenComplete((opened, failure) -> {
            if (opened != null) {
                TarSource.closeQuietly(opened);
            }
        });
    }

    /** The result of a side task, its failure thrown as this thread's; an interrupt (a cancel) ends the wait. */
    private static <T> T await(CompletableFuture<T> pending, String step) {
        try {
            return pending.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JobFailureException(FailureCode.INTERNAL, "Interrupted while " + step, true, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            throw new JobFailureException(
                    FailureCode.INTERNAL, "Failed while " + step + ": " + e.getCause(), true, e.getCause());
        }
    }

    private BackupResult run(
            TakeBackup command,
            JobReporter reporter,
            SourceConnection source,
            Keyring keys,
            Prepared prepared,
            Instant startedAt,
            TarSource tar,
            Parent parent,
            long parentWaitMs) {
        Facts facts = prepared.facts();
        BackupType requested = command.type() == null ? BackupType.FULL : command.type();
        ParentChooser.Choice choice = parent.choice();
        BackupType type = choice.found() ? requested : BackupType.FULL;
        if (requested != type) {
            log.info(
                    "{} backup {} of {} is taken as FULL: {}",
                    requested,
                    command.backupId(),
                    source.name(),
                    choice.reason());
        }
        List<String> written = new ArrayList<>();
        Path mapFile = scratchFile();
        long copyStart = System.nanoTime();
        Copied copied = null;
        try {
            copied = copy(
                    tar, source, command, facts.sizeBytes(), reporter, keys, mapFile, parent.blocks(), parentWaitMs);
            long copyEnd = System.nanoTime();
            if (tar.uncompressedBecause() != null) {
                compressionRefused(source, tar.uncompressedBecause());
            }
            CompressedUpload.Unpublished unpublished = copied.data();
            written.add(unpublished.stored().key());
            byte[] pgManifest = requirePgManifest(copied.tap());
            BaseBackupManifest positions = BaseBackupManifest.parse(pgManifest);
            if (positions.acrossTimelines()) {
                // its WAL lies on two timelines; the catalog, WAL retention and recovery know a backup on one
                throw new JobFailureException(
                        FailureCode.PG_BASEBACKUP_FAILED,
                        "Source '" + source.name() + "' changed timeline while this backup ran (from "
                                + positions.startTimeline() + " to " + positions.timeline() + ": it followed a"
                                + " promotion). Strata keeps backups whose WAL lies on one timeline, so none was"
                                + " kept; take it again.",
                        true);
            }
            if (choice.found() && choice.parent().timeline() != positions.timeline()) {
                // the server changed timeline (a promotion) between the checks and the backup's end: built on a
                // parent of the old one, this backup could not be restored as a chain, so it is not kept
                throw new JobFailureException(
                        FailureCode.PG_BASEBACKUP_FAILED,
                        "Source '" + source.name() + "' ended this backup on timeline " + positions.timeline()
                                + ", but its parent " + choice.parent().backupId() + " is of timeline "
                                + choice.parent().timeline() + " (the server was promoted, or its timeline changed,"
                                + " while the backup was prepared or taken). A " + type + " backup on that parent"
                                + " could not be restored, so none was kept. Take a FULL backup (a standby names"
                                + " its new timeline only after its next restartpoint; a primary at once, so there"
                                + " the next DIFFERENTIAL or INCREMENTAL is taken as FULL by itself).",
                        true);
            }
            String mapKey = StorageLayout.backupObjectKey(source.name(), command.backupId(), BLOCK_MAP_OBJECT);
            String pgManifestKey =
                    StorageLayout.backupObjectKey(source.name(), command.backupId(), ManifestCapture.MEMBER);
            written.add(mapKey);
            written.add(pgManifestKey);
            // the data object is published (synced, or its multipart upload completed) while the block map and
            // PostgreSQL's manifest are stored, side by side: each write waits for its own sync
            CompletableFuture<CompressedUpload.Stored> dataPublish =
                    CompletableFuture.supplyAsync(unpublished::publish, SIDE_THREAD);
            CompletableFuture<CompressedUpload.Stored> mapUpload =
                    CompletableFuture.supplyAsync(() -> uploadMap(mapFile, mapKey, keys), SIDE_THREAD);
            byte[] storedPgManifest;
            CompressedUpload.Stored data;
            CompressedUpload.Stored map;
            try {
                storedPgManifest = ObjectEncryption.encrypt(pgManifest, keys);
                put(pgManifestKey, storedPgManifest);
                data = await(dataPublish, "publishing the backup's data object");
                map = await(mapUpload, "storing the block map");
            } catch (RuntimeException | Error e) {
                // both ended before their objects are removed with the others (their own deadlines bound the wait)
                dataPublish.exceptionally(failure -> null).join();
                mapUpload.exceptionally(failure -> null).join();
                throw e;
            }
            Instant finishedAt = clock.instant();
            List<String> chainIds =
                    new ArrayList<>(choice.found() ? choice.parent().chain() : List.of());
            chainIds.add(command.backupId().toString());
            BackupChain chain = new BackupChain(
                    requested,
                    choice.reason(),
                    choice.found() ? choice.parent().backupId() : null,
                    chainIds,
                    facts.systemIdentifier(),
                    copied.differ().readBytes(),
                    type == BackupType.FULL
                            ? copied.differ().readBytes()
                            : copied.differ().changedBytes());
            List<StoredObject> objects = List.of(
                    new StoredObject(
                            data.key(),
                            type == BackupType.FULL ? StoredObject.TAR : StoredObject.BLOCK_PACK,
                            "zstd",
                            data.rawBytes(),
                            data.storedBytes(),
                            data.sha256()),
                    new StoredObject(
                            map.key(), StoredObject.BLOCK_MAP, "zstd", map.rawBytes(), map.storedBytes(), map.sha256()),
                    new StoredObject(
                            pgManifestKey,
                            StoredObject.PG_MANIFEST,
                            "none",
                            pgManifest.length,
                            storedPgManifest.length,
                            HashingOutputStream.sha256Hex(storedPgManifest)));
            String manifestKey = StorageLayout.manifestKey(source.name(), command.backupId());
            BackupManifest manifest = new BackupManifest(
                    BackupManifest.SCHEMA_VERSION,
                    command.backupId(),
                    source.name(),
                    BackupKind.PHYSICAL,
                    type,
                    false,
                    null,
                    facts.version(),
                    command.jobId().toString(),
                    command.description(),
                    startedAt,
                    finishedAt,
                    objects,
                    positions.startLsn(),
                    positions.endLsn(),
                    positions.timeline(),
                    chain,
                    null); // no row counts: the files were read while the database changed
            written.add(manifestKey); // on a failed write, removed first: never a manifest without its objects
            put(manifestKey, ObjectEncryption.encrypt(Json.write(manifest).getBytes(StandardCharsets.UTF_8), keys));
            long end = System.nanoTime();
            log.info(
                    "{} backup {} of {}: {} MiB read{} and {} MiB stored in {} ms ({} MiB/s: {}), block map and"
                            + " manifests {} ms; {} ms since the job began; checks before it: {}; the parent chosen and"
                            + " its block map loaded in {} ms beside them",
                    type,
                    command.backupId(),
                    source.name(),
                    copied.differ().readBytes() >> 20,
                    tar.serverCompressed()
                            ? " (" + (tar.compressedBytes() >> 20) + " MiB as the server compressed it)"
                            : tar.uncompressedBecause() != null
                                    ? " (uncompressed: the server refused to compress it)"
                                    : "",
                    (data.storedBytes() + map.storedBytes()) >> 20,
                    (copyEnd - copyStart) / 1_000_000,
                    Math.round(copied.differ().readBytes() / 1048576.0 / Math.max(1e-9, (copyEnd - copyStart) / 1e9)),
                    copied.phases(),
                    (end - copyEnd) / 1_000_000,
                    Duration.between(startedAt, clock.instant()).toMillis(),
                    prepared.timings(),
                    parent.loadMs());
            return new BackupResult(
                    command.backupId().toString(),
                    BackupKind.PHYSICAL,
                    type,
                    false,
                    null,
                    facts.version(),
                    copied.differ().readBytes(),
                    data.storedBytes() + map.storedBytes(),
                    data.sha256(),
                    data.key(),
                    manifestKey,
                    startedAt,
                    finishedAt,
                    command.description(),
                    positions.startLsn(),
                    positions.endLsn(),
                    positions.timeline(),
                    chain,
                    objects);
        } catch (RuntimeException e) {
            // newest first (the manifest before its objects); the orphan sweep is the backstop for what this misses
            java.util.Collections.reverse(written);
            written.forEach(store::deleteQuietly);
            throw e;
        } finally {
            if (copied != null) {
                copied.data().close(); // aborts the data object's upload unless it was published
            }
            deleteQuietly(mapFile);
        }
    }

    private static byte[] requirePgManifest(ManifestCapture tap) {
        return tap.manifest().orElseThrow(() -> {
            return new JobFailureException(
                    FailureCode.PG_BASEBACKUP_FAILED,
                    "the base backup's tar holds no backup_manifest (a server older than PostgreSQL 13?); without it"
                            + " the backup cannot be verified, so it was discarded",
                    false);
        });
    }

    private SourceConnection requireArchivedSource(String name) {
        // both asked of the catalog at once
        CompletableFuture<Optional<SourceConnection>> connection =
                CompletableFuture.supplyAsync(() -> catalog.sourceConnection(name), SIDE_THREAD);
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
        return await(connection, "asking the catalog for the source's connection")
                .orElseThrow(() -> new JobFailureException(
                        FailureCode.SOURCE_NOT_FOUND,
                        "Source '" + name + "' was removed while its backup began.",
                        false));
    }

    /**
     * Waits until the wal-archiver streams the source through its slot. The base backup's WAL (from its
     * start checkpoint on) comes from the archive, so a backup begun before the slot existed, just after
     * archiving was switched on, would need WAL that is never archived. Returns the server's {@link Facts},
     * read on the connection that found the slot.
     */
    private Facts awaitArchiverSlot(SourceConnection source, JobReporter reporter) {
        Instant deadline = clock.instant().plus(SLOT_WAIT);
        while (true) {
            Optional<Facts> facts = archiverSlotFacts(source);
            if (facts.isPresent()) {
                return facts.get();
            }
            if (clock.instant().isAfter(deadline)) {
                String slot = SlotNames.forSource(slotPrefix, source.name());
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

    /** The server's {@link Facts} if the archiver's slot is there (and has begun to hold WAL). */
    private Optional<Facts> archiverSlotFacts(SourceConnection source) {
        try (Connection connection = pg.connect(source, source.database());
                PreparedStatement query = connection.prepareStatement(
                        "select 1 from pg_replication_slots where slot_name = ? and restart_lsn is not null")) {
            query.setString(1, SlotNames.forSource(slotPrefix, source.name()));
            try (ResultSet row = query.executeQuery()) {
                return row.next() ? Optional.of(facts(connection)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw SourceErrors.jobFailure(
                    source, source.database(), "waiting for WAL archiving", e, FailureCode.PG_BASEBACKUP_FAILED);
        }
    }

    /** The whole cluster's size (the progress estimate), its version, and which cluster and timeline it is. */
    record Facts(long sizeBytes, String version, String systemIdentifier, int timeline) {}

    private static Facts facts(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery(FACTS)) {
            row.next();
            return new Facts(
                    row.getLong("size"),
                    row.getString("version"),
                    row.getString("system_identifier"),
                    row.getInt("timeline"));
        }
    }

    /** What the copy produced: the stored data object, the tap that saw PostgreSQL's manifest, the block counts. */
    private record Copied(
            CompressedUpload.Unpublished data, ManifestCapture tap, BlockDiffer differ, CopyPhases phases) {
        Copied withParentMs(long parentMs) {
            return new Copied(data, tap, differ, phases.withParentMs(parentMs));
        }
    }

    /**
     * Streams the base backup's tar past a {@link BlockDiffer} that writes the block map to {@code mapFile}.
     * A full backup stores the tar itself; a differential or incremental one stores only the blocks that differ
     * from its parent's, packed into one object, and drops the rest of the stream.
     */
    private Copied copy(
            TarSource tar,
            SourceConnection source,
            TakeBackup command,
            long estimate,
            JobReporter reporter,
            Keyring keys,
            Path mapFile,
            ParentBlocks parent,
            long parentWaitMs) {
        Copied copied = null;
        boolean done = false;
        try {
            try (OutputStream mapOut = new BufferedOutputStream(Files.newOutputStream(mapFile), 1 << 16)) {
                BlockMap.Writer map = new BlockMap.Writer(mapOut);
                if (parent == null) {
                    String key = StorageLayout.backupObjectKey(source.name(), command.backupId(), OBJECT);
                    BlockDiffer differ = new BlockDiffer(map, null, null, Set.of(ManifestCapture.MEMBER));
                    // the server's own zstd frames are stored as they come, when it compresses
                    AtomicReference<CompressedUpload.Sink> asSent = new AtomicReference<>();
                    tar.copyCompressedTo(() -> {
                        asSent.set(CompressedUpload.openCompressed(store, key, keys));
                        return asSent.get().stream();
                    });
                    try {
                        copied = stream(tar, source, estimate, reporter, differ, (raw, check) -> {
                            byte[] buffer = new byte[PIPE_READ_BYTES];
                            int n = raw.read(buffer); // the data began: whether the server compresses is known
                            CompressedUpload.Sink sent = asSent.get();
                            try (CompressedUpload.Sink sink = sent != null
                                    ? sent
                                    : CompressedUpload.open(store, key, properties.physicalZstd(), keys)) {
                                for (; n >= 0; n = raw.read(buffer)) {
                                    if (sent == null) {
                                        sink.stream().write(buffer, 0, n);
                                    } // else the differ saw them, and the server's bytes went to the sink
                                }
                                check.producerSucceeded();
                                // what the stored bytes decompress to: the server's tar, or the tar read
                                return sink.finish(sent != null ? tar.serverTarBytes() : raw.count());
                            }
                        });
                    } finally {
                        CompressedUpload.Sink sent = asSent.get();
                        if (sent != null) {
                            sent.close(); // aborts, unless handed over (a reading thread's write then fails)
                        }
                    }
                } else {
                    String key = StorageLayout.backupObjectKey(source.name(), command.backupId(), PACK_OBJECT);
                    try (CompressedUpload.Sink sink =
                            CompressedUpload.open(store, key, properties.physicalZstd(), keys)) {
                        // whole blocks and their small headers: buffered, so zstd sees large writes
                        BlockPack.Writer pack = new BlockPack.Writer(new BufferedOutputStream(sink.stream(), 1 << 16));
                        BlockDiffer differ = new BlockDiffer(map, parent, pack, Set.of(ManifestCapture.MEMBER));
                        copied = stream(tar, source, estimate, reporter, differ, (raw, check) -> {
                            // only the differ's blocks are kept; reads as large as the pipe holds
                            byte[] buffer = new byte[PIPE_READ_BYTES];
                            while (raw.read(buffer) >= 0) {
                                // the differ saw them
                            }
                            check.producerSucceeded();
                            pack.finish();
                            return sink.finish(); // published beside the block map and PostgreSQL's manifest
                        });
                    }
                }
                map.finish();
            }
            done = true;
            return copied.withParentMs(parentWaitMs);
        } catch (IOException e) {
            throw StreamFailures.blockMapFailure(mapFile, e);
        } finally {
            if (!done && copied != null) {
                copied.data().close(); // the data object is not published
            }
        }
    }

    /** Consumes the tar stream ({@code raw}), calling {@code check} once it ended; returns what was stored. */
    @FunctionalInterface
    private interface TarConsumer {
        CompressedUpload.Unpublished consume(CountingInputStream raw, CompressedUpload.ProducerCheck check)
                throws IOException;
    }

    private Copied stream(
            TarSource tar,
            SourceConnection source,
            long estimate,
            JobReporter reporter,
            BlockDiffer differ,
            TarConsumer consumer)
            throws IOException {
        long start = System.nanoTime();
        // one pass over the tar: PostgreSQL's manifest is kept, every file's blocks hashed (and diffed)
        ManifestCapture tap = new ManifestCapture();
        // the server's bytes are read on a thread of their own, ahead of the hashing, packing and compressing
        ReadAhead ahead = ReadAhead.of(tar.stream());
        CopyPhases.StreamTimes times = new CopyPhases.StreamTimes(ahead);
        CountingInputStream raw = new CountingInputStream(StreamFailures.refusingMalformed(
                new TarFollower(times, StreamFailures.localWrites(TarFollower.Listener.all(tap, differ), scratch())),
                source));
        Duration silence = Duration.ofSeconds(source.timeoutsOrDefault().io());
        // the server's own estimate when it gave one (read on the replication session), else the facts' one
        java.util.function.LongSupplier total = () -> estimate > 0 ? estimate : tar.estimatedBytes();
        // the step's first event carries the size: the server's own once it gives it, as its data begins (after
        // its checkpoint); until then the step is CHECKPOINT_STEP, and the ticker only keeps its heartbeat
        AtomicBoolean sized = new AtomicBoolean(estimate > 0);
        boolean serverSizes = !sized.get()
                && tar.onEstimate(bytes -> {
                    sized.set(true);
                    reporter.progress(STEP, 0, 0, bytes);
                });
        try (ProgressTicker ticker = ProgressTicker.every(properties.progressInterval(), () -> {
                    if (serverSizes && !sized.get()) {
                        reporter.tick();
                        return;
                    }
                    long bytes = total.getAsLong();
                    reporter.progress(
                            STEP, bytes <= 0 ? 0 : (int) Math.min(99, raw.count() * 100 / bytes), raw.count(), bytes);
                });
                StallWatchdog watchdog = StallWatchdog.watch(raw::count, silence, tar::stall)) {
            if (serverSizes) {
                reporter.step(CHECKPOINT_STEP, 0);
            } else {
                reporter.progress(STEP, 0, 0, total.getAsLong());
            }
            CompressedUpload.Unpublished stored = consumer.consume(raw, () -> tar.requireSucceeded(STEP));
            return new Copied(stored, tap, differ, times.phases(start, System.nanoTime()));
        } finally {
            ahead.close(); // the tar source's own close (the session's) ends a read it may still be blocked in
        }
    }

    /** {@code choice}'s block hashes, from its block map (SHA-256 checked); none when no parent was found. */
    private Parent loadParent(ParentChooser.Choice choice, boolean requireEncrypted) {
        if (!choice.found()) {
            return new Parent(choice, null, 0);
        }
        long start = System.nanoTime();
        ParentBlocks[] loaded = new ParentBlocks[1];
        try {
            StoredObjects.read(
                    store,
                    encryption,
                    choice.blockMap(),
                    requireEncrypted,
                    MAP_DOWNLOAD_CHUNK,
                    MAP_DOWNLOAD_CONNECTIONS,
                    new AtomicLong(),
                    "block map",
                    plain -> loaded[0] =
                            ParentBlocks.load(plain, choice.blockMap().key(), scratch()));
            return new Parent(choice, loaded[0], (System.nanoTime() - start) / 1_000_000);
        } catch (JobFailureException e) {
            new Parent(choice, loaded[0], 0).close();
            if (e.code() == FailureCode.BACKUP_MALFORMED) {
                // the advice is for a backup, not a restore
                throw new JobFailureException(
                        e.code(),
                        e.getMessage() + " This backup was to be built on it (backup "
                                + choice.parent().backupId() + "): take a FULL backup, which needs no parent.",
                        false,
                        e);
            }
            throw e;
        } catch (RuntimeException e) {
            new Parent(choice, loaded[0], 0).close();
            throw e;
        }
    }

    private CompressedUpload.Stored uploadMap(Path mapFile, String key, Keyring keys) {
        try (CountingInputStream in = new CountingInputStream(Files.newInputStream(mapFile))) {
            return CompressedUpload.write(store, key, in, properties.physicalZstd(), keys, () -> {});
        } catch (IOException e) {
            throw new JobFailureException(
                    FailureCode.INTERNAL,
                    "Could not read back the block map " + mapFile + ": " + e.getMessage(),
                    true,
                    e);
        }
    }

    private static Path scratch() {
        return Path.of(System.getProperty("java.io.tmpdir"));
    }

    private static Path scratchFile() {
        try {
            return Files.createTempFile(scratch(), "strata-blockmap-", ".tmp");
        } catch (IOException e) {
            throw new JobFailureException(
                    FailureCode.INTERNAL,
                    "Could not create a temporary file for the block map in " + scratch() + ": " + e.getMessage(),
                    true,
                    e);
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a temporary file left behind
        }
    }

    private void put(String objectKey, byte[] content) {
        try {
            store.put(objectKey, content);
        } catch (IOException e) {
            throw new JobFailureException(
                    FailureCode.STORAGE_ERROR,
                    "Could not write " + objectKey + ": " + e.getMessage()
                            + ". The backup does not exist; check the object store and retry.",
                    true,
                    e);
        }
    }
}

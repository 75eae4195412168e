package io.strata.platform.catalog;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.strata.common.command.RecoveryTarget;
import io.strata.common.event.JobResult;
import io.strata.common.model.BackupKind;
import io.strata.common.model.BackupType;
import io.strata.common.model.JobKind;
import io.strata.common.model.JobStatus;
import io.strata.common.model.Lsn;
import java.time.Instant;
import java.util.List;

/**
 * The catalog-service's HTTP vocabulary, shared by the catalog (which serves it) and the gateway and
 * workers (which call it). Paths:
 *
 * <pre>
 * POST /api/v1/sources                         NewSource -> 201 SourceView | 409
 * GET  /api/v1/sources, /api/v1/sources/{name} SourceView(s)
 * GET  /internal/v1/sources/{name}/connection  SourceConnection (with password; internal only)
 * POST /internal/v1/jobs                       NewJob (+ its command) -> 201 JobView (200 if it already exists)
 * POST /internal/v1/jobs/{id}/claim            JobClaim -> 200 JobLease; 409 not claimable; 404 unknown
 * POST /internal/v1/jobs/{id}/heartbeat        LeaseRenewal -> 200 JobLease (cancelRequested); 409 lease lost
 * POST /internal/v1/jobs/{id}/cancel           CancelRequest -> 202 CancelAnswer; 409 ended or not safely cancellable
 * GET  /api/v1/jobs?source&status&kind&limit   JobView list, newest first
 * GET  /api/v1/jobs/{jobId}                    JobView
 * GET  /api/v1/backups?source&kind&status&limit BackupView list, newest first
 * GET  /api/v1/backups/{backupId}              BackupView with objects
 * PUT  /api/v1/sources/{name}/wal-archiving    WalArchivingChange -> SourceView
 * GET  /api/v1/sources/{name}/wal-archive      WalArchiveSummary (what the catalog knows of the archive)
 * POST /api/v1/sources/{name}/restore-points   RestorePointView -> 201 | 409 when the name is taken
 * GET  /api/v1/sources/{name}/restore-points   RestorePointView list, newest first
 * GET  /api/v1/sources/{name}/restore-points/{rp}
 * POST /api/v1/sources/{name}/recovery-plans                     RecoveryPlanRequest → RecoveryPlan
 * GET  /api/v1/sources/{name}/restore-points/{rp}/recovery-plan   RecoveryPlan
 * </pre>
 *
 * Every call carries {@code Authorization: Bearer <strata.catalog.token>}.
 */
public final class CatalogApi {
    private CatalogApi() {}

    /** A source as registered: connection details in, the password never out (see SourceConnection). */
    public record NewSource(
            String name,
            String host,
            int port,
            String database,
            String username,
            String password,
            boolean walArchiving,
            SourceTls tls,
            SourceTimeouts timeouts,
            Boolean encrypt) {
        public NewSource(String name, String host, int port, String database, String username, String password) {
            this(name, host, port, database, username, password, false, null, null, null);
        }

        public NewSource(
                String name,
                String host,
                int port,
                String database,
                String username,
                String password,
                boolean walArchiving) {
            this(name, host, port, database, username, password, walArchiving, null, null, null);
        }

        @Override
        public String toString() {
            return "NewSource[name=" + name + ", host=" + host + ", port=" + port + ", database=" + database
                    + ", username=" + username + ", password=" + (password == null ? "none" : "(redacted)")
                    + ", walArchiving=" + walArchiving + ", tls=" + tls + ", timeouts=" + timeouts + ", encrypt="
                    + encrypt + "]";
        }
    }

    /**
     * TLS to a source. {@code sslMode} is libpq's: {@code disable}, {@code prefer} (the default when
     * absent), {@code require}, {@code verify-ca} or {@code verify-full}; {@code caCertificate} is the PEM
     * text of the CA that signed the server's certificate (needed by the verify modes).
     */
    public record SourceTls(String sslMode, String caCertificate) {
        public static final List<String> MODES = List.of("disable", "prefer", "require", "verify-ca", "verify-full");

        public String modeOrDefault() {
            return sslMode == null ? "prefer" : sslMode;
        }
    }

    /**
     * Deadlines for talking to a source. {@code connectSeconds} bounds connecting and logging in (TCP,
     * TLS, authentication); {@code ioSeconds} bounds how long the source may stay silent while a query or a
     * tool's stream (pg_dump, pg_basebackup) waits for it before the job fails with SOURCE_TIMEOUT.
     */
    public record SourceTimeouts(Integer connectSeconds, Integer ioSeconds) {
        public static final int DEFAULT_CONNECT_SECONDS = 10;
        public static final int DEFAULT_IO_SECONDS = 300;

        public int connect() {
            return connectSeconds == null ? DEFAULT_CONNECT_SECONDS : connectSeconds;
        }

        public int io() {
            return ioSeconds == null ? DEFAULT_IO_SECONDS : ioSeconds;
        }
    }

    public record WalArchivingChange(boolean enabled) {}

    /** {@code POST /internal/v1/sources/{source}/wal/cleanup}: forget archived WAL older than the window. */
    public record WalCleanupRequest(int keepDays) {}

    /**
     * What a WAL cleanup took out of the catalog (in one transaction, before any object is deleted, so
     * the catalog never lists WAL that is gone): the objects to delete now, and what stayed.
     */
    public record WalCleanup(
            String source, Instant cutoff, List<PlannedSegment> removed, int keptSegments, String oldestKeptSegment) {}

    /** {@code POST /api/v1/sources/{source}/recovery-plans}: plan recovery to a target, optionally from one backup. */
    public record RecoveryPlanRequest(RecoveryTarget target, String backupId) {}

    /**
     * What recovering a source to a target needs, from the catalog's records: the base backup to start
     * from and the unbroken run of archived WAL after its start (on the backup's timeline). Recovery needs
     * the first {@code segmentsToTarget} of {@code segments} (an estimate for time and xid targets, whose
     * position in the WAL is only known once replayed); the rest are the archive beyond, fetched only if
     * recovery asks for them. {@code problemCode}/{@code problem} say why the target cannot be reached,
     * and {@code reachable} what can; {@code skipped} the newer backups passed over as not usable, and why.
     *
     * <p>{@code timeline} is the timeline recovery follows. When it is newer than the base backup's (the source
     * was promoted or restored onto it after the backup), {@code segments} are each earlier timeline's up to
     * where the next one branched off, then the next one's. {@code histories} are every timeline history file
     * ({@code 00000002.history}) the source's archive holds: recovery reads the one of the timeline it follows,
     * and the restored cluster, seeing which exist, takes a timeline number none of them has.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record RecoveryPlan(
            String source,
            RecoveryTarget target,
            String problemCode,
            String problem,
            PlannedBase base,
            Lsn stopLsn,
            String restorePointServerName,
            Long segmentSize,
            List<PlannedSegment> segments,
            int segmentsToTarget,
            long walBytesToTarget,
            List<String> missingSegments,
            ReachableRange reachable,
            List<SkippedBackup> skipped,
            Integer timeline,
            List<PlannedSegment> histories) {

        public RecoveryPlan {
            skipped = skipped == null ? List.of() : List.copyOf(skipped);
            histories = histories == null ? List.of() : List.copyOf(histories);
        }

        /** A plan on the base backup's own timeline (or none, refused). */
        public RecoveryPlan(
                String source,
                RecoveryTarget target,
                String problemCode,
                String problem,
                PlannedBase base,
                Lsn stopLsn,
                String restorePointServerName,
                Long segmentSize,
                List<PlannedSegment> segments,
                int segmentsToTarget,
                long walBytesToTarget,
                List<String> missingSegments,
                ReachableRange reachable,
                List<SkippedBackup> skipped) {
            this(
                    source,
                    target,
                    problemCode,
                    problem,
                    base,
                    stopLsn,
                    restorePointServerName,
                    segmentSize,
                    segments,
                    segmentsToTarget,
                    walBytesToTarget,
                    missingSegments,
                    reachable,
                    skipped,
                    base == null ? null : base.timeline(),
                    List.of());
        }

        /** Whether recovery follows a newer timeline than the base backup's. */
        public boolean crossesTimelines() {
            return base != null && timeline != null && timeline != base.timeline();
        }

        /** Whether {@code segment} is a timeline history file ({@code 00000002.history}), not WAL. */
        public static boolean isHistory(PlannedSegment segment) {
            return segment.segment().endsWith(".history");
        }

        public boolean possible() {
            return problemCode == null;
        }

        /** The segments recovery needs to reach the target (an estimate for time/xid targets). */
        public List<PlannedSegment> neededSegments() {
            return segments == null ? List.of() : segments.subList(0, Math.min(segmentsToTarget, segments.size()));
        }
    }

    /**
     * A physical backup the planner passed over although it is newer than the base it chose and ends before
     * the target, because its chain is broken or damaged ({@code reason}).
     */
    public record SkippedBackup(String backupId, String reason) {}

    /** Why a target cannot be reached; the gateway answers each with a 422. */
    public enum PlanProblem {
        NO_BASE_BACKUP,
        BEFORE_FIRST_BACKUP,
        BACKUP_NOT_USABLE,
        UNKNOWN_RESTORE_POINT,
        NO_WAL,
        WAL_GAP,
        AFTER_ARCHIVE_END
    }

    /** The physical backup recovery starts from. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PlannedBase(
            String backupId,
            Lsn startLsn,
            Lsn endLsn,
            int timeline,
            Instant finishedAt,
            long storedBytes,
            long sizeBytes,
            String manifestKey,
            List<ChainLink> chain) {
        public PlannedBase {
            chain = chain == null ? List.of() : List.copyOf(chain);
        }

        /** A FULL base backup (its chain is itself). */
        public PlannedBase(
                String backupId,
                Lsn startLsn,
                Lsn endLsn,
                int timeline,
                Instant finishedAt,
                long storedBytes,
                long sizeBytes,
                String manifestKey) {
            this(backupId, startLsn, endLsn, timeline, finishedAt, storedBytes, sizeBytes, manifestKey, List.of());
        }
    }

    /** One backup of a base backup's chain, FULL first: what a restore downloads and applies. */
    public record ChainLink(
            String backupId,
            BackupType type,
            Lsn startLsn,
            Lsn endLsn,
            Instant finishedAt,
            long storedBytes,
            long sizeBytes) {}

    /**
     * An archived segment. In a recovery plan {@code archivedAt} is how far the server's history reaches
     * through it (its coverage, never merely its upload time); in a WAL cleanup, when it was stored.
     */
    public record PlannedSegment(
            String segment,
            String key,
            String sha256,
            boolean partial,
            Lsn endLsn,
            long storedBytes,
            Instant archivedAt) {}

    /**
     * The targets that can be reached: from the end of the oldest physical backup to the end of the unbroken
     * archive after the newest one (or after the chosen one).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ReachableRange(Instant earliestTime, Lsn earliestLsn, Instant latestTime, Lsn latestLsn) {}

    /**
     * A named restore point created on the source with {@code pg_create_restore_point}. {@code archived}
     * (read side only) says whether the WAL holding it is already in the archive.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    /**
     * A named restore point. {@code serverName} is the name written into the WAL by
     * {@code pg_create_restore_point}: Strata makes it unique ({@code strata/<name>/<random>}), because every
     * source on a server shares one WAL stream and recovery stops at the first record of a name.
     */
    public record RestorePointView(
            String name,
            Lsn lsn,
            int timeline,
            Instant createdAt,
            String description,
            Boolean archived,
            String serverName) {}

    /**
     * The archive of one source as recorded from {@code WalSegmentArchived} events. {@code archivedLsn} is
     * the end of the newest durable WAL, partial segments included; null fields mean nothing archived yet.
     * {@code oldestRecoverableTime} is when the oldest physical backup whose WAL is still archived ended:
     * the earliest time a point-in-time restore can reach. {@code gap}: WAL missing between the newest usable
     * physical backup and the newest archived WAL, so that the latest point cannot be restored (null when none, and
     * until the catalog's WAL_GAP alert confirms one).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record WalArchiveSummary(
            String source,
            boolean enabled,
            Integer timeline,
            long segments,
            long totalBytes,
            Lsn archivedLsn,
            String firstSegment,
            String lastSegment,
            Instant lastArchivedAt,
            Instant oldestRecoverableTime,
            WalGap gap) {}

    /**
     * WAL missing from a source's archive on the way from its newest usable physical backup to the newest archived
     * WAL, as the recovery planner finds it for the target "latest": the first missing segment(s), how far a
     * point-in-time restore still reaches (null when not even the backup's own WAL is there), and the planner's
     * words with what to do. It stays until a physical backup taken after the gap makes the latest point
     * reachable again.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record WalGap(
            List<String> missingSegments, Instant latestReachableTime, Lsn latestReachableLsn, String message) {
        public WalGap {
            missingSegments = missingSegments == null ? List.of() : List.copyOf(missingSegments);
        }
    }

    /**
     * A registered source as anyone may see it: never the password, and of the CA certificate only whether
     * one is set. {@code sslMode} and {@code timeouts} are the effective values (defaults filled in).
     * {@code encrypt} is as registered: {@code true} requires encrypted storage, {@code false} stores in
     * clear, absent (null) encrypts whenever the workers have a key.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record SourceView(
            String name,
            String host,
            int port,
            String database,
            String username,
            WalArchiving walArchiving,
            Instant createdAt,
            String sslMode,
            boolean caCertificate,
            SourceTimeouts timeouts,
            Boolean encrypt) {

        /** A view without connection settings (defaults apply): for callers written before they existed. */
        public SourceView(
                String name,
                String host,
                int port,
                String database,
                String username,
                WalArchiving walArchiving,
                Instant createdAt) {
            this(name, host, port, database, username, walArchiving, createdAt, null, false, null, null);
        }
    }

    public record WalArchiving(boolean enabled, String state) {}

    /** What a worker needs to connect; served only on the internal path. */
    public record SourceConnection(
            String name,
            String host,
            int port,
            String database,
            String username,
            String password,
            SourceTls tls,
            SourceTimeouts timeouts,
            Boolean encrypt) {
        public SourceConnection(String name, String host, int port, String database, String username, String password) {
            this(name, host, port, database, username, password, null, null, null);
        }

        public SourceTls tlsOrDefault() {
            return tls == null ? new SourceTls(null, null) : tls;
        }

        public SourceTimeouts timeoutsOrDefault() {
            return timeouts == null ? new SourceTimeouts(null, null) : timeouts;
        }

        /** The same server and login, another database or address (a restored copy on loopback). */
        public SourceConnection at(String newHost, int newPort, String newDatabase) {
            return new SourceConnection(
                    name, newHost, newPort, newDatabase, username, password, tls, timeouts, encrypt);
        }

        /** The same server and database, logged in as another user. */
        public SourceConnection as(String newUsername, String newPassword) {
            return new SourceConnection(name, host, port, database, newUsername, newPassword, tls, timeouts, encrypt);
        }

        /** Never prints the password, should the record end up in a message or a log. */
        @Override
        public String toString() {
            return "SourceConnection[name=" + name + ", host=" + host + ", port=" + port + ", database=" + database
                    + ", username=" + username + ", password=" + (password == null ? "none" : "(redacted)")
                    + ", tls=" + tls + ", timeouts=" + timeouts + ", encrypt=" + encrypt + "]";
        }
    }

    public record NewJob(
            String jobId, JobKind kind, String source, String requestId, String backupId, JobCommand command) {

        /** A job without its command yet ({@link #withCommand} adds it). */
        public NewJob(String jobId, JobKind kind, String source, String requestId, String backupId) {
            this(jobId, kind, source, requestId, backupId, null);
        }

        /** The same job with the command that runs it. */
        public NewJob withCommand(JobCommand command) {
            return new NewJob(jobId, kind, source, requestId, backupId, command);
        }
    }

    /**
     * The command that runs a job, stored with the job in one transaction and put on Kafka by the catalog's
     * outbox relay ({@code topic}, key {@code key}, headers {@code ce_type} and {@code ce_source} =
     * {@code producer}, the JSON {@code payload}). The catalog checks it is the command of this job.
     */
    public record JobCommand(String topic, String key, String ceType, String producer, String payload) {}

    /**
     * {@code POST /internal/v1/jobs/{jobId}/claim}: a worker asks to run a job for {@code leaseSeconds},
     * renewable. {@code owner} names the worker instance (service, host, pid), shown in {@code GET /jobs}.
     */
    public record JobClaim(String owner, int leaseSeconds) {}

    /** {@code POST /internal/v1/jobs/{jobId}/heartbeat}: the owner renews the lease it holds with {@code token}. */
    public record LeaseRenewal(String owner, long token, int leaseSeconds) {}

    /**
     * A granted claim or renewal: {@code owner} runs the job until {@code expiresAt} unless it renews;
     * {@code token} grows with every new owner and fences events (header {@code strata_lease_token});
     * {@code cancelRequested}: someone asked to cancel the job, so its worker stops it.
     */
    public record JobLease(String jobId, String owner, long token, Instant expiresAt, boolean cancelRequested) {
        public JobLease(String jobId, String owner, long token, Instant expiresAt) {
            this(jobId, owner, token, expiresAt, false);
        }
    }

    /**
     * {@code POST /internal/v1/jobs/{jobId}/cancel}: {@code actor} (who asked, for the record) wants the job
     * stopped.
     */
    public record CancelRequest(String actor) {}

    /**
     * The answer to a cancel: {@code status} is CANCELLED when the job ended at once (it was QUEUED), RUNNING
     * while its worker is stopping it; {@code message} says which.
     */
    public record CancelAnswer(String jobId, JobStatus status, String message) {}

    /**
     * A job as the catalog holds it. {@code owner} is the worker that claimed it last (kept once the job
     * ended), {@code heartbeatAt} when that worker last renewed its lease, {@code leaseExpiresAt} when the
     * lease runs out unless renewed (absent once the job ended); all three are absent for a job never claimed.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record JobView(
            String jobId,
            JobKind kind,
            String source,
            JobStatus status,
            int progressPercent,
            String currentStep,
            long bytesDone,
            long bytesTotal,
            Instant createdAt,
            Instant startedAt,
            Instant finishedAt,
            JobError error,
            String backupId,
            String requestId,
            JobResult result,
            String owner,
            Instant heartbeatAt,
            Instant leaseExpiresAt,
            Instant cancelRequestedAt) {

        /** A job view of a job nobody asked to cancel. */
        public JobView(
                String jobId,
                JobKind kind,
                String source,
                JobStatus status,
                int progressPercent,
                String currentStep,
                long bytesDone,
                long bytesTotal,
                Instant createdAt,
                Instant startedAt,
                Instant finishedAt,
                JobError error,
                String backupId,
                String requestId,
                JobResult result,
                String owner,
                Instant heartbeatAt,
                Instant leaseExpiresAt) {
            this(
                    jobId,
                    kind,
                    source,
                    status,
                    progressPercent,
                    currentStep,
                    bytesDone,
                    bytesTotal,
                    createdAt,
                    startedAt,
                    finishedAt,
                    error,
                    backupId,
                    requestId,
                    result,
                    owner,
                    heartbeatAt,
                    leaseExpiresAt,
                    null);
        }

        /** A job view without its result or lease (a job that has not succeeded, never claimed). */
        public JobView(
                String jobId,
                JobKind kind,
                String source,
                JobStatus status,
                int progressPercent,
                String currentStep,
                long bytesDone,
                long bytesTotal,
                Instant createdAt,
                Instant startedAt,
                Instant finishedAt,
                JobError error,
                String backupId,
                String requestId) {
            this(
                    jobId,
                    kind,
                    source,
                    status,
                    progressPercent,
                    currentStep,
                    bytesDone,
                    bytesTotal,
                    createdAt,
                    startedAt,
                    finishedAt,
                    error,
                    backupId,
                    requestId,
                    null,
                    null,
                    null,
                    null);
        }
    }

    public record JobError(String code, String message) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record BackupView(
            String backupId,
            String source,
            BackupKind kind,
            BackupType type,
            String status,
            Long sizeBytes,
            Long storedBytes,
            String sha256,
            Instant startedAt,
            Instant finishedAt,
            Lsn startLsn,
            Lsn endLsn,
            String parentBackupId,
            String description,
            String database,
            Boolean schemaOnly,
            String jobId,
            String manifestKey,
            List<BackupObject> objects,
            BackupType requestedType,
            String typeReason,
            List<String> chain,
            Long readBytes,
            Long changedBytes,
            Boolean usable,
            String unusableReason,
            List<String> dependents,
            Instant verifiedAt,
            String corruption,
            Instant deletedAt) {}

    public record BackupObject(String key, long sizeBytes, String sha256) {}

    /**
     * A DELETE job's request to forget a backup ({@code POST /internal/v1/backups/{id}/deletion}): with
     * {@code cascade}, its dependents too. Answered with {@link ForgottenBackups}; 409 while it has dependents
     * and no cascade was asked, or while it is still being taken.
     */
    public record BackupDeletion(String jobId, boolean cascade) {}

    /**
     * The backups a DELETE job forgot (the asked one and its dependents, newest first): the catalog no longer
     * lists or plans from them; the caller deletes their objects. Asked again by the same job, the same list.
     */
    public record ForgottenBackups(String source, List<String> backupIds) {}

    /**
     * What a VERIFY job found ({@code POST /internal/v1/backups/{id}/verification}): the backups it checked
     * (the chain, FULL first) and each missing or corrupt object. A checked backup without problems is
     * recorded verified; one with problems is recorded corrupt, and every chain through it is not usable.
     */
    public record VerificationReport(String jobId, List<String> checkedBackupIds, List<VerificationProblem> problems) {}

    /** One object a VERIFY found missing or corrupt, and the backup it belongs to. */
    public record VerificationProblem(String backupId, String key, String problem) {}

    /**
     * One entry of the audit trail: {@code GET /api/v1/audit?since&actor&limit} answers them newest first
     * ({@code since} RFC 3339, inclusive; {@code limit} default 50, capped at 500). The catalog stores them
     * from {@code strata.audit}; see {@code io.strata.common.audit.AuditRecorded} for each field.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record AuditView(
            String auditId,
            Instant occurredAt,
            String actor,
            String role,
            String action,
            String target,
            int status,
            io.strata.common.audit.AuditOutcome outcome,
            String requestId,
            String clientAddress,
            List<String> queryParameterNames,
            long durationMillis) {}

    /**
     * A physical backup a point-in-time restore, or a differential or incremental backup, may start from
     * ({@code GET /api/v1/sources/{source}/base-backups}, oldest first): it succeeded, its WAL positions are
     * known, and every backup of its chain ({@code chain}, from the full one to itself) is usable too.
     */
    public record BaseBackupView(
            String backupId,
            BackupType type,
            String parentBackupId,
            List<String> chain,
            String systemIdentifier,
            int timeline,
            Lsn startLsn,
            Lsn endLsn,
            Instant finishedAt,
            long storedBytes,
            long sizeBytes,
            String manifestKey) {}
}

package io.strata.platform.catalog;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.strata.common.model.BackupKind;
import io.strata.common.model.BackupType;
import java.time.Instant;
import java.time.LocalDateTime;
import java.util.List;

/**
 * Backup policies on the wire (issue #10), shared by the gateway, which checks and forwards them, and the
 * catalog, which stores them and runs their schedules. Paths:
 *
 * <pre>
 * PUT  /internal/v1/sources/{name}/policy      PolicyUpdate (checked) -> 200 PolicyView; 404 unknown source
 * GET  /api/v1/sources/{name}/policy           PolicyView; 404 when the source has none
 * GET  /api/v1/policies                        PolicyView list, by source
 * GET  /api/v1/sources/{name}/schedule-runs    ScheduleRunView list, newest first
 * POST /api/v1/sources/{name}/retention/preview RetentionPreview (what the policy's retention would do now)
 * POST /internal/v1/sources/{name}/retention/forgetting RetentionForgetting -> RetentionForgotten (RETENTION jobs)
 * GET  /api/v1/alerts?source&state&limit      AlertView list, newest first
 * GET  /api/v1/sources/{name}/summary          SourceSummary
 * </pre>
 */
public final class PolicyApi {
    private PolicyApi() {}

    /**
     * What a user sets once per source. Every part may be left out: no schedules, no retention, no
     * verification, no staleness alert. {@code zone} defaults to UTC.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record BackupPolicy(
            List<PolicySchedule> schedules,
            String zone,
            RetentionRules retention,
            VerifyPolicy verify,
            Integer staleAfterHours) {

        public static final String DEFAULT_ZONE = "UTC";

        public List<PolicySchedule> schedulesOrEmpty() {
            return schedules == null ? List.of() : schedules;
        }

        public String zoneOrDefault() {
            return zone == null ? DEFAULT_ZONE : zone;
        }
    }

    /** The gateway's request to set a source's policy, and who asked (for the audit). */
    public record PolicyUpdate(String actor, BackupPolicy policy) {}

    /** A backup taken on a cron schedule. */
    public record PolicySchedule(BackupKind kind, BackupType type, String cron) {}

    /**
     * restic's {@code forget} rules plus a recovery window: a backup is kept when any rule keeps it; a
     * rule left out keeps nothing.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record RetentionRules(
            Integer keepLast,
            Integer keepDaily,
            Integer keepWeekly,
            Integer keepMonthly,
            Integer keepYearly,
            Integer keepWithinDays,
            Integer recoveryWindowDays) {}

    /** When to re-hash the newest chain ({@code cron}) and when to restore it as a drill. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record VerifyPolicy(String cron, String restoreDrillCron) {}

    /** A source's policy as stored, with when it was set and the next run of each of its schedules. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PolicyView(
            String source,
            List<PolicySchedule> schedules,
            String zone,
            RetentionRules retention,
            VerifyPolicy verify,
            Integer staleAfterHours,
            Instant updatedAt,
            List<NextRun> nextRuns) {}

    /**
     * The next run of one schedule: {@code job} is {@code BACKUP} (with the backup's kind and type),
     * {@code VERIFY} or {@code RESTORE_DRILL}; {@code at} is the instant, {@code localTime} the wall-clock
     * slot in the policy's zone.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record NextRun(
            ScheduledJob job, BackupKind kind, BackupType type, String cron, Instant at, LocalDateTime localTime) {}

    /** What a schedule runs: a backup (of the schedule's kind and type), a VERIFY job, or a restore drill. */
    public enum ScheduledJob {
        BACKUP,
        VERIFY,
        RESTORE_DRILL
    }

    /** What became of one slot of a schedule. */
    public enum ScheduleRunState {
        /** A job was queued for it ({@code jobId}). */
        FIRED,
        /** Not run, and why ({@code reason}): the source was busy, or could not take it. */
        SKIPPED,
        /** Its time passed while no scheduler ran, beyond the grace period. */
        MISSED
    }

    /** One slot of one schedule of a source and what became of it. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ScheduleRunView(
            Instant slot,
            ScheduledJob job,
            BackupKind kind,
            BackupType type,
            String cron,
            ScheduleRunState state,
            String reason,
            String jobId,
            Instant recordedAt) {}

    /**
     * What a source's retention rules would do now: the backups kept (each with the rules and dependencies
     * that keep it), those deleted, and the WAL that would go with them.
     */
    public record RetentionPreview(
            String source,
            Instant at,
            List<KeptBackup> keep,
            List<DeletedBackup> delete,
            WalRetentionPreview wal,
            long deleteBytes) {}

    public record KeptBackup(String backupId, BackupKind kind, List<String> reasons) {}

    public record DeletedBackup(String backupId, BackupKind kind, long bytes) {}

    /**
     * The archived WAL segments that would be deleted (archived before {@code cutoff}, needed by no kept
     * backup or restore point) and how many stay.
     */
    public record WalRetentionPreview(int deleteSegments, long deleteBytes, int keepSegments, Instant cutoff) {}

    /** A RETENTION job's request to forget what the source's retention plan deletes now. */
    public record RetentionForgetting(String jobId) {}

    /**
     * What a RETENTION job made the catalog forget (asked again by the same job, the same answer): the
     * backups (newest first) whose objects to delete now, and the archived WAL objects.
     */
    public record RetentionForgotten(String source, List<String> backupIds, List<String> walKeys, long walBytes) {}

    /**
     * An alert as the catalog keeps it ({@code GET /api/v1/alerts}): {@code state} FIRING while open, RESOLVED
     * with when and why once it ended.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record AlertView(
            long id,
            String source,
            String alert,
            String state,
            String severity,
            String message,
            Instant since,
            Instant resolvedAt,
            String resolution) {}

    /**
     * A source at a glance ({@code GET /api/v1/sources/{name}/summary}): its backups by kind and type, what
     * they take in storage, what can be restored (the point-in-time span, the logical snapshots), the next
     * runs of its schedules, its open alerts, and one word for its health with the reason.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record SourceSummary(
            String source,
            Instant at,
            String health,
            String healthReason,
            List<BackupSeries> backups,
            long storedBytes,
            PointInTimeSpan pointInTime,
            LogicalSnapshots logicalSnapshots,
            List<NextRun> nextRuns,
            List<AlertView> openAlerts) {}

    /** Successful, not deleted backups of one kind and type. */
    public record BackupSeries(BackupKind kind, BackupType type, long count, long storedBytes, Instant newestSuccess) {}

    /** The span a point-in-time restore can reach: from the end of the oldest usable physical backup on. */
    public record PointInTimeSpan(Instant earliest, Instant latest) {}

    /** The logical backups a restore can return to, oldest and newest. */
    public record LogicalSnapshots(long count, Instant oldest, Instant newest) {}

    /**
     * One restore drill of a source: its job and state, the backup it restored, whether a schedule started it,
     * and, once it passed, its report; a failed drill has its error instead.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record DrillView(
            String jobId,
            String status,
            String backupId,
            boolean scheduled,
            String requestId,
            Instant createdAt,
            Instant startedAt,
            Instant finishedAt,
            CatalogApi.JobError error,
            io.strata.common.event.JobResult.DrillResult report) {}

    /** Asks for a restore drill: of {@code backupId}, or (null) of the backup a drill takes by default. */
    public record DrillRequest(String backupId, String requestId) {}
}

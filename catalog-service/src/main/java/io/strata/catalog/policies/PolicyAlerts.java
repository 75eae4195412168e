package io.strata.catalog.policies;

import io.strata.catalog.alerts.AlertBook;
import io.strata.catalog.support.SqlTime;
import io.strata.common.alert.Alert;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * The alerts of sources with a policy, each firing once and resolving once, their state in the catalog's
 * database ({@link AlertBook}) so a restart neither repeats nor forgets them:
 *
 * <ul>
 *   <li>{@code BACKUP_STALE}: a source whose policy sets {@code staleAfterHours} has had no successful
 *       backup (of any kind) for that long, counted from its newest success, or from when the policy was set
 *       if it never had one; resolves once a backup succeeds or the policy stops asking;
 *   <li>{@code BACKUP_FAILED}: the newest scheduled backup of the source failed; resolves when a later one
 *       succeeds;
 *   <li>{@code VERIFY_FAILED}: the newest VERIFY job of the source failed (naming what it found); resolves
 *       when a later one succeeds;
 *   <li>{@code DRILL_FAILED}: the newest restore drill of the source failed (its restore, or a check of the
 *       restored cluster); resolves when a later one passes.
 * </ul>
 */
@Component
class PolicyAlerts {
    static final String STALE = "BACKUP_STALE";
    static final String BACKUP_FAILED = "BACKUP_FAILED";
    static final String VERIFY_FAILED = "VERIFY_FAILED";
    static final String DRILL_FAILED = "DRILL_FAILED";
    private static final Logger log = LoggerFactory.getLogger(PolicyAlerts.class);
    private final AlertBook alerts;
    private final JdbcClient jdbc;
    private final Clock clock;

    PolicyAlerts(AlertBook alerts, JdbcClient jdbc, Clock clock) {
        this.alerts = alerts;
        this.jdbc = jdbc;
        this.clock = clock;
    }

    @Scheduled(
            fixedDelayString = "${strata.alerts.evaluate-every:5s}",
            initialDelayString = "${strata.alerts.evaluate-every:5s}")
    void onSchedule() {
        try {
            evaluate();
        } catch (DataAccessException e) {
            log.warn("Could not evaluate backup staleness (trying again): {}", e.getMessage());
        }
    }

    /**
     * What one evaluation needs of a source, read for every source in one query: its open alerts, its newest
     * finished drill, scheduled backup and verification, its newest successful backup, and its policy's
     * staleness threshold ({@code policyUpdatedAt} null when it has no policy).
     */
    private record SourceState(
            String source,
            Set<String> openCodes,
            Instant policyUpdatedAt,
            Integer staleAfterHours,
            Finished drill,
            Finished scheduledBackup,
            Finished verify,
            Instant newestSuccess) {}

    private static final String NEWEST_JOB = """
            LEFT JOIN LATERAL (
                SELECT j.job_id::text AS job_id, j.status, j.error_code, j.error_message, j.finished_at FROM job j
                 WHERE j.source = s.name AND j.kind = '%s' AND j.status IN ('SUCCEEDED', 'FAILED') %s
                 ORDER BY j.finished_at DESC NULLS LAST
                 LIMIT 1) %s ON true
            """;

    /** Every source with a policy or a drill, and what {@link #evaluate()} needs of it. */
    private List<SourceState> sources() {
        String sql = """
                SELECT s.name AS source, p.updated_at AS policy_updated_at,
                       (p.policy ->> 'staleAfterHours')::int AS stale_after_hours,
                       ARRAY(SELECT a.alert FROM alert a WHERE a.source = s.name AND a.resolved_at IS NULL) AS open_codes,
                       d.job_id AS d_job_id, d.status AS d_status, d.error_code AS d_error_code,
                       d.error_message AS d_error_message, d.finished_at AS d_finished_at,
                       b.job_id AS b_job_id, b.status AS b_status, b.error_code AS b_error_code,
                       b.error_message AS b_error_message, b.finished_at AS b_finished_at,
                       v.job_id AS v_job_id, v.status AS v_status, v.error_code AS v_error_code,
                       v.error_message AS v_error_message, v.finished_at AS v_finished_at,
                       (SELECT max(k.finished_at) FROM backup k
                         WHERE k.source = s.name AND k.status = 'SUCCEEDED' AND k.deleted_at IS NULL) AS newest_success
                  FROM source s
                  LEFT JOIN source_policy p ON p.source = s.name
                """
                + NEWEST_JOB.formatted("RESTORE_DRILL", "", "d")
                + NEWEST_JOB.formatted("BACKUP", "AND p.source IS NOT NULL AND j.request_id LIKE 'schedule %'", "b")
                + NEWEST_JOB.formatted("VERIFY", "AND p.source IS NOT NULL", "v")
                + " WHERE p.source IS NOT NULL OR d.job_id IS NOT NULL ORDER BY s.name";
        return jdbc.sql(sql)
                .query((rs, row) -> {
                    java.sql.Array codes = rs.getArray("open_codes");
                    int hours = rs.getInt("stale_after_hours");
                    Integer staleAfterHours = rs.wasNull() ? null : hours;
                    return new SourceState(
                            rs.getString("source"),
                            Set.of((String[]) codes.getArray()),
                            SqlTime.read(rs, "policy_updated_at"),
                            staleAfterHours,
                            finished(rs, "d_"),
                            finished(rs, "b_"),
                            finished(rs, "v_"),
                            SqlTime.read(rs, "newest_success"));
                })
                .list();
    }

    private Finished finished(ResultSet rs, String prefix) throws SQLException {
        String jobId = rs.getString(prefix + "job_id");
        if (jobId == null) {
            return null;
        }
        return new Finished(
                jobId,
                "FAILED".equals(rs.getString(prefix + "status")),
                error(rs.getString(prefix + "error_code"), rs.getString(prefix + "error_message")),
                Objects.requireNonNullElse(SqlTime.read(rs, prefix + "finished_at"), clock.instant()));
    }

    private static String error(String code, String message) {
        if (code == null && message == null) {
            return "it recorded no error";
        }
        return Objects.requireNonNullElse(code, "UNKNOWN") + ": " + Objects.requireNonNullElse(message, "");
    }

    void evaluate() {
        Instant now = clock.instant();
        for (SourceState state : sources()) {
            String source = state.source();
            Set<String> openCodes = state.openCodes();
            // drills may be asked for without a policy: every source that had one is followed
            if (state.drill() != null) {
                follow(source, DRILL_FAILED, "restore drill", state.drill(), openCodes, now);
            }
            if (state.policyUpdatedAt() == null) {
                continue;
            }
            if (state.scheduledBackup() != null) {
                follow(source, BACKUP_FAILED, "scheduled backup", state.scheduledBackup(), openCodes, now);
            }
            if (state.verify() != null) {
                follow(source, VERIFY_FAILED, "verification", state.verify(), openCodes, now);
            }
            boolean open = openCodes.contains(STALE);
            Integer hours = state.staleAfterHours();
            if (hours == null) {
                if (open) {
                    resolve(source, "the policy of " + source + " no longer sets staleAfterHours", now);
                }
                continue;
            }
            Optional<Instant> newest = Optional.ofNullable(state.newestSuccess());
            Instant since = newest.orElse(state.policyUpdatedAt());
            Duration age = Duration.between(since, now);
            boolean stale = age.compareTo(Duration.ofHours(hours)) > 0;
            if (stale && !open) {
                String what = newest.map(t -> "its newest successful backup finished at " + t)
                        .orElse("it has had no successful backup since its policy was set at " + since);
                alerts.record(new Alert(
                        Alert.SCHEMA_VERSION,
                        source,
                        STALE,
                        Alert.FIRING,
                        "critical",
                        "No successful backup of " + source + " for more than " + hours + " h: " + what
                                + ". Check GET /api/v1/sources/" + source + "/schedule-runs and the failed jobs"
                                + " (GET /api/v1/jobs?source=" + source + "&status=FAILED).",
                        since.plus(Duration.ofHours(hours)),
                        now));
            } else if (!stale && open) {
                resolve(source, "a backup of " + source + " succeeded at " + since, now);
            }
        }
    }

    /** {@code text} ending in one full stop, whether or not it already had one. */
    static String sentence(String text) {
        String trimmed = text == null ? "" : text.strip();
        return trimmed.endsWith(".") ? trimmed : trimmed + ".";
    }

    /** A finished job: its id, whether it failed, and its error. */
    private record Finished(String jobId, boolean failed, String error, Instant finishedAt) {}

    /** Fires {@code code} when the newest such job failed, resolves it when the newest succeeded. */
    private void follow(String source, String code, String what, Finished job, Set<String> open, Instant now) {
        if (job.failed() && !open.contains(code)) {
            alerts.record(new Alert(
                    Alert.SCHEMA_VERSION,
                    source,
                    code,
                    Alert.FIRING,
                    "critical",
                    "The newest " + what + " of " + source + " (job " + job.jobId() + ") failed: "
                            + sentence(job.error()) + " See GET /api/v1/jobs/" + job.jobId() + ".",
                    job.finishedAt(),
                    now));
        } else if (!job.failed() && open.contains(code)) {
            alerts.record(new Alert(
                    Alert.SCHEMA_VERSION,
                    source,
                    code,
                    Alert.RESOLVED,
                    "critical",
                    "a later " + what + " of " + source + " (job " + job.jobId() + ") succeeded",
                    job.finishedAt(),
                    now));
        }
    }

    private void resolve(String source, String why, Instant now) {
        alerts.record(new Alert(Alert.SCHEMA_VERSION, source, STALE, Alert.RESOLVED, "critical", why, now, now));
    }
}

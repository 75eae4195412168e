package io.strata.catalog.policies;

import io.strata.catalog.alerts.AlertBook;
import io.strata.catalog.policies.PolicyStore.StoredPolicy;
import io.strata.catalog.support.SqlTime;
import io.strata.common.alert.Alert;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
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
    private final PolicyStore policies;
    private final AlertBook alerts;
    private final JdbcClient jdbc;
    private final Clock clock;

    PolicyAlerts(PolicyStore policies, AlertBook alerts, JdbcClient jdbc, Clock clock) {
        this.policies = policies;
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

    void evaluate() {
        Instant now = clock.instant();
        // drills may be asked for without a policy: every source that had one is followed
        for (String source : jdbc.sql("SELECT DISTINCT source FROM job WHERE kind = 'RESTORE_DRILL'")
                .query(String.class)
                .list()) {
            Set<String> openCodes = alerts.openCodes(source);
            newestJob(source, "kind = 'RESTORE_DRILL'")
                    .ifPresent(job -> follow(source, DRILL_FAILED, "restore drill", job, openCodes, now));
        }
        for (StoredPolicy stored : policies.findAll()) {
            String source = stored.source();
            Set<String> openCodes = alerts.openCodes(source);
            newestJob(source, "kind = 'BACKUP' AND request_id LIKE 'schedule %'")
                    .ifPresent(job -> follow(source, BACKUP_FAILED, "scheduled backup", job, openCodes, now));
            newestJob(source, "kind = 'VERIFY'")
                    .ifPresent(job -> follow(source, VERIFY_FAILED, "verification", job, openCodes, now));
            boolean open = openCodes.contains(STALE);
            Integer hours = stored.policy().staleAfterHours();
            if (hours == null) {
                if (open) {
                    resolve(source, "the policy of " + source + " no longer sets staleAfterHours", now);
                }
                continue;
            }
            Optional<Instant> newest = newestSuccess(source);
            Instant since = newest.orElse(stored.updatedAt());
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

    private Optional<Finished> newestJob(String source, String condition) {
        return jdbc.sql("SELECT job_id::text AS job_id, status, error_code, error_message, finished_at FROM job"
                        + " WHERE source = ? AND status IN ('SUCCEEDED', 'FAILED') AND " + condition
                        + " ORDER BY finished_at DESC NULLS LAST LIMIT 1")
                .param(source)
                .query((rs, row) -> new Finished(
                        rs.getString("job_id"),
                        "FAILED".equals(rs.getString("status")),
                        rs.getString("error_code") + ": " + rs.getString("error_message"),
                        Objects.requireNonNullElse(SqlTime.read(rs, "finished_at"), clock.instant())))
                .optional();
    }

    private void resolve(String source, String why, Instant now) {
        alerts.record(new Alert(Alert.SCHEMA_VERSION, source, STALE, Alert.RESOLVED, "critical", why, now, now));
    }

    private Optional<Instant> newestSuccess(String source) {
        return jdbc.sql("""
                        SELECT max(finished_at) AS newest FROM backup
                         WHERE source = ? AND status = 'SUCCEEDED' AND deleted_at IS NULL""")
                .param(source)
                .query((rs, row) -> Optional.ofNullable(SqlTime.read(rs, "newest")))
                .single();
    }
}

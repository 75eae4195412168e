package io.strata.catalog.policies;

import io.strata.catalog.alerts.AlertBook;
import io.strata.catalog.recovery.Recoverability;
import io.strata.catalog.support.SqlTime;
import io.strata.common.alert.Alert;
import io.strata.common.model.BackupKind;
import io.strata.common.model.BackupType;
import io.strata.platform.catalog.PolicyApi.AlertView;
import io.strata.platform.catalog.PolicyApi.BackupSeries;
import io.strata.platform.catalog.PolicyApi.LogicalSnapshots;
import io.strata.platform.catalog.PolicyApi.NextRun;
import io.strata.platform.catalog.PolicyApi.PointInTimeSpan;
import io.strata.platform.catalog.PolicyApi.SourceSummary;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * A source's summary from the catalog's records. Health is one word: {@code CRITICAL} with a critical alert
 * open, {@code WARNING} with another alert open or when its newest backup job failed, {@code NONE} before
 * its first successful backup, else {@code OK}; the reason says which.
 */
@Component
class SourceSummaries {
    private final JdbcClient jdbc;
    private final PolicyStore policies;
    private final AlertBook alerts;
    private final Recoverability recoverability;

    SourceSummaries(JdbcClient jdbc, PolicyStore policies, AlertBook alerts, Recoverability recoverability) {
        this.jdbc = jdbc;
        this.policies = policies;
        this.alerts = alerts;
        this.recoverability = recoverability;
    }

    SourceSummary summary(String source, Instant now) {
        List<BackupSeries> series = jdbc.sql("""
                        SELECT kind, COALESCE(type, 'FULL') AS type, count(*) AS n,
                               sum(COALESCE(stored_bytes, size_bytes, 0)) AS bytes, max(finished_at) AS newest
                          FROM backup
                         WHERE source = ? AND status = 'SUCCEEDED' AND deleted_at IS NULL AND kind IS NOT NULL
                         GROUP BY kind, COALESCE(type, 'FULL') ORDER BY kind, type""")
                .param(source)
                .query((rs, row) -> new BackupSeries(
                        BackupKind.valueOf(rs.getString("kind")),
                        BackupType.valueOf(rs.getString("type")),
                        rs.getLong("n"),
                        rs.getLong("bytes"),
                        SqlTime.read(rs, "newest")))
                .list();
        PointInTimeSpan pointInTime = recoverability
                .pointInTime(source)
                .filter(r -> r.earliestTime() != null)
                .map(r -> new PointInTimeSpan(r.earliestTime(), r.latestTime()))
                .orElse(null);
        LogicalSnapshots logical = jdbc.sql("""
                        SELECT count(*) AS n, min(finished_at) AS oldest, max(finished_at) AS newest FROM backup
                         WHERE source = ? AND kind = 'LOGICAL' AND status = 'SUCCEEDED' AND deleted_at IS NULL""")
                .param(source)
                .query((rs, row) ->
                        new LogicalSnapshots(rs.getLong("n"), SqlTime.read(rs, "oldest"), SqlTime.read(rs, "newest")))
                .single();
        List<NextRun> next = policies.find(source)
                .map(p -> PolicyController.view(p, now).nextRuns())
                .orElse(List.of());
        List<AlertView> open = alerts.list(source, Alert.FIRING, 100);
        String[] health = health(source, series, open, now);
        return new SourceSummary(
                source,
                now,
                health[0],
                health[1],
                series,
                series.stream().mapToLong(BackupSeries::storedBytes).sum(),
                pointInTime,
                logical.count() == 0 ? null : logical,
                next,
                open);
    }

    private String[] health(String source, List<BackupSeries> series, List<AlertView> open, Instant now) {
        Optional<AlertView> critical =
                open.stream().filter(a -> "critical".equals(a.severity())).findFirst();
        if (critical.isPresent()) {
            return new String[] {
                "CRITICAL", critical.get().alert() + ": " + critical.get().message()
            };
        }
        if (!open.isEmpty()) {
            return new String[] {
                "WARNING", open.getFirst().alert() + ": " + open.getFirst().message()
            };
        }
        Optional<String[]> lastJob = jdbc.sql("""
                        SELECT status, job_id::text AS job_id, error_code FROM job
                         WHERE source = ? AND kind = 'BACKUP' AND status IN ('SUCCEEDED', 'FAILED')
                         ORDER BY finished_at DESC NULLS LAST LIMIT 1""")
                .param(source)
                .query((rs, row) ->
                        new String[] {rs.getString("status"), rs.getString("job_id"), rs.getString("error_code")})
                .optional();
        if (lastJob.isPresent() && "FAILED".equals(lastJob.get()[0])) {
            return new String[] {
                "WARNING", "its newest backup job " + lastJob.get()[1] + " failed (" + lastJob.get()[2] + ")"
            };
        }
        Optional<Instant> newest = series.stream()
                .map(BackupSeries::newestSuccess)
                .filter(java.util.Objects::nonNull)
                .max(Instant::compareTo);
        if (newest.isEmpty()) {
            return new String[] {"NONE", "no successful backup of " + source + " yet"};
        }
        Duration age = Duration.between(newest.get(), now);
        return new String[] {"OK", "its newest successful backup finished " + age.toMinutes() + " min ago"};
    }
}

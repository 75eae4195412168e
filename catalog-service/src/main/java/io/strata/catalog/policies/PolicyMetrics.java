package io.strata.catalog.policies;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.MultiGauge.Row;
import io.micrometer.core.instrument.Tags;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * What a Prometheus alert rule needs to watch every source without asking the API, refreshed from the
 * catalog's records every {@code strata.alerts.evaluate-every}:
 *
 * <ul>
 *   <li>{@code strata_backup_last_success_timestamp_seconds{source,kind,type}}: when the newest successful
 *       backup of each kind and type finished;
 *   <li>{@code strata_backup_stored_bytes{source,kind,type}}: what the successful backups not deleted take
 *       in storage;
 *   <li>{@code strata_schedule_next_run_timestamp_seconds{source,job,type}}: the next slot of each schedule
 *       ({@code type} is the backup type, or the job for VERIFY and RESTORE_DRILL schedules).
 * </ul>
 */
@Component
class PolicyMetrics {
    private static final Logger log = LoggerFactory.getLogger(PolicyMetrics.class);
    private final JdbcClient jdbc;
    private final PolicyStore policies;
    private final Clock clock;
    private final MultiGauge lastSuccess;
    private final MultiGauge storedBytes;
    private final MultiGauge nextRun;

    PolicyMetrics(JdbcClient jdbc, PolicyStore policies, Clock clock, MeterRegistry registry) {
        this.jdbc = jdbc;
        this.policies = policies;
        this.clock = clock;
        this.lastSuccess = MultiGauge.builder("strata.backup.last.success.timestamp")
                .baseUnit("seconds")
                .description("When the newest successful backup of the source, kind and type finished")
                .register(registry);
        this.storedBytes = MultiGauge.builder("strata.backup.stored")
                .baseUnit("bytes")
                .description("Bytes in storage of the source's successful backups not deleted, by kind and type")
                .register(registry);
        this.nextRun = MultiGauge.builder("strata.schedule.next.run.timestamp")
                .baseUnit("seconds")
                .description("The next slot of each schedule of the source's policy")
                .register(registry);
    }

    @Scheduled(
            fixedDelayString = "${strata.alerts.evaluate-every:5s}",
            initialDelayString = "${strata.alerts.evaluate-every:5s}")
    void onSchedule() {
        try {
            refresh();
        } catch (DataAccessException e) {
            log.warn("Could not refresh the policy metrics (trying again): {}", e.getMessage());
        }
    }

    void refresh() {
        List<Row<?>> last = new ArrayList<>();
        List<Row<?>> stored = new ArrayList<>();
        jdbc.sql("""
                        SELECT source, kind, COALESCE(type, 'FULL') AS type,
                               extract(epoch FROM max(finished_at)) AS newest,
                               sum(COALESCE(stored_bytes, size_bytes, 0)) AS bytes
                          FROM backup
                         WHERE status = 'SUCCEEDED' AND deleted_at IS NULL AND kind IS NOT NULL
                         GROUP BY source, kind, COALESCE(type, 'FULL')""")
                .query((rs, row) -> {
                    Tags tags = Tags.of(
                            "source",
                            rs.getString("source"),
                            "kind",
                            rs.getString("kind"),
                            "type",
                            rs.getString("type"));
                    last.add(Row.of(tags, rs.getDouble("newest")));
                    stored.add(Row.of(tags, rs.getDouble("bytes")));
                    return null;
                })
                .list();
        lastSuccess.register(last, true);
        storedBytes.register(stored, true);
        Instant now = clock.instant();
        // the earliest slot when two schedules run the same job and type (two FULL crons, say)
        Map<Tags, Long> earliest = new LinkedHashMap<>();
        policies.findAll()
                .forEach(p -> PolicyController.view(p, now)
                        .nextRuns()
                        .forEach(run -> earliest.merge(
                                Tags.of(
                                        "source",
                                        p.source(),
                                        "job",
                                        run.job().name(),
                                        "type",
                                        run.type() == null
                                                ? run.job().name()
                                                : run.type().name()),
                                run.at().getEpochSecond(),
                                Math::min)));
        List<Row<?>> next = new ArrayList<>();
        earliest.forEach((tags, at) -> next.add(Row.of(tags, at)));
        nextRun.register(next, true);
    }
}

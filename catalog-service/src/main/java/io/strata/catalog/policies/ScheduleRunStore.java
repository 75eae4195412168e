package io.strata.catalog.policies;

import io.strata.catalog.support.SqlTime;
import io.strata.common.model.BackupKind;
import io.strata.common.model.BackupType;
import io.strata.platform.catalog.PolicyApi.ScheduleRunState;
import io.strata.platform.catalog.PolicyApi.ScheduleRunView;
import io.strata.platform.catalog.PolicyApi.ScheduledJob;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The {@code schedule_run} table: one row per slot a schedule reached. */
@Repository
class ScheduleRunStore {
    private final JdbcClient jdbc;

    ScheduleRunStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Records what became of {@code slot}; false when it was recorded already (by another scheduler, or
     * before a restart): then the caller must not act on it.
     */
    boolean record(
            String source,
            ScheduleEntry entry,
            Instant slot,
            ScheduleRunState state,
            String reason,
            UUID jobId,
            Instant now) {
        return jdbc.sql("""
                                INSERT INTO schedule_run (source, schedule_key, slot, job_kind, backup_kind, backup_type,
                                                          cron, state, reason, job_id, recorded_at)
                                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                                ON CONFLICT (source, schedule_key, slot) DO NOTHING""")
                        .params(
                                source,
                                entry.key(),
                                SqlTime.bind(slot),
                                entry.job().name(),
                                entry.kind() == null ? null : entry.kind().name(),
                                entry.type() == null ? null : entry.type().name(),
                                entry.cron(),
                                state.name(),
                                reason,
                                jobId,
                                SqlTime.bind(now))
                        .update()
                == 1;
    }

    /** The source's runs, newest slot first. */
    List<ScheduleRunView> list(String source, int limit) {
        return jdbc.sql("""
                        SELECT slot, job_kind, backup_kind, backup_type, cron, state, reason, job_id, recorded_at
                          FROM schedule_run WHERE source = ?
                         ORDER BY slot DESC, schedule_key LIMIT ?""").params(source, limit).query(ScheduleRunStore::run).list();
    }

    private static ScheduleRunView run(ResultSet rs, int row) throws SQLException {
        String kind = rs.getString("backup_kind");
        String type = rs.getString("backup_type");
        UUID jobId = rs.getObject("job_id", UUID.class);
        return new ScheduleRunView(
                SqlTime.read(rs, "slot"),
                ScheduledJob.valueOf(rs.getString("job_kind")),
                kind == null ? null : BackupKind.valueOf(kind),
                type == null ? null : BackupType.valueOf(type),
                rs.getString("cron"),
                ScheduleRunState.valueOf(rs.getString("state")),
                rs.getString("reason"),
                jobId == null ? null : jobId.toString(),
                SqlTime.read(rs, "recorded_at"));
    }
}

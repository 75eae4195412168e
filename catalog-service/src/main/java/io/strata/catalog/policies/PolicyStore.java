package io.strata.catalog.policies;

import io.strata.catalog.support.SqlTime;
import io.strata.common.messaging.Json;
import io.strata.common.model.BackupKind;
import io.strata.common.model.BackupType;
import io.strata.platform.catalog.PolicyApi.BackupPolicy;
import io.strata.platform.catalog.PolicyApi.ScheduledJob;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;

/** The {@code source_policy} and {@code policy_schedule} tables. */
@Repository
class PolicyStore {
    private final JdbcClient jdbc;

    PolicyStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** A source's policy as stored. */
    record StoredPolicy(String source, BackupPolicy policy, Instant updatedAt) {}

    /**
     * A schedule with the point the scheduler looks for slots after: the newer of when the schedule was
     * first set and its last recorded slot.
     */
    record ScheduleRow(String source, ScheduleEntry entry, Instant since, Instant lastSlot) {
        Instant cursor() {
            return lastSlot == null || lastSlot.isBefore(since) ? since : lastSlot;
        }
    }

    /**
     * Stores {@code policy} (checked, defaults written out) as the source's; schedules it still has keep
     * their history, new ones start at {@code now}, dropped ones go. False when the source is unknown.
     */
    @Transactional
    boolean save(String source, BackupPolicy policy, Instant now, String actor) {
        if (jdbc.sql("SELECT 1 FROM source WHERE name = ? FOR SHARE")
                .param(source)
                .query()
                .listOfRows()
                .isEmpty()) {
            return false;
        }
        jdbc.sql("""
                        INSERT INTO source_policy (source, policy, updated_at, updated_by)
                        VALUES (?, CAST(? AS jsonb), ?, ?)
                        ON CONFLICT (source) DO UPDATE
                        SET policy = EXCLUDED.policy, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by""")
                .params(source, Json.write(policy), SqlTime.bind(now), actor)
                .update();
        List<ScheduleEntry> entries = ScheduleEntry.of(policy);
        List<String> keys = entries.stream().map(ScheduleEntry::key).toList();
        jdbc.sql("DELETE FROM policy_schedule WHERE source = ? AND NOT (schedule_key = ANY (?))")
                .params(source, keys.toArray(String[]::new))
                .update();
        for (ScheduleEntry e : entries) {
            // a zone change moves every slot: such a schedule starts afresh, like a new one
            jdbc.sql("""
                            INSERT INTO policy_schedule
                                (source, schedule_key, job_kind, backup_kind, backup_type, cron, zone, since)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                            ON CONFLICT (source, schedule_key) DO UPDATE
                            SET zone = EXCLUDED.zone,
                                since = CASE WHEN policy_schedule.zone = EXCLUDED.zone
                                             THEN policy_schedule.since ELSE EXCLUDED.since END""")
                    .params(
                            source,
                            e.key(),
                            e.job().name(),
                            e.kind() == null ? null : e.kind().name(),
                            e.type() == null ? null : e.type().name(),
                            e.cron(),
                            e.zone().getId(),
                            SqlTime.bind(now))
                    .update();
        }
        return true;
    }

    Optional<StoredPolicy> find(String source) {
        return jdbc.sql("SELECT source, policy::text AS policy, updated_at FROM source_policy WHERE source = ?")
                .param(source)
                .query(PolicyStore::policy)
                .optional();
    }

    List<StoredPolicy> findAll() {
        return jdbc.sql("SELECT source, policy::text AS policy, updated_at FROM source_policy ORDER BY source")
                .query(PolicyStore::policy)
                .list();
    }

    /** Every schedule of every policy, with its last recorded slot. */
    List<ScheduleRow> schedules() {
        return jdbc.sql("""
                        SELECT s.source, s.schedule_key, s.job_kind, s.backup_kind, s.backup_type, s.cron, s.zone, s.since,
                               (SELECT max(r.slot) FROM schedule_run r
                                 WHERE r.source = s.source AND r.schedule_key = s.schedule_key) AS last_slot
                          FROM policy_schedule s
                         ORDER BY s.source, s.schedule_key""").query(PolicyStore::schedule).list();
    }

    boolean sourceExists(String source) {
        return !jdbc.sql("SELECT 1 FROM source WHERE name = ?")
                .param(source)
                .query()
                .listOfRows()
                .isEmpty();
    }

    /** Whether the source's WAL is archived (false for an unknown source). */
    boolean walArchiving(String source) {
        return jdbc.sql("SELECT wal_archiving FROM source WHERE name = ?")
                .param(source)
                .query(Boolean.class)
                .optional()
                .orElse(false);
    }

    /**
     * The backup a scheduled VERIFY checks: the newest successful physical backup not deleted (its whole
     * chain is checked with it), else the newest such logical one.
     */
    Optional<String> newestBackupToVerify(String source) {
        return jdbc.sql("""
                        SELECT backup_id FROM backup
                         WHERE source = ? AND status = 'SUCCEEDED' AND deleted_at IS NULL
                         ORDER BY (kind = 'PHYSICAL') DESC, finished_at DESC NULLS LAST
                         LIMIT 1""").param(source).query(String.class).optional();
    }

    private static StoredPolicy policy(ResultSet rs, int row) throws SQLException {
        return new StoredPolicy(
                rs.getString("source"),
                Json.read(rs.getString("policy"), BackupPolicy.class),
                SqlTime.read(rs, "updated_at"));
    }

    private static ScheduleRow schedule(ResultSet rs, int row) throws SQLException {
        String kind = rs.getString("backup_kind");
        String type = rs.getString("backup_type");
        ScheduleEntry entry = new ScheduleEntry(
                rs.getString("schedule_key"),
                ScheduledJob.valueOf(rs.getString("job_kind")),
                kind == null ? null : BackupKind.valueOf(kind),
                type == null ? null : BackupType.valueOf(type),
                rs.getString("cron"),
                ZoneId.of(rs.getString("zone")));
        return new ScheduleRow(rs.getString("source"), entry, SqlTime.read(rs, "since"), SqlTime.read(rs, "last_slot"));
    }
}

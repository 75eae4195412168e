package io.strata.catalog.policies;

import io.strata.catalog.backups.BaseBackups;
import io.strata.catalog.policies.RetentionPlanner.Candidate;
import io.strata.catalog.policies.RetentionPlanner.Plan;
import io.strata.catalog.support.SqlTime;
import io.strata.catalog.wal.WalCleanupPlans;
import io.strata.catalog.wal.WalCleanupPlans.WalDeletion;
import io.strata.common.model.BackupKind;
import io.strata.platform.catalog.PolicyApi.BackupPolicy;
import io.strata.platform.catalog.PolicyApi.DeletedBackup;
import io.strata.platform.catalog.PolicyApi.KeptBackup;
import io.strata.platform.catalog.PolicyApi.RetentionPreview;
import io.strata.platform.catalog.PolicyApi.WalRetentionPreview;
import java.time.Instant;
import java.time.ZoneId;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * A source's retention plan from the catalog's records: its successful backups that are not deleted (the
 * physical ones only while usable: a broken chain is left for its owner to look at, never pruned silently),
 * the policy's rules ({@link RetentionPlanner}) and the WAL that would go with them ({@link WalCleanupPlans}).
 */
@Component
class RetentionPreviews {
    private final JdbcClient jdbc;
    private final BaseBackups baseBackups;
    private final WalCleanupPlans walPlans;

    RetentionPreviews(JdbcClient jdbc, BaseBackups baseBackups, WalCleanupPlans walPlans) {
        this.jdbc = jdbc;
        this.baseBackups = baseBackups;
        this.walPlans = walPlans;
    }

    RetentionPreview preview(String source, BackupPolicy policy, Instant now) {
        Plan plan = plan(source, policy, now);
        WalCleanupPlans.WalSummary wal = walSummary(source, plan);
        List<DeletedBackup> delete = plan.delete().stream()
                .map(d -> new DeletedBackup(d.backupId(), d.kind(), d.bytes()))
                .toList();
        return new RetentionPreview(
                source,
                now,
                plan.keep().stream()
                        .map(k -> new KeptBackup(k.backupId(), k.kind(), k.reasons()))
                        .toList(),
                delete,
                new WalRetentionPreview(wal.deleteSegments(), wal.deleteBytes(), wal.keepSegments(), plan.walCutoff()),
                delete.stream().mapToLong(DeletedBackup::bytes).sum() + wal.deleteBytes());
    }

    /** What {@link #walDeletion} would delete and keep, counted by the database (for previews). */
    private WalCleanupPlans.WalSummary walSummary(String source, Plan plan) {
        if (plan.walCutoff() == null) {
            return walPlans.summary(source, id -> true, null);
        }
        Set<String> keptPhysical = new HashSet<>(plan.keptIds(BackupKind.PHYSICAL));
        return walPlans.summary(source, keptPhysical::contains, plan.walCutoff());
    }

    /**
     * The WAL that goes with {@code plan}: none without a recovery window, else what neither a kept backup nor
     * a restore point needs. With {@code lock}, the segment rows stay locked until the transaction ends.
     */
    WalDeletion walDeletion(String source, Plan plan, boolean lock) {
        if (plan.walCutoff() == null) {
            return walPlans.nothing(source);
        }
        Set<String> keptPhysical = new HashSet<>(plan.keptIds(BackupKind.PHYSICAL));
        return walPlans.plan(source, keptPhysical::contains, plan.walCutoff(), lock);
    }

    Plan plan(String source, BackupPolicy policy, Instant now) {
        Set<String> usable = new HashSet<>();
        baseBackups.usable(source).forEach(b -> usable.add(b.backupId()));
        List<Candidate> candidates = jdbc
                .sql("""
                        SELECT backup_id, kind, parent_backup_id, started_at, finished_at,
                               COALESCE(stored_bytes, size_bytes, 0) AS stored_bytes
                          FROM backup
                         WHERE source = ? AND status = 'SUCCEEDED' AND deleted_at IS NULL
                           AND kind IS NOT NULL AND finished_at IS NOT NULL""")
                .param(source)
                .query((rs, row) -> {
                    Instant finished = SqlTime.read(rs, "finished_at");
                    Instant started = SqlTime.read(rs, "started_at");
                    return new Candidate(
                            rs.getString("backup_id"),
                            BackupKind.valueOf(rs.getString("kind")),
                            rs.getString("parent_backup_id"),
                            started == null ? finished : started,
                            finished,
                            rs.getLong("stored_bytes"));
                })
                .list()
                .stream()
                .filter(c -> c.kind() == BackupKind.LOGICAL || usable.contains(c.backupId()))
                .toList();
        return RetentionPlanner.plan(candidates, policy.retention(), ZoneId.of(policy.zoneOrDefault()), now);
    }
}

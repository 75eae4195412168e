package io.strata.catalog.backups;

import io.strata.catalog.support.SqlLsn;
import io.strata.catalog.support.SqlTime;
import io.strata.common.model.BackupType;
import io.strata.common.model.Lsn;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The one place that decides which physical backups of a source a point-in-time restore, or a differential
 * or incremental backup, may start from, and so which WAL must be kept: the recovery planner, WAL retention,
 * the archiving status and the backup-workers all ask here. A base backup is usable when its job succeeded,
 * the backup-worker recorded where its WAL starts and ends and when it finished, and, for a DIFFERENTIAL or
 * INCREMENTAL one, its parent is usable too (the whole chain back to its FULL backup exists).
 */
@Repository
public class BaseBackups {
    private final JdbcClient jdbc;

    public BaseBackups(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * A usable base backup: where its WAL starts and ends, on which timeline and cluster, what restoring it
     * costs, and its chain (ids from its FULL backup to itself).
     */
    public record BaseBackup(
            String backupId,
            BackupType type,
            String parentBackupId,
            List<String> chain,
            String systemIdentifier,
            Lsn startLsn,
            Lsn endLsn,
            int timeline,
            Instant finishedAt,
            long storedBytes,
            long sizeBytes,
            String manifestKey) {}

    /** The source's usable base backups, oldest first. */
    public List<BaseBackup> usable(String source) {
        List<BaseBackup> candidates = jdbc.sql("""
                        SELECT backup_id, COALESCE(type, 'FULL') AS type, parent_backup_id, system_identifier,
                               start_lsn::text AS start_lsn, end_lsn::text AS end_lsn,
                               COALESCE(timeline, 1) AS timeline, finished_at, COALESCE(stored_bytes, 0) AS stored_bytes,
                               COALESCE(size_bytes, 0) AS size_bytes, manifest_key
                        FROM backup
                        WHERE source = ? AND kind = 'PHYSICAL' AND status = 'SUCCEEDED'
                          AND start_lsn IS NOT NULL AND end_lsn IS NOT NULL AND finished_at IS NOT NULL
                        ORDER BY finished_at, backup_id""")
                .param(source)
                .query((rs, row) -> new BaseBackup(
                        rs.getString("backup_id"),
                        BackupType.valueOf(rs.getString("type")),
                        rs.getString("parent_backup_id"),
                        List.of(),
                        rs.getString("system_identifier"),
                        SqlLsn.read(rs, "start_lsn"),
                        SqlLsn.read(rs, "end_lsn"),
                        rs.getInt("timeline"),
                        SqlTime.read(rs, "finished_at"),
                        rs.getLong("stored_bytes"),
                        rs.getLong("size_bytes"),
                        rs.getString("manifest_key")))
                .list();
        Map<String, BaseBackup> byId = new HashMap<>();
        candidates.forEach(b -> byId.put(b.backupId(), b));
        List<BaseBackup> usable = new ArrayList<>();
        for (BaseBackup backup : candidates) {
            chainOf(backup, byId).ifPresent(chain -> usable.add(withChain(backup, chain)));
        }
        return usable;
    }

    /**
     * The chain of {@code backup} (its FULL backup first), if every link is a usable backup of the same
     * cluster and timeline; empty when a parent is missing, failed or of another cluster.
     */
    static Optional<List<String>> chainOf(BaseBackup backup, Map<String, BaseBackup> usable) {
        List<String> chain = new ArrayList<>();
        BaseBackup link = backup;
        while (true) {
            if (chain.contains(link.backupId()) || chain.size() > usable.size()) {
                return Optional.empty(); // a loop: never from a worker, so not a chain to trust
            }
            chain.add(link.backupId());
            if (link.type() == BackupType.FULL) {
                Collections.reverse(chain);
                return Optional.of(List.copyOf(chain));
            }
            BaseBackup parent = link.parentBackupId() == null ? null : usable.get(link.parentBackupId());
            if (parent == null
                    || parent.timeline() != link.timeline()
                    || !java.util.Objects.equals(parent.systemIdentifier(), link.systemIdentifier())) {
                return Optional.empty();
            }
            link = parent;
        }
    }

    private static BaseBackup withChain(BaseBackup b, List<String> chain) {
        return new BaseBackup(
                b.backupId(),
                b.type(),
                b.parentBackupId(),
                chain,
                b.systemIdentifier(),
                b.startLsn(),
                b.endLsn(),
                b.timeline(),
                b.finishedAt(),
                b.storedBytes(),
                b.sizeBytes(),
                b.manifestKey());
    }
}

package io.strata.catalog.backups;

import io.strata.catalog.support.SqlLsn;
import io.strata.catalog.support.SqlTime;
import io.strata.common.model.BackupType;
import io.strata.common.model.Lsn;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The one place that decides which physical backups of a source a point-in-time restore, or a differential
 * or incremental backup, may start from, and so which WAL must be kept: the recovery planner, WAL retention,
 * the archiving status and the backup-workers all ask here. A base backup is usable when its job succeeded,
 * the backup-worker recorded where its WAL starts and ends and when it finished, no VERIFY job found it
 * damaged, and, for a DIFFERENTIAL or INCREMENTAL one, its parent is usable too (the whole chain back to its
 * FULL backup exists and is of the same cluster and timeline). The others are listed with the reason.
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
        return assess(source).usable();
    }

    /**
     * A source's physical backups that succeeded, judged: the usable ones (oldest first, with their chains),
     * and for each other one why it is not usable.
     */
    public record Assessment(List<BaseBackup> usable, Map<String, Unusable> unusable) {}

    /** A succeeded physical backup a restore cannot start from, and why (a sentence). */
    public record Unusable(String backupId, Lsn endLsn, Instant finishedAt, String reason) {}

    /** Every succeeded physical backup of {@code source}, usable or not (with the reason). */
    public Assessment assess(String source) {
        Map<String, Row> rows = new LinkedHashMap<>();
        jdbc.sql("""
                        SELECT backup_id, status, corruption, COALESCE(type, 'FULL') AS type, parent_backup_id,
                               system_identifier, start_lsn::text AS start_lsn, end_lsn::text AS end_lsn,
                               COALESCE(timeline, 1) AS timeline, finished_at, COALESCE(stored_bytes, 0) AS stored_bytes,
                               COALESCE(size_bytes, 0) AS size_bytes, manifest_key
                        FROM backup
                        WHERE source = ? AND kind = 'PHYSICAL'
                        ORDER BY finished_at NULLS LAST, backup_id""")
                .param(source)
                .query((rs, row) -> new Row(
                        new BaseBackup(
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
                                rs.getString("manifest_key")),
                        rs.getString("status"),
                        rs.getString("corruption")))
                .list()
                .forEach(row -> rows.put(row.backup().backupId(), row));
        List<BaseBackup> usable = new ArrayList<>();
        Map<String, Unusable> unusable = new LinkedHashMap<>();
        for (Row row : rows.values()) {
            if (!"SUCCEEDED".equals(row.status())) {
                continue;
            }
            BaseBackup backup = row.backup();
            switch (judge(row, rows)) {
                case Verdict.Chain chain -> usable.add(withChain(backup, chain.backupIds()));
                case Verdict.Broken broken ->
                    unusable.put(
                            backup.backupId(),
                            new Unusable(backup.backupId(), backup.endLsn(), backup.finishedAt(), broken.reason()));
            }
        }
        return new Assessment(List.copyOf(usable), Collections.unmodifiableMap(unusable));
    }

    /** A physical backup's catalog row as far as judging it needs. */
    record Row(BaseBackup backup, String status, String corruption) {}

    /** Whether a backup can be restored: its chain (FULL first), or why not. */
    sealed interface Verdict {
        record Chain(List<String> backupIds) implements Verdict {}

        record Broken(String reason) implements Verdict {}
    }

    /**
     * Walks from {@code start} to its FULL backup: every link must have succeeded, be intact as far as
     * VERIFY jobs know, have its WAL positions, and be of the same cluster and timeline as the link after it.
     */
    static Verdict judge(Row start, Map<String, Row> rows) {
        List<String> chain = new ArrayList<>();
        BaseBackup link = start.backup();
        Row row = start;
        while (true) {
            if (chain.contains(link.backupId()) || chain.size() > rows.size()) {
                return new Verdict.Broken("its chain loops back to " + link.backupId()); // never from a worker
            }
            String fault = fault(row);
            if (fault != null) {
                return new Verdict.Broken(
                        chain.isEmpty() ? "it " + fault : "its chain needs " + link.backupId() + ", which " + fault);
            }
            chain.add(link.backupId());
            if (link.type() == BackupType.FULL) {
                Collections.reverse(chain);
                return new Verdict.Chain(List.copyOf(chain));
            }
            String parentId = link.parentBackupId();
            if (parentId == null) {
                return new Verdict.Broken(link.backupId() + " is " + link.type() + " but records no parent backup");
            }
            Row parent = rows.get(parentId);
            if (parent == null) {
                return new Verdict.Broken("its chain needs " + parentId + ", which is not in the catalog");
            }
            if (parent.backup().timeline() != link.timeline()
                    || !Objects.equals(parent.backup().systemIdentifier(), link.systemIdentifier())) {
                return new Verdict.Broken("its chain needs " + parentId + ", which is of another cluster or timeline");
            }
            link = parent.backup();
            row = parent;
        }
    }

    /** What keeps this one backup from being restored, as the end of a sentence; null when nothing does. */
    private static String fault(Row row) {
        if ("DELETED".equals(row.status())) {
            return "was deleted";
        }
        if (!"SUCCEEDED".equals(row.status())) {
            return "did not succeed (" + row.status() + ")";
        }
        if (row.corruption() != null) {
            return "was found damaged by a VERIFY: " + row.corruption();
        }
        BaseBackup b = row.backup();
        if (b.startLsn() == null || b.endLsn() == null || b.finishedAt() == null) {
            return "has no recorded WAL range (start and end LSN)";
        }
        return null;
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

package io.strata.catalog.backups;

import io.strata.catalog.support.SqlLsn;
import io.strata.catalog.support.SqlTime;
import io.strata.common.model.Lsn;
import java.time.Instant;
import java.util.List;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The one place that decides which physical backups of a source a point-in-time restore may start from,
 * and so which WAL must be kept: the recovery planner, WAL retention and the archiving status all ask
 * here. A base backup is usable when its job succeeded and the backup-worker recorded where its WAL starts
 * and ends and when it finished (a backup recorded before those fields existed, or one whose manifest
 * never arrived, is not).
 */
@Repository
public class BaseBackups {
    private final JdbcClient jdbc;

    public BaseBackups(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** A usable base backup: where its WAL starts and ends, on which timeline, and what restoring it costs. */
    public record BaseBackup(
            String backupId,
            Lsn startLsn,
            Lsn endLsn,
            int timeline,
            Instant finishedAt,
            long storedBytes,
            long sizeBytes,
            String manifestKey) {}

    /** The source's usable base backups, oldest first. */
    public List<BaseBackup> usable(String source) {
        return jdbc.sql("""
                        SELECT backup_id, start_lsn::text AS start_lsn, end_lsn::text AS end_lsn,
                               COALESCE(timeline, 1) AS timeline, finished_at, COALESCE(stored_bytes, 0) AS stored_bytes,
                               COALESCE(size_bytes, 0) AS size_bytes, manifest_key
                        FROM backup
                        WHERE source = ? AND kind = 'PHYSICAL' AND status = 'SUCCEEDED'
                          AND start_lsn IS NOT NULL AND end_lsn IS NOT NULL AND finished_at IS NOT NULL
                        ORDER BY finished_at, backup_id""")
                .param(source)
                .query((rs, row) -> new BaseBackup(
                        rs.getString("backup_id"),
                        SqlLsn.read(rs, "start_lsn"),
                        SqlLsn.read(rs, "end_lsn"),
                        rs.getInt("timeline"),
                        SqlTime.read(rs, "finished_at"),
                        rs.getLong("stored_bytes"),
                        rs.getLong("size_bytes"),
                        rs.getString("manifest_key")))
                .list();
    }
}

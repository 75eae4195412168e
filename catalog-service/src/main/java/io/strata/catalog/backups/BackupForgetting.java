package io.strata.catalog.backups;

import io.strata.catalog.support.SqlTime;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * What DELETE and RETENTION jobs share in the catalog: the source's backups locked while a deletion is
 * decided, the jobs that must end first, and backups marked deleted by a job (so that job, asking again after
 * a crash, gets the same list).
 */
@Component
public class BackupForgetting {
    private final JdbcClient jdbc;

    BackupForgetting(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Locks every backup row of the source until the transaction ends: results, deletions and verifications wait. */
    @Transactional(propagation = Propagation.MANDATORY)
    public void lockSource(String source) {
        jdbc.sql("SELECT backup_id FROM backup WHERE source = ? ORDER BY backup_id FOR UPDATE")
                .param(source)
                .query(String.class)
                .list();
    }

    /** RUNNING jobs of the source that may read a chain or build on one (restores, verifies, physical backups). */
    public List<String> busyJobs(String source) {
        return jdbc.sql("""
                        SELECT j.job_id::text FROM job j
                        WHERE j.source = ? AND j.status = 'RUNNING'
                          AND (j.kind IN ('RESTORE', 'VERIFY')
                               OR (j.kind = 'BACKUP' AND EXISTS (
                                   SELECT 1 FROM backup b WHERE b.job_id = j.job_id AND b.kind = 'PHYSICAL')))
                        ORDER BY j.created_at""").param(source).query(String.class).list();
    }

    /** Marks {@code backupIds} of {@code source} DELETED by {@code jobId}. */
    @Transactional(propagation = Propagation.MANDATORY)
    public void markDeleted(String source, List<String> backupIds, UUID jobId, Instant now) {
        for (String id : backupIds) {
            jdbc.sql("""
                            UPDATE backup SET status = 'DELETED', deleted_at = ?, delete_job_id = ?, updated_at = ?
                            WHERE backup_id = ? AND source = ?""")
                    .params(SqlTime.bind(now), jobId, SqlTime.bind(now), id, source)
                    .update();
        }
    }

    /** The backups {@code jobId} deleted, newest first. */
    public List<String> deletedBy(String source, UUID jobId) {
        return jdbc.sql("""
                        SELECT backup_id FROM backup WHERE source = ? AND delete_job_id = ?
                        ORDER BY created_at DESC, backup_id DESC""").params(source, jobId).query(String.class).list();
    }
}

package io.strata.catalog.policies;

import io.strata.catalog.jobs.JobSubmissions;
import io.strata.common.command.ApplyRetention;
import io.strata.common.messaging.Topics;
import io.strata.common.model.JobId;
import io.strata.common.model.JobKind;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * A policy's retention runs on its own: once the newest scheduled backup of a source with retention rules
 * has succeeded, the scheduler queues one RETENTION job for it (as pgBackRest expires after each backup),
 * when none of the source's jobs is queued or running (retention does not forget backups a job may read).
 * Its request id names the backup job ({@code retention after <jobId>}), and the leader checks for it under
 * the scheduler's lock in the transaction that queues it: one RETENTION per scheduled backup, whatever the
 * number of replicas or restarts. A run that found the source busy after all (a job started between the
 * queueing and the run: {@code SOURCE_BUSY}, nothing changed) is queued again once the source is idle, at
 * most {@value #MAX_ATTEMPTS} runs in all. Backups taken by hand do not trigger it; {@code POST
 * /sources/{name}/retention} runs it at any time.
 */
@Component
class RetentionAfterBackups {
    private static final Logger log = LoggerFactory.getLogger(RetentionAfterBackups.class);
    static final String REQUEST_PREFIX = "retention after ";
    /** Runs of one backup's retention that found the source busy ({@code SOURCE_BUSY}) before it gives up. */
    static final int MAX_ATTEMPTS = 3;

    private final JdbcClient jdbc;
    private final JobSubmissions jobs;

    RetentionAfterBackups(JdbcClient jdbc, JobSubmissions jobs) {
        this.jdbc = jdbc;
        this.jobs = jobs;
    }

    /** A source whose newest scheduled backup ({@code backupJobId}) has not yet been followed by retention. */
    private record Due(String source, String backupJobId) {}

    /** Queues the RETENTION jobs now due; the caller holds the scheduler's lock and transaction. */
    @Transactional(propagation = Propagation.MANDATORY)
    void queueDue(Instant now) {
        List<Due> due = jdbc.sql("""
                        SELECT p.source, b.job_id::text AS job_id
                          FROM source_policy p
                          CROSS JOIN LATERAL (
                              SELECT j.job_id, j.status FROM job j
                               WHERE j.source = p.source AND j.kind = 'BACKUP' AND j.request_id LIKE ?
                                 AND j.status IN ('SUCCEEDED', 'FAILED', 'CANCELLED')
                               ORDER BY j.finished_at DESC NULLS LAST
                               LIMIT 1) b
                         WHERE jsonb_typeof(p.policy -> 'retention') = 'object'
                           AND b.status = 'SUCCEEDED'
                           AND NOT EXISTS (SELECT 1 FROM job r
                                            WHERE r.source = p.source AND r.kind = 'RETENTION'
                                              AND r.request_id = ? || b.job_id::text
                                              AND (r.status <> 'FAILED' OR r.error_code IS DISTINCT FROM 'SOURCE_BUSY'))
                           AND (SELECT count(*) FROM job r
                                 WHERE r.source = p.source AND r.kind = 'RETENTION'
                                   AND r.request_id = ? || b.job_id::text) < ?
                           AND NOT EXISTS (SELECT 1 FROM job u
                                            WHERE u.source = p.source AND u.status IN ('QUEUED', 'RUNNING'))
                         ORDER BY p.source""")
                .params(ScheduleFiring.REQUEST_PREFIX + "%", REQUEST_PREFIX, REQUEST_PREFIX, MAX_ATTEMPTS)
                .query((rs, row) -> new Due(rs.getString("source"), rs.getString("job_id")))
                .list();
        for (Due d : due) {
            UUID jobId = UUID.randomUUID();
            String requestId = REQUEST_PREFIX + d.backupJobId();
            jobs.submit(
                    jobId,
                    JobKind.RETENTION,
                    d.source(),
                    null,
                    requestId,
                    now,
                    Topics.BACKUP_COMMANDS,
                    new ApplyRetention(ApplyRetention.SCHEMA_VERSION, new JobId(jobId), d.source(), requestId, now));
            log.info(
                    "Scheduled backup job {} of {} succeeded: retention job {} queued to apply its policy",
                    d.backupJobId(),
                    d.source(),
                    jobId);
        }
    }
}

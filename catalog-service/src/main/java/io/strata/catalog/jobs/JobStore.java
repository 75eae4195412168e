package io.strata.catalog.jobs;

import io.strata.catalog.jobs.Job.JobOrigin;
import io.strata.catalog.jobs.Job.Lease;
import io.strata.catalog.support.SqlTime;
import io.strata.common.model.JobKind;
import io.strata.common.model.JobStatus;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The {@code job} table. */
@Repository
class JobStore {
    static final String COLUMNS = """
            job_id, kind, source, backup_id, request_id, created_at, status, progress_percent, current_step,
            bytes_done, bytes_total, started_at, finished_at, error_code, error_message, result::text AS result,
            owner, lease_token, lease_expires_at, heartbeat_at, lost_leases, cancel_requested_at""";
    private final JdbcClient jdbc;

    JobStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** Creates the job QUEUED unless it exists; true when this call created it. */
    boolean insertIfAbsent(JobOrigin origin) {
        return jdbc.sql("""
                        INSERT INTO job (job_id, kind, source, backup_id, request_id, status, created_at, updated_at)
                        VALUES (?, ?, ?, ?, ?, 'QUEUED', ?, ?)
                        ON CONFLICT (job_id) DO NOTHING""")
                        .params(
                                origin.jobId(),
                                origin.kind().name(),
                                origin.source(),
                                origin.backupId(),
                                origin.requestId(),
                                SqlTime.bind(origin.createdAt()),
                                SqlTime.bind(origin.createdAt()))
                        .update()
                == 1;
    }

    Optional<Job> find(UUID jobId) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM job WHERE job_id = ?")
                .param(jobId)
                .query(JobStore::job)
                .optional();
    }

    /** The oldest QUEUED or RUNNING job of {@code kind} of {@code source}. */
    Optional<Job> oldestUnfinished(String source, JobKind kind) {
        return jdbc.sql("SELECT " + COLUMNS + """
                         FROM job WHERE source = ? AND kind = ? AND status IN ('QUEUED', 'RUNNING')
                        ORDER BY created_at LIMIT 1""")
                .params(source, kind.name())
                .query(JobStore::job)
                .optional();
    }

    /** Reads the job and holds its row lock until the transaction ends, so events apply one at a time. */
    Optional<Job> lock(UUID jobId) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM job WHERE job_id = ? FOR UPDATE")
                .param(jobId)
                .query(JobStore::job)
                .optional();
    }

    /** Writes the job's new state; a job that ended holds no lease any more (its owner stays on record). */
    void update(UUID jobId, JobState state, String resultJson, Instant now) {
        jdbc.sql("""
                        UPDATE job SET status = ?, progress_percent = ?, current_step = ?, bytes_done = ?, bytes_total = ?,
                            started_at = ?, finished_at = ?, error_code = ?, error_message = ?,
                            result = COALESCE(CAST(? AS jsonb), result), updated_at = ?,
                            lease_expires_at = CASE WHEN ? THEN NULL ELSE lease_expires_at END
                        WHERE job_id = ?""")
                .params(
                        state.status().name(),
                        state.progressPercent(),
                        state.currentStep(),
                        state.bytesDone(),
                        state.bytesTotal(),
                        SqlTime.bind(state.startedAt()),
                        SqlTime.bind(state.finishedAt()),
                        state.errorCode(),
                        state.errorMessage(),
                        resultJson,
                        SqlTime.bind(now),
                        state.status().isTerminal(),
                        jobId)
                .update();
    }

    /** Records that {@code actor} asked to cancel the running job; false when it was asked before. */
    boolean requestCancel(UUID jobId, String actor, Instant now) {
        return jdbc.sql("""
                        UPDATE job SET cancel_requested_at = ?, cancel_requested_by = ?, updated_at = ?
                        WHERE job_id = ? AND cancel_requested_at IS NULL""")
                        .params(SqlTime.bind(now), actor, SqlTime.bind(now), jobId)
                        .update()
                == 1;
    }

    List<Job> list(JobFilter filter) {
        StringBuilder sql = new StringBuilder("SELECT " + COLUMNS + " FROM job WHERE true");
        List<Object> params = new ArrayList<>();
        if (filter.source() != null) {
            sql.append(" AND source = ?");
            params.add(filter.source());
        }
        if (filter.status() != null) {
            sql.append(" AND status = ?");
            params.add(filter.status().name());
        }
        if (filter.kind() != null) {
            sql.append(" AND kind = ?");
            params.add(filter.kind().name());
        }
        sql.append(" ORDER BY created_at DESC, job_id LIMIT ?");
        params.add(filter.limit());
        return jdbc.sql(sql.toString()).params(params).query(JobStore::job).list();
    }

    long countByStatus(JobStatus status) {
        return jdbc.sql("SELECT count(*) FROM job WHERE status = ?")
                .param(status.name())
                .query(Long.class)
                .single();
    }

    static Job job(ResultSet rs, int row) throws SQLException {
        JobOrigin origin = new JobOrigin(
                rs.getObject("job_id", UUID.class),
                JobKind.valueOf(rs.getString("kind")),
                rs.getString("source"),
                rs.getString("backup_id"),
                rs.getString("request_id"),
                SqlTime.read(rs, "created_at"));
        JobState state = new JobState(
                JobStatus.valueOf(rs.getString("status")),
                rs.getInt("progress_percent"),
                rs.getString("current_step"),
                rs.getLong("bytes_done"),
                rs.getLong("bytes_total"),
                SqlTime.read(rs, "started_at"),
                SqlTime.read(rs, "finished_at"),
                rs.getString("error_code"),
                rs.getString("error_message"));
        Lease lease = new Lease(
                rs.getString("owner"),
                rs.getLong("lease_token"),
                SqlTime.read(rs, "lease_expires_at"),
                SqlTime.read(rs, "heartbeat_at"),
                rs.getInt("lost_leases"));
        return new Job(origin, state, lease, rs.getString("result"), SqlTime.read(rs, "cancel_requested_at"));
    }
}

package io.strata.catalog.jobs;

import io.strata.catalog.support.SqlTime;
import io.strata.common.command.RestoreBackup;
import io.strata.common.command.RestoreBackup.RestoreInto;
import io.strata.common.command.RestoreCommand;
import io.strata.common.messaging.Json;
import io.strata.common.messaging.Topics;
import io.strata.common.model.JobKind;
import io.strata.platform.catalog.CatalogApi.JobCommand;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The {@code job_command} table: each job's command, and where its dispatch stands. */
@Repository
class JobCommandStore {
    private final JdbcClient jdbc;

    JobCommandStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Stores {@code jobId}'s command unless it has one. {@code dispatchedAt} is null for a command the
     * dispatcher still has to send, or when it was already on Kafka (a command that arrived there first).
     */
    void insertIfAbsent(UUID jobId, JobCommand command, Instant now, Instant dispatchedAt, Instant dueAt) {
        jdbc.sql("""
                        INSERT INTO job_command (job_id, topic, record_key, ce_type, ce_source, payload, dispatched_at,
                                                 dispatches, due_at, created_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (job_id) DO NOTHING""")
                .params(
                        jobId,
                        command.topic(),
                        command.key(),
                        command.ceType(),
                        command.producer(),
                        command.payload(),
                        SqlTime.bind(dispatchedAt),
                        dispatchedAt == null ? 0 : 1,
                        SqlTime.bind(dueAt),
                        SqlTime.bind(now))
                .update();
    }

    /**
     * Up to {@code limit} commands of QUEUED jobs due at {@code now}, oldest job first, locked until the
     * transaction ends (another catalog instance skips them).
     */
    List<Due> lockDue(Instant now, int limit) {
        return jdbc.sql("""
                        SELECT c.job_id, c.topic, c.record_key, c.ce_type, c.ce_source, c.payload, c.dispatches,
                               j.kind, j.source, j.current_step
                        FROM job_command c JOIN job j ON j.job_id = c.job_id
                        WHERE c.due_at <= ? AND j.status = 'QUEUED'
                        ORDER BY j.created_at, j.job_id LIMIT ? FOR UPDATE OF c SKIP LOCKED""")
                .params(SqlTime.bind(now), limit)
                .query(JobCommandStore::due)
                .list();
    }

    /** Where a restore job's command said to restore into; empty for other jobs, or a command not stored. */
    Optional<RestoreInto> restoreTarget(UUID jobId) {
        return jdbc.sql("SELECT payload FROM job_command WHERE job_id = ? AND topic = ?")
                .params(jobId, Topics.RESTORE_COMMANDS)
                .query(String.class)
                .optional()
                .flatMap(payload -> {
                    try {
                        return switch (Json.read(payload, RestoreCommand.class)) {
                            case RestoreBackup restore -> Optional.ofNullable(restore.into());
                            case io.strata.common.command.RestoreUpload upload -> Optional.ofNullable(upload.into());
                            case io.strata.common.command.RunRestoreDrill drill -> Optional.empty();
                        };
                    } catch (RuntimeException e) {
                        return Optional.empty(); // checked when stored; a message without it is still right
                    }
                });
    }

    /** Commands of jobs that left QUEUED are not due any more (until a re-queue makes them due again). */
    int retireStarted(Instant now) {
        return jdbc.sql("""
                        UPDATE job_command c SET due_at = 'infinity'
                        FROM job j WHERE j.job_id = c.job_id AND c.due_at <= ? AND j.status <> 'QUEUED'""").param(SqlTime.bind(now)).update();
    }

    /** The job ended without running: its command is never dispatched again. */
    void retire(UUID jobId) {
        jdbc.sql("UPDATE job_command SET due_at = 'infinity' WHERE job_id = ?")
                .param(jobId)
                .update();
    }

    void markDispatched(UUID jobId, Instant now, Instant dueAt) {
        jdbc.sql("UPDATE job_command SET dispatched_at = ?, dispatches = dispatches + 1, due_at = ? WHERE job_id = ?")
                .params(SqlTime.bind(now), SqlTime.bind(dueAt), jobId)
                .update();
    }

    /** The job waits to be dispatched again (re-queued, or refused a claim); false when it has no command. */
    boolean undispatch(UUID jobId, Instant now) {
        return jdbc.sql("UPDATE job_command SET dispatched_at = NULL, due_at = ? WHERE job_id = ?")
                        .params(SqlTime.bind(now), jobId)
                        .update()
                == 1;
    }

    /**
     * The other backup jobs of {@code source} that hold a place: RUNNING, or QUEUED with their command on
     * Kafka (about to be claimed). Oldest first.
     */
    List<UUID> activeBackups(String source, UUID except, boolean runningOnly) {
        return jdbc.sql("""
                        SELECT j.job_id FROM job j LEFT JOIN job_command c ON c.job_id = j.job_id
                        WHERE j.source = ? AND j.kind = 'BACKUP' AND j.job_id <> ?
                          AND (j.status = 'RUNNING' OR (NOT ? AND j.status = 'QUEUED' AND c.dispatched_at IS NOT NULL))
                        ORDER BY j.created_at""")
                .params(source, except, runningOnly)
                .query(UUID.class)
                .list();
    }

    /** Takes the lock that orders dispatches and claims of {@code source}'s backups, if free (until commit). */
    boolean tryLockSource(String source) {
        return Boolean.TRUE.equals(jdbc.sql("SELECT pg_try_advisory_xact_lock(hashtext('strata.backups:' || ?))")
                .param(source)
                .query(Boolean.class)
                .single());
    }

    /** Waits for the same lock (a claim: one at a time per source). */
    void lockSource(String source) {
        jdbc.sql("SELECT pg_advisory_xact_lock(hashtext('strata.backups:' || ?))")
                .param(source)
                .query((rs, row) -> 1)
                .single();
    }

    /** Shows why a QUEUED job waits, unless it already says so. */
    void showStep(UUID jobId, String step, Instant now) {
        jdbc.sql("""
                        UPDATE job SET current_step = ?, updated_at = ?
                        WHERE job_id = ? AND status = 'QUEUED' AND current_step IS DISTINCT FROM ?""").params(step, SqlTime.bind(now), jobId, step).update();
    }

    /** A command due for dispatch, with what the dispatcher needs of its job. */
    record Due(UUID jobId, JobKind kind, String source, String currentStep, JobCommand command, int dispatches) {}

    private static Due due(ResultSet rs, int row) throws SQLException {
        return new Due(
                rs.getObject("job_id", UUID.class),
                JobKind.valueOf(rs.getString("kind")),
                rs.getString("source"),
                rs.getString("current_step"),
                new JobCommand(
                        rs.getString("topic"),
                        rs.getString("record_key"),
                        rs.getString("ce_type"),
                        rs.getString("ce_source"),
                        rs.getString("payload")),
                rs.getInt("dispatches"));
    }
}

package io.strata.catalog.jobs;

import io.strata.catalog.support.SqlTime;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The lease columns of the {@code job} table. Claims and renewals are single conditional UPDATEs, so two
 * workers racing for one job cannot both win: the row lock orders them and the second re-checks the
 * condition against the first's result.
 */
@Repository
class LeaseStore {
    private static final String RETURNING = " RETURNING " + JobStore.COLUMNS;
    private final JdbcClient jdbc;

    LeaseStore(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Gives {@code owner} the job until {@code expiresAt} when it is QUEUED, already {@code owner}'s under a
     * live lease (a retried claim: same token), or RUNNING without a live lease and allowed to run again by
     * {@code policy} (taken over: the lost worker is counted). Empty when the job is not claimable or unknown.
     */
    Optional<Job> claim(UUID jobId, String owner, Instant now, Instant expiresAt, LeasePolicy policy) {
        return jdbc.sql("""
                        UPDATE job SET
                            status = 'RUNNING',
                            lease_token = CASE WHEN status = 'RUNNING' AND owner = :owner AND lease_expires_at > :now
                                               THEN lease_token ELSE lease_token + 1 END,
                            lost_leases = CASE WHEN status = 'RUNNING' AND (lease_expires_at IS NULL OR lease_expires_at <= :now)
                                               THEN lost_leases + 1 ELSE lost_leases END,
                            owner = :owner,
                            lease_expires_at = :expiresAt,
                            heartbeat_at = :now,
                            started_at = COALESCE(started_at, :now),
                            updated_at = :now
                        WHERE job_id = :jobId AND (
                            status = 'QUEUED'
                            OR (status = 'RUNNING' AND owner = :owner AND lease_expires_at > :now)
                            OR (status = 'RUNNING' AND (lease_expires_at IS NULL OR lease_expires_at <= :now)
                                AND kind IN (:repeatable) AND lost_leases + 1 < :maxAttempts))""" + RETURNING)
                .param("jobId", jobId)
                .param("owner", owner)
                .param("now", SqlTime.bind(now))
                .param("expiresAt", SqlTime.bind(expiresAt))
                .param("repeatable", LeasePolicy.repeatableKinds())
                .param("maxAttempts", policy.maxAttempts())
                .query(JobStore::job)
                .optional();
    }

    /** Extends the lease {@code owner} holds with {@code token}; empty when it holds none on a running job. */
    Optional<Job> renew(UUID jobId, String owner, long token, Instant now, Instant expiresAt) {
        return jdbc.sql("""
                        UPDATE job SET lease_expires_at = :expiresAt, heartbeat_at = :now, updated_at = :now
                        WHERE job_id = :jobId AND status = 'RUNNING' AND owner = :owner AND lease_token = :token""" + RETURNING)
                .param("jobId", jobId)
                .param("owner", owner)
                .param("token", token)
                .param("now", SqlTime.bind(now))
                .param("expiresAt", SqlTime.bind(expiresAt))
                .query(JobStore::job)
                .optional();
    }

    /**
     * Up to {@code limit} RUNNING jobs whose lease expired before {@code now}, locked until the transaction
     * ends; rows another catalog instance is sweeping are skipped, so each job is judged once.
     */
    List<Job> lockExpired(Instant now, int limit) {
        return jdbc.sql("SELECT " + JobStore.COLUMNS + """
                         FROM job WHERE status = 'RUNNING' AND lease_expires_at < ?
                        ORDER BY lease_expires_at LIMIT ? FOR UPDATE SKIP LOCKED""")
                .params(SqlTime.bind(now), limit)
                .query(JobStore::job)
                .list();
    }

    /**
     * The worker's lease is lost and the job waits for another: no owner, no lease, and a new token so
     * that whatever the lost worker still sends is fenced off.
     */
    void release(UUID jobId) {
        jdbc.sql("""
                        UPDATE job SET owner = NULL, heartbeat_at = NULL, lease_expires_at = NULL,
                            lease_token = lease_token + 1, lost_leases = lost_leases + 1
                        WHERE job_id = ?""").param(jobId).update();
    }

    /** The worker's lease is lost and the job ends: the owner and its last heartbeat stay on record. */
    void retire(UUID jobId) {
        jdbc.sql("""
                        UPDATE job SET lease_expires_at = NULL, lease_token = lease_token + 1,
                            lost_leases = lost_leases + 1
                        WHERE job_id = ?""").param(jobId).update();
    }
}

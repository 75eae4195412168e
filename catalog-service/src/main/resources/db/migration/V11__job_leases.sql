-- Job leases: a worker claims a job (POST /internal/v1/jobs/{id}/claim) and holds it while it renews the
-- lease with heartbeats. lease_token grows with every new owner (and when the sweeper takes a job back),
-- so events carrying an older token (header strata_lease_token) come from a worker that lost the job.
-- Jobs started before leases existed keep owner and lease_expires_at null.
ALTER TABLE job
    ADD COLUMN owner            text,
    ADD COLUMN lease_token      bigint      NOT NULL DEFAULT 0,
    -- null when no lease runs: never claimed, or ended (the owner is kept for the record)
    ADD COLUMN lease_expires_at timestamptz,
    ADD COLUMN heartbeat_at     timestamptz,
    -- how many workers lost the job (their lease expired); a job safe to repeat runs again until it
    -- reaches strata.catalog.leases.max-attempts
    ADD COLUMN lost_leases      integer     NOT NULL DEFAULT 0 CHECK (lost_leases >= 0);

-- the lease sweeper's question: which running jobs' leases have expired
CREATE INDEX job_running_lease_idx ON job (lease_expires_at) WHERE status = 'RUNNING';

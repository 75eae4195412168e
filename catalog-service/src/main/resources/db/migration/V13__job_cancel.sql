-- Cancel (issue #8): POST /api/v1/jobs/{id}/cancel. A QUEUED job ends CANCELLED at once; for a RUNNING one
-- the request is recorded here and handed to its worker with the next heartbeat answer, which stops the job
-- and reports it CANCELLED.
ALTER TABLE job
    ADD COLUMN cancel_requested_at timestamptz,
    ADD COLUMN cancel_requested_by text;

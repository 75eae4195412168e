package io.strata.catalog.jobs;

import io.strata.catalog.jobs.Job.JobOrigin;
import io.strata.common.model.JobKind;
import java.time.Instant;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;

/** Jobs in the states the lease tests start from, in the real catalog database. */
final class TestJobs {
    private TestJobs() {}

    /** A new QUEUED job of {@code source} shop, registered as the gateway does (with its backup row). */
    static UUID queued(JobRegistry registry, JobKind kind, String backupId) {
        UUID id = UUID.randomUUID();
        registry.register(new JobOrigin(id, kind, "shop", backupId, "req-" + id, Instant.now()));
        return id;
    }

    /** The job's lease ran out a second ago, as if its worker had stopped renewing it. */
    static void expireLease(JdbcClient jdbc, UUID job) {
        set(jdbc, job, "lease_expires_at = now() - interval '1 second'");
    }

    /** Writes {@code assignments} (constant SQL of the test) to the job's row, bypassing the catalog's rules. */
    static void set(JdbcClient jdbc, UUID job, String assignments) {
        jdbc.sql("UPDATE job SET " + assignments + " WHERE job_id = ?")
                .param(job)
                .update();
    }
}

package io.strata.catalog.policies;

import io.strata.catalog.backups.BackupForgetting;
import io.strata.catalog.policies.PolicyStore.StoredPolicy;
import io.strata.catalog.policies.RetentionPlanner.Drop;
import io.strata.catalog.policies.RetentionPlanner.Plan;
import io.strata.catalog.support.SqlTime;
import io.strata.catalog.wal.WalCleanupPlans;
import io.strata.catalog.web.ConflictException;
import io.strata.catalog.web.InvalidRequestException;
import io.strata.catalog.web.QueryParams;
import io.strata.catalog.web.ResourceNotFoundException;
import io.strata.common.model.Names;
import io.strata.platform.catalog.CatalogApi.PlannedSegment;
import io.strata.platform.catalog.PolicyApi.RetentionForgetting;
import io.strata.platform.catalog.PolicyApi.RetentionForgotten;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * The catalog's half of a RETENTION job: plans again from the source's policy (so the job deletes what the
 * preview would show at that moment) and forgets what the plan deletes, backups and WAL, in one transaction
 * that locks the source's backups and segments; the worker then deletes the objects. Forgetting first means
 * the catalog never plans a restore from something that is being removed.
 */
@RestController
class RetentionController {
    private static final Logger log = LoggerFactory.getLogger(RetentionController.class);
    private final PolicyStore policies;
    private final RetentionPreviews plans;
    private final WalCleanupPlans walPlans;
    private final BackupForgetting forgetting;
    private final JdbcClient jdbc;
    private final Clock clock;

    RetentionController(
            PolicyStore policies,
            RetentionPreviews plans,
            WalCleanupPlans walPlans,
            BackupForgetting forgetting,
            JdbcClient jdbc,
            Clock clock) {
        this.policies = policies;
        this.plans = plans;
        this.walPlans = walPlans;
        this.forgetting = forgetting;
        this.jdbc = jdbc;
        this.clock = clock;
    }

    @PostMapping("/internal/v1/sources/{name}/retention/forgetting")
    @Transactional
    RetentionForgotten forget(@PathVariable String name, @RequestBody(required = false) RetentionForgetting request) {
        if (!Names.isSource(name)) {
            throw new InvalidRequestException("name", Names.SOURCE_RULE);
        }
        UUID jobId = QueryParams.uuid("jobId", request == null ? null : request.jobId());
        forgetting.lockSource(name);
        if (alreadyApplied(name, jobId)) {
            return forgottenBy(name, jobId); // the same job, asking again after its worker was lost
        }
        StoredPolicy policy =
                policies.find(name).orElseThrow(() -> new ResourceNotFoundException("policy of source", name));
        List<String> busy = forgetting.busyJobs(name);
        if (!busy.isEmpty()) {
            throw new ConflictException("Source " + name + " has running jobs that may read the backups retention"
                    + " would delete (" + String.join(", ", busy) + "); run retention once they have ended.");
        }
        Instant now = clock.instant();
        Plan plan = plans.plan(name, policy.policy(), now);
        List<String> doomed = plan.delete().stream().map(Drop::backupId).toList();
        forgetting.markDeleted(name, doomed, jobId, now);
        jdbc.sql("INSERT INTO retention_run (job_id, source, applied_at) VALUES (?, ?, ?)")
                .params(jobId, name, SqlTime.bind(now))
                .update();
        List<PlannedSegment> wal = plans.walDeletion(name, plan, true).delete();
        walPlans.forget(name, wal);
        for (PlannedSegment segment : wal) {
            jdbc.sql("""
                            INSERT INTO retention_forgotten_wal (job_id, source, object_key, stored_bytes)
                            VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING""")
                    .params(jobId, name, segment.key(), segment.storedBytes())
                    .update();
        }
        RetentionForgotten forgotten = forgottenBy(name, jobId);
        log.info(
                "Retention job {} of {} forgot {} backup(s) and {} WAL segment(s)",
                jobId,
                name,
                forgotten.backupIds().size(),
                forgotten.walKeys().size());
        return forgotten;
    }

    private boolean alreadyApplied(String source, UUID jobId) {
        return jdbc.sql("SELECT count(*) FROM retention_run WHERE job_id = ? AND source = ?")
                        .params(jobId, source)
                        .query(Long.class)
                        .single()
                > 0;
    }

    private RetentionForgotten forgottenBy(String source, UUID jobId) {
        List<ForgottenObject> wal = jdbc.sql("""
                        SELECT object_key, stored_bytes FROM retention_forgotten_wal
                        WHERE job_id = ? AND source = ? ORDER BY object_key""")
                .params(jobId, source)
                .query((rs, row) -> new ForgottenObject(rs.getString("object_key"), rs.getLong("stored_bytes")))
                .list();
        return new RetentionForgotten(
                source,
                forgetting.deletedBy(source, jobId),
                wal.stream().map(ForgottenObject::key).toList(),
                wal.stream().mapToLong(ForgottenObject::storedBytes).sum());
    }

    /** A WAL object a retention run made the catalog forget. */
    private record ForgottenObject(String key, long storedBytes) {}
}

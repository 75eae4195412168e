package io.strata.catalog.policies;

import static io.strata.catalog.policies.PolicyController.requireSourceName;

import io.strata.catalog.jobs.JobSubmissions;
import io.strata.catalog.support.SqlTime;
import io.strata.catalog.web.ConflictException;
import io.strata.catalog.web.InvalidRequestException;
import io.strata.catalog.web.InvalidRequestException.FieldProblem;
import io.strata.catalog.web.ResourceNotFoundException;
import io.strata.common.command.RunRestoreDrill;
import io.strata.common.event.JobResult;
import io.strata.common.messaging.Json;
import io.strata.common.messaging.Topics;
import io.strata.common.model.BackupId;
import io.strata.common.model.JobId;
import io.strata.common.model.JobKind;
import io.strata.platform.catalog.CatalogApi.JobError;
import io.strata.platform.catalog.CatalogApi.JobView;
import io.strata.platform.catalog.PolicyApi.DrillRequest;
import io.strata.platform.catalog.PolicyApi.DrillView;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Restore drills: started on request (the gateway's {@code POST /sources/{name}/drills}) or by a policy's
 * {@code restoreDrillCron} ({@link ScheduleFiring}), both through {@link Drills}; listed with their reports.
 */
@RestController
class DrillController {
    private final Drills drills;
    private final JdbcClient jdbc;
    private final Clock clock;

    DrillController(Drills drills, JdbcClient jdbc, Clock clock) {
        this.drills = drills;
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /**
     * Queues a RESTORE_DRILL job for {@code backupId}, or for the newest physical backup (else the newest
     * logical one). 404 for an unknown source; 409 when there is no backup to drill, or a drill of the source
     * has not finished.
     */
    @PostMapping("/internal/v1/sources/{name}/drills")
    @Transactional
    JobView start(@PathVariable String name, @RequestBody(required = false) DrillRequest request) {
        requireSourceName(name);
        if (!drills.sourceExists(name)) {
            throw new ResourceNotFoundException("source", name);
        }
        String backupId = request == null ? null : request.backupId();
        if (backupId != null && !BackupId.isValid(backupId)) {
            throw new InvalidRequestException(
                    List.of(new FieldProblem("backupId", "must be a backup id as GET /api/v1/backups lists them")));
        }
        Optional<String> busy = drills.busy(name);
        if (busy.isPresent()) {
            throw new ConflictException(busy.get(), "DRILL_RUNNING");
        }
        String chosen = backupId != null
                ? drills.requireDrillable(name, backupId)
                : drills.newest(name)
                        .orElseThrow(() -> new ConflictException(
                                "Source " + name
                                        + " has no successful backup to drill yet: take one with POST /api/v1/backups",
                                "NO_BACKUP"));
        String requestId = request == null ? null : request.requestId();
        return drills.submit(UUID.randomUUID(), name, chosen, requestId, clock.instant());
    }

    /** The source's drills, newest first, with each passed drill's report and each failed one's error. */
    @GetMapping("/api/v1/sources/{name}/drills")
    List<DrillView> list(@PathVariable String name, @RequestParam(defaultValue = "50") int limit) {
        requireSourceName(name);
        if (!drills.sourceExists(name)) {
            throw new ResourceNotFoundException("source", name);
        }
        if (limit < 1 || limit > 500) {
            throw new InvalidRequestException(List.of(new FieldProblem("limit", "must be from 1 to 500")));
        }
        return jdbc.sql("""
                        SELECT job_id::text AS job_id, status, backup_id, request_id, created_at, started_at,
                               finished_at, error_code, error_message, result::text AS result
                          FROM job WHERE source = ? AND kind = 'RESTORE_DRILL'
                         ORDER BY created_at DESC LIMIT ?""")
                .param(name)
                .param(limit)
                .query((rs, row) -> {
                    String requestId = rs.getString("request_id");
                    String code = rs.getString("error_code");
                    String result = rs.getString("result");
                    return new DrillView(
                            rs.getString("job_id"),
                            rs.getString("status"),
                            rs.getString("backup_id"),
                            requestId != null && requestId.startsWith(ScheduleFiring.REQUEST_PREFIX),
                            requestId,
                            SqlTime.read(rs, "created_at"),
                            SqlTime.read(rs, "started_at"),
                            SqlTime.read(rs, "finished_at"),
                            code == null ? null : new JobError(code, rs.getString("error_message")),
                            result == null ? null : report(result));
                })
                .list();
    }

    private static JobResult.DrillResult report(String json) {
        return Json.read(json, JobResult.class) instanceof JobResult.DrillResult drill ? drill : null;
    }

    /** Starting drills, shared by requests and schedules. */
    @org.springframework.stereotype.Component
    static class Drills {
        private final JdbcClient jdbc;
        private final PolicyStore policies;
        private final JobSubmissions jobs;

        Drills(JdbcClient jdbc, PolicyStore policies, JobSubmissions jobs) {
            this.jdbc = jdbc;
            this.policies = policies;
            this.jobs = jobs;
        }

        boolean sourceExists(String name) {
            return jdbc.sql("SELECT count(*) FROM source WHERE name = ?")
                            .param(name)
                            .query(Long.class)
                            .single()
                    > 0;
        }

        /** Why no drill of {@code source} may start now: one is still queued or running. */
        Optional<String> busy(String source) {
            return jobs.unfinished(source, JobKind.RESTORE_DRILL)
                    .map(job -> "restore drill " + job.jobId() + " of " + source + " is still " + job.status()
                            + "; one drill per source runs at a time");
        }

        /** The backup a drill takes by default: the newest physical one (with its chain), else the newest logical. */
        Optional<String> newest(String source) {
            return policies.newestBackupToVerify(source);
        }

        String requireDrillable(String source, String backupId) {
            boolean ok = jdbc.sql("""
                            SELECT count(*) FROM backup WHERE backup_id = ? AND source = ? AND status = 'SUCCEEDED'
                               AND deleted_at IS NULL""")
                            .param(backupId)
                            .param(source)
                            .query(Long.class)
                            .single()
                    > 0;
            if (!ok) {
                throw new ResourceNotFoundException("successful backup of source " + source, backupId);
            }
            return backupId;
        }

        /** Queues the drill as job {@code jobId} (a schedule names its slot's job before it queues it). */
        JobView submit(UUID jobId, String source, String backupId, String requestId, Instant now) {
            RunRestoreDrill command = new RunRestoreDrill(
                    RunRestoreDrill.SCHEMA_VERSION, new JobId(jobId), source, BackupId.parse(backupId), requestId, now);
            return jobs.submit(
                    jobId, JobKind.RESTORE_DRILL, source, backupId, requestId, now, Topics.RESTORE_COMMANDS, command);
        }
    }
}

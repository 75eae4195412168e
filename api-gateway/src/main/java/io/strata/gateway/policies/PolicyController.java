package io.strata.gateway.policies;

import io.strata.common.command.ApplyRetention;
import io.strata.common.messaging.Topics;
import io.strata.common.model.BackupKind;
import io.strata.common.model.JobId;
import io.strata.common.model.JobKind;
import io.strata.common.model.Names;
import io.strata.gateway.audit.AuditAttributes;
import io.strata.gateway.catalog.CatalogProxy;
import io.strata.gateway.jobs.JobAccepted;
import io.strata.gateway.jobs.JobCommands;
import io.strata.gateway.problem.ApiException;
import io.strata.gateway.problem.FieldProblem;
import io.strata.platform.catalog.CatalogApi.JobView;
import io.strata.platform.catalog.CatalogApi.NewJob;
import io.strata.platform.catalog.CatalogApi.SourceView;
import io.strata.platform.catalog.PolicyApi.AlertView;
import io.strata.platform.catalog.PolicyApi.BackupPolicy;
import io.strata.platform.catalog.PolicyApi.PolicySchedule;
import io.strata.platform.catalog.PolicyApi.PolicyUpdate;
import io.strata.platform.catalog.PolicyApi.PolicyView;
import io.strata.platform.catalog.PolicyApi.RetentionPreview;
import io.strata.platform.catalog.PolicyApi.ScheduleRunView;
import io.strata.platform.catalog.PolicyApi.SourceSummary;
import io.strata.platform.policy.PolicyRules;
import io.strata.platform.policy.PolicyRules.Problem;
import java.net.URI;
import java.security.Principal;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Backup policies (issue #10): what a user sets once per source, so that Strata takes, verifies and prunes
 * its backups on its own. Set by admins, read by viewers; the catalog stores them and runs their schedules.
 */
@RestController
class PolicyController {
    private final CatalogProxy catalog;
    private final JobCommands jobs;
    private final Clock clock;

    PolicyController(CatalogProxy catalog, JobCommands jobs, Clock clock) {
        this.catalog = catalog;
        this.jobs = jobs;
        this.clock = clock;
    }

    /**
     * 400 naming every malformed field (cron, zone, counts); 422 when the policy asks for what the source
     * cannot take (PHYSICAL schedules without WAL archiving, a LOGICAL schedule that is not FULL); nothing
     * is stored then.
     */
    @PutMapping("/api/v1/sources/{name}/policy")
    PolicyView put(@PathVariable String name, @RequestBody(required = false) BackupPolicy policy, Principal caller) {
        requireSourceName(name);
        List<Problem> problems = PolicyRules.check(policy);
        List<FieldProblem> malformed = problems.stream()
                .filter(p -> !p.unprocessable())
                .map(p -> new FieldProblem(p.field(), p.message()))
                .toList();
        if (!malformed.isEmpty()) {
            throw ApiException.badRequest(
                    "the policy has " + malformed.size() + " invalid field(s); see errors",
                    malformed.toArray(FieldProblem[]::new));
        }
        SourceView source = catalog.source(name).orElseThrow(() -> notRegistered(name));
        List<FieldProblem> unprocessable = problems.stream()
                .filter(Problem::unprocessable)
                .map(p -> new FieldProblem(p.field(), p.message()))
                .toList();
        if (!unprocessable.isEmpty()) {
            throw ApiException.unprocessable(
                    unprocessable.getFirst().message(), unprocessable.toArray(FieldProblem[]::new));
        }
        requireArchivingForPhysical(source, policy.schedulesOrEmpty());
        return catalog.putPolicy(name, new PolicyUpdate(caller.getName(), policy))
                .orElseThrow(() -> notRegistered(name));
    }

    @GetMapping("/api/v1/sources/{name}/policy")
    PolicyView get(@PathVariable String name) {
        requireSourceName(name);
        return catalog.policy(name).orElseThrow(() -> noPolicy(name));
    }

    @GetMapping("/api/v1/policies")
    List<PolicyView> list() {
        return catalog.policies();
    }

    /** What became of each slot of the source's schedules, newest first: FIRED (with its job), SKIPPED, MISSED. */
    @GetMapping("/api/v1/sources/{name}/schedule-runs")
    List<ScheduleRunView> runs(@PathVariable String name, @RequestParam(required = false) Integer limit) {
        requireSourceName(name);
        catalog.source(name).orElseThrow(() -> notRegistered(name));
        return catalog.scheduleRuns(name, limit);
    }

    /**
     * Starts a restore drill (operator): {@code backupId} restored into a throw-away cluster on a
     * restore-worker, checked and removed; without one, the newest physical backup (else the newest logical
     * one), recovered to the end of its WAL. 202 with the RESTORE_DRILL job; 404 for an unknown source or
     * backup, 409 when the source has no backup yet or a drill of it is still running.
     */
    @PostMapping("/api/v1/sources/{name}/drills")
    ResponseEntity<JobAccepted> startDrill(@PathVariable String name, @RequestBody(required = false) DrillBody body) {
        requireSourceName(name);
        String backupId = body == null ? null : body.backupId();
        if (backupId != null && !io.strata.common.model.BackupId.isValid(backupId)) {
            throw ApiException.badRequest(
                    "backupId is not a backup id",
                    new FieldProblem("backupId", "must be a backup id as GET /api/v1/backups lists them, or left out"));
        }
        catalog.source(name).orElseThrow(() -> notRegistered(name));
        JobView job = catalog.startDrill(name, new io.strata.platform.catalog.PolicyApi.DrillRequest(backupId, null));
        AuditAttributes.target(job.jobId());
        JobAccepted accepted = JobAccepted.of(job, null);
        return ResponseEntity.accepted()
                .location(URI.create(accepted.statusUrl()))
                .body(accepted);
    }

    /** The body of {@code POST /sources/{name}/drills}: which backup to drill (optional). */
    record DrillBody(String backupId) {}

    /** The source's restore drills, newest first: each passed one with its report, each failed one with its error. */
    @GetMapping("/api/v1/sources/{name}/drills")
    List<io.strata.platform.catalog.PolicyApi.DrillView> drills(
            @PathVariable String name, @RequestParam(required = false) Integer limit) {
        requireSourceName(name);
        catalog.source(name).orElseThrow(() -> notRegistered(name));
        return catalog.drills(name, limit);
    }

    /**
     * What the source's retention rules would delete if run now, and why each kept backup stays (operator:
     * it only reads). 404 when the source has no policy.
     */
    @PostMapping("/api/v1/sources/{name}/retention/preview")
    RetentionPreview previewRetention(@PathVariable String name) {
        requireSourceName(name);
        return catalog.previewRetention(name).orElseThrow(() -> noPolicy(name));
    }

    /**
     * Starts a RETENTION job (admin): it deletes what the retention preview shows at the moment it runs (the
     * plan is made again then). 404 when the source has no policy.
     */
    @PostMapping("/api/v1/sources/{name}/retention")
    ResponseEntity<JobAccepted> applyRetention(@PathVariable String name) {
        requireSourceName(name);
        catalog.policy(name).orElseThrow(() -> noPolicy(name));
        JobId jobId = JobId.random();
        JobView job = jobs.enqueue(
                new NewJob(jobId.toString(), JobKind.RETENTION, name, null, null),
                Topics.BACKUP_COMMANDS,
                new ApplyRetention(ApplyRetention.SCHEMA_VERSION, jobId, name, null, clock.instant()));
        AuditAttributes.target(job.jobId());
        JobAccepted accepted = JobAccepted.of(job, null);
        return ResponseEntity.accepted()
                .location(URI.create(accepted.statusUrl()))
                .body(accepted);
    }

    /**
     * The source at a glance: backups by kind and type with bytes and newest success, the point-in-time span
     * and logical snapshots it can be restored to, next runs, open alerts, and a health word with why.
     */
    @GetMapping("/api/v1/sources/{name}/summary")
    SourceSummary summary(@PathVariable String name) {
        requireSourceName(name);
        return catalog.summary(name).orElseThrow(() -> notRegistered(name));
    }

    /** Alerts (WAL archiving, stale backups), open and resolved, newest first; {@code state} FIRING or RESOLVED. */
    @GetMapping("/api/v1/alerts")
    List<AlertView> alerts(
            @RequestParam(required = false) String source,
            @RequestParam(required = false) String state,
            @RequestParam(required = false) Integer limit) {
        if (source != null) {
            requireSourceName(source);
        }
        if (state != null && !state.equals("FIRING") && !state.equals("RESOLVED")) {
            throw ApiException.badRequest("bad state", new FieldProblem("state", "must be FIRING or RESOLVED"));
        }
        Map<String, Object> filters = new HashMap<>();
        filters.put("source", source);
        filters.put("state", state);
        filters.put("limit", limit);
        return catalog.alerts(filters);
    }

    private static void requireArchivingForPhysical(SourceView source, List<PolicySchedule> schedules) {
        if (source.walArchiving() != null && source.walArchiving().enabled()) {
            return;
        }
        for (int i = 0; i < schedules.size(); i++) {
            if (schedules.get(i).kind() == BackupKind.PHYSICAL) {
                String detail = "PHYSICAL backups need continuous WAL archiving of source '" + source.name()
                        + "': enable it with PUT /api/v1/sources/" + source.name()
                        + "/wal-archiving {\"enabled\": true}, then set the policy again (or schedule LOGICAL backups)";
                throw ApiException.unprocessable(detail, new FieldProblem("schedules[" + i + "].kind", detail));
            }
        }
    }

    private static void requireSourceName(String name) {
        if (!Names.isSource(name)) {
            throw ApiException.badRequest("bad source name", new FieldProblem("name", "must be " + Names.SOURCE_RULE));
        }
    }

    private static ApiException noPolicy(String name) {
        return ApiException.notFound("source '" + name + "' has no policy (or is not registered): set one with PUT"
                + " /api/v1/sources/" + name + "/policy");
    }

    private static ApiException notRegistered(String name) {
        return ApiException.notFound("source '" + name + "' is not registered");
    }
}

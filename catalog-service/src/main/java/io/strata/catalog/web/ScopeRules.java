package io.strata.catalog.web;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.springframework.http.HttpMethod;
import org.springframework.http.server.PathContainer;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * Which scope each catalog endpoint needs: the one place to read or change it. A request no rule matches
 * is refused (403), so an endpoint added without a rule is closed, not open. Keep this table in step with
 * the controllers ({@code grep -rn Mapping catalog-service/src/main/java}).
 */
final class ScopeRules {
    /** Read the catalog's records: sources (without passwords), jobs, backups, WAL, restore points, plans. */
    static final String CATALOG_READ = "catalog:read";
    /** Create jobs ({@code POST /internal/v1/jobs}): the gateway, which turns API calls into jobs. */
    static final String JOBS_WRITE = "jobs:write";
    /** Claim a job and renew its lease with heartbeats: the workers that run jobs. */
    static final String JOBS_RUN = "jobs:run";
    /** Register sources and switch their WAL archiving. */
    static final String SOURCES_WRITE = "sources:write";
    /** Record restore points the caller created on a source. */
    static final String RESTORE_POINTS_WRITE = "restore-points:write";
    /** Read a source's connection details, password included. */
    static final String CONNECTIONS_READ = "connections:read";
    /** Take archived WAL out of the catalog for cleanup. */
    static final String WAL_WRITE = "wal:write";
    /** Forget deleted backups and record what VERIFY jobs found: the backup-workers that run those jobs. */
    static final String BACKUPS_WRITE = "backups:write";
    /** Set sources' backup policies (the gateway, which checks them first). */
    static final String POLICIES_WRITE = "policies:write";
    /** Read the audit trail (the gateway serves it to admins). */
    static final String AUDIT_READ = "audit:read";
    /** Re-encrypt the stored secrets under the active key. */
    static final String SECRETS_ROTATE = "secrets:rotate";
    /** Read the log of Kafka records the catalog could not apply (admins). */
    static final String INVALID_EVENTS_READ = "invalid-events:read";

    static final Set<String> SCOPES = Set.of(
            CATALOG_READ,
            JOBS_WRITE,
            JOBS_RUN,
            SOURCES_WRITE,
            RESTORE_POINTS_WRITE,
            CONNECTIONS_READ,
            WAL_WRITE,
            BACKUPS_WRITE,
            AUDIT_READ,
            POLICIES_WRITE,
            SECRETS_ROTATE,
            INVALID_EVENTS_READ);

    private static final HttpMethod GET = HttpMethod.GET;
    private static final HttpMethod POST = HttpMethod.POST;
    private static final HttpMethod PUT = HttpMethod.PUT;

    private static final List<Rule> RULES = List.of(
            // sources: SourceController, WalArchiveController, WalCleanupController
            rule(GET, "/api/v1/sources", CATALOG_READ),
            rule(GET, "/api/v1/sources/{name}", CATALOG_READ),
            rule(POST, "/api/v1/sources", SOURCES_WRITE),
            rule(PUT, "/api/v1/sources/{name}/wal-archiving", SOURCES_WRITE),
            rule(GET, "/internal/v1/sources/{name}/connection", CONNECTIONS_READ),
            rule(GET, "/api/v1/sources/{name}/wal-archive", CATALOG_READ),
            rule(POST, "/internal/v1/sources/{source}/wal/cleanup", WAL_WRITE),
            // restore points and recovery plans: RestorePointController, RecoveryPlanController
            rule(GET, "/api/v1/sources/{source}/restore-points", CATALOG_READ),
            rule(GET, "/api/v1/sources/{source}/restore-points/{name}", CATALOG_READ),
            rule(POST, "/api/v1/sources/{source}/restore-points", RESTORE_POINTS_WRITE),
            rule(GET, "/api/v1/sources/{source}/restore-points/{name}/recovery-plan", CATALOG_READ),
            // planning only reads; POST because the target travels in the body
            rule(POST, "/api/v1/sources/{source}/recovery-plans", CATALOG_READ),
            rule(GET, "/api/v1/sources/{source}/base-backups", CATALOG_READ),
            // jobs and backups: JobController, LeaseController, BackupController
            rule(GET, "/api/v1/jobs", CATALOG_READ),
            rule(GET, "/api/v1/jobs/{jobId}", CATALOG_READ),
            rule(POST, "/internal/v1/jobs", JOBS_WRITE),
            rule(POST, "/internal/v1/jobs/{jobId}/cancel", JOBS_WRITE),
            rule(POST, "/internal/v1/jobs/{jobId}/claim", JOBS_RUN),
            rule(POST, "/internal/v1/jobs/{jobId}/heartbeat", JOBS_RUN),
            rule(GET, "/api/v1/backups", CATALOG_READ),
            rule(GET, "/api/v1/backups/{backupId}", CATALOG_READ),
            // DELETE and VERIFY jobs: BackupIntegrityController
            rule(POST, "/internal/v1/backups/{backupId}/deletion", BACKUPS_WRITE),
            rule(POST, "/internal/v1/backups/{backupId}/verification", BACKUPS_WRITE),
            // backup policies and their schedules: PolicyController
            rule(PUT, "/internal/v1/sources/{name}/policy", POLICIES_WRITE),
            rule(GET, "/api/v1/sources/{name}/policy", CATALOG_READ),
            rule(GET, "/api/v1/policies", CATALOG_READ),
            rule(GET, "/api/v1/sources/{name}/schedule-runs", CATALOG_READ),
            // planning only reads; POST because the contract names it so
            rule(POST, "/api/v1/sources/{name}/retention/preview", CATALOG_READ),
            // RETENTION jobs forget what the plan deletes, then delete the objects (backup-workers)
            rule(POST, "/internal/v1/sources/{name}/retention/forgetting", BACKUPS_WRITE),
            // restore drills: the gateway starts them (the catalog picks the backup and queues the job)
            rule(POST, "/internal/v1/sources/{name}/drills", JOBS_WRITE),
            rule(GET, "/api/v1/sources/{name}/drills", CATALOG_READ),
            // alerts: AlertController
            rule(GET, "/api/v1/alerts", CATALOG_READ),
            rule(GET, "/api/v1/sources/{name}/summary", CATALOG_READ),
            // audit trail: AuditController
            rule(GET, "/api/v1/audit", AUDIT_READ),
            // secrets: SecretsController
            rule(POST, "/internal/v1/secrets/rotate", SECRETS_ROTATE),
            // records not applied because of their content: InvalidEventController
            rule(GET, "/internal/v1/invalid-events", INVALID_EVENTS_READ),
            // actuator beyond health and prometheus (which need no token at all)
            rule(GET, "/actuator/info", CATALOG_READ),
            rule(GET, "/actuator/metrics", CATALOG_READ),
            rule(GET, "/actuator/metrics/{name}", CATALOG_READ));

    private ScopeRules() {}

    /** The scope {@code method path} needs; empty when no rule covers it (the request is refused). */
    static Optional<String> requiredScope(String method, String path) {
        HttpMethod asked = HttpMethod.valueOf(method);
        // Spring MVC answers HEAD with the GET handler, so HEAD needs what GET needs
        HttpMethod effective = asked == HttpMethod.HEAD ? GET : asked;
        PathContainer parsed = PathContainer.parsePath(path);
        return RULES.stream()
                .filter(r -> r.method.equals(effective) && r.pattern.matches(parsed))
                .map(Rule::scope)
                .findFirst();
    }

    private static Rule rule(HttpMethod method, String pattern, String scope) {
        return new Rule(method, PathPatternParser.defaultInstance.parse(pattern), scope);
    }

    private record Rule(HttpMethod method, PathPattern pattern, String scope) {}
}

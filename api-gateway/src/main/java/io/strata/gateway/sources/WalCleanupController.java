package io.strata.gateway.sources;

import io.strata.common.command.CleanWal;
import io.strata.common.messaging.Topics;
import io.strata.common.model.JobId;
import io.strata.common.model.JobKind;
import io.strata.common.model.Names;
import io.strata.gateway.audit.AuditAttributes;
import io.strata.gateway.jobs.JobAccepted;
import io.strata.gateway.jobs.JobCommands;
import io.strata.gateway.problem.ApiException;
import io.strata.gateway.problem.FieldProblem;
import io.strata.platform.catalog.CatalogApi.JobView;
import io.strata.platform.catalog.CatalogApi.NewJob;
import io.strata.platform.catalog.CatalogClient;
import java.net.URI;
import java.time.Clock;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code POST /api/v1/sources/{name}/wal/cleanup {"keepDays": 7}}: a WAL_CLEANUP job that removes archived
 * WAL older than the window, never what a kept base backup or restore point needs. 0 keeps only that.
 */
@RestController
class WalCleanupController {
    static final int MAX_KEEP_DAYS = 36_500;
    private final CatalogClient catalog;
    private final JobCommands jobs;
    private final Clock clock;

    WalCleanupController(CatalogClient catalog, JobCommands jobs, Clock clock) {
        this.catalog = catalog;
        this.jobs = jobs;
        this.clock = clock;
    }

    @PostMapping("/api/v1/sources/{name}/wal/cleanup")
    ResponseEntity<JobAccepted> cleanup(@PathVariable String name, @RequestBody(required = false) Request body) {
        if (body == null || body.keepDays() == null) {
            throw ApiException.badRequest(
                    "send {\"keepDays\": N}: archived WAL older than N days goes, except what kept backups and"
                            + " restore points need",
                    new FieldProblem("keepDays", "is required"));
        }
        if (body.keepDays() < 0 || body.keepDays() > MAX_KEEP_DAYS) {
            throw ApiException.badRequest(
                    "keepDays must be 0 to " + MAX_KEEP_DAYS + "; got " + body.keepDays(),
                    new FieldProblem("keepDays", "must be 0 to " + MAX_KEEP_DAYS));
        }
        if (!Names.isSource(name) || catalog.source(name).isEmpty()) {
            throw ApiException.notFound("source '" + name + "' is not registered");
        }
        JobId jobId = JobId.random();
        JobView created = jobs.enqueue(
                new NewJob(jobId.toString(), JobKind.WAL_CLEANUP, name, null, null),
                Topics.WAL_COMMANDS,
                new CleanWal(CleanWal.SCHEMA_VERSION, jobId, name, body.keepDays(), null, clock.instant()));
        AuditAttributes.target(jobId.toString());
        JobAccepted accepted = JobAccepted.of(created, null);
        return ResponseEntity.accepted()
                .location(URI.create(accepted.statusUrl()))
                .body(accepted);
    }

    record Request(Integer keepDays) {}
}

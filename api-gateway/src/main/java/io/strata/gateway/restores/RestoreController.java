package io.strata.gateway.restores;

import io.strata.common.command.RestoreBackup;
import io.strata.common.messaging.Topics;
import io.strata.common.model.JobId;
import io.strata.common.model.JobKind;
import io.strata.gateway.audit.AuditAttributes;
import io.strata.gateway.jobs.JobAccepted;
import io.strata.gateway.jobs.JobCommands;
import io.strata.gateway.restores.RestoreChecks.CheckedRestore;
import io.strata.gateway.restores.RestoreEstimates.Preview;
import io.strata.platform.catalog.CatalogApi.JobView;
import io.strata.platform.catalog.CatalogApi.NewJob;
import jakarta.validation.Valid;
import java.net.URI;
import java.time.Clock;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Restores: a logical backup into a new database or over the source database (after a safety backup), or
 * a point-in-time restore into a new cluster on the restore-worker's host; and previews of either.
 */
@RestController
@RequestMapping("/api/v1/restores")
@EnableConfigurationProperties({RestoreEstimates.class, RestoreDataRoots.class})
class RestoreController {
    private final RestoreChecks checks;
    private final JobCommands jobs;
    private final RestoreEstimates estimates;
    private final Clock clock;

    RestoreController(RestoreChecks checks, JobCommands jobs, RestoreEstimates estimates, Clock clock) {
        this.checks = checks;
        this.jobs = jobs;
        this.estimates = estimates;
        this.clock = clock;
    }

    @PostMapping
    ResponseEntity<JobAccepted> restore(@Valid @RequestBody RestoreRequestBody body) {
        CheckedRestore restore = checks.check(body, false);
        JobId jobId = JobId.random();
        NewJob job = new NewJob(
                jobId.toString(),
                JobKind.RESTORE,
                body.source(),
                null,
                restore.backupId().toString());
        JobView created = jobs.enqueue(
                job,
                Topics.RESTORE_COMMANDS,
                new RestoreBackup(
                        RestoreBackup.SCHEMA_VERSION,
                        jobId,
                        body.source(),
                        restore.backupId(),
                        restore.into(),
                        null,
                        clock.instant(),
                        restore.target()));
        AuditAttributes.target(jobId.toString());
        JobAccepted accepted = JobAccepted.of(created, null);
        return ResponseEntity.accepted()
                .location(URI.create(accepted.statusUrl()))
                .body(accepted);
    }

    /** What the same request would restore, download and roughly take; nothing is started. */
    @PostMapping("/preview")
    Preview preview(@Valid @RequestBody RestoreRequestBody body) {
        return estimates.preview(body.source(), checks.check(body, true));
    }
}

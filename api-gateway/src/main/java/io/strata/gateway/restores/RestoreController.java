package io.strata.gateway.restores;

import io.strata.common.command.RestoreBackup;
import io.strata.common.command.RestoreBackup.RestoreInto;
import io.strata.common.messaging.Topics;
import io.strata.common.model.BackupId;
import io.strata.common.model.JobId;
import io.strata.common.model.JobKind;
import io.strata.gateway.jobs.JobAccepted;
import io.strata.gateway.jobs.JobCommands;
import io.strata.platform.catalog.CatalogApi.JobView;
import io.strata.platform.catalog.CatalogApi.NewJob;
import jakarta.validation.Valid;
import java.net.URI;
import java.time.Clock;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Restoring a backup into a new database, or over the source database after a safety backup. */
@RestController
@RequestMapping("/api/v1/restores")
class RestoreController {
    private final RestoreChecks checks;
    private final JobCommands jobs;
    private final Clock clock;

    RestoreController(RestoreChecks checks, JobCommands jobs, Clock clock) {
        this.checks = checks;
        this.jobs = jobs;
        this.clock = clock;
    }

    @PostMapping
    ResponseEntity<JobAccepted> restore(@Valid @RequestBody RestoreRequestBody body) {
        RestoreInto into = checks.check(body);
        JobId jobId = JobId.random();
        BackupId backupId = BackupId.parse(body.backupId());
        NewJob job = new NewJob(jobId.toString(), JobKind.RESTORE, body.source(), null, backupId.toString());
        JobView created = jobs.enqueue(
                job,
                Topics.RESTORE_COMMANDS,
                view -> new RestoreBackup(
                        RestoreBackup.SCHEMA_VERSION, jobId, body.source(), backupId, into, null, clock.instant()));
        JobAccepted accepted = JobAccepted.of(created, null);
        return ResponseEntity.accepted()
                .location(URI.create(accepted.statusUrl()))
                .body(accepted);
    }
}

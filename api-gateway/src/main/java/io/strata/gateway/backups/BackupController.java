package io.strata.gateway.backups;

import io.strata.common.model.BackupId;
import io.strata.common.model.BackupKind;
import io.strata.common.model.JobId;
import io.strata.gateway.audit.AuditAttributes;
import io.strata.gateway.catalog.CatalogProxy;
import io.strata.gateway.jobs.JobAccepted;
import io.strata.gateway.problem.ApiException;
import io.strata.platform.catalog.CatalogApi.BackupView;
import io.strata.platform.catalog.CatalogApi.JobView;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Starting backups (202 with a job to follow) and reading the catalog's record of them. */
@RestController
@RequestMapping("/api/v1/backups")
class BackupController {
    private final BackupSubmission submission;
    private final CatalogProxy catalog;

    BackupController(BackupSubmission submission, CatalogProxy catalog) {
        this.submission = submission;
        this.catalog = catalog;
    }

    @PostMapping
    ResponseEntity<JobAccepted> start(@Valid @RequestBody BackupRequestBody body) {
        JobView job = submission.submit(body.toSpec(), JobId.random(), null);
        AuditAttributes.target(job.jobId());
        JobAccepted accepted = JobAccepted.of(job, job.backupId());
        return ResponseEntity.accepted()
                .location(URI.create(accepted.statusUrl()))
                .body(accepted);
    }

    /**
     * Starts a VERIFY job: every stored object of the backup and of its chain (from its FULL backup) is read
     * back and hashed; the job fails naming each object that is missing or corrupt.
     */
    @PostMapping("/{backupId}/verify")
    ResponseEntity<JobAccepted> verify(@PathVariable String backupId) {
        BackupView backup = one(backupId);
        if (!"SUCCEEDED".equals(backup.status())) {
            throw ApiException.conflict("backup '" + backupId + "' is " + backup.status()
                    + "; only a SUCCEEDED backup has objects to verify");
        }
        JobView job = submission.verify(backup, JobId.random());
        AuditAttributes.target(job.jobId());
        JobAccepted accepted = JobAccepted.of(job, backupId);
        return ResponseEntity.accepted()
                .location(URI.create(accepted.statusUrl()))
                .body(accepted);
    }

    /**
     * Starts a DELETE job (admin). A backup that DIFFERENTIAL or INCREMENTAL backups are built on is refused
     * with 409 listing them ({@code dependents}) unless {@code cascade=true}, which deletes them too. A backup
     * still being taken is refused: cancel its job first. WAL is not deleted here (WAL cleanup keeps what the
     * remaining backups and restore points need).
     */
    @DeleteMapping("/{backupId}")
    ResponseEntity<JobAccepted> delete(
            @PathVariable String backupId, @RequestParam(required = false, defaultValue = "false") boolean cascade) {
        BackupView backup = one(backupId);
        String status = backup.status() == null ? "" : backup.status();
        if (status.equals("DELETED")) {
            throw ApiException.conflict("backup '" + backupId + "' was already deleted at " + backup.deletedAt());
        }
        if (status.equals("QUEUED") || status.equals("RUNNING")) {
            throw ApiException.conflict("backup '" + backupId + "' is still being taken: cancel its job first with"
                    + " POST /api/v1/jobs/" + backup.jobId() + "/cancel");
        }
        List<String> dependents = backup.dependents() == null ? List.of() : backup.dependents();
        if (!dependents.isEmpty() && !cascade) {
            throw ApiException.conflict("backup '" + backupId + "' has " + dependents.size() + " backup(s) built on"
                            + " it, which cannot be restored without it: " + String.join(", ", dependents)
                            + ". Delete them first, or repeat with ?cascade=true to delete them too.")
                    .with("dependents", dependents);
        }
        JobView job = submission.delete(backup, cascade, JobId.random());
        AuditAttributes.target(job.jobId());
        JobAccepted accepted = JobAccepted.of(job, backupId);
        return ResponseEntity.accepted()
                .location(URI.create(accepted.statusUrl()))
                .body(accepted);
    }

    @GetMapping
    List<BackupView> list(
            @RequestParam(required = false) String source,
            @RequestParam(required = false) BackupKind kind,
            @RequestParam(required = false) String status,
            @RequestParam(required = false)
                    @Min(value = 1, message = "must be 1..1000")
                    @Max(value = 1000, message = "must be 1..1000")
                    Integer limit) {
        Map<String, Object> query = new LinkedHashMap<>();
        query.put("source", source);
        query.put("kind", kind);
        query.put("status", status);
        query.put("limit", limit);
        return catalog.backups(query);
    }

    @GetMapping("/{backupId}")
    BackupView one(@PathVariable String backupId) {
        ApiException notFound = ApiException.notFound("backup '" + backupId + "' does not exist");
        // an id of the wrong shape cannot name a backup: answer as for any unknown one
        if (!BackupId.isValid(backupId)) {
            throw notFound;
        }
        return catalog.backup(backupId).orElseThrow(() -> notFound);
    }
}

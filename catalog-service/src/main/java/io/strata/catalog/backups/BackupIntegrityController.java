package io.strata.catalog.backups;

import io.strata.catalog.invalid.EventText;
import io.strata.catalog.support.SqlTime;
import io.strata.catalog.web.ConflictException;
import io.strata.catalog.web.InvalidRequestException;
import io.strata.catalog.web.ResourceNotFoundException;
import io.strata.common.model.BackupId;
import io.strata.common.model.FailureCode;
import io.strata.platform.catalog.CatalogApi.BackupDeletion;
import io.strata.platform.catalog.CatalogApi.ForgottenBackups;
import io.strata.platform.catalog.CatalogApi.VerificationProblem;
import io.strata.platform.catalog.CatalogApi.VerificationReport;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/**
 * The catalog's half of DELETE and VERIFY jobs (the backup-worker's calls). A deletion is forgotten first,
 * in one transaction that locks the source's backups, so no restore is planned from a backup whose objects
 * are being removed and no chain is built on it; its objects left behind by a failed delete are only wasted
 * space (the orphan sweep finds objects without a manifest). A verification marks each backup of the chain
 * verified or damaged; a damaged one makes every chain through it not usable ({@link BaseBackups}).
 */
@RestController
class BackupIntegrityController {
    private static final int MAX_CHECKED = 1000;
    private static final int MAX_PROBLEMS = 10_000;
    private static final int MAX_PROBLEM_TEXT = 2000;
    private static final int MAX_CORRUPTION = 8000;
    private final JdbcClient jdbc;
    private final BackupQueries queries;
    private final BackupForgetting forgetting;
    private final Clock clock;

    BackupIntegrityController(JdbcClient jdbc, BackupQueries queries, BackupForgetting forgetting, Clock clock) {
        this.jdbc = jdbc;
        this.queries = queries;
        this.forgetting = forgetting;
        this.clock = clock;
    }

    private record Stored(String source, String status, String deleteJobId) {}

    @PostMapping("/internal/v1/backups/{backupId}/deletion")
    @Transactional
    ForgottenBackups forget(@PathVariable String backupId, @RequestBody BackupDeletion deletion) {
        requireBackupId(backupId);
        UUID jobId = jobId(deletion.jobId());
        Stored backup = stored(backupId);
        // every backup of the source, locked: a concurrent result, deletion or verification waits for this one
        forgetting.lockSource(backup.source());
        backup = stored(backupId);
        if ("DELETED".equals(backup.status())) {
            if (jobId.toString().equals(backup.deleteJobId())) {
                return forgottenBy(backup.source(), jobId); // the same job, asking again after a crash
            }
            throw new ConflictException(
                    "Backup " + backupId + " was already deleted by job " + backup.deleteJobId() + ".");
        }
        if ("QUEUED".equals(backup.status()) || "RUNNING".equals(backup.status())) {
            throw new ConflictException("Backup " + backupId + " is still being taken; cancel its job first"
                    + " (POST /api/v1/jobs/{jobId}/cancel) or delete it once it has ended.");
        }
        // jobs that may be reading the chain, or building a DIFFERENTIAL/INCREMENTAL on it
        List<String> busy = forgetting.busyJobs(backup.source());
        if (!busy.isEmpty()) {
            throw new ConflictException("Source " + backup.source() + " has running jobs that may read this backup's"
                    + " chain or build on it (" + String.join(", ", busy) + "); delete it once they have ended.");
        }
        List<String> dependents = queries.dependents(backupId);
        if (!dependents.isEmpty() && !deletion.cascade()) {
            throw new ConflictException(
                    "Backup " + backupId + " has " + dependents.size() + " backup(s) built on it ("
                            + String.join(", ", dependents) + "): they cannot be restored without it. Delete with"
                            + " cascade=true to remove them too.",
                    FailureCode.BACKUP_HAS_DEPENDENTS.name());
        }
        List<String> ids = new ArrayList<>(dependents);
        ids.add(backupId);
        forgetting.markDeleted(backup.source(), ids, jobId, clock.instant());
        return new ForgottenBackups(backup.source(), List.copyOf(ids));
    }

    @PostMapping("/internal/v1/backups/{backupId}/verification")
    @Transactional
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void recordVerification(@PathVariable String backupId, @RequestBody VerificationReport report) {
        requireBackupId(backupId);
        jobId(report.jobId());
        List<String> checked = report.checkedBackupIds() == null ? List.of() : report.checkedBackupIds();
        if (checked.isEmpty()
                || checked.size() > MAX_CHECKED
                || !checked.stream().allMatch(BackupId::isValid)) {
            throw new InvalidRequestException(
                    "checkedBackupIds", "must list 1 to " + MAX_CHECKED + " backup ids (the verified chain)");
        }
        List<VerificationProblem> problems = report.problems() == null ? List.of() : report.problems();
        Set<String> checkedSet = new HashSet<>(checked);
        if (problems.size() > MAX_PROBLEMS
                || problems.stream().anyMatch(p -> p == null || !checkedSet.contains(p.backupId()))) {
            throw new InvalidRequestException(
                    "problems", "at most " + MAX_PROBLEMS + ", each naming one of checkedBackupIds");
        }
        String source = stored(backupId).source();
        for (String id : checked) {
            String corruption = problems.stream()
                    .filter(p -> p.backupId().equals(id))
                    .map(p -> EventText.line(p.key(), MAX_PROBLEM_TEXT) + ": "
                            + EventText.line(p.problem(), MAX_PROBLEM_TEXT))
                    .collect(Collectors.joining("; "));
            if (corruption.length() > MAX_CORRUPTION) {
                corruption = corruption.substring(0, MAX_CORRUPTION) + " …";
            }
            // only the verified backup's own source: a report cannot touch another source's backups
            jdbc.sql("""
                            UPDATE backup SET corruption = ?, verified_at = CASE WHEN ? THEN ? ELSE verified_at END,
                                   updated_at = ?
                            WHERE backup_id = ? AND source = ?""")
                    .params(
                            corruption.isEmpty() ? null : corruption,
                            corruption.isEmpty(),
                            SqlTime.bind(clock.instant()),
                            SqlTime.bind(clock.instant()),
                            id,
                            source)
                    .update();
        }
    }

    private ForgottenBackups forgottenBy(String source, UUID jobId) {
        return new ForgottenBackups(source, forgetting.deletedBy(source, jobId));
    }

    private Stored stored(String backupId) {
        return jdbc.sql("SELECT source, status, delete_job_id::text AS delete_job_id FROM backup WHERE backup_id = ?")
                .param(backupId)
                .query((rs, row) ->
                        new Stored(rs.getString("source"), rs.getString("status"), rs.getString("delete_job_id")))
                .optional()
                .orElseThrow(() -> new ResourceNotFoundException("backup", backupId));
    }

    private static void requireBackupId(String backupId) {
        if (!BackupId.isValid(backupId)) {
            throw new InvalidRequestException("backupId", "must look like 20261122T153000Z-3fa2c1");
        }
    }

    private static UUID jobId(String text) {
        try {
            if (text != null && text.length() == 36) {
                return UUID.fromString(text);
            }
        } catch (IllegalArgumentException e) {
            // answered below
        }
        throw new InvalidRequestException("jobId", "must be the UUID of the job asking");
    }
}

package io.strata.catalog.backups;

import io.strata.catalog.web.InvalidRequestException;
import io.strata.catalog.web.QueryParams;
import io.strata.catalog.web.ResourceNotFoundException;
import io.strata.common.model.BackupId;
import io.strata.common.model.BackupKind;
import io.strata.common.model.JobStatus;
import io.strata.platform.catalog.CatalogApi.BackupView;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The backups read side. Backups come into being through commands and job events, not through HTTP. */
@RestController
class BackupController {
    private final BackupQueries backups;

    BackupController(BackupQueries backups) {
        this.backups = backups;
    }

    @GetMapping("/api/v1/backups")
    List<BackupView> list(
            @RequestParam(required = false) String source,
            @RequestParam(required = false) String kind,
            @RequestParam(required = false) String status,
            @RequestParam(required = false) Integer limit) {
        BackupKind kindFilter = QueryParams.optionalEnum("kind", kind, BackupKind.class);
        // a backup's status follows its job's vocabulary (QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED), plus
        // DELETED: those are listed only when asked for
        String statusFilter = "DELETED".equals(status)
                ? status
                : java.util.Optional.ofNullable(QueryParams.optionalEnum("status", status, JobStatus.class))
                        .map(Enum::name)
                        .orElse(null);
        return backups.list(new BackupFilter(blankToNull(source), kindFilter, statusFilter, QueryParams.limit(limit)));
    }

    @GetMapping("/api/v1/backups/{backupId}")
    BackupView get(@PathVariable String backupId) {
        if (!BackupId.isValid(backupId)) {
            throw new InvalidRequestException(
                    "backupId", "must look like 20261122T153000Z-3fa2c1, got '" + backupId + "'");
        }
        return backups.find(backupId).orElseThrow(() -> new ResourceNotFoundException("backup", backupId));
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}

package io.strata.catalog.backups;

import io.strata.platform.catalog.CatalogApi.BaseBackupView;
import java.util.List;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** The source's usable base backups ({@link BaseBackups}): what a backup-worker builds a chain on. */
@RestController
class BaseBackupController {
    private final BaseBackups baseBackups;

    BaseBackupController(BaseBackups baseBackups) {
        this.baseBackups = baseBackups;
    }

    @GetMapping("/api/v1/sources/{source}/base-backups")
    @Transactional(readOnly = true)
    List<BaseBackupView> list(@PathVariable String source) {
        return baseBackups.usable(source).stream()
                .map(b -> new BaseBackupView(
                        b.backupId(),
                        b.type(),
                        b.parentBackupId(),
                        b.chain(),
                        b.systemIdentifier(),
                        b.timeline(),
                        b.startLsn(),
                        b.endLsn(),
                        b.finishedAt(),
                        b.storedBytes(),
                        b.sizeBytes(),
                        b.manifestKey()))
                .toList();
    }
}

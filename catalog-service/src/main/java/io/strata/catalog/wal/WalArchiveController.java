package io.strata.catalog.wal;

import io.strata.catalog.recovery.Recoverability;
import io.strata.catalog.web.ResourceNotFoundException;
import io.strata.platform.catalog.CatalogApi.WalArchiveSummary;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * What the catalog knows of a source's WAL archive, with any gap that keeps the latest point from being restored;
 * the gateway adds the source's live position.
 */
@RestController
class WalArchiveController {
    private final WalSegmentStore segments;
    private final Recoverability recoverability;

    WalArchiveController(WalSegmentStore segments, Recoverability recoverability) {
        this.segments = segments;
        this.recoverability = recoverability;
    }

    @GetMapping("/api/v1/sources/{name}/wal-archive")
    WalArchiveSummary summary(@PathVariable String name) {
        boolean enabled =
                segments.archivingEnabled(name).orElseThrow(() -> new ResourceNotFoundException("source", name));
        return segments.summary(name)
                .map(s -> new WalArchiveSummary(
                        name,
                        enabled,
                        s.timeline(),
                        s.segments(),
                        s.totalBytes(),
                        s.archivedLsn(),
                        s.firstSegment(),
                        s.lastSegment(),
                        s.lastArchivedAt(),
                        segments.oldestRecoverableTime(name).orElse(null),
                        recoverability.gap(name).orElse(null)))
                .orElseGet(() -> new WalArchiveSummary(name, enabled, null, 0, 0, null, null, null, null, null, null));
    }
}

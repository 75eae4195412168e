package io.strata.catalog.wal;

import io.strata.catalog.alerts.AlertBook;
import io.strata.catalog.recovery.Recoverability;
import io.strata.catalog.web.ResourceNotFoundException;
import io.strata.platform.catalog.CatalogApi.WalArchiveSummary;
import io.strata.platform.catalog.CatalogApi.WalGap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * What the catalog knows of a source's WAL archive, with the gap that keeps its latest point from being restored
 * while one is confirmed ({@link ArchivingAlerts}' WAL_GAP is open: a gap seen once may be WAL whose event is on
 * its way, or an archiver catching up with a timeline switch); the gateway adds the source's live position.
 */
@RestController
class WalArchiveController {
    private static final Logger log = LoggerFactory.getLogger(WalArchiveController.class);
    private final WalSegmentStore segments;
    private final Recoverability recoverability;
    private final AlertBook alerts;

    WalArchiveController(WalSegmentStore segments, Recoverability recoverability, AlertBook alerts) {
        this.segments = segments;
        this.recoverability = recoverability;
        this.alerts = alerts;
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
                        confirmedGap(name)))
                .orElseGet(() -> new WalArchiveSummary(name, enabled, null, 0, 0, null, null, null, null, null, null));
    }

    /** The gap as the planner sees it now, while WAL_GAP is open; null otherwise, or when the planner fails. */
    private WalGap confirmedGap(String source) {
        if (!alerts.isOpen(source, ArchivingAlerts.GAP)) {
            return null;
        }
        try {
            return recoverability.latestPoint(source).gap();
        } catch (RuntimeException e) { // the archive's own figures are still worth answering with
            log.warn("cannot plan the latest point of {} to show its WAL gap: {}", source, e.toString());
            return null;
        }
    }
}

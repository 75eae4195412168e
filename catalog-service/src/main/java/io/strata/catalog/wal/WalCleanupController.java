package io.strata.catalog.wal;

import io.strata.catalog.wal.WalCleanupPlans.WalDeletion;
import io.strata.catalog.web.InvalidRequestException;
import io.strata.platform.catalog.CatalogApi.PlannedSegment;
import io.strata.platform.catalog.CatalogApi.WalCleanup;
import io.strata.platform.catalog.CatalogApi.WalCleanupRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * The catalog's half of a WAL_CLEANUP job: decides with {@link WalRetention} what may go and forgets it in
 * one transaction (locking the source's segments, so a concurrent plan never sees half of it), then hands
 * the objects to the wal-archiver to delete. Forgetting first means the catalog never lists WAL that is
 * gone; an object left behind by a failed delete is only wasted space.
 */
@RestController
class WalCleanupController {
    private static final int MAX_KEEP_DAYS = 36_500;
    private final WalCleanupPlans plans;
    private final Clock clock;

    WalCleanupController(WalCleanupPlans plans, Clock clock) {
        this.plans = plans;
        this.clock = clock;
    }

    @PostMapping("/internal/v1/sources/{source}/wal/cleanup")
    @Transactional
    WalCleanup cleanup(@PathVariable String source, @RequestBody WalCleanupRequest request) {
        if (request.keepDays() < 0 || request.keepDays() > MAX_KEEP_DAYS) {
            throw new InvalidRequestException("keepDays", "must be 0 to " + MAX_KEEP_DAYS);
        }
        Instant cutoff = clock.instant().minus(Duration.ofDays(request.keepDays()));
        WalDeletion plan = plans.plan(source, backupId -> true, cutoff, true);
        List<PlannedSegment> removed = plan.delete();
        plans.forget(source, removed);
        List<PlannedSegment> kept = plan.keep();
        return new WalCleanup(
                source,
                cutoff,
                removed,
                kept.size(),
                kept.isEmpty() ? null : kept.getFirst().segment());
    }
}

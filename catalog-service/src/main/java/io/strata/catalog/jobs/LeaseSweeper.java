package io.strata.catalog.jobs;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionException;

/**
 * Every {@code strata.catalog.leases.sweep-interval}, hands jobs whose lease expired to {@link ExpiredLeases},
 * in batches. Safe with several catalog instances: each batch locks its rows and skips those another holds.
 * After the catalog starts, or its database comes back, it first waits {@code grace-after-outage}: workers
 * could not renew meanwhile, and their leases must not be judged before they had the chance.
 */
@Component
class LeaseSweeper {
    static final int BATCH = 100;
    private static final Logger log = LoggerFactory.getLogger(LeaseSweeper.class);
    private final ExpiredLeases expired;
    private final Duration grace;
    private final Clock clock;
    private volatile Instant healthySince;

    LeaseSweeper(ExpiredLeases expired, LeaseProperties properties, Clock clock) {
        this.expired = expired;
        this.grace = properties.graceAfterOutage();
        this.clock = clock;
    }

    @Scheduled(
            initialDelayString = "${strata.catalog.leases.sweep-interval}",
            fixedDelayString = "${strata.catalog.leases.sweep-interval}")
    void sweep() {
        Instant now = clock.instant();
        if (healthySince == null) {
            healthySince = now;
        }
        if (now.isBefore(healthySince.plus(grace))) {
            return;
        }
        try {
            int found;
            do {
                found = expired.expire(now, BATCH);
            } while (found == BATCH);
        } catch (DataAccessException | TransactionException e) {
            healthySince = null;
            log.warn(
                    "Lease sweep failed; leases are judged again {} after the catalog database answers: {}",
                    grace,
                    e.toString());
        }
    }
}

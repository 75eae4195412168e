package io.strata.catalog.jobs;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * How the catalog judges job leases ({@code strata.catalog.leases}; defaults in application.yml).
 *
 * @param sweepInterval how often the sweeper looks for expired leases (the {@code @Scheduled} delay of
 *     {@link LeaseSweeper} reads the same property)
 * @param maxAttempts how many workers may start a job that is safe to repeat before, its worker lost once
 *     more, it ends FAILED with {@code WORKER_LOST}
 * @param graceAfterOutage how long the sweeper waits after the catalog started or its database came back
 *     before it judges leases: workers could not renew meanwhile, so an expiry then is not their fault. Keep
 *     it above the workers' heartbeat interval.
 */
@ConfigurationProperties("strata.catalog.leases")
record LeaseProperties(Duration sweepInterval, int maxAttempts, Duration graceAfterOutage) {
    LeaseProperties {
        if (sweepInterval == null || !sweepInterval.isPositive()) {
            throw new IllegalArgumentException("strata.catalog.leases.sweep-interval must be positive, e.g. 5s");
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("strata.catalog.leases.max-attempts must be 1 or more, e.g. 3");
        }
        if (graceAfterOutage == null || graceAfterOutage.isNegative()) {
            throw new IllegalArgumentException(
                    "strata.catalog.leases.grace-after-outage must be zero or more, e.g. 30s");
        }
    }
}

package io.strata.catalog.jobs;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * How the catalog dispatches jobs' commands ({@code strata.catalog.jobs}; defaults in application.yml).
 *
 * @param backupsPerSource how many backups of one source may run at a time (0: no limit); the others wait
 *     QUEUED, saying so, without holding a worker
 * @param redispatchAfter how long a dispatched command may wait unclaimed before it is sent again (a Kafka
 *     record lost or archived); doubles with every dispatch, up to an hour. Duplicates are harmless: only
 *     one claim wins.
 */
@ConfigurationProperties("strata.catalog.jobs")
record JobDispatchProperties(int backupsPerSource, Duration redispatchAfter) {
    static final Duration MAX_REDISPATCH = Duration.ofHours(1);

    JobDispatchProperties {
        if (backupsPerSource < 0) {
            throw new IllegalArgumentException(
                    "strata.catalog.jobs.backups-per-source must be 0 (no limit) or more, e.g. 1");
        }
        if (redispatchAfter == null || !redispatchAfter.isPositive()) {
            throw new IllegalArgumentException("strata.catalog.jobs.redispatch-after must be positive, e.g. 2m");
        }
    }

    /** When a command sent for the {@code dispatches}+1-th time at {@code now} is next looked at. */
    java.time.Instant nextLook(java.time.Instant now, int dispatches) {
        Duration delay = redispatchAfter.multipliedBy(1L << Math.min(dispatches, 10));
        return now.plus(delay.compareTo(MAX_REDISPATCH) > 0 ? MAX_REDISPATCH : delay);
    }

    boolean limitsBackups() {
        return backupsPerSource > 0;
    }
}

package io.strata.catalog.policies;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The policy scheduler ({@code strata.scheduler}; defaults in application.yml).
 *
 * @param enabled whether this catalog runs schedules at all (any number of replicas may: one leads at a time)
 * @param tick how often schedules are looked at; a slot fires within a tick of its time (plus its spread)
 * @param grace how late the newest missed slot may still run (after an outage); older slots are MISSED
 * @param spread the most a source's slots are delayed, by an amount fixed per source, so a thousand
 *     sources' 02:00 do not all start in the same second
 * @param missedLookback how far back missed slots are recorded one by one after an outage
 */
@ConfigurationProperties("strata.scheduler")
record SchedulerProperties(boolean enabled, Duration tick, Duration grace, Duration spread, Duration missedLookback) {
    SchedulerProperties {
        if (tick == null || !tick.isPositive()) {
            throw new IllegalArgumentException("strata.scheduler.tick must be positive, e.g. 5s");
        }
        if (grace == null || grace.isNegative()) {
            throw new IllegalArgumentException("strata.scheduler.grace must be 0 or more, e.g. 1h");
        }
        if (spread == null || spread.isNegative()) {
            throw new IllegalArgumentException("strata.scheduler.spread must be 0 or more, e.g. 60s");
        }
        if (missedLookback == null || !missedLookback.isPositive()) {
            throw new IllegalArgumentException("strata.scheduler.missed-lookback must be positive, e.g. 1d");
        }
    }

    /** How long after its slots the source's fires wait: fixed per source, between 0 and the spread. */
    Duration offset(String source) {
        long millis = spread.toMillis();
        return millis == 0
                ? Duration.ZERO
                : Duration.ofMillis(Math.floorMod(source.hashCode() * 2_654_435_761L, millis + 1));
    }
}

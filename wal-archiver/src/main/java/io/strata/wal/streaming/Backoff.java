package io.strata.wal.streaming;

import java.time.Duration;

/** Exponential reconnect delays: initial, doubled per consecutive failure, capped; reset on success. */
final class Backoff {
    private final Duration initial;
    private final Duration max;
    private int failures;

    Backoff(WalProperties.Backoff settings) {
        this.initial = settings.initial();
        this.max = settings.max();
    }

    /** The wait before the next attempt, counting this failure. */
    Duration nextDelay() {
        int doublings = Math.min(failures, 30);
        failures++;
        Duration delay = initial.multipliedBy(1L << doublings);
        return delay.compareTo(max) > 0 ? max : delay;
    }

    void reset() {
        failures = 0;
    }
}

package io.strata.devstack.demo;

import java.time.Duration;
import java.time.Instant;

/** How long the demo waits for something it polls for: it asks again every 300 ms, never sleeps long. */
final class Deadline {
    private static final Duration POLL = Duration.ofMillis(300);

    private final Instant end;
    private final Duration length;

    private Deadline(Duration length) {
        this.end = Instant.now().plus(length);
        this.length = length;
    }

    static Deadline in(Duration length) {
        return new Deadline(length);
    }

    /**
     * Waits before the next look; once the deadline has passed, a {@link DemoFailure} instead, saying {@code
     * what} did not happen within it and what was seen last.
     */
    void pause(String what, String lastSeen) throws InterruptedException {
        if (Instant.now().isAfter(end)) {
            throw new DemoFailure(what + " within " + length.toSeconds() + " s; last seen: " + lastSeen);
        }
        Thread.sleep(POLL);
    }
}

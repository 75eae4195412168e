package io.strata.platform.logical;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a progress report at a fixed interval on a virtual thread while a long step works, so a job that
 * makes no visible progress (pg_dump waiting for a lock) still shows it is alive.
 */
public final class ProgressTicker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProgressTicker.class);
    private final Thread thread;

    private ProgressTicker(Duration interval, Runnable report) {
        this.thread = Thread.ofVirtual().name("progress-ticker").start(() -> loop(interval, report));
    }

    public static ProgressTicker every(Duration interval, Runnable report) {
        return new ProgressTicker(interval, report);
    }

    private static void loop(Duration interval, Runnable report) {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(interval);
            } catch (InterruptedException e) {
                return;
            }
            try {
                report.run();
            } catch (RuntimeException e) {
                // A lost progress event must not fail the job; the next tick tries again.
                log.warn("could not report progress: {}", e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        thread.interrupt();
        try {
            thread.join(Duration.ofSeconds(35));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

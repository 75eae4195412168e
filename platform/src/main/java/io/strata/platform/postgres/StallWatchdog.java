package io.strata.platform.postgres;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Stops work whose source went silent: while a client program streams from a source, a counter of bytes
 * received must move at least once per {@code limit}; if it does not, {@code onStall} runs (it kills the
 * program) and {@link #stalled()} tells the caller to report SOURCE_TIMEOUT rather than the program's exit.
 */
public final class StallWatchdog implements AutoCloseable {
    private final Thread thread;
    private volatile boolean stalled;

    private StallWatchdog(LongSupplier progress, Duration limit, Runnable onStall) {
        this.thread = Thread.ofVirtual().name("stall-watchdog").start(() -> run(progress, limit, onStall));
    }

    public static StallWatchdog watch(LongSupplier progress, Duration limit, Runnable onStall) {
        return new StallWatchdog(progress, limit, onStall);
    }

    public boolean stalled() {
        return stalled;
    }

    private void run(LongSupplier progress, Duration limit, Runnable onStall) {
        long last = progress.getAsLong();
        long lastMoved = System.nanoTime();
        Duration poll = limit.compareTo(Duration.ofSeconds(4)) < 0 ? limit.dividedBy(4) : Duration.ofSeconds(1);
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(poll);
            } catch (InterruptedException e) {
                return;
            }
            long now = progress.getAsLong();
            if (now != last) {
                last = now;
                lastMoved = System.nanoTime();
            } else if (System.nanoTime() - lastMoved >= limit.toNanos()) {
                stalled = true;
                onStall.run();
                return;
            }
        }
    }

    @Override
    public void close() {
        thread.interrupt();
    }
}

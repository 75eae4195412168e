package io.strata.platform.postgres;

import io.strata.platform.catalog.CatalogApi.SourceConnection;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Proves a source still answers while a program works on it without a sign of life of its own: pg_restore
 * prints nothing while the server builds a large index, which may rightly take longer than the source's
 * {@code ioSeconds}. Every {@code every}, a fresh connection runs {@code SELECT 1} within the same budget;
 * each answer is a beat. A {@link StallWatchdog} over beats (and the program's own output) then fires only
 * when the server itself stopped answering, not when it is busy.
 */
public final class SourcePulse implements AutoCloseable {
    private final AtomicLong beats = new AtomicLong();
    private final Thread thread;

    private SourcePulse(PgTools pg, SourceConnection source, String database, Duration every) {
        this.thread =
                Thread.ofVirtual().name("source-pulse-" + source.name()).start(() -> run(pg, source, database, every));
    }

    /** Starts beating; {@code every} is also each probe's budget (logging in and the answer). */
    public static SourcePulse start(PgTools pg, SourceConnection source, String database, Duration every) {
        return new SourcePulse(pg, source, database, every);
    }

    /** How often {@code every} fits the stall limit three times, between 1 and 10 seconds. */
    public static Duration every(Duration stallLimit) {
        long seconds = Math.clamp(stallLimit.toSeconds() / 3, 1, 10);
        return Duration.ofSeconds(seconds);
    }

    public long beats() {
        return beats.get();
    }

    private void run(PgTools pg, SourceConnection source, String database, Duration every) {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(every);
            } catch (InterruptedException e) {
                return;
            }
            try (Connection connection = pg.connect(source, database, every);
                    Statement statement = connection.createStatement()) {
                statement.execute("SELECT 1");
                beats.incrementAndGet();
            } catch (SQLException | RuntimeException e) {
                // no beat: the watchdog decides when silence has lasted too long
            }
        }
    }

    @Override
    public void close() {
        thread.interrupt();
    }
}

package io.strata.catalog.outbox;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.strata.platform.messaging.MessagePublisher;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.SmartLifecycle;
import org.springframework.dao.DataAccessException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionException;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Sends the outbox to Kafka: woken after every commit that added a record, and every
 * {@code strata.catalog.outbox.poll-interval} anyway (records of another catalog instance, retries). Each
 * batch is locked ({@code FOR UPDATE SKIP LOCKED}), sent, and deleted once the broker acknowledged it, in
 * one transaction: a crash between send and delete sends a record again (consumers are idempotent on
 * {@code ce_id}, which the record keeps), never loses one. A record Kafka refuses is retried with backoff.
 */
@Component
public class OutboxRelay implements SmartLifecycle {
    static final int BATCH = 50;
    private static final Logger log = LoggerFactory.getLogger(OutboxRelay.class);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(30);
    private final OutboxStore store;
    private final MessagePublisher publisher;
    private final TransactionTemplate transactions;
    private final ObjectProvider<OutboxFeeder> feeders;
    private final Clock clock;
    private final Duration pollInterval;
    private final boolean autoStartup;
    private final Counter sent;
    private final Counter failed;
    private final Semaphore wakeups = new Semaphore(0);
    private volatile Thread thread;
    private volatile boolean running;

    OutboxRelay(
            OutboxStore store,
            MessagePublisher publisher,
            TransactionTemplate transactions,
            ObjectProvider<OutboxFeeder> feeders,
            Clock clock,
            MeterRegistry meters,
            @Value("${strata.catalog.outbox.poll-interval:1s}") Duration pollInterval,
            @Value("${strata.catalog.outbox.auto-startup:true}") boolean autoStartup) {
        this.store = store;
        this.publisher = publisher;
        this.transactions = transactions;
        this.feeders = feeders;
        this.clock = clock;
        this.pollInterval = pollInterval;
        this.autoStartup = autoStartup;
        this.sent = Counter.builder("strata.catalog.outbox.sent")
                .description("Outbox records the broker acknowledged")
                .register(meters);
        this.failed = Counter.builder("strata.catalog.outbox.failed")
                .description("Outbox sends that failed and wait for a retry")
                .register(meters);
    }

    /** Asks for a pass now (a transaction just added records). */
    public void wake() {
        wakeups.release();
    }

    @Override
    public synchronized void start() {
        running = true;
        thread = Thread.ofPlatform().name("outbox-relay").daemon().start(this::loop);
    }

    @Override
    public synchronized void stop() {
        running = false;
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Tests of the catalog switch the relay off and call {@link #pass()} themselves. */
    @Override
    public boolean isAutoStartup() {
        return autoStartup;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    private void loop() {
        while (running) {
            try {
                wakeups.tryAcquire(pollInterval.toMillis(), TimeUnit.MILLISECONDS);
                wakeups.drainPermits();
                pass();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.warn("outbox pass failed (retried in {}): {}", pollInterval, e.toString());
            }
        }
    }

    /** Lets every feeder add what is due, then sends everything due. */
    public void pass() {
        for (OutboxFeeder feeder : feeders) {
            try {
                feeder.feed();
            } catch (DataAccessException | TransactionException e) {
                log.warn(
                        "{} could not run (the catalog database?): {}",
                        feeder.getClass().getSimpleName(),
                        e.toString());
            }
        }
        Boolean more;
        do {
            more = transactions.execute(status -> sendBatch());
        } while (Boolean.TRUE.equals(more));
    }

    /** Sends one batch; true when it was full and all went out, so another may be waiting. */
    private boolean sendBatch() {
        Instant now = clock.instant();
        List<OutboxStore.Stored> batch = store.lockDue(now, BATCH);
        for (OutboxStore.Stored stored : batch) {
            OutboxRecord record = stored.record();
            try {
                publisher.send(record.topic(), record.key(), record.payload(), record.headers());
            } catch (RuntimeException e) {
                Duration backoff = backoff(stored.attempts());
                store.retryLater(stored.id(), now.plus(backoff), e.getMessage());
                failed.increment();
                log.warn(
                        "cannot send outbox record {} to {} (attempt {}, next in {}): {}",
                        stored.id(),
                        record.topic(),
                        stored.attempts() + 1,
                        backoff,
                        e.getMessage());
                return false; // Kafka is likely down: the rest of the batch waits for the next pass
            }
            store.delete(stored.id());
            sent.increment();
        }
        return batch.size() == BATCH;
    }

    static Duration backoff(int attempts) {
        Duration backoff = Duration.ofMillis(500L << Math.min(attempts, 10));
        return backoff.compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff;
    }
}

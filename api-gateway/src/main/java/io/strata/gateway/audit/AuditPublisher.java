package io.strata.gateway.audit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.strata.common.audit.AuditRecorded;
import io.strata.common.messaging.Topics;
import io.strata.platform.messaging.MessagePublisher;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts audit records on {@code strata.audit} off the request thread, so a slow or absent Kafka never delays
 * or fails the call being audited. A record that cannot be sent (Kafka refused it, or the bounded queue is
 * full) is logged by its audit id and counted in {@code strata_audit_publish_failures_total}.
 */
class AuditPublisher implements AutoCloseable {
    static final String FAILURES = "strata.audit.publish.failures";
    private static final Logger log = LoggerFactory.getLogger(AuditPublisher.class);
    private static final long DRAIN_SECONDS = 5;
    private final MessagePublisher messages;
    private final Executor executor;
    private final Counter failures;

    AuditPublisher(MessagePublisher messages, Executor executor, MeterRegistry registry) {
        this.messages = messages;
        this.executor = executor;
        this.failures = Counter.builder(FAILURES)
                .description("Audit records the gateway could not put on " + Topics.AUDIT)
                .register(registry);
    }

    /** One sending thread behind a queue of {@code capacity} records: order kept, memory bounded. */
    static AuditPublisher bounded(MessagePublisher messages, MeterRegistry registry, int capacity) {
        ThreadPoolExecutor executor =
                new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(capacity), runnable -> {
                    Thread thread = new Thread(runnable, "strata-audit-publisher");
                    thread.setDaemon(true);
                    return thread;
                });
        return new AuditPublisher(messages, executor, registry);
    }

    void publish(AuditRecorded record) {
        try {
            executor.execute(() -> send(record));
        } catch (RejectedExecutionException e) {
            failed(record, "the audit queue is full or closed (Kafka slow or unreachable)");
        }
    }

    private void send(AuditRecorded record) {
        try {
            messages.publish(Topics.AUDIT, record, record.auditId().toString());
        } catch (RuntimeException e) {
            failed(record, e.getMessage());
        }
    }

    private void failed(AuditRecorded record, String why) {
        failures.increment();
        log.warn(
                "audit record {} (request {}) was not published to {}: {}",
                record.auditId(),
                record.requestId(),
                Topics.AUDIT,
                why);
    }

    /** Gives queued records a few seconds to reach Kafka when the gateway shuts down. */
    @Override
    public void close() throws InterruptedException {
        if (executor instanceof ExecutorService service) {
            service.shutdown();
            if (!service.awaitTermination(DRAIN_SECONDS, TimeUnit.SECONDS)) {
                int lost = service.shutdownNow().size();
                failures.increment(lost);
                log.warn("{} audit records were still queued at shutdown and are lost", lost);
            }
        }
    }
}

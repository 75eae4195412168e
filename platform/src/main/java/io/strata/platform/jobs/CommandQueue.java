package io.strata.platform.jobs;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.strata.common.event.JobEvent.JobRef;
import io.strata.common.messaging.CloudEventHeaders;
import io.strata.common.messaging.Topics;
import io.strata.common.model.FailureCode;
import io.strata.common.model.JobId;
import io.strata.common.model.Names;
import io.strata.platform.jobs.CommandHandler.ClaimableJob;
import io.strata.platform.jobs.JobLeases.Lease;
import io.strata.platform.messaging.IncomingMessages;
import io.strata.platform.messaging.MessagePublisher;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.ShareConsumer;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.context.SmartLifecycle;

/**
 * Takes a worker's commands from a Kafka share group (KIP-932: a queue; any member may take any record,
 * so no command waits behind another source's job while a worker idles) and runs them on a bounded
 * executor of {@code concurrency} slots, off the polling thread.
 *
 * <p>The poller asks Kafka for a record only when a slot is free, one record at a time
 * ({@code max.poll.records=1}, {@code share.acquire.mode=record_limit}), so a busy worker never holds
 * commands another could start. For each record it:
 *
 * <ol>
 *   <li>reads it; a record that is not a command of this topic is {@code REJECT}ed, parked on the
 *       topic's {@code .dlt} and, when it names a job, that job fails {@code INVALID_COMMAND};
 *   <li>claims the job in the catalog (a lease: owner, fencing token, expiry);
 *   <li>{@code ACCEPT}s the record and commits, then runs the job in a free slot. From the claim on, the
 *       catalog's lease, not Kafka's 30-second acquisition lock, keeps the job: a worker that dies stops
 *       renewing, and the catalog re-queues the job (or fails it {@code WORKER_LOST}) and dispatches its
 *       command again. So a six-hour restore needs no lock renewal.
 * </ol>
 *
 * A claim the catalog refuses (the job ended, a live worker runs it, its source's backup slot is taken) is
 * {@code ACCEPT}ed and dropped: the catalog dispatches the command again when the job may run. A catalog
 * that cannot be reached within {@link #CLAIM_PATIENCE} gets the record {@code RELEASE}d for a later try; on
 * the record's last delivery (the broker's delivery limit) it is parked on the {@code .dlt} instead of being
 * archived unseen, and the catalog dispatches the job's command again once the job has gone unclaimed for
 * its re-dispatch delay.
 *
 * <p>Poison: a record that cannot be read is rejected on its first delivery and its job fails
 * {@code INVALID_COMMAND}; a job that kills the worker running it is re-queued by the catalog at most
 * {@code strata.catalog.leases.max-attempts} times, then fails {@code WORKER_LOST}. Records are accepted at
 * claim time, so the broker's delivery count only grows while a worker dies between poll and claim or the
 * catalog cannot be reached.
 */
public final class CommandQueue implements SmartLifecycle {
    /** Below the broker's 30-second acquisition lock, so an ACCEPT after a slow claim still counts. */
    public static final Duration CLAIM_PATIENCE = Duration.ofSeconds(20);

    private static final Logger log = LoggerFactory.getLogger(CommandQueue.class);
    private final String topic;
    private final CommandHandler handler;
    private final Supplier<ShareConsumer<String, String>> consumers;
    private final Runnable prepareGroup;
    private final JobLeases leases;
    private final JobReporters reporters;
    private final MessagePublisher publisher;
    private final int concurrency;
    private final Duration shutdownGrace;
    private final Duration claimPatience;
    private final int deliveryLimit;
    private final Semaphore slots;
    private final Counter parked;
    private final ExecutorService executor;
    private final Set<JobReporter> running = ConcurrentHashMap.newKeySet();
    /** Jobs this worker runs now: a second delivery of one is dropped here (the catalog would grant this owner's claim again). */
    private final Set<JobId> runningJobs = ConcurrentHashMap.newKeySet();

    private volatile ShareConsumer<String, String> consumer;
    private volatile Thread poller;
    private volatile boolean active;

    /**
     * How a queue runs its jobs and settles its records.
     *
     * @param concurrency jobs run at a time ({@code strata.worker.concurrency})
     * @param shutdownGrace how long running jobs may finish on shutdown before they are left to the catalog
     * @param claimPatience how long a claim waits for an unreachable catalog ({@link #CLAIM_PATIENCE})
     * @param deliveryLimit the broker's {@code group.share.delivery.count.limit} (5 unless the broker sets it):
     *     a record on its last delivery is never handed back to be archived unseen
     */
    public record Settings(int concurrency, Duration shutdownGrace, Duration claimPatience, int deliveryLimit) {
        public Settings {
            if (concurrency < 1) {
                throw new IllegalArgumentException("strata.worker.concurrency must be 1 or more, e.g. 2");
            }
            if (deliveryLimit < 2 || deliveryLimit > 10) {
                throw new IllegalArgumentException("strata.worker.command-delivery-limit must be 2 to 10, the broker's"
                        + " group.share.delivery.count.limit (default 5)");
            }
        }
    }

    /**
     * @param consumers makes the share consumer (group, explicit acknowledgement, one record per poll)
     * @param prepareGroup sets the share group up before the first poll (start at the earliest offset);
     *     retried until it works
     */
    CommandQueue(
            String topic,
            CommandHandler handler,
            Supplier<ShareConsumer<String, String>> consumers,
            Runnable prepareGroup,
            JobLeases leases,
            JobReporters reporters,
            MessagePublisher publisher,
            MeterRegistry meters,
            Settings settings) {
        this.topic = topic;
        this.handler = handler;
        this.consumers = consumers;
        this.prepareGroup = prepareGroup;
        this.leases = leases;
        this.reporters = reporters;
        this.publisher = publisher;
        this.concurrency = settings.concurrency();
        this.shutdownGrace = settings.shutdownGrace();
        this.claimPatience = settings.claimPatience();
        this.deliveryLimit = settings.deliveryLimit();
        this.slots = new Semaphore(concurrency);
        this.parked = Counter.builder("strata.worker.commands.parked")
                .tag("topic", topic)
                .description("Command records parked on the topic's .dlt (unreadable, or on their last delivery"
                        + " with the catalog unreachable)")
                .register(meters);
        this.executor = Executors.newFixedThreadPool(
                concurrency, Thread.ofPlatform().name(topic + "-job-", 1).factory());
        Gauge.builder("strata.worker.jobs.running", running, Set::size)
                .tag("topic", topic)
                .description("Jobs this worker runs now (at most strata.worker.concurrency)")
                .register(meters);
    }

    public int concurrency() {
        return concurrency;
    }

    @Override
    public synchronized void start() {
        active = true;
        poller = Thread.ofPlatform().name(topic + "-poller").start(this::pollLoop);
    }

    /**
     * Stops taking commands, gives running jobs {@code shutdownGrace} to finish, then interrupts them with
     * their reporters silenced: their leases lapse and the catalog offers them again (or fails them
     * {@code WORKER_LOST}), exactly as if this worker had died, but with child processes stopped.
     */
    @Override
    public synchronized void stop() {
        active = false;
        ShareConsumer<String, String> current = consumer;
        if (current != null) {
            current.wakeup();
        }
        join(poller, Duration.ofSeconds(15));
        executor.shutdown();
        try {
            if (!executor.awaitTermination(shutdownGrace.toMillis(), TimeUnit.MILLISECONDS)) {
                running.forEach(reporter -> {
                    log.warn(
                            "shutting down: leaving job {} to the catalog (its lease lapses, then it is offered"
                                    + " again or failed WORKER_LOST)",
                            reporter.job().jobId());
                    reporter.silence();
                });
                executor.shutdownNow();
                executor.awaitTermination(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return active;
    }

    /** Stop early (before the web server and the Kafka producer): the jobs' last events must still go out. */
    @Override
    public int getPhase() {
        return Integer.MAX_VALUE - 1000;
    }

    private void pollLoop() {
        while (active && !prepared()) {
            pause(Duration.ofSeconds(2));
        }
        try (ShareConsumer<String, String> shared = consumers.get()) {
            consumer = shared;
            shared.subscribe(List.of(topic));
            log.info("taking {} commands from its share group, {} at a time", topic, concurrency);
            while (active) {
                pollOnce(shared);
            }
        } catch (WakeupException e) {
            // stop() woke the consumer
        } catch (RuntimeException e) {
            log.error("the {} poller stopped: {}", topic, e.toString(), e);
        } finally {
            consumer = null;
        }
    }

    private boolean prepared() {
        try {
            prepareGroup.run();
            return true;
        } catch (RuntimeException e) {
            log.warn("cannot set up the share group of {} yet (is Kafka up?): {}", topic, e.getMessage());
            return false;
        }
    }

    private void pollOnce(ShareConsumer<String, String> shared) {
        try {
            if (!slots.tryAcquire(1, TimeUnit.SECONDS)) {
                return; // every slot busy: take nothing another worker could start
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            active = false;
            return;
        }
        Runnable job = null;
        boolean started = false;
        try {
            ConsumerRecords<String, String> records = shared.poll(Duration.ofSeconds(1));
            for (ConsumerRecord<String, String> record : records) {
                Runnable next = take(shared, record);
                job = job == null ? next : job; // max.poll.records=1: at most one
            }
            if (job != null) {
                // the lease holds the job: it starts while its acknowledgement is committed (a second delivery
                // of an unsettled record is dropped as running here, or refused its claim elsewhere)
                executor.execute(job);
                started = true;
            }
            if (!records.isEmpty()) {
                commit(shared);
            }
        } catch (WakeupException e) {
            throw e;
        } catch (RuntimeException e) {
            log.warn("polling {} failed, retrying: {}", topic, e.toString());
            pause(Duration.ofSeconds(1));
        } finally {
            if (!started) {
                slots.release();
            }
        }
    }

    /** Settles {@code record} with the broker; returns the job to run in the slot held, or null. */
    private Runnable take(ShareConsumer<String, String> shared, ConsumerRecord<String, String> record) {
        ClaimableJob job;
        try {
            job = handler.read(record);
            JobRef ref = job.reporter().job();
            if (ref.jobId() == null || !Names.isSource(ref.source())) {
                throw new IllegalArgumentException("the command must name its job (jobId) and a valid source");
            }
        } catch (RuntimeException | StackOverflowError e) {
            shared.acknowledge(record, AcknowledgeType.REJECT);
            park(record, e);
            return null;
        }
        JobId jobId = job.reporter().job().jobId();
        try (MDC.MDCCloseable ignored = MDC.putCloseable("jobId", jobId.toString())) {
            int deliveries = record.deliveryCount().map(Short::intValue).orElse(1);
            log.info(
                    "took the command of job {} ({}:{}, delivery {}); claiming it",
                    jobId,
                    record.topic(),
                    record.offset(),
                    deliveries);
            if (runningJobs.contains(jobId)) {
                log.info("job {} already runs on this worker: dropping this delivery", jobId);
                shared.acknowledge(record, AcknowledgeType.ACCEPT);
                return null;
            }
            Optional<Lease> lease;
            try {
                lease = leases.claim(jobId, claimPatience);
            } catch (RuntimeException e) {
                if (deliveries >= deliveryLimit) {
                    // RELEASE would have the broker archive it unseen: park it, the catalog dispatches it again
                    shared.acknowledge(record, AcknowledgeType.REJECT);
                    parkLastDelivery(record, deliveries, e);
                    return null;
                }
                log.warn(
                        "cannot reach the catalog to claim job {}; handing its command back (delivery {} of {}): {}",
                        jobId,
                        deliveries,
                        deliveryLimit,
                        e.getMessage());
                shared.acknowledge(record, AcknowledgeType.RELEASE);
                return null;
            }
            try {
                shared.acknowledge(record, AcknowledgeType.ACCEPT);
            } catch (RuntimeException e) {
                // the lease holds the job now: run it anyway; a second delivery is dropped (runningJobs) or refused
                log.warn("could not accept the command of job {} (it may be delivered again): {}", jobId, e.toString());
            }
            if (lease.isEmpty()) {
                log.info(
                        "job {} was not claimed (it ended, a live worker runs it, or it must wait): dropping"
                                + " this delivery; the catalog dispatches it again when it may run",
                        jobId);
                return null;
            }
            runningJobs.add(jobId);
            return () -> run(job, lease.get());
        }
    }

    private void run(ClaimableJob job, Lease lease) {
        JobReporter reporter = job.reporter();
        running.add(reporter);
        try (MDC.MDCCloseable ignored =
                MDC.putCloseable("jobId", reporter.job().jobId().toString())) {
            job.finished().accept(leases.run(lease, reporter, job.firstStep(), job.work()));
        } catch (RuntimeException e) {
            log.error("job {} ended with an unexpected error", reporter.job().jobId(), e);
        } finally {
            running.remove(reporter);
            runningJobs.remove(reporter.job().jobId());
            slots.release();
        }
    }

    private void commit(ShareConsumer<String, String> shared) {
        try {
            shared.commitSync(Duration.ofSeconds(10))
                    .forEach((partition, failure) -> failure.ifPresent(e -> log.warn(
                            "acknowledgement on {} not committed (the record may be delivered again; its claim is"
                                    + " refused then): {}",
                            partition,
                            e.getMessage())));
        } catch (WakeupException e) {
            throw e;
        } catch (RuntimeException e) {
            log.warn("committing acknowledgements on {} failed: {}", topic, e.getMessage());
        }
    }

    /**
     * Parks an unreadable record on {@code <topic>.dlt} (headers kept, plus why) and fails the job it
     * names, if any: share groups have no dead-letter queue of their own, and nothing is dropped silently.
     */
    private void park(ConsumerRecord<String, String> record, Throwable problem) {
        String why = problem.getClass().getSimpleName() + ": " + problem.getMessage();
        log.warn("rejecting an unreadable command on {} (offset {}): {}", topic, record.offset(), why);
        sendToDeadLetters(record, why);
        String jobId = IncomingMessages.header(record, CloudEventHeaders.JOB_ID);
        String source = record.key();
        if (jobId == null || source == null || !Names.isSource(source)) {
            return;
        }
        try {
            JobRef ref = new JobRef(JobId.parse(jobId), handler.kind(), source, null, null);
            reporters
                    .forJob(ref)
                    .failed(
                            FailureCode.INVALID_COMMAND,
                            "the command of this job could not be read (" + why + "); it was parked on "
                                    + Topics.deadLetter(topic),
                            false);
        } catch (RuntimeException e) {
            log.warn("cannot fail job {} of the unreadable command: {}", jobId, e.toString());
        }
    }

    /**
     * A record on its last delivery whose claim could not reach the catalog: kept on {@code <topic>.dlt}
     * rather than archived unseen by the broker. Its job is not failed (its command is fine, and the catalog
     * cannot be told now): the catalog dispatches the command again when the job has gone unclaimed for its
     * re-dispatch delay.
     */
    private void parkLastDelivery(ConsumerRecord<String, String> record, int deliveries, RuntimeException problem) {
        String why = "delivery " + deliveries + " of " + deliveryLimit
                + " (the broker's limit) could not reach the catalog to claim the job: " + problem.getMessage();
        log.warn(
                "parking the command at {}:{} on {}: {}; the catalog dispatches its job again once it is reachable",
                topic,
                record.offset(),
                Topics.deadLetter(topic),
                why);
        sendToDeadLetters(record, why);
    }

    private void sendToDeadLetters(ConsumerRecord<String, String> record, String why) {
        Map<String, String> headers = new LinkedHashMap<>();
        for (Header header : record.headers()) {
            headers.put(header.key(), new String(header.value(), StandardCharsets.UTF_8));
        }
        headers.put("strata_dlt_reason", why);
        parked.increment();
        try {
            publisher.send(Topics.deadLetter(topic), record.key(), String.valueOf(record.value()), headers);
        } catch (RuntimeException e) {
            log.error("cannot park the command on {}: {}", Topics.deadLetter(topic), e.toString());
        }
    }

    private static void join(Thread thread, Duration timeout) {
        if (thread == null) {
            return;
        }
        try {
            thread.join(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void pause(Duration pause) {
        try {
            Thread.sleep(pause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}

package io.strata.platform.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.strata.common.event.JobEvent.JobRef;
import io.strata.common.event.JobFailed;
import io.strata.common.event.JobStarted;
import io.strata.common.event.JobSucceeded;
import io.strata.common.messaging.Message;
import io.strata.common.model.FailureCode;
import io.strata.common.model.JobId;
import io.strata.common.model.JobKind;
import io.strata.platform.catalog.CatalogApi.JobClaim;
import io.strata.platform.catalog.CatalogApi.JobLease;
import io.strata.platform.catalog.CatalogApi.JobView;
import io.strata.platform.catalog.CatalogApi.LeaseRenewal;
import io.strata.platform.catalog.CatalogClient;
import io.strata.platform.messaging.MessagePublisher;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.AcknowledgeType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockShareConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicIdPartition;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The command queue against a fake share consumer (one record per poll, acknowledgements recorded) and a
 * fake catalog: what is accepted, rejected or released, when the queue polls, and what runs.
 */
@Timeout(30)
class CommandQueueTest {
    private static final String TOPIC = "strata.backup.commands";
    private final FakeConsumer consumer = new FakeConsumer();
    private final FakeCatalog catalog = new FakeCatalog();
    private final Recording published = new Recording();
    private final List<JobId> ran = new CopyOnWriteArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private volatile boolean holdJobs;
    private CommandQueue queue;

    @AfterEach
    void stop() {
        release.countDown();
        if (queue != null) {
            queue.stop();
        }
    }

    @Test
    void aCommandIsClaimedAcceptedAndRunOnTheExecutor() {
        JobId job = JobId.random();
        start(2);
        consumer.add(record(0, job, "{\"ok\":true}"));

        await().until(() -> published.events(JobSucceeded.class) == 1);
        assertThat(consumer.acks).containsExactly("0:ACCEPT");
        assertThat(catalog.claims).hasSize(1);
        assertThat(ran).containsExactly(job);
        assertThat(published.started.getFirst())
                .isNotEqualTo(Thread.currentThread().getName());
    }

    @Test
    void anUnreadableCommandIsRejectedParkedOnTheDltAndItsJobFailed() {
        JobId job = JobId.random();
        start(1);
        consumer.add(record(0, job, "not json"));

        await().until(() -> consumer.acks.contains("0:REJECT"));
        await().until(() -> published.events(JobFailed.class) == 1);
        JobFailed failed = (JobFailed) published.messages.stream()
                .filter(JobFailed.class::isInstance)
                .findFirst()
                .orElseThrow();
        assertThat(failed.code()).isEqualTo(FailureCode.INVALID_COMMAND);
        assertThat(failed.job().jobId()).isEqualTo(job);
        assertThat(published.sentTo).containsExactly(TOPIC + ".dlt");
        assertThat(catalog.claims).isEmpty();
        assertThat(ran).isEmpty();
    }

    @Test
    void aCommandIsReleasedWhenTheCatalogCannotBeReached() {
        catalog.reachable = false;
        start(1);
        consumer.add(record(0, JobId.random(), "{}"));

        await().until(() -> consumer.acks.contains("0:RELEASE"));
        assertThat(ran).isEmpty();
    }

    @Test
    void onItsLastDeliveryACommandTheCatalogCannotClaimIsParkedNotArchivedUnseenAndItsJobIsNotFailed() {
        catalog.reachable = false;
        start(1);
        ConsumerRecord<String, String> fourth = record(0, JobId.random(), "{}", 4);
        ConsumerRecord<String, String> last = record(1, JobId.random(), "{}", 5);
        consumer.add(fourth);
        consumer.add(last);

        await().until(() -> consumer.acks.size() == 2 && published.sentTo.size() == 1);
        assertThat(consumer.acks).containsExactly("0:RELEASE", "1:REJECT");
        assertThat(published.sentTo).containsExactly(TOPIC + ".dlt");
        assertThat(published.headers.getFirst().get("strata_dlt_reason")).contains("delivery 5 of 5");
        assertThat(published.messages)
                .as("the job stays QUEUED: the catalog dispatches it again")
                .isEmpty();
        assertThat(ran).isEmpty();
    }

    @Test
    void aCommandWhoseReadingOverflowsTheStackIsRejectedAndItsJobFailed() {
        JobId job = JobId.random();
        start(1);
        consumer.add(record(0, job, "{\"deep\":true}"));

        await().until(() -> consumer.acks.contains("0:REJECT"));
        await().until(() -> published.events(JobFailed.class) == 1);
        assertThat(published.sentTo).containsExactly(TOPIC + ".dlt");
        assertThat(ran).isEmpty();
    }

    @Test
    void aCommandWhoseClaimIsRefusedIsAcceptedAndNotRun() {
        catalog.grant = false;
        start(1);
        consumer.add(record(0, JobId.random(), "{}"));

        await().until(() -> consumer.acks.contains("0:ACCEPT"));
        assertThat(ran).isEmpty();
        assertThat(published.messages).isEmpty();
    }

    @Test
    void withEverySlotBusyNothingMoreIsTakenFromKafka() throws Exception {
        holdJobs = true;
        start(1);
        consumer.add(record(0, JobId.random(), "{}"));
        await().until(() -> ran.size() == 1);
        consumer.add(record(1, JobId.random(), "{}"));

        Thread.sleep(1_500);
        assertThat(consumer.pending)
                .as("the second command stays with the broker for another worker")
                .hasSize(1);
        assertThat(consumer.acks).containsExactly("0:ACCEPT");

        release.countDown();
        await().until(() -> ran.size() == 2);
        assertThat(consumer.acks).containsExactly("0:ACCEPT", "1:ACCEPT");
    }

    @Test
    void aSecondDeliveryOfAJobThisWorkerRunsIsDroppedWithoutAClaim() {
        holdJobs = true;
        JobId job = JobId.random();
        start(2);
        consumer.add(record(0, job, "{}"));
        await().until(() -> ran.size() == 1);
        consumer.add(record(1, job, "{}"));

        await().until(() -> consumer.acks.contains("1:ACCEPT"));
        assertThat(catalog.claims).hasSize(1);
        release.countDown();
        await().until(() -> published.events(JobSucceeded.class) == 1);
        assertThat(ran).hasSize(1);
    }

    private void start(int concurrency) {
        JobLeases leases = new JobLeases(catalog, "backup-worker-1@h:1", Duration.ofSeconds(30));
        JobReporters reporters = new JobReporters(published, Clock.systemUTC(), Duration.ZERO, "backup-worker-1@h:1");
        CommandHandler handler = new CommandHandler() {
            @Override
            public JobKind kind() {
                return JobKind.BACKUP;
            }

            @Override
            public ClaimableJob read(ConsumerRecord<String, String> record) {
                if (!record.value().startsWith("{")) {
                    throw new IllegalArgumentException("not a command");
                }
                if (record.value().contains("deep")) {
                    throw new StackOverflowError("nested too deep (test)");
                }
                String id =
                        new String(record.headers().lastHeader("strata_job_id").value(), StandardCharsets.UTF_8);
                JobRef ref = new JobRef(JobId.parse(id), JobKind.BACKUP, "shop", null, null);
                return new ClaimableJob(reporters.forJob(ref), "starting", () -> {
                    ran.add(ref.jobId());
                    if (holdJobs) {
                        release.await();
                    }
                    return null;
                });
            }
        };
        queue = new CommandQueue(
                TOPIC,
                handler,
                () -> consumer,
                () -> {},
                leases,
                reporters,
                published,
                new SimpleMeterRegistry(),
                new CommandQueue.Settings(concurrency, Duration.ofSeconds(5), Duration.ofMillis(300), 5));
        queue.start();
    }

    private static ConsumerRecord<String, String> record(long offset, JobId job, String value) {
        return record(offset, job, value, 1);
    }

    private static ConsumerRecord<String, String> record(long offset, JobId job, String value, int deliveries) {
        ConsumerRecord<String, String> record = new ConsumerRecord<>(
                TOPIC,
                0,
                offset,
                ConsumerRecord.NO_TIMESTAMP,
                TimestampType.NO_TIMESTAMP_TYPE,
                ConsumerRecord.NULL_SIZE,
                ConsumerRecord.NULL_SIZE,
                "shop",
                value,
                new RecordHeaders(),
                Optional.empty(),
                Optional.of((short) deliveries));
        record.headers().add("strata_job_id", job.toString().getBytes(StandardCharsets.UTF_8));
        return record;
    }

    /** Hands out one record per poll, as max.poll.records=1 does, and keeps every acknowledgement. */
    private static final class FakeConsumer extends MockShareConsumer<String, String> {
        final Queue<ConsumerRecord<String, String>> pending = new ConcurrentLinkedQueue<>();
        final List<String> acks = new CopyOnWriteArrayList<>();

        void add(ConsumerRecord<String, String> record) {
            pending.add(record);
        }

        @Override
        public synchronized ConsumerRecords<String, String> poll(Duration timeout) {
            ConsumerRecord<String, String> next = pending.poll();
            if (next == null) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return ConsumerRecords.empty();
            }
            return new ConsumerRecords<>(Map.of(new TopicPartition(TOPIC, 0), List.of(next)), Map.of());
        }

        @Override
        public synchronized void acknowledge(ConsumerRecord<String, String> record, AcknowledgeType type) {
            acks.add(record.offset() + ":" + type.name());
        }

        @Override
        public synchronized Map<TopicIdPartition, Optional<KafkaException>> commitSync(Duration timeout) {
            return Map.of();
        }
    }

    /** Grants (or refuses) every claim, or cannot be reached. */
    private static final class FakeCatalog extends CatalogClient {
        final List<JobClaim> claims = new CopyOnWriteArrayList<>();
        volatile boolean grant = true;
        volatile boolean reachable = true;
        private final AtomicInteger tokens = new AtomicInteger();

        FakeCatalog() {
            super(null);
        }

        @Override
        public Optional<JobLease> claim(String id, JobClaim claim) {
            if (!reachable) {
                throw new IllegalStateException("connection refused (test)");
            }
            claims.add(claim);
            return grant
                    ? Optional.of(new JobLease(
                            id,
                            claim.owner(),
                            tokens.incrementAndGet(),
                            Instant.now().plusSeconds(30)))
                    : Optional.empty();
        }

        @Override
        public Optional<JobLease> heartbeat(String id, LeaseRenewal renewal) {
            return Optional.of(new JobLease(
                    id, renewal.owner(), renewal.token(), Instant.now().plusSeconds(30)));
        }

        @Override
        public Optional<JobView> job(String id) {
            return Optional.of(new JobView(
                    id, JobKind.BACKUP, "shop", null, 0, null, 0, 0, Instant.now(), null, null, null, null, null));
        }
    }

    /** Keeps the job events, the thread that sent JobStarted, and where raw records were sent. */
    private static final class Recording extends MessagePublisher {
        final List<Message> messages = new CopyOnWriteArrayList<>();
        final List<String> started = new CopyOnWriteArrayList<>();
        final List<String> sentTo = new CopyOnWriteArrayList<>();
        final List<Map<String, String>> headers = new CopyOnWriteArrayList<>();

        Recording() {
            super(null, "test", Clock.systemUTC());
        }

        @Override
        public void publish(String topic, Message message, String ceId, Map<String, String> extraHeaders) {
            messages.add(message);
            if (message instanceof JobStarted) {
                started.add(Thread.currentThread().getName());
            }
        }

        @Override
        public void send(String topic, String key, String payload, Map<String, String> headers) {
            sentTo.add(topic);
            this.headers.add(headers);
        }

        long events(Class<?> type) {
            return messages.stream().filter(type::isInstance).count();
        }
    }
}

package io.strata.gateway.jobs;

import io.strata.common.event.JobEvent;
import io.strata.common.messaging.CloudEventHeaders;
import io.strata.common.messaging.Json;
import io.strata.common.messaging.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.stereotype.Component;

/**
 * Every job event on {@code strata.job.events}, read from the topic's end by each gateway on its own (partitions
 * assigned, not as a member of any consumer group, nothing committed: every gateway sees every event), handed to
 * whoever follows that event's job. The partitions are looked up once, when the feed starts (the topic's are fixed
 * at creation). Records are parsed as job events and dropped when they are not one, or when their key names
 * another job than their body. Started by the first follower, so a gateway nobody watches jobs through reads
 * nothing.
 */
@Component
class JobEventFeed implements DisposableBean {
    private static final Logger log = LoggerFactory.getLogger(JobEventFeed.class);
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration READY_WAIT = Duration.ofSeconds(15);

    /** A job event as read, with its CloudEvents id ({@code null} when its header is missing or not a UUID). */
    record Delivered(String ceId, JobEvent event) {}

    private final ConsumerFactory<String, String> consumers;
    private final Map<String, Set<Consumer<Delivered>>> followers = new ConcurrentHashMap<>();
    private final Object startLock = new Object();
    private volatile CompletableFuture<Void> positioned;
    private volatile boolean stopping;
    private Thread reader;

    JobEventFeed(ConsumerFactory<String, String> consumers) {
        this.consumers = consumers;
    }

    /**
     * Hands {@code follower} every event of {@code jobId} read from now on (and some read a moment before: the
     * caller reads the job's state after this returns). Close the answer to stop.
     *
     * @throws FeedUnavailableException when the feed cannot be positioned on the topic (Kafka unreachable)
     */
    AutoCloseable follow(String jobId, Consumer<Delivered> follower) {
        // added inside compute: an unfollow of the same job cannot drop the set this follower joins
        followers.compute(jobId, (id, set) -> {
            Set<Consumer<Delivered>> joined = set == null ? ConcurrentHashMap.newKeySet() : set;
            joined.add(follower);
            return joined;
        });
        AutoCloseable unfollow = () -> followers.computeIfPresent(jobId, (id, set) -> {
            set.remove(follower);
            return set.isEmpty() ? null : set;
        });
        try {
            start().get(READY_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            return unfollow;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeQuietly(unfollow);
            throw new FeedUnavailableException("interrupted", e);
        } catch (ExecutionException | TimeoutException e) {
            closeQuietly(unfollow);
            throw new FeedUnavailableException("the job events topic could not be read within " + READY_WAIT, e);
        }
    }

    /** How many jobs are followed now. */
    int followedJobs() {
        return followers.size();
    }

    private CompletableFuture<Void> start() {
        synchronized (startLock) {
            if (positioned == null || (positioned.isCompletedExceptionally() && !stopping)) {
                positioned = new CompletableFuture<>();
                CompletableFuture<Void> signal = positioned;
                reader = Thread.ofPlatform().daemon().name("job-event-feed").start(() -> read(signal));
            }
            return positioned;
        }
    }

    private void read(CompletableFuture<Void> signal) {
        // read_committed, String keys and values, as every Strata consumer; never commits, never joins the
        // group its configuration names (partitions are assigned); a position lost goes to the end, not back
        java.util.Properties overrides = new java.util.Properties();
        overrides.setProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        overrides.setProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        try (var consumer = consumers.createConsumer(null, "gateway-job-events", null, overrides)) {
            List<TopicPartition> partitions = List.of();
            while (!stopping && partitions.isEmpty()) {
                partitions = consumer.partitionsFor(Topics.JOB_EVENTS, Duration.ofSeconds(5)).stream()
                        .map(p -> new TopicPartition(p.topic(), p.partition()))
                        .toList();
                if (partitions.isEmpty()) {
                    sleepQuietly(Duration.ofSeconds(1)); // the topic is made by the services' start-up
                }
            }
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position); // resolves the end now, before anyone is told it is ready
            signal.complete(null);
            log.info(
                    "Following {} from its end ({} partitions) for job event streams",
                    Topics.JOB_EVENTS,
                    partitions.size());
            while (!stopping) {
                try {
                    for (ConsumerRecord<String, String> record : consumer.poll(POLL)) {
                        deliver(record);
                    }
                } catch (org.apache.kafka.common.errors.WakeupException e) {
                    return;
                } catch (RuntimeException e) {
                    log.warn(
                            "Reading {} for job event streams failed; retrying in 5 s: {}",
                            Topics.JOB_EVENTS,
                            e.toString());
                    sleepQuietly(Duration.ofSeconds(5));
                }
            }
        } catch (RuntimeException e) {
            log.warn("Could not start following {}: {}", Topics.JOB_EVENTS, e.toString());
            signal.completeExceptionally(e);
        }
    }

    private void deliver(ConsumerRecord<String, String> record) {
        String jobId = record.key();
        Set<Consumer<Delivered>> set = jobId == null ? null : followers.get(jobId);
        if (set == null || set.isEmpty() || record.value() == null) {
            return;
        }
        JobEvent event;
        try {
            event = Json.read(record.value(), JobEvent.class);
        } catch (RuntimeException e) {
            log.debug(
                    "Not a job event at {}-{}@{}: {}",
                    record.topic(),
                    record.partition(),
                    record.offset(),
                    e.toString());
            return;
        }
        if (event.job() == null
                || event.job().jobId() == null
                || !jobId.equals(event.job().jobId().toString())) {
            return;
        }
        Delivered delivered = new Delivered(ceId(record), event);
        for (Consumer<Delivered> follower : set) {
            try {
                follower.accept(delivered);
            } catch (RuntimeException e) {
                log.debug("A job event stream of {} refused an event: {}", jobId, e.toString());
            }
        }
    }

    private static String ceId(ConsumerRecord<String, String> record) {
        Header header = record.headers().lastHeader(CloudEventHeaders.ID);
        if (header == null || header.value() == null || header.value().length > 64) {
            return null;
        }
        String text = new String(header.value(), StandardCharsets.UTF_8);
        try {
            return UUID.fromString(text).toString();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static void sleepQuietly(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            // only removes a map entry
        }
    }

    @Override
    public void destroy() throws InterruptedException {
        stopping = true;
        Thread running;
        synchronized (startLock) {
            running = reader;
        }
        if (running != null) {
            running.join(POLL.multipliedBy(4).toMillis());
        }
    }

    /** The feed could not be positioned on the topic: streams cannot be offered now. */
    static final class FeedUnavailableException extends RuntimeException {
        FeedUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}

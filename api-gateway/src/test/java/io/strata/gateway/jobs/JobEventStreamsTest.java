package io.strata.gateway.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.strata.common.event.JobEvent.JobRef;
import io.strata.common.event.JobProgressed;
import io.strata.common.event.JobStarted;
import io.strata.common.event.JobSucceeded;
import io.strata.common.model.JobId;
import io.strata.common.model.JobKind;
import io.strata.common.model.JobStatus;
import io.strata.gateway.jobs.JobEventFeed.Delivered;
import io.strata.gateway.problem.ApiException;
import io.strata.platform.catalog.CatalogApi.JobView;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyEmitter.DataWithMediaType;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

class JobEventStreamsTest {
    private static final String JOB = UUID.randomUUID().toString();
    private static final JobRef REF = new JobRef(JobId.parse(JOB), JobKind.BACKUP, "shop", null, null);
    private static final Instant T = Instant.parse("2026-12-05T01:00:00Z");

    /** What the catalog answers for {@link #JOB}, changed by each test. */
    private final AtomicReference<Optional<JobView>> catalog = new AtomicReference<>(Optional.empty());

    /** Run when the catalog is asked, before it answers: events that arrive while the state is read. */
    private final AtomicReference<Runnable> whileReading = new AtomicReference<>(() -> {});

    private final Map<String, Consumer<Delivered>> followers = new ConcurrentHashMap<>();
    private final List<Recording> emitters = new CopyOnWriteArrayList<>();
    private final JobEventStreams streams = streams(JobEventStreams.CHECK_EVERY);

    private JobEventStreams streams(Duration checkEvery) {
        return new JobEventStreams(
                (jobId, follower) -> {
                    followers.put(jobId, follower);
                    return () -> followers.remove(jobId);
                },
                jobId -> {
                    whileReading.getAndSet(() -> {}).run();
                    return jobId.equals(JOB) ? catalog.get() : Optional.empty();
                },
                () -> {
                    Recording emitter = new Recording();
                    emitters.add(emitter);
                    return emitter;
                },
                checkEvery);
    }

    @AfterEach
    void stop() {
        streams.destroy();
    }

    @Test
    void anUnknownJobIs404AndFollowsNothing() {
        assertThatThrownBy(() -> streams.open(UUID.randomUUID().toString(), false))
                .isInstanceOfSatisfying(
                        ApiException.class, e -> assertThat(e.getMessage()).contains("does not exist"));
        assertThat(followers).isEmpty();
        assertThat(streams.openStreams()).isZero();
    }

    @Test
    void aRunningJobStreamsItsStateThenItsProgressThenTheCatalogsFinalState() {
        catalog.set(Optional.of(view(JobStatus.RUNNING, 40)));
        // events that arrive while the state is being read: kept, then judged against it
        whileReading.set(() -> {
            followers.get(JOB).accept(new Delivered("a", new JobStarted(1, REF, T, "dumping", "worker-1")));
            followers.get(JOB).accept(new Delivered("b", progressed(30))); // older than the state: not sent
            followers.get(JOB).accept(new Delivered("c", progressed(55)));
        });
        streams.open(JOB, false);
        Recording sent = emitters.getFirst();
        Consumer<Delivered> feed = followers.get(JOB);

        feed.accept(new Delivered("d", progressed(50))); // backwards: not sent
        await().atMost(Duration.ofSeconds(5)).until(() -> sent.names().size() >= 2);
        assertThat(sent.names()).containsExactly("job", "JobProgressed");
        assertThat(sent.ids()).containsExactly("job:RUNNING", "c");
        assertThat(sent.completed).isFalse();

        // a worker's success alone ends nothing: the catalog's word does
        feed.accept(new Delivered("e", new JobSucceeded(1, REF, T, null)));
        await().during(Duration.ofMillis(1_500)).atMost(Duration.ofSeconds(3)).until(() -> !sent.completed);
        catalog.set(Optional.of(view(JobStatus.SUCCEEDED, 100)));
        await().atMost(Duration.ofSeconds(5)).until(() -> sent.completed);
        assertThat(sent.names()).containsExactly("job", "JobProgressed", "job");
        assertThat(((JobView) sent.data().getLast()).status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(sent.ids()).last().isEqualTo("job:SUCCEEDED");
        assertThat(followers).as("unfollowed once ended").isEmpty();
        assertThat(streams.openStreams()).isZero();
    }

    @Test
    void aJobThatAlreadyEndedIsOneStateAndTheEnd() {
        catalog.set(Optional.of(view(JobStatus.FAILED, 20)));
        streams.open(JOB, false);
        Recording sent = emitters.getFirst();
        await().atMost(Duration.ofSeconds(5)).until(() -> sent.completed);
        assertThat(sent.names()).containsExactly("job");
        assertThat(followers).isEmpty();
    }

    @Test
    void aJobTheCatalogEndsWithoutAnyWorkerEventEndsTheStreamAtTheNextCheck() {
        catalog.set(Optional.of(view(JobStatus.QUEUED, 0)));
        streams.open(JOB, false);
        Recording sent = emitters.getFirst();
        catalog.set(Optional.of(view(JobStatus.CANCELLED, 0))); // cancelled while queued: no worker said a thing
        await().atMost(JobEventStreams.CHECK_EVERY.plusSeconds(3)).until(() -> sent.completed);
        assertThat(sent.names()).containsExactly("job", "job");
        assertThat(((JobView) sent.data().getLast()).status()).isEqualTo(JobStatus.CANCELLED);
    }

    @Test
    void aCheckTheCatalogFailsKeepsTheStreamOpen() {
        AtomicReference<Boolean> down = new AtomicReference<>(false);
        JobEventStreams flaky = new JobEventStreams(
                (jobId, follower) -> () -> {},
                jobId -> {
                    if (down.get()) {
                        throw new IllegalStateException("catalog down");
                    }
                    return catalog.get();
                },
                () -> {
                    Recording emitter = new Recording();
                    emitters.add(emitter);
                    return emitter;
                },
                JobEventStreams.CHECK_EVERY);
        try {
            catalog.set(Optional.of(view(JobStatus.RUNNING, 10)));
            flaky.open(JOB, false);
            Recording sent = emitters.getLast();
            down.set(true);
            await().during(JobEventStreams.CHECK_EVERY.plusSeconds(1))
                    .atMost(JobEventStreams.CHECK_EVERY.plusSeconds(3))
                    .until(() -> !sent.completed);
            assertThat(flaky.openStreams()).isOne();
            catalog.set(Optional.of(view(JobStatus.SUCCEEDED, 100)));
            down.set(false);
            await().atMost(JobEventStreams.CHECK_EVERY.plusSeconds(3)).until(() -> sent.completed);
            assertThat(sent.names()).containsExactly("job", "job");
        } finally {
            flaky.destroy();
        }
    }

    @Test
    void aWorkersEndMakesTheCatalogBeAskedAtOnceNotAtTheNextCheck() {
        JobEventStreams slow = streams(Duration.ofHours(1)); // no periodic check in this test
        try {
            catalog.set(Optional.of(view(JobStatus.RUNNING, 40)));
            slow.open(JOB, false);
            Recording sent = emitters.getLast();
            catalog.set(Optional.of(view(JobStatus.SUCCEEDED, 100)));
            followers.get(JOB).accept(new Delivered("e", new JobSucceeded(1, REF, T, null)));
            await().atMost(Duration.ofSeconds(3)).until(() -> sent.completed);
            assertThat(sent.names()).containsExactly("job", "job");
        } finally {
            slow.destroy();
        }
    }

    @Test
    void aHostileEventIsNotPassedOnAndDoesNotStopTheProgressAfterIt() {
        catalog.set(Optional.of(view(JobStatus.RUNNING, 10)));
        streams.open(JOB, false);
        Recording sent = emitters.getFirst();
        Consumer<Delivered> feed = followers.get(JOB);
        feed.accept(new Delivered("x", progressed(1000))); // would freeze every later percent
        feed.accept(new Delivered("y", new JobProgressed(1, REF, T, 20, "dumping\u001b[2J", 1, 100)));
        feed.accept(new Delivered("z", new JobStarted(1, REF, T, "starting", "w".repeat(300))));
        feed.accept(new Delivered("ok", progressed(30)));
        await().atMost(Duration.ofSeconds(5)).until(() -> sent.names().size() >= 2);
        assertThat(sent.ids()).containsExactly("job:RUNNING", "ok");
    }

    @Test
    void aClientReconnectingToAJobThatEndedGetsNothingSoAnEventSourceStops() {
        catalog.set(Optional.of(view(JobStatus.SUCCEEDED, 100)));
        assertThat(streams.open(JOB, JobEventStreams.sawTheEnd("job:SUCCEEDED")))
                .isEmpty();
        assertThat(followers).isEmpty();
        assertThat(streams.openStreams()).isZero();

        catalog.set(Optional.of(view(JobStatus.RUNNING, 50))); // cut off mid-job: the stream again
        assertThat(streams.open(JOB, JobEventStreams.sawTheEnd("job:RUNNING"))).isPresent();
        assertThat(streams.openStreams()).isOne();

        // cut off before the end was sent, the job ending meanwhile: the stream (its one final event), not 204
        catalog.set(Optional.of(view(JobStatus.FAILED, 50)));
        assertThat(JobEventStreams.sawTheEnd("job:RUNNING")).isFalse();
        assertThat(JobEventStreams.sawTheEnd(UUID.randomUUID().toString())).isFalse();
        assertThat(JobEventStreams.sawTheEnd(null)).isFalse();
        assertThat(JobEventStreams.sawTheEnd("job:FAILED")).isTrue();
        assertThat(streams.open(JOB, JobEventStreams.sawTheEnd("job:RUNNING"))).isPresent();
    }

    @Test
    void theCapOfStreamsIsAProblemAndAStreamThatEndedGivesItsSlotBack() {
        catalog.set(Optional.of(view(JobStatus.RUNNING, 10)));
        for (int i = 0; i < JobEventStreams.MAX_STREAMS; i++) {
            assertThat(streams.open(JOB, false)).isPresent();
        }
        assertThatThrownBy(() -> streams.open(JOB, false))
                .isInstanceOfSatisfying(
                        ApiException.class,
                        e -> assertThat(e.getMessage()).contains("already serves " + JobEventStreams.MAX_STREAMS));
        catalog.set(Optional.of(view(JobStatus.SUCCEEDED, 100))); // the streams end at the next check
        await().atMost(JobEventStreams.CHECK_EVERY.plusSeconds(5)).until(() -> streams.openStreams() == 0);
        assertThat(streams.open(JOB, false))
                .as("the refused stream took no slot")
                .isPresent();
    }

    @Test
    void aFeedThatCannotBeReadIsA503AndGivesItsSlotBack() {
        JobEventStreams down = new JobEventStreams(
                (jobId, follower) -> {
                    throw new JobEventFeed.FeedUnavailableException("Kafka unreachable", null);
                },
                jobId -> catalog.get(),
                Recording::new,
                JobEventStreams.CHECK_EVERY);
        try {
            catalog.set(Optional.of(view(JobStatus.RUNNING, 10)));
            for (int i = 0; i <= JobEventStreams.MAX_STREAMS; i++) {
                assertThatThrownBy(() -> down.open(JOB, false))
                        .isInstanceOfSatisfying(
                                ApiException.class,
                                e -> assertThat(e.getMessage()).contains("cannot be streamed now"));
            }
        } finally {
            down.destroy();
        }
    }

    private static JobProgressed progressed(int percent) {
        return new JobProgressed(1, REF, T, percent, "dumping", percent, 100);
    }

    private static JobView view(JobStatus status, int percent) {
        return new JobView(
                JOB,
                JobKind.BACKUP,
                "shop",
                status,
                percent,
                "dumping",
                percent,
                100,
                T,
                status == JobStatus.QUEUED ? null : T,
                status.isTerminal() ? T : null,
                null,
                null,
                null,
                null,
                null,
                null,
                null);
    }

    /** An emitter that records what it was sent instead of writing it. */
    static final class Recording extends SseEmitter {
        private final List<Object> parts = new CopyOnWriteArrayList<>();
        volatile boolean completed;

        @Override
        public void send(SseEventBuilder builder) throws IOException {
            for (DataWithMediaType part : builder.build()) {
                parts.add(part.getData());
            }
        }

        @Override
        public synchronized void complete() {
            completed = true;
        }

        List<String> names() {
            return lines("event:");
        }

        List<String> ids() {
            return lines("id:");
        }

        List<Object> data() {
            return parts.stream().filter(p -> !(p instanceof String)).toList();
        }

        private List<String> lines(String field) {
            return parts.stream()
                    .filter(String.class::isInstance)
                    .map(String.class::cast)
                    .flatMap(String::lines)
                    .filter(line -> line.startsWith(field))
                    .map(line -> line.substring(field.length()))
                    .toList();
        }
    }
}

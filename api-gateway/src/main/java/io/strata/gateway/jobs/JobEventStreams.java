package io.strata.gateway.jobs;

import io.strata.common.event.JobEvent;
import io.strata.common.event.JobFailed;
import io.strata.common.event.JobProgressed;
import io.strata.common.event.JobStarted;
import io.strata.common.event.JobSucceeded;
import io.strata.common.model.JobStatus;
import io.strata.gateway.catalog.CatalogProxy;
import io.strata.gateway.jobs.JobEventFeed.Delivered;
import io.strata.gateway.problem.ApiException;
import io.strata.gateway.web.TextRules;
import io.strata.platform.catalog.CatalogApi.JobView;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * {@code GET /api/v1/jobs/{jobId}/events}: a job's progress as server-sent events. The first event ({@code job})
 * is the job as {@code GET /api/v1/jobs/{jobId}} shows it; then its {@code JobStarted} and {@code JobProgressed}
 * events as the workers publish them on {@code strata.job.events} (each with its {@code ce_id} as the event id;
 * progress never goes backwards); the last is {@code job} again, the catalog's final state (with its result or
 * error), after which the stream ends. The end is the catalog's word, not a worker's event: it also covers jobs the
 * catalog ends on its own (cancelled while queued, a worker's lease run out) and never shows a success the catalog
 * refused (a fenced worker's). A comment line every {@link #HEARTBEAT} keeps proxies from closing a quiet stream.
 */
@Component
class JobEventStreams implements DisposableBean {
    private static final Logger log = LoggerFactory.getLogger(JobEventStreams.class);
    static final int MAX_STREAMS = 256;
    static final Duration LIFETIME = Duration.ofHours(6);
    static final Duration CHECK_EVERY = Duration.ofSeconds(3);
    static final Duration HEARTBEAT = Duration.ofSeconds(15);
    /** Once a worker says a job ended, the catalog is asked this soon after (it applies the same event). */
    private static final long[] CONFIRM_AFTER_MS = {150, 500, 1_200};

    private static final int MAX_PENDING = 512;
    private static final int MAX_TEXT_BYTES = 256;

    private final BiFunction<String, Consumer<Delivered>, AutoCloseable> feed;
    private final Function<String, Optional<JobView>> jobs;
    private final Supplier<SseEmitter> emitters;
    private final Set<Stream> open = ConcurrentHashMap.newKeySet();
    /** One per stream from the moment it is asked for until it is released: the cap cannot be overrun. */
    private final Semaphore slots = new Semaphore(MAX_STREAMS);

    private volatile boolean closing;

    private final Executor senders = Executors.newVirtualThreadPerTaskExecutor();
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("job-event-streams").factory());
    private long ticks;
    /** Every how many checks a heartbeat goes instead. */
    private final long heartbeatEvery;

    @Autowired
    JobEventStreams(JobEventFeed feed, CatalogProxy catalog) {
        this(feed::follow, catalog::job, () -> new SseEmitter(LIFETIME.toMillis()), CHECK_EVERY);
    }

    /**
     * {@code feed} follows a job's events, {@code jobs} reads a job's state, {@code emitters} makes a stream;
     * every open stream's job is checked every {@code checkEvery}.
     */
    JobEventStreams(
            BiFunction<String, Consumer<Delivered>, AutoCloseable> feed,
            Function<String, Optional<JobView>> jobs,
            Supplier<SseEmitter> emitters,
            Duration checkEvery) {
        this.feed = feed;
        this.jobs = jobs;
        this.emitters = emitters;
        this.heartbeatEvery = Math.max(1, HEARTBEAT.toMillis() / checkEvery.toMillis());
        ticker.scheduleWithFixedDelay(this::tick, checkEvery.toMillis(), checkEvery.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Whether a client's {@code Last-Event-ID} is that of a final {@code job} event: it saw the job end. Any other
     * id (a worker's event, {@code job:RUNNING}: a stream cut off mid-job) gets the stream again.
     */
    static boolean sawTheEnd(String lastEventId) {
        return lastEventId != null
                && lastEventId.startsWith("job:")
                && java.util.Arrays.stream(JobStatus.values())
                        .anyMatch(status -> status.isTerminal() && lastEventId.equals("job:" + status));
    }

    /**
     * A stream of {@code jobId}'s events; empty when the client {@code sawTheEnd} already and the job ended: a
     * browser's {@code EventSource} reconnects after every end, and is stopped by the 204 this becomes.
     */
    Optional<SseEmitter> open(String jobId, boolean sawTheEnd) {
        if (closing) {
            throw ApiException.unavailable(
                    "this gateway is shutting down; ask another, or poll GET /api/v1/jobs/" + jobId, null);
        }
        if (!slots.tryAcquire()) {
            throw ApiException.unavailable(
                    "this gateway already serves " + MAX_STREAMS + " job event streams; poll GET /api/v1/jobs/" + jobId
                            + " instead, or try again later",
                    null);
        }
        Stream stream;
        try {
            stream = new Stream(jobId, emitters.get());
        } catch (RuntimeException e) {
            slots.release();
            throw e;
        }
        AutoCloseable unfollow;
        try {
            unfollow = feed.apply(jobId, stream::offer);
        } catch (JobEventFeed.FeedUnavailableException e) {
            stream.release(); // gives the slot back
            throw ApiException.unavailable(
                    "job events cannot be streamed now (" + e.getMessage() + "); poll GET /api/v1/jobs/" + jobId, e);
        } catch (RuntimeException e) {
            stream.release();
            throw e;
        }
        stream.unfollow = unfollow;
        // read after following, so nothing between this state and the first followed event is lost
        Optional<JobView> job;
        try {
            job = jobs.apply(jobId);
        } catch (RuntimeException e) {
            stream.release();
            throw e;
        }
        if (job.isEmpty()) {
            stream.release();
            throw ApiException.notFound("job " + jobId + " does not exist");
        }
        if (sawTheEnd && job.get().status().isTerminal()) {
            stream.release();
            return Optional.empty();
        }
        open.add(stream);
        stream.emitter.onCompletion(stream::release);
        stream.emitter.onTimeout(stream::end);
        stream.emitter.onError(e -> stream.release());
        stream.start(job.get());
        if (closing) {
            stream.end(); // opened while the gateway began to shut down
        }
        return Optional.of(stream.emitter);
    }

    /**
     * Ends every stream when the gateway begins to shut down: the web server's graceful shutdown waits for open
     * async requests, so open streams would hold it up to its timeout and then be cut.
     */
    @EventListener(ContextClosedEvent.class)
    void closing() {
        closing = true;
        open.forEach(Stream::end);
    }

    /** Streams open now. */
    int openStreams() {
        return open.size();
    }

    private void tick() {
        boolean heartbeat = ++ticks % heartbeatEvery == 0;
        for (Stream stream : open) {
            stream.offer(heartbeat ? Heartbeat.INSTANCE : Check.INSTANCE);
        }
    }

    private void confirmSoon(Stream stream) {
        for (long delay : CONFIRM_AFTER_MS) {
            ticker.schedule(() -> stream.offer(Check.INSTANCE), delay, TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void destroy() {
        ticker.shutdownNow();
        open.forEach(Stream::end);
    }

    /**
     * Whether a worker's event may be shown: its percent within 0..100 and its text (step, worker, the job's
     * source, request and backup ids) plain lines of at most {@value #MAX_TEXT_BYTES} bytes. Strata's workers
     * send nothing else; a record that does is not passed on.
     */
    static boolean shown(JobEvent event) {
        List<String> texts = new ArrayList<>();
        texts.add(event.job().source());
        texts.add(event.job().requestId());
        texts.add(event.job().backupId());
        switch (event) {
            case JobStarted s -> {
                texts.add(s.step());
                texts.add(s.worker());
            }
            case JobProgressed p -> {
                if (p.percent() < 0 || p.percent() > 100 || p.bytesDone() < 0 || p.bytesTotal() < 0) {
                    return false;
                }
                texts.add(p.step());
            }
            case JobSucceeded s -> {}
            case JobFailed f -> {}
        }
        return texts.stream()
                .allMatch(text -> text == null
                        || (TextRules.firstForbidden(text, false) < 0 && TextRules.utf8Bytes(text) <= MAX_TEXT_BYTES));
    }

    private enum Check {
        INSTANCE
    }

    private enum Heartbeat {
        INSTANCE
    }

    /** One client's stream: everything it is sent goes through one queue, drained by one task at a time. */
    final class Stream {
        private final String jobId;
        final SseEmitter emitter;
        private final ArrayDeque<Object> pending = new ArrayDeque<>();
        private List<Object> early = new ArrayList<>();
        private boolean draining;
        private boolean ended;
        private volatile AutoCloseable unfollow;
        private boolean released;
        // touched only by the draining task
        private int lastPercent = -1;
        private boolean started;

        Stream(String jobId, SseEmitter emitter) {
            this.jobId = jobId;
            this.emitter = emitter;
        }

        /** A followed event, a check or a heartbeat; kept in order until the first state was sent. */
        void offer(Object item) {
            synchronized (this) {
                if (ended) {
                    return;
                }
                if (early != null) {
                    if (early.size() < MAX_PENDING) {
                        early.add(item);
                    }
                    return;
                }
                if (pending.size() >= MAX_PENDING && !(item instanceof Check)) {
                    return; // a client this far behind gets the end from the checks, not every step
                }
                pending.add(item);
                if (draining) {
                    return;
                }
                draining = true;
            }
            senders.execute(this::drain);
        }

        void start(JobView first) {
            synchronized (this) {
                pending.add(first);
                early.stream().filter(item -> !(item instanceof Check)).forEach(pending::add);
                early = null;
                draining = true;
            }
            senders.execute(this::drain);
        }

        private void drain() {
            while (true) {
                Object item;
                synchronized (this) {
                    item = ended ? null : pending.poll();
                    if (item == null) {
                        draining = false;
                        return;
                    }
                }
                try {
                    handle(item);
                } catch (IOException | IllegalStateException e) {
                    log.debug("Job event stream of {} closed: {}", jobId, e.toString());
                    release();
                } catch (RuntimeException e) {
                    log.warn("Job event stream of {} failed: {}", jobId, e.toString());
                    end();
                }
            }
        }

        private void handle(Object item) throws IOException {
            switch (item) {
                case JobView view -> state(view);
                case Delivered delivered -> event(delivered);
                case Check check -> check();
                case Heartbeat heartbeat -> emitter.send(SseEmitter.event().comment("still " + jobId));
                default -> throw new IllegalArgumentException("unknown item " + item);
            }
        }

        /** Ends the stream with the catalog's state once it is final, or when the job is gone. */
        private void check() throws IOException {
            Optional<JobView> view;
            try {
                view = jobs.apply(jobId);
            } catch (RuntimeException e) {
                log.debug(
                        "Checking job {} for its event stream failed; next check in {}: {}",
                        jobId,
                        CHECK_EVERY,
                        e.toString());
                return;
            }
            if (view.isEmpty()) {
                end(); // deleted meanwhile
            } else if (view.get().status().isTerminal()) {
                state(view.get());
            }
        }

        private void state(JobView view) throws IOException {
            synchronized (this) {
                if (ended) {
                    return;
                }
            }
            // an id, so that a browser's EventSource sends Last-Event-ID when it reconnects after the end
            emitter.send(SseEmitter.event()
                    .name("job")
                    .data(view, MediaType.APPLICATION_JSON)
                    .id("job:" + view.status()));
            lastPercent = Math.max(lastPercent, view.progressPercent());
            started |= view.status() != JobStatus.QUEUED;
            if (view.status().isTerminal()) {
                end();
            }
        }

        private void event(Delivered delivered) throws IOException {
            JobEvent event = delivered.event();
            if (!shown(event)) {
                return;
            }
            switch (event) {
                case JobStarted s -> {
                    if (started) {
                        return;
                    }
                    started = true;
                }
                case JobProgressed p -> {
                    if (p.percent() < lastPercent) {
                        return;
                    }
                    lastPercent = p.percent();
                    started = true;
                }
                case JobSucceeded s -> {
                    confirmSoon(this);
                    return;
                }
                case JobFailed f -> {
                    confirmSoon(this);
                    return;
                }
            }
            SseEmitter.SseEventBuilder builder =
                    SseEmitter.event().name(event.getClass().getSimpleName()).data(event, MediaType.APPLICATION_JSON);
            if (delivered.ceId() != null) {
                builder.id(delivered.ceId());
            }
            emitter.send(builder);
        }

        /** Ends the stream for the client. */
        void end() {
            synchronized (this) {
                if (ended) {
                    return;
                }
                ended = true;
            }
            release();
            try {
                emitter.complete();
            } catch (RuntimeException e) {
                log.debug("Completing the job event stream of {}: {}", jobId, e.toString());
            }
        }

        /** Stops following and forgets the stream; safe to call more than once. */
        void release() {
            synchronized (this) {
                ended = true;
                pending.clear();
                if (released) {
                    return;
                }
                released = true;
            }
            slots.release();
            open.remove(this);
            AutoCloseable handle = unfollow;
            if (handle != null) {
                try {
                    handle.close();
                } catch (Exception e) {
                    // removes a map entry only
                }
            }
        }
    }
}

package io.strata.platform.jobs;

import io.strata.common.event.JobEvent;
import io.strata.common.event.JobEvent.JobRef;
import io.strata.common.event.JobFailed;
import io.strata.common.event.JobProgressed;
import io.strata.common.event.JobResult;
import io.strata.common.event.JobStarted;
import io.strata.common.event.JobSucceeded;
import io.strata.common.messaging.CloudEventHeaders;
import io.strata.common.messaging.Topics;
import io.strata.common.model.FailureCode;
import io.strata.platform.messaging.MessagePublisher;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * Emits one job's events on {@code strata.job.events}. Progress never goes backwards and is sent at most
 * once per {@code interval} (a worker calls {@link #progress} as often as it likes), except that a new
 * step is always sent at once, so even a job shorter than the interval shows its steps; a heartbeat
 * goes out at least every {@code interval} while {@link #tick()} is called. Not thread-safe beyond
 * {@code synchronized}: one reporter per job.
 */
public final class JobReporter {
    private final MessagePublisher publisher;
    private final Clock clock;
    private final JobRef job;
    private final Duration interval;
    private final String worker;
    private int percent;
    private String step = "starting";
    private long bytesDone;
    private long bytesTotal;
    private Instant lastSent = Instant.MIN;
    private String sentStep;
    private volatile Long leaseToken;
    private volatile boolean silenced;

    public JobReporter(MessagePublisher publisher, Clock clock, JobRef job, Duration interval, String worker) {
        this.publisher = publisher;
        this.clock = clock;
        this.job = job;
        this.interval = interval;
        this.worker = worker;
    }

    public JobRef job() {
        return job;
    }

    /** Marks every event from now on with the run's fencing token (header {@code strata_lease_token}). */
    public void fencedBy(long token) {
        this.leaseToken = token;
    }

    /**
     * Drops every event from now on: the worker is shutting down and leaves the job to the catalog, which
     * offers it again (or fails it {@code WORKER_LOST}) once the lease expires, as after a crash. The
     * interrupted work must not end the job FAILED on its way out.
     */
    public void silence() {
        this.silenced = true;
    }

    public synchronized void started(String firstStep) {
        step = firstStep;
        send(new JobStarted(JobEvent.SCHEMA_VERSION, job, clock.instant(), firstStep, worker));
    }

    /**
     * Records progress in {@code [0, 99]} percent of the step range; sends it if the interval has passed.
     * 100 is reserved for success.
     */
    public synchronized void progress(String newStep, int newPercent, long done, long total) {
        step = newStep;
        percent = Math.max(percent, Math.min(99, Math.max(0, newPercent)));
        bytesDone = Math.max(bytesDone, done);
        bytesTotal = Math.max(total, bytesDone);
        if (!newStep.equals(sentStep)
                || Duration.between(lastSent, clock.instant()).compareTo(interval) >= 0) {
            sendProgress();
        }
    }

    /** Sends the current progress if nothing was sent for an interval: a heartbeat of a long step. */
    public synchronized void tick() {
        if (Duration.between(lastSent, clock.instant()).compareTo(interval) >= 0) {
            sendProgress();
        }
    }

    /** Sends the current state now, e.g. when a new step begins. */
    public synchronized void step(String newStep, int newPercent) {
        step = newStep;
        percent = Math.max(percent, Math.min(99, newPercent));
        sendProgress();
    }

    public synchronized void succeeded(JobResult result) {
        send(new JobSucceeded(JobEvent.SCHEMA_VERSION, job, clock.instant(), result));
    }

    public synchronized void failed(FailureCode code, String message, boolean retryable) {
        send(new JobFailed(JobEvent.SCHEMA_VERSION, job, clock.instant(), code, message, retryable));
    }

    /** The step the job is at now. */
    public synchronized String step() {
        return step;
    }

    public synchronized int percent() {
        return percent;
    }

    private void sendProgress() {
        sentStep = step;
        send(new JobProgressed(JobEvent.SCHEMA_VERSION, job, clock.instant(), percent, step, bytesDone, bytesTotal));
    }

    private void send(JobEvent event) {
        if (silenced) {
            return;
        }
        Long token = leaseToken;
        publisher.publish(
                Topics.JOB_EVENTS,
                event,
                token == null ? Map.of() : Map.of(CloudEventHeaders.LEASE_TOKEN, Long.toString(token)));
        lastSent = clock.instant();
    }
}

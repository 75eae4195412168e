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
        // a claimed job is RUNNING in the catalog by its claim; one that was not claimed (a restore's safety
        // backup) becomes known by this event, which must then arrive
        send(new JobStarted(JobEvent.SCHEMA_VERSION, job, clock.instant(), firstStep, worker), leaseToken == null);
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
        send(new JobSucceeded(JobEvent.SCHEMA_VERSION, job, clock.instant(), result), true);
    }

    public synchronized void failed(FailureCode code, String message, boolean retryable) {
        send(new JobFailed(JobEvent.SCHEMA_VERSION, job, clock.instant(), code, message, retryable), true);
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
        send(
                new JobProgressed(JobEvent.SCHEMA_VERSION, job, clock.instant(), percent, step, bytesDone, bytesTotal),
                false);
    }

    /**
     * Sends {@code event}, waiting for the broker's acknowledgement if {@code acknowledged}: a job's end, and the
     * start of a job the catalog knows only by its events. Progress (and a claimed job's start) does not wait,
     * so a slow broker does not hold up the work: one that is lost shows the job's progress later or not at all,
     * and changes nothing the catalog decides by (the claim made the job RUNNING; its end comes acknowledged).
     */
    private void send(JobEvent event, boolean acknowledged) {
        if (silenced) {
            return;
        }
        Long token = leaseToken;
        Map<String, String> headers =
                token == null ? Map.of() : Map.of(CloudEventHeaders.LEASE_TOKEN, Long.toString(token));
        if (acknowledged) {
            publisher.publish(Topics.JOB_EVENTS, event, headers);
        } else {
            publisher.publishUnacknowledged(Topics.JOB_EVENTS, event, headers);
        }
        lastSent = clock.instant();
    }
}

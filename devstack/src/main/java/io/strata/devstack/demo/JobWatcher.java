package io.strata.devstack.demo;

import io.strata.common.messaging.Json;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/**
 * Follows a job through its event stream ({@code GET /jobs/{id}/events}), printing a line whenever what a user
 * sees changes; by polling {@code GET /jobs/{id}} when the stream cannot be had or ends before the job does.
 */
final class JobWatcher {
    private static final Duration TIMEOUT = Duration.ofMinutes(10);
    private static final java.util.concurrent.Executor STREAMS =
            java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();

    private final StrataApi api;
    private final PrintStream out;

    JobWatcher(StrataApi api, PrintStream out) {
        this.api = api;
        this.out = out;
    }

    /** POSTs {@code request} to {@code path}, which starts a job (202), and follows the job to its success. */
    Views.Job run(String label, String path, Object request) throws Exception {
        Views.Accepted accepted = api.expect(api.post(path, request), 202, "requesting a " + label)
                .as(Views.Accepted.class);
        out.println("   job " + accepted.jobId());
        return awaitSuccess(label, accepted.jobId());
    }

    /** What a progress event says, as the job view shows it. */
    private record Progress(int percent, String step, long bytesDone, long bytesTotal) {}

    /** Returns the job once SUCCEEDED; a {@link DemoFailure} with the job's error otherwise. */
    private Views.Job awaitSuccess(String label, String jobId) throws Exception {
        Deadline deadline = Deadline.in(TIMEOUT);
        Views.Job[] last = new Views.Job[1];
        java.util.concurrent.atomic.AtomicReference<AutoCloseable> open =
                new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.CompletableFuture<Integer> watched = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> {
                    try {
                        return api.stream(
                                "/jobs/" + jobId + "/events",
                                event -> {
                                    Views.Job seen = switch (event.name()) {
                                        case "job" -> Json.read(event.data(), Views.Job.class);
                                        case "JobProgressed" -> {
                                            Progress p = Json.read(event.data(), Progress.class);
                                            yield new Views.Job(
                                                    jobId,
                                                    null,
                                                    "RUNNING",
                                                    p.percent(),
                                                    p.step(),
                                                    p.bytesDone(),
                                                    p.bytesTotal(),
                                                    null,
                                                    null,
                                                    null);
                                        }
                                        default -> null;
                                    };
                                    if (seen != null && seen.differsFrom(last[0])) {
                                        out.println(line(label, seen));
                                        last[0] = seen;
                                    }
                                },
                                open);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IllegalStateException(e);
                    }
                },
                STREAMS);
        try {
            watched.get(TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new DemoFailure("the " + label + " job " + jobId + " did not finish within " + TIMEOUT);
        } catch (java.util.concurrent.ExecutionException e) {
            // the stream broke: the job's state is polled below
        } finally {
            AutoCloseable stream = open.get();
            if (stream != null) {
                stream.close(); // ends the reading thread too (cancel does not interrupt it)
            }
        }
        while (true) {
            Views.Job job =
                    last[0] != null && last[0].finished() ? last[0] : api.read("/jobs/" + jobId, Views.Job.class);
            if (job.differsFrom(last[0])) {
                out.println(line(label, job));
                last[0] = job;
            }
            if (job.finished()) {
                if ("SUCCEEDED".equals(job.status())) {
                    return job;
                }
                String why = job.error() == null
                        ? "no error reported"
                        : job.error().code() + ": " + job.error().message();
                throw new DemoFailure("the " + label + " job " + jobId + " ended " + job.status() + " (" + why
                        + "); see the worker logs with ./strata logs backup-worker or ./strata logs restore-worker");
            }
            deadline.pause("the " + label + " job " + jobId + " did not finish", job.status());
        }
    }

    static String line(String label, Views.Job job) {
        String bytes = job.bytesTotal() > 0
                ? Bytes.of(job.bytesDone()) + " / " + Bytes.of(job.bytesTotal())
                : job.bytesDone() > 0 ? Bytes.of(job.bytesDone()) : "";
        String step = job.currentStep() == null ? "" : job.currentStep();
        return String.format(
                        Locale.ROOT,
                        "  %-7s %-9s %3d%%  %-10s %s",
                        label,
                        job.status(),
                        job.progressPercent(),
                        step,
                        bytes)
                .stripTrailing();
    }
}

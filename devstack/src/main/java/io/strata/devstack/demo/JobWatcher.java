package io.strata.devstack.demo;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/** Follows a job by polling {@code GET /jobs/{id}}, printing a line whenever what a user sees changes. */
final class JobWatcher {
    private static final Duration TIMEOUT = Duration.ofMinutes(10);

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

    /** Returns the job once SUCCEEDED; a {@link DemoFailure} with the job's error otherwise. */
    private Views.Job awaitSuccess(String label, String jobId) throws Exception {
        Deadline deadline = Deadline.in(TIMEOUT);
        Views.Job last = null;
        while (true) {
            Views.Job job = api.read("/jobs/" + jobId, Views.Job.class);
            if (job.differsFrom(last)) {
                out.println(line(label, job));
                last = job;
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

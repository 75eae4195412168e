package io.strata.devstack.demo;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/** Follows a job by polling {@code GET /jobs/{id}}, printing a line whenever what a user sees changes. */
final class JobWatcher {
    private static final Duration POLL = Duration.ofMillis(300);
    private static final Duration TIMEOUT = Duration.ofMinutes(10);

    private final StrataApi api;
    private final PrintStream out;

    JobWatcher(StrataApi api, PrintStream out) {
        this.api = api;
        this.out = out;
    }

    /** Returns the job once SUCCEEDED; a {@link DemoFailure} with the job's error otherwise. */
    Views.Job awaitSuccess(String label, String jobId) throws Exception {
        Instant deadline = Instant.now().plus(TIMEOUT);
        Views.Job last = null;
        while (Instant.now().isBefore(deadline)) {
            Views.Job job = api.expect(api.get("/jobs/" + jobId), 200, "reading job " + jobId)
                    .as(Views.Job.class);
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
            Thread.sleep(POLL);
        }
        throw new DemoFailure("the " + label + " job " + jobId + " did not finish within " + TIMEOUT + "; last seen "
                + (last == null ? "nothing" : last.status()));
    }

    static String line(String label, Views.Job job) {
        String bytes = job.bytesTotal() > 0
                ? bytes(job.bytesDone()) + " / " + bytes(job.bytesTotal())
                : job.bytesDone() > 0 ? bytes(job.bytesDone()) : "";
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

    static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KB", "MB", "GB", "TB"};
        double value = n;
        int unit = -1;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }
}

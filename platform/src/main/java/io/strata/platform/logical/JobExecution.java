package io.strata.platform.logical;

import io.strata.common.event.JobResult;
import io.strata.platform.jobs.JobReporter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one job's work between its {@code JobStarted} and its {@code JobSucceeded}/{@code JobFailed}, so
 * that a live worker never leaves a job RUNNING: expected failures keep their code, anything else
 * becomes {@code INTERNAL} with its message.
 */
public final class JobExecution {
    private static final Logger log = LoggerFactory.getLogger(JobExecution.class);

    private JobExecution() {}

    /** The work of a job; it reports its own progress and returns the result to publish. */
    @FunctionalInterface
    public interface Work {
        JobResult run() throws Exception;
    }

    /** How a job ended. */
    public sealed interface Outcome {
        record Succeeded(JobResult result) implements Outcome {}

        record Failed(FailureCode code, String message) implements Outcome {}
    }

    /** Emits {@code JobStarted}, runs the work, then emits its success or failure. */
    public static Outcome run(JobReporter reporter, String firstStep, Work work) {
        reporter.started(firstStep);
        try {
            JobResult result = work.run();
            reporter.succeeded(result);
            return new Outcome.Succeeded(result);
        } catch (JobFailureException e) {
            log.warn("job {} failed: {} {}", reporter.job().jobId(), e.code(), e.getMessage());
            reporter.failed(e.code().name(), e.getMessage(), e.retryable());
            return new Outcome.Failed(e.code(), e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return internal(reporter, e, "the worker was interrupted (shutting down?); run the job again");
        } catch (Exception e) {
            return internal(reporter, e, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    private static Outcome internal(JobReporter reporter, Exception e, String message) {
        log.error("job {} failed unexpectedly", reporter.job().jobId(), e);
        reporter.failed(FailureCode.INTERNAL.name(), message, true);
        return new Outcome.Failed(FailureCode.INTERNAL, message);
    }
}

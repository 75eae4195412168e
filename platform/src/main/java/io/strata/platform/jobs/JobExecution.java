package io.strata.platform.jobs;

import io.strata.common.event.JobResult;
import io.strata.common.model.FailureCode;
import java.util.function.BooleanSupplier;
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
        return run(reporter, firstStep, work, () -> false);
    }

    /**
     * As {@link #run(JobReporter, String, Work)}; when the work fails after {@code cancelled} became true (it
     * was stopped on request: its tools killed, its thread interrupted), the job is reported {@code CANCELLED}
     * instead of with whatever error the stop caused.
     */
    public static Outcome run(JobReporter reporter, String firstStep, Work work, BooleanSupplier cancelled) {
        reporter.started(firstStep);
        try {
            JobResult result = work.run();
            reporter.succeeded(result);
            return new Outcome.Succeeded(result);
        } catch (Exception e) {
            if (cancelled.getAsBoolean()) {
                Thread.interrupted();
                String message = "Cancelled on request during '" + reporter.step()
                        + "'. A backup leaves no manifest, so no backup, and its objects are removed (at the latest"
                        + " by the next orphan sweep); a restore drops the database or data directory it was making.";
                log.info("job {} cancelled: {}", reporter.job().jobId(), e.toString());
                reporter.failed(FailureCode.CANCELLED, message, false);
                return new Outcome.Failed(FailureCode.CANCELLED, message);
            }
            return failed(reporter, e);
        }
    }

    private static Outcome failed(JobReporter reporter, Exception failure) {
        return switch (failure) {
            case JobFailureException e -> {
                log.warn("job {} failed: {} {}", reporter.job().jobId(), e.code(), e.getMessage());
                reporter.failed(e.code(), e.getMessage(), e.retryable());
                yield new Outcome.Failed(e.code(), e.getMessage());
            }
            case InterruptedException e -> {
                Thread.currentThread().interrupt();
                yield internal(reporter, e, "the worker was interrupted (shutting down?); run the job again");
            }
            default -> internal(reporter, failure, failure.getClass().getSimpleName() + ": " + failure.getMessage());
        };
    }

    private static Outcome internal(JobReporter reporter, Exception e, String message) {
        log.error("job {} failed unexpectedly", reporter.job().jobId(), e);
        reporter.failed(FailureCode.INTERNAL, message, true);
        return new Outcome.Failed(FailureCode.INTERNAL, message);
    }
}

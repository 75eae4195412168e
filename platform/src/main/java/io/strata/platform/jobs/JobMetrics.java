package io.strata.platform.jobs;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.strata.common.event.JobResult;
import io.strata.platform.jobs.JobExecution.Outcome;
import java.util.function.ToLongFunction;

/**
 * {@code strata.<name>.duration} (command to result) and {@code strata.<name>.bytes}, tagged by outcome.
 * One per kind of work a worker does.
 */
public final class JobMetrics {
    private final MeterRegistry registry;
    private final String name;
    private final String bytesDescription;
    private final ToLongFunction<JobResult> bytesOf;

    public JobMetrics(MeterRegistry registry, String name, String bytesDescription, ToLongFunction<JobResult> bytesOf) {
        this.registry = registry;
        this.name = name;
        this.bytesDescription = bytesDescription;
        this.bytesOf = bytesOf;
    }

    public Timer.Sample start() {
        return Timer.start(registry);
    }

    public void finished(Timer.Sample sample, Outcome outcome) {
        String tag = switch (outcome) {
            case Outcome.Succeeded s -> "succeeded";
            case Outcome.Failed f -> "failed";
        };
        sample.stop(Timer.builder("strata." + name + ".duration")
                .description("How long a " + name + " takes, from command to result")
                .tag("outcome", tag)
                .register(registry));
        long bytes = outcome instanceof Outcome.Succeeded(JobResult result) ? bytesOf.applyAsLong(result) : 0;
        Counter.builder("strata." + name + ".bytes")
                .description(bytesDescription)
                .baseUnit("bytes")
                .tag("outcome", tag)
                .register(registry)
                .increment(bytes);
    }
}

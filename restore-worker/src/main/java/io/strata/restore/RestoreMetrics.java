package io.strata.restore;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.strata.common.event.JobResult.RestoreResult;
import io.strata.platform.logical.JobExecution.Outcome;
import org.springframework.stereotype.Component;

/** {@code strata.restore.duration} and {@code strata.restore.bytes} (raw bytes restored), tagged by outcome. */
@Component
class RestoreMetrics {
    private final MeterRegistry registry;

    RestoreMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    Timer.Sample start() {
        return Timer.start(registry);
    }

    void finished(Timer.Sample sample, Outcome outcome) {
        String tag = switch (outcome) {
            case Outcome.Succeeded s -> "succeeded";
            case Outcome.Failed f -> "failed";
        };
        sample.stop(Timer.builder("strata.restore.duration")
                .description("How long restores take, from command to result")
                .tag("outcome", tag)
                .register(registry));
        long bytes = outcome instanceof Outcome.Succeeded(RestoreResult result) ? result.restoredBytes() : 0;
        Counter.builder("strata.restore.bytes")
                .description("Bytes of pg_dump archives restored, uncompressed")
                .baseUnit("bytes")
                .tag("outcome", tag)
                .register(registry)
                .increment(bytes);
    }
}

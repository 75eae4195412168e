package io.strata.backup;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.strata.common.event.JobResult.BackupResult;
import io.strata.platform.logical.JobExecution.Outcome;
import org.springframework.stereotype.Component;

/** {@code strata.backup.duration} and {@code strata.backup.bytes} (raw bytes dumped), tagged by outcome. */
@Component
class BackupMetrics {
    private final MeterRegistry registry;

    BackupMetrics(MeterRegistry registry) {
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
        sample.stop(Timer.builder("strata.backup.duration")
                .description("How long backups take, from command to result")
                .tag("outcome", tag)
                .register(registry));
        long bytes = outcome instanceof Outcome.Succeeded(BackupResult result) ? result.sizeBytes() : 0;
        Counter.builder("strata.backup.bytes")
                .description("Bytes dumped from sources, before compression")
                .baseUnit("bytes")
                .tag("outcome", tag)
                .register(registry)
                .increment(bytes);
    }
}

package io.strata.catalog.jobs;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.strata.common.model.JobStatus;
import org.springframework.stereotype.Component;

/**
 * {@code strata.catalog.jobs{status=...}}: how many jobs the catalog holds in each status, read from the
 * database at scrape time so it is right after restarts and across replicas.
 */
@Component
class JobMetrics implements MeterBinder {
    private final JobStore jobs;

    JobMetrics(JobStore jobs) {
        this.jobs = jobs;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        for (JobStatus status : JobStatus.values()) {
            Gauge.builder("strata.catalog.jobs", jobs, store -> store.countByStatus(status))
                    .tag("status", status.name())
                    .description("Jobs in the catalog by status")
                    .register(registry);
        }
    }
}

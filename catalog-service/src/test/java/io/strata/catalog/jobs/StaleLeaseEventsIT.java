package io.strata.catalog.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.strata.catalog.CatalogIntegrationTest;
import io.strata.catalog.jobs.Job.JobOrigin;
import io.strata.common.event.JobEvent;
import io.strata.common.event.JobEvent.JobRef;
import io.strata.common.event.JobFailed;
import io.strata.common.event.JobProgressed;
import io.strata.common.event.JobStarted;
import io.strata.common.event.JobSucceeded;
import io.strata.common.messaging.CloudEventHeaders;
import io.strata.common.messaging.Json;
import io.strata.common.messaging.Topics;
import io.strata.common.model.FailureCode;
import io.strata.common.model.JobId;
import io.strata.common.model.JobKind;
import io.strata.common.model.JobStatus;
import java.time.Duration;
import java.time.Instant;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Job events fenced by their {@code strata_lease_token} header, handed to the listener as the Kafka
 * container would, against the real catalog database: a worker that lost its job cannot change it.
 */
class StaleLeaseEventsIT extends CatalogIntegrationTest {
    private static final String A = "backup-worker-1@host-a:101";
    private static final String B = "backup-worker-2@host-b:202";
    private static final Duration LEASE = Duration.ofSeconds(30);

    @Autowired
    JobListeners listeners;

    @Autowired
    JobRegistry registry;

    @Autowired
    JobLeases leases;

    @Autowired
    JobStore jobs;

    @Autowired
    MeterRegistry meters;

    private JobRef job;

    @BeforeEach
    void queuedBackup() {
        JobId id = JobId.random();
        job = new JobRef(id, JobKind.BACKUP, "shop", "req-" + id, null);
        TestJobs.register(
                registry, new JobOrigin(id.value(), JobKind.BACKUP, "shop", null, job.requestId(), Instant.now()));
    }

    @Test
    void eventsOfASupersededLeaseAreIgnoredWhileTheCurrentOwnersApply() {
        long stale = leases.claim(job.jobId().value(), A, LEASE).token();
        expireLease();
        long current = leases.claim(job.jobId().value(), B, LEASE).token();
        listeners.onJobEvent(event(progressed(50, "B dumping"), current));
        double ignoredBefore = staleCount();

        listeners.onJobEvent(event(progressed(90, "A still dumping"), stale));
        listeners.onJobEvent(event(new JobSucceeded(1, job, Instant.now(), null), stale));

        assertThat(staleCount()).isEqualTo(ignoredBefore + 2);
        Job afterStale = job();
        assertThat(afterStale.state().status()).isEqualTo(JobStatus.RUNNING);
        assertThat(afterStale.state().progressPercent()).isEqualTo(50);
        assertThat(afterStale.state().currentStep()).isEqualTo("B dumping");

        listeners.onJobEvent(
                event(new JobFailed(1, job, Instant.now(), FailureCode.PG_DUMP_FAILED, "disk full", false), current));

        Job ended = job();
        assertThat(ended.state().status()).isEqualTo(JobStatus.FAILED);
        assertThat(ended.state().errorCode()).isEqualTo("PG_DUMP_FAILED");
        assertThat(ended.lease().owner()).isEqualTo(B);
        assertThat(ended.lease().expiresAt()).isNull();
        assertThat(staleCount()).isEqualTo(ignoredBefore + 2);
    }

    @Test
    void jobStartedAfterTheClaimSetsTheStepAndKeepsTheClaimsStart() {
        long token = leases.claim(job.jobId().value(), A, LEASE).token();
        Instant claimedAt = job().state().startedAt();

        listeners.onJobEvent(event(new JobStarted(1, job, claimedAt.plusSeconds(1), "dumping", A), token));
        listeners.onJobEvent(event(progressed(40, "dumping"), token));
        listeners.onJobEvent(event(progressed(20, "dumping (an older report)"), token));

        Job running = job();
        assertThat(running.state().status()).isEqualTo(JobStatus.RUNNING);
        assertThat(running.state().startedAt()).isEqualTo(claimedAt);
        assertThat(running.state().progressPercent()).isEqualTo(40);
        assertThat(running.state().currentStep()).isEqualTo("dumping (an older report)");
        assertThat(running.lease().owner()).isEqualTo(A);
    }

    @Test
    void eventsWithoutTheHeaderAreAppliedAsBefore() {
        leases.claim(job.jobId().value(), A, LEASE);
        expireLease();
        leases.claim(job.jobId().value(), B, LEASE);

        listeners.onJobEvent(event(new JobSucceeded(1, job, Instant.now(), null), null));

        assertThat(job().state().status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(job().lease().expiresAt()).isNull();
    }

    @Test
    void aStaleRecordThatCannotBeStoredIsLoggedWithoutFailingTheJob() {
        long stale = leases.claim(job.jobId().value(), A, LEASE).token();
        expireLease();
        leases.claim(job.jobId().value(), B, LEASE);

        ConsumerRecord<String, String> record = record(
                Topics.JOB_EVENTS,
                job.jobId().toString(),
                "strata.job.succeeded.v1",
                job.jobId().value(),
                "{\"type\":");
        header(record, CloudEventHeaders.LEASE_TOKEN, Long.toString(stale));
        listeners.onJobEvent(record);

        assertThat(job().state().status()).isEqualTo(JobStatus.RUNNING);
        assertThat(invalidReason(record)).contains("lease was superseded");
    }

    @Test
    void aLeaseTokenThatIsNotANumberIsAnInvalidRecord() {
        leases.claim(job.jobId().value(), A, LEASE);
        ConsumerRecord<String, String> record = event(progressed(10, "dumping"), null);
        header(record, CloudEventHeaders.LEASE_TOKEN, "1e3");

        listeners.onJobEvent(record);

        assertThat(job().state().errorCode()).isEqualTo("INVALID_EVENT");
        assertThat(invalidReason(record)).contains("header strata_lease_token must be the decimal lease token");
    }

    private JobProgressed progressed(int percent, String step) {
        return new JobProgressed(1, job, Instant.now(), percent, step, 0, 0);
    }

    private ConsumerRecord<String, String> event(JobEvent event, Long leaseToken) {
        ConsumerRecord<String, String> record = record(
                Topics.JOB_EVENTS, event.kafkaKey(), event.ceType(), job.jobId().value(), Json.write(event));
        if (leaseToken != null) {
            header(record, CloudEventHeaders.LEASE_TOKEN, leaseToken.toString());
        }
        return record;
    }

    private void expireLease() {
        TestJobs.expireLease(jdbc, job.jobId().value());
    }

    private Job job() {
        return jobs.find(job.jobId().value()).orElseThrow();
    }

    private double staleCount() {
        Counter counter = meters.find(LeaseFence.METRIC).counter();
        return counter == null ? 0 : counter.count();
    }

    private String invalidReason(ConsumerRecord<String, String> record) {
        return jdbc.sql("SELECT reason FROM invalid_event WHERE topic = ? AND kafka_offset = ?")
                .params(record.topic(), record.offset())
                .query(String.class)
                .single();
    }
}

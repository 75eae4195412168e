package io.strata.catalog.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.catalog.CatalogIntegrationTest;
import io.strata.common.event.JobEvent.JobRef;
import io.strata.common.event.JobProgressed;
import io.strata.common.messaging.CloudEventHeaders;
import io.strata.common.messaging.Json;
import io.strata.common.messaging.Topics;
import io.strata.common.model.BackupId;
import io.strata.common.model.JobId;
import io.strata.common.model.JobKind;
import io.strata.common.model.JobStatus;
import io.strata.platform.catalog.CatalogApi.JobLease;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The lease sweeper's judgement of jobs whose worker stopped renewing, against the real catalog database.
 * Leases are made to have expired by moving their expiry into the past, so nothing here waits.
 */
class ExpiredLeasesIT extends CatalogIntegrationTest {
    private static final Duration LEASE = Duration.ofSeconds(30);

    @Autowired
    ExpiredLeases expired;

    @Autowired
    JobLeases leases;

    @Autowired
    JobRegistry registry;

    @Autowired
    JobListeners listeners;

    @Autowired
    JobStore jobs;

    @Autowired
    JobCancels cancels;

    @Test
    void anExpiredBackupWaitsForTheNextWorkerWithItsProgressKept() {
        BackupId backupId = BackupId.newId(Instant.now());
        UUID job = queued(JobKind.BACKUP, backupId.toString());
        long token = leases.claim(job, "backup-worker-1@a:1", LEASE).token();
        progress(job, JobKind.BACKUP, 40, token);
        Instant lastHeartbeat = find(job).lease().heartbeatAt();
        expireLease(job);

        sweep();

        Job requeued = find(job);
        assertThat(requeued.state().status()).isEqualTo(JobStatus.QUEUED);
        assertThat(requeued.state().progressPercent()).isEqualTo(40);
        assertThat(requeued.state().currentStep())
                .isEqualTo("waiting for a worker: backup-worker-1@a:1 stopped renewing its lease at " + lastHeartbeat);
        assertThat(requeued.lease().owner()).isNull();
        assertThat(requeued.lease().expiresAt()).isNull();
        assertThat(requeued.lease().token()).isEqualTo(token + 1);
        assertThat(requeued.lease().lostLeases()).isOne();
        assertThat(backupStatus(backupId)).isEqualTo("QUEUED");

        JobLease next = leases.claim(job, "backup-worker-2@b:2", LEASE);

        assertThat(next.token()).isEqualTo(token + 2);
        assertThat(find(job).state().status()).isEqualTo(JobStatus.RUNNING);
        assertThat(backupStatus(backupId)).isEqualTo("RUNNING");
    }

    @Test
    void anExpiredRestoreFailsWorkerLostSayingWhatMayBeLeft() {
        UUID job = queued(JobKind.RESTORE, null);
        leases.claim(job, "restore-worker-1@a:1", LEASE);
        Instant lastHeartbeat = find(job).lease().heartbeatAt();
        expireLease(job);

        sweep();

        Job failed = find(job);
        assertThat(failed.state().status()).isEqualTo(JobStatus.FAILED);
        assertThat(failed.state().errorCode()).isEqualTo("WORKER_LOST");
        assertThat(failed.state().errorMessage())
                .contains(
                        "restore-worker-1@a:1 stopped renewing its lease at " + lastHeartbeat,
                        "a RESTORE is not safe to run twice",
                        // its command restored into a new database: the message names it
                        "The restore was creating database 'restored' on the source's server",
                        "drop it before asking again");
        assertThat(failed.state().finishedAt()).isNotNull();
        assertThat(failed.lease().owner()).isEqualTo("restore-worker-1@a:1");
        assertThat(failed.lease().expiresAt()).isNull();
    }

    @Test
    void aBackupWhoseWorkerIsLostThreeTimesFailsWorkerLost() {
        BackupId backupId = BackupId.newId(Instant.now());
        UUID job = queued(JobKind.BACKUP, backupId.toString());

        for (int attempt = 1; attempt <= 3; attempt++) {
            assertThat(find(job).state().status()).isEqualTo(JobStatus.QUEUED);
            leases.claim(job, "backup-worker-" + attempt + "@h:" + attempt, LEASE);
            expireLease(job);
            sweep();
        }

        Job failed = find(job);
        assertThat(failed.state().status()).isEqualTo(JobStatus.FAILED);
        assertThat(failed.state().errorCode()).isEqualTo("WORKER_LOST");
        assertThat(failed.state().errorMessage())
                .startsWith("Tried 3 times; each time its worker was lost")
                .contains("the last one, backup-worker-3@h:3 stopped renewing its lease at");
        assertThat(failed.lease().lostLeases()).isEqualTo(3);
        assertThat(backupStatus(backupId)).isEqualTo("FAILED");
        assertThat(jdbc.sql("SELECT error FROM backup WHERE backup_id = ?")
                        .param(backupId.toString())
                        .query(String.class)
                        .single())
                .startsWith("WORKER_LOST: Tried 3 times");
    }

    @Test
    void liveLeasesAndJobsWithoutALeaseAreLeftAlone() {
        UUID live = queued(JobKind.RESTORE, null);
        leases.claim(live, "restore-worker-1@a:1", LEASE);
        UUID unleased = queued(JobKind.RESTORE, null);
        TestJobs.set(jdbc, unleased, "status = 'RUNNING', started_at = now()");

        sweep();

        assertThat(find(live).state().status()).isEqualTo(JobStatus.RUNNING);
        assertThat(find(unleased).state().status()).isEqualTo(JobStatus.RUNNING);
    }

    private void sweep() {
        expired.expire(Instant.now(), LeaseSweeper.BATCH);
    }

    @Test
    void aCancelledJobWhoseWorkerIsLostEndsCancelledAndIsNotOfferedAgain() {
        BackupId backupId = BackupId.newId(Instant.now());
        UUID job = queued(JobKind.BACKUP, backupId.toString());
        leases.claim(job, "backup-worker-1@a:1", LEASE);
        assertThat(cancels.cancel(job, "operator").status()).isEqualTo(JobStatus.RUNNING);
        expireLease(job);

        sweep();

        Job ended = find(job);
        assertThat(ended.state().status()).isEqualTo(JobStatus.CANCELLED);
        assertThat(ended.state().errorCode()).isEqualTo("CANCELLED");
        assertThat(ended.state().errorMessage()).contains("backup-worker-1@a:1 was lost", "orphan sweep");
        assertThat(ended.lease().expiresAt()).isNull();
        assertThat(backupStatus(backupId)).isEqualTo("CANCELLED");
    }

    private UUID queued(JobKind kind, String backupId) {
        return TestJobs.queued(registry, kind, backupId);
    }

    private void progress(UUID job, JobKind kind, int percent, long token) {
        JobRef ref = new JobRef(new JobId(job), kind, "shop", "req-" + job, null);
        JobProgressed event = new JobProgressed(1, ref, Instant.now(), percent, "dumping", 0, 0);
        ConsumerRecord<String, String> record =
                record(Topics.JOB_EVENTS, event.kafkaKey(), event.ceType(), job, Json.write(event));
        header(record, CloudEventHeaders.LEASE_TOKEN, Long.toString(token));
        listeners.onJobEvent(record);
    }

    private void expireLease(UUID job) {
        TestJobs.expireLease(jdbc, job);
    }

    private Job find(UUID job) {
        return jobs.find(job).orElseThrow();
    }

    private String backupStatus(BackupId backupId) {
        return jdbc.sql("SELECT status FROM backup WHERE backup_id = ?")
                .param(backupId.toString())
                .query(String.class)
                .single();
    }
}

package io.strata.catalog.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.catalog.jobs.Job.JobOrigin;
import io.strata.catalog.jobs.Job.Lease;
import io.strata.catalog.jobs.LeasePolicy.Expiry;
import io.strata.common.command.RestoreBackup.RestoreInto;
import io.strata.common.model.JobKind;
import io.strata.common.model.JobStatus;
import java.time.Instant;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class LeasePolicyTest {
    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
    private static final LeasePolicy POLICY = new LeasePolicy(3);

    @ParameterizedTest
    @EnumSource(
            value = JobKind.class,
            names = {"BACKUP", "VERIFY", "WAL_CLEANUP"})
    void backupsVerifyAndCleanupAreSafeToRepeat(JobKind kind) {
        assertThat(LeasePolicy.isSafeToRepeat(kind)).isTrue();
        assertThat(LeasePolicy.repeatableKinds()).contains(kind.name());
    }

    @ParameterizedTest
    @EnumSource(
            value = JobKind.class,
            names = {"RESTORE", "UPLOAD_RESTORE"})
    void restoresAreNotSafeToRepeat(JobKind kind) {
        assertThat(LeasePolicy.isSafeToRepeat(kind)).isFalse();
        assertThat(LeasePolicy.repeatableKinds()).doesNotContain(kind.name());
        assertThat(POLICY.mayRunAgain(kind, 0)).isFalse();
    }

    @Test
    void aRepeatableJobRunsAgainUntilItsThirdWorkerIsLost() {
        assertThat(POLICY.mayRunAgain(JobKind.BACKUP, 0)).isTrue();
        assertThat(POLICY.mayRunAgain(JobKind.BACKUP, 1)).isTrue();
        assertThat(POLICY.mayRunAgain(JobKind.BACKUP, 2)).isFalse();
    }

    @Test
    void anExpiredBackupIsRequeuedNamingTheWorkerAndItsLastHeartbeat() {
        Job job = running(JobKind.BACKUP, new Lease("bw-1@h:1", 4, T0.plusSeconds(30), T0, 0));

        assertThat(POLICY.onExpiry(job))
                .isEqualTo(new Expiry.Requeue("waiting for a worker: bw-1@h:1 stopped renewing its lease at " + T0));
    }

    @Test
    void anExpiredBackupThatLostTwoWorkersBeforeFailsCountingItsTries() {
        Job job = running(JobKind.BACKUP, new Lease("bw-3@h:3", 6, T0.plusSeconds(30), T0, 2));

        assertThat(POLICY.onExpiry(job))
                .isInstanceOfSatisfying(
                        Expiry.Fail.class,
                        fail -> assertThat(fail.message())
                                .startsWith(
                                        "Tried 3 times; each time its worker was lost (the last one, bw-3@h:3 stopped renewing"));
    }

    @Test
    void anExpiredPointInTimeRestoreNamesItsDataDirectoryAndPort() {
        Job job = running(JobKind.RESTORE, new Lease("rw-1@h:1", 1, T0.plusSeconds(30), null, 0));

        assertThat(POLICY.onExpiry(job, RestoreInto.newCluster("pitr-1529", 5499)))
                .isInstanceOfSatisfying(
                        Expiry.Fail.class,
                        fail -> assertThat(fail.message())
                                .contains("data directory 'pitr-1529'", "port 5499", "remove the directory"));
        assertThat(POLICY.onExpiry(job, RestoreInto.newDatabase("shop_copy")))
                .isInstanceOfSatisfying(
                        Expiry.Fail.class, fail -> assertThat(fail.message()).contains("database 'shop_copy'"));
    }

    @Test
    void anExpiredRestoreFailsSayingWhatMayBeLeftBehind() {
        Job job = running(JobKind.RESTORE, new Lease("rw-1@h:1", 1, T0.plusSeconds(30), null, 0));

        assertThat(POLICY.onExpiry(job))
                .isInstanceOfSatisfying(
                        Expiry.Fail.class,
                        fail -> assertThat(fail.message())
                                .contains(
                                        "rw-1@h:1 stopped renewing its lease at " + T0.plusSeconds(30),
                                        "strata_restore_*",
                                        "half-made data directory"));
    }

    @Test
    void aClaimRefusalNamesTheLiveOwnerAndWhenItsLeaseEnds() {
        Job job = running(JobKind.BACKUP, new Lease("bw-1@h:1", 2, T0.plusSeconds(30), T0, 0));

        assertThat(POLICY.claimRefusal(job, "bw-2@h:2", T0.plusSeconds(1)))
                .contains("is held by bw-1@h:1 until " + T0.plusSeconds(30));
    }

    @Test
    void aClaimOfARestoreWithoutOwnerSaysItStartedBeforeLeases() {
        Job job = running(JobKind.RESTORE, new Lease(null, 0, null, null, 0));

        assertThat(POLICY.claimRefusal(job, "rw-2@h:2", T0))
                .contains("started before job leases existed", "a RESTORE is not safe to run twice");
    }

    @Test
    void aClaimThatLostTheRaceIsToldToRetry() {
        Job job = running(JobKind.BACKUP, new Lease(null, 0, null, null, 0));
        Job queued = new Job(job.origin(), JobState.queued(), job.lease(), null);

        assertThat(POLICY.claimRefusal(queued, "bw-2@h:2", T0)).contains("changed while it was being claimed");
    }

    @Test
    void aHeartbeatAfterTheSweeperTookTheJobBackSaysSo() {
        Job job = running(JobKind.BACKUP, new Lease(null, 3, null, null, 1));
        Job queued = new Job(job.origin(), JobState.queued(), job.lease(), null);

        assertThat(POLICY.renewalRefusal(queued, "bw-1@h:1", 2))
                .contains("waits for a worker again", "bw-1@h:1 (token 2)", "stop working on it");
    }

    private static Job running(JobKind kind, Lease lease) {
        JobOrigin origin = new JobOrigin(UUID.randomUUID(), kind, "shop", null, "req-1", T0);
        return new Job(origin, JobState.queued().withStatus(JobStatus.RUNNING), lease, null);
    }
}

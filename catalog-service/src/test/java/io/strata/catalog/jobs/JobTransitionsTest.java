package io.strata.catalog.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.catalog.jobs.JobTransitions.Transition;
import io.strata.common.event.JobEvent;
import io.strata.common.event.JobEvent.JobRef;
import io.strata.common.event.JobFailed;
import io.strata.common.event.JobProgressed;
import io.strata.common.event.JobResult;
import io.strata.common.event.JobStarted;
import io.strata.common.event.JobSucceeded;
import io.strata.common.model.BackupKind;
import io.strata.common.model.BackupType;
import io.strata.common.model.FailureCode;
import io.strata.common.model.JobId;
import io.strata.common.model.JobKind;
import io.strata.common.model.JobStatus;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class JobTransitionsTest {
    private static final JobRef JOB = new JobRef(JobId.random(), JobKind.BACKUP, "shop", "req-1", null);
    private static final Instant T0 = Instant.parse("2026-11-22T15:30:00Z");
    private static final Instant T1 = T0.plusSeconds(10);
    private static final Instant T2 = T0.plusSeconds(20);

    @Test
    void startMovesQueuedToRunningAndRecordsStartTime() {
        JobState next = applied(JobState.queued(), new JobStarted(1, JOB, T0, "dumping", "worker-1"));

        assertThat(next.status()).isEqualTo(JobStatus.RUNNING);
        assertThat(next.startedAt()).isEqualTo(T0);
        assertThat(next.currentStep()).isEqualTo("dumping");
    }

    @Test
    void repeatedStartKeepsTheFirstStartTime() {
        JobState running = applied(JobState.queued(), new JobStarted(1, JOB, T0, "dumping", "worker-1"));

        JobState again = applied(running, new JobStarted(1, JOB, T1, "dumping", "worker-2"));

        assertThat(again.status()).isEqualTo(JobStatus.RUNNING);
        assertThat(again.startedAt()).isEqualTo(T0);
    }

    @Test
    void progressOnQueuedJobMovesItToRunning() {
        JobState next = applied(JobState.queued(), progressed(T0, 10, 100, 1000));

        assertThat(next.status()).isEqualTo(JobStatus.RUNNING);
        assertThat(next.startedAt()).isEqualTo(T0);
        assertThat(next.progressPercent()).isEqualTo(10);
        assertThat(next.bytesDone()).isEqualTo(100);
        assertThat(next.bytesTotal()).isEqualTo(1000);
    }

    @Test
    void progressNeverGoesBackwards() {
        JobState at60 = applied(JobState.queued(), progressed(T0, 60, 600, 1000));

        JobState afterStale = applied(at60, progressed(T1, 30, 300, 1000));

        assertThat(afterStale.progressPercent()).isEqualTo(60);
        assertThat(afterStale.bytesDone()).isEqualTo(600);
        assertThat(afterStale.status()).isEqualTo(JobStatus.RUNNING);
    }

    @Test
    void progressKeepsTheKnownTotalWhenTheWorkerSendsNone() {
        JobState known = applied(JobState.queued(), progressed(T0, 10, 100, 5000));

        JobState next = applied(known, progressed(T1, 20, 200, 0));

        assertThat(next.bytesTotal()).isEqualTo(5000);
        assertThat(next.progressPercent()).isEqualTo(20);
    }

    @Test
    void percentOutsideZeroToHundredIsClamped() {
        JobState next = applied(JobState.queued(), progressed(T0, 140, 0, 0));

        assertThat(next.progressPercent()).isEqualTo(100);
    }

    @Test
    void successFinishesAtHundredPercent() {
        JobState running = applied(JobState.queued(), progressed(T0, 40, 400, 1000));

        JobState done = applied(running, new JobSucceeded(1, JOB, T2, null));

        assertThat(done.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(done.progressPercent()).isEqualTo(100);
        assertThat(done.startedAt()).isEqualTo(T0);
        assertThat(done.finishedAt()).isEqualTo(T2);
    }

    @Test
    void successReportsTheResultsRealSizeInsteadOfTheEstimate() {
        JobState running = applied(JobState.queued(), progressed(T0, 40, 400, 8_000));
        JobResult.BackupResult result = new JobResult.BackupResult(
                "20261122T153000Z-abc123",
                BackupKind.LOGICAL,
                BackupType.FULL,
                false,
                "shop",
                "15",
                1_200,
                300,
                "ab",
                "k",
                "m",
                T0,
                T2,
                null,
                null,
                null,
                null,
                null,
                null);

        JobState done = applied(running, new JobSucceeded(1, JOB, T2, result));

        assertThat(done.bytesDone()).isEqualTo(1_200);
        assertThat(done.bytesTotal()).isEqualTo(1_200);
        assertThat(done.currentStep()).isEqualTo("done");
    }

    @Test
    void failureRecordsCodeAndMessage() {
        JobState running = applied(JobState.queued(), new JobStarted(1, JOB, T0, null, "w"));

        JobState failed =
                applied(running, new JobFailed(1, JOB, T1, FailureCode.PG_DUMP_FAILED, "pg_dump exited 1", false));

        assertThat(failed.status()).isEqualTo(JobStatus.FAILED);
        assertThat(failed.errorCode()).isEqualTo("PG_DUMP_FAILED");
        assertThat(failed.errorMessage()).isEqualTo("pg_dump exited 1");
        assertThat(failed.finishedAt()).isEqualTo(T1);
    }

    @ParameterizedTest
    @EnumSource(
            value = JobStatus.class,
            names = {"SUCCEEDED", "FAILED", "CANCELLED"})
    void terminalStatesIgnoreEveryEvent(JobStatus terminal) {
        JobState finished = JobState.queued().withStatus(terminal);

        for (JobEvent event : new JobEvent[] {
            new JobStarted(1, JOB, T1, "again", "w"),
            progressed(T1, 50, 1, 2),
            new JobSucceeded(1, JOB, T1, null),
            new JobFailed(1, JOB, T1, FailureCode.INTERNAL, "late failure", true)
        }) {
            assertThat(JobTransitions.apply(finished, event))
                    .as("%s on a %s job", event.getClass().getSimpleName(), terminal)
                    .isInstanceOf(Transition.Ignored.class);
        }
    }

    @Test
    void catalogFailsARunningJobWithItsOwnCodeKeepingTheStartTime() {
        JobState running = applied(JobState.queued(), new JobStarted(1, JOB, T0, "dumping", "w"));

        Transition transition = JobTransitions.failedByCatalog(running, T2, "INVALID_EVENT", "could not record");

        assertThat(transition).isInstanceOf(Transition.Applied.class);
        JobState failed = ((Transition.Applied) transition).next();
        assertThat(failed.status()).isEqualTo(JobStatus.FAILED);
        assertThat(failed.errorCode()).isEqualTo("INVALID_EVENT");
        assertThat(failed.errorMessage()).isEqualTo("could not record");
        assertThat(failed.startedAt()).isEqualTo(T0);
        assertThat(failed.finishedAt()).isEqualTo(T2);
    }

    @ParameterizedTest
    @EnumSource(
            value = JobStatus.class,
            names = {"SUCCEEDED", "FAILED", "CANCELLED"})
    void catalogNeverFailsAJobThatAlreadyEnded(JobStatus terminal) {
        JobState finished = JobState.queued().withStatus(terminal);

        assertThat(JobTransitions.failedByCatalog(finished, T1, "INVALID_EVENT", "could not record"))
                .isInstanceOf(Transition.Ignored.class);
    }

    @Test
    void lateStartNeverMovesARunningJobBackToQueued() {
        JobState running = applied(JobState.queued(), progressed(T1, 70, 700, 1000));

        JobState afterLateStart = applied(running, new JobStarted(1, JOB, T0, null, "w"));

        assertThat(afterLateStart.status()).isEqualTo(JobStatus.RUNNING);
        assertThat(afterLateStart.progressPercent()).isEqualTo(70);
    }

    private static JobProgressed progressed(Instant at, int percent, long done, long total) {
        return new JobProgressed(1, JOB, at, percent, "copying", done, total);
    }

    private static JobState applied(JobState current, JobEvent event) {
        Transition transition = JobTransitions.apply(current, event);
        assertThat(transition).isInstanceOf(Transition.Applied.class);
        return ((Transition.Applied) transition).next();
    }

    @Test
    void theSweeperMovesARunningJobBackToQueuedKeepingItsProgress() {
        JobState running = applied(JobState.queued(), progressed(T0, 40, 400, 1000));

        Transition requeued = JobTransitions.requeued(running, "waiting for a worker: w-1 stopped renewing");

        assertThat(requeued).isInstanceOfSatisfying(Transition.Applied.class, applied -> {
            assertThat(applied.next().status()).isEqualTo(JobStatus.QUEUED);
            assertThat(applied.next().progressPercent()).isEqualTo(40);
            assertThat(applied.next().bytesDone()).isEqualTo(400);
            assertThat(applied.next().startedAt()).isEqualTo(T0);
            assertThat(applied.next().currentStep()).isEqualTo("waiting for a worker: w-1 stopped renewing");
        });
    }

    @ParameterizedTest
    @EnumSource(
            value = JobStatus.class,
            names = {"RUNNING"},
            mode = EnumSource.Mode.EXCLUDE)
    void onlyARunningJobGoesBackToQueued(JobStatus status) {
        assertThat(JobTransitions.requeued(JobState.queued().withStatus(status), "waiting"))
                .isInstanceOf(Transition.Ignored.class);
    }
}

package io.strata.catalog.policies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.strata.catalog.CatalogIntegrationTest;
import io.strata.common.messaging.Topics;
import io.strata.common.model.BackupKind;
import io.strata.common.model.BackupType;
import io.strata.platform.catalog.PolicyApi.BackupPolicy;
import io.strata.platform.catalog.PolicyApi.PolicySchedule;
import io.strata.platform.catalog.PolicyApi.ScheduleRunState;
import io.strata.platform.catalog.PolicyApi.ScheduleRunView;
import io.strata.platform.catalog.PolicyApi.VerifyPolicy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The policy scheduler against the real catalog database, driven by a clock of the test's own (never by
 * waiting): each slot once however many schedulers reach it, SKIPPED while the source is busy or cannot
 * take the backup, only the newest missed slot run after an outage, daylight saving, the per-source spread,
 * and the leader lock.
 */
class PolicySchedulerIT extends CatalogIntegrationTest {
    private static final Duration NO_SPREAD = Duration.ZERO;

    @Autowired
    PolicyStore policies;

    @Autowired
    ScheduleRunStore runs;

    @Autowired
    ScheduleFiring firing;

    @Autowired
    RetentionAfterBackups retention;

    @Autowired
    PlatformTransactionManager transactions;

    @Autowired
    DataSource dataSource;

    private final TestClock clock = new TestClock(Instant.parse("2026-12-01T10:02:00Z"));

    @Test
    void aSlotFiresOnceHoweverManySchedulersReachItAndItsJobIsQueued() {
        String source = source("sched-once", false);
        setPolicy(source, "UTC", schedule(BackupKind.LOGICAL, BackupType.FULL, "*/5 * * * *"));
        PolicyScheduler first = scheduler(NO_SPREAD, Duration.ofHours(1));
        PolicyScheduler second = scheduler(NO_SPREAD, Duration.ofHours(1));

        clock.set("2026-12-01T10:04:59Z");
        first.runDue();
        assertThat(runs.list(source, 10)).isEmpty();

        clock.set("2026-12-01T10:05:00Z");
        first.runDue();
        second.runDue();
        first.runDue();

        List<ScheduleRunView> recorded = runs.list(source, 10);
        assertThat(recorded).hasSize(1);
        ScheduleRunView run = recorded.getFirst();
        assertThat(run.state()).isEqualTo(ScheduleRunState.FIRED);
        assertThat(run.slot()).isEqualTo(Instant.parse("2026-12-01T10:05:00Z"));
        assertThat(run.kind()).isEqualTo(BackupKind.LOGICAL);
        Map<String, Object> job = jdbc.sql("SELECT kind, status, request_id, backup_id FROM job WHERE job_id = ?")
                .param(UUID.fromString(run.jobId()))
                .query()
                .singleRow();
        assertThat(job).containsEntry("kind", "BACKUP").containsEntry("status", "QUEUED");
        assertThat((String) job.get("request_id")).startsWith("schedule 2026-12-01T10:05:00Z");
        assertThat(jdbc.sql("SELECT count(*) FROM job_command WHERE job_id = ?")
                        .param(UUID.fromString(run.jobId()))
                        .query(Long.class)
                        .single())
                .as("the command is stored with the job, for the outbox")
                .isEqualTo(1L);
        assertThat(jdbc.sql("SELECT count(*) FROM job WHERE source = ?")
                        .param(source)
                        .query(Long.class)
                        .single())
                .isEqualTo(1L);

        // the job has not finished: the next slot is skipped, saying why, not queued behind it
        clock.set("2026-12-01T10:10:00Z");
        second.runDue();
        ScheduleRunView skipped = runs.list(source, 10).getFirst();
        assertThat(skipped.state()).isEqualTo(ScheduleRunState.SKIPPED);
        assertThat(skipped.reason()).contains("backup job " + run.jobId(), "still QUEUED");
        assertThat(skipped.jobId()).isNull();
    }

    @Test
    void afterAnOutageOnlyTheNewestMissedSlotRunsAndOnlyWithinGrace() {
        String source = source("sched-outage", false);
        setPolicy(source, "UTC", schedule(BackupKind.LOGICAL, BackupType.FULL, "@hourly"));

        clock.set("2026-12-01T15:20:00Z"); // down from 10:02 to 15:20: 11:00 ... 15:00 passed
        scheduler(NO_SPREAD, Duration.ofHours(1)).runDue();

        List<ScheduleRunView> recorded = runs.list(source, 10);
        assertThat(recorded)
                .extracting(ScheduleRunView::slot, ScheduleRunView::state)
                .containsExactly(
                        tuple(Instant.parse("2026-12-01T15:00:00Z"), ScheduleRunState.FIRED),
                        tuple(Instant.parse("2026-12-01T14:00:00Z"), ScheduleRunState.MISSED),
                        tuple(Instant.parse("2026-12-01T13:00:00Z"), ScheduleRunState.MISSED),
                        tuple(Instant.parse("2026-12-01T12:00:00Z"), ScheduleRunState.MISSED),
                        tuple(Instant.parse("2026-12-01T11:00:00Z"), ScheduleRunState.MISSED));

        // finish the fired job, then a second outage longer than the grace: nothing runs
        jdbc.sql("UPDATE job SET status = 'SUCCEEDED' WHERE source = ?")
                .param(source)
                .update();
        clock.set("2026-12-01T18:30:00Z");
        scheduler(NO_SPREAD, Duration.ofMinutes(10)).runDue();
        List<ScheduleRunView> later = runs.list(source, 3);
        assertThat(later).extracting(ScheduleRunView::state).containsOnly(ScheduleRunState.MISSED);
        assertThat(later.getFirst().slot()).isEqualTo(Instant.parse("2026-12-01T18:00:00Z"));
        assertThat(later.getFirst().reason()).contains("1800 s late", "grace of 600 s");
        assertThat(jdbc.sql("SELECT count(*) FROM job WHERE source = ?")
                        .param(source)
                        .query(Long.class)
                        .single())
                .isEqualTo(1L);
    }

    @Test
    void aPhysicalScheduleOfASourceWithoutArchivingIsSkippedSayingWhatToSwitchOn() {
        String source = source("sched-nowal", false);
        setPolicy(source, "UTC", schedule(BackupKind.PHYSICAL, BackupType.INCREMENTAL, "0 * * * *"));

        clock.set("2026-12-01T11:00:00Z");
        scheduler(NO_SPREAD, Duration.ofHours(1)).runDue();

        ScheduleRunView run = runs.list(source, 1).getFirst();
        assertThat(run.state()).isEqualTo(ScheduleRunState.SKIPPED);
        assertThat(run.reason()).contains("WAL archiving", "/api/v1/sources/" + source + "/wal-archiving");
    }

    @Test
    void aDailySlotInTheSpringForwardGapFiresOnceWhenTheGapEnds() {
        String source = source("sched-dst", true);
        clock.set("2026-03-28T12:00:00Z");
        setPolicy(source, "Europe/Madrid", schedule(BackupKind.PHYSICAL, BackupType.FULL, "30 2 * * *"));
        PolicyScheduler scheduler = scheduler(NO_SPREAD, Duration.ofHours(1));

        clock.set("2026-03-29T00:59:59Z");
        scheduler.runDue();
        assertThat(runs.list(source, 10)).isEmpty();
        clock.set("2026-03-29T01:00:00Z"); // 03:00 CEST: 02:30 did not exist that night
        scheduler.runDue();
        clock.set("2026-03-29T05:00:00Z");
        scheduler.runDue();

        assertThat(runs.list(source, 10)).singleElement().satisfies(run -> {
            assertThat(run.slot()).isEqualTo(Instant.parse("2026-03-29T01:00:00Z"));
            assertThat(run.state()).isEqualTo(ScheduleRunState.FIRED);
        });
    }

    @Test
    void aSourcesSlotsWaitForItsFixedShareOfTheSpread() {
        String source = source("sched-spread", false);
        setPolicy(source, "UTC", schedule(BackupKind.LOGICAL, BackupType.FULL, "0 11 * * *"));
        Duration spread = Duration.ofMinutes(1);
        PolicyScheduler scheduler = scheduler(spread, Duration.ofHours(1));
        Duration offset = properties(spread, Duration.ofHours(1)).offset(source);
        assertThat(offset).isBetween(Duration.ZERO, spread);
        Instant slot = Instant.parse("2026-12-01T11:00:00Z");

        clock.set(slot.plus(offset).minusMillis(1));
        scheduler.runDue();
        assertThat(runs.list(source, 10)).isEmpty();
        clock.set(slot.plus(offset));
        scheduler.runDue();
        assertThat(runs.list(source, 10))
                .singleElement()
                .extracting(ScheduleRunView::slot)
                .isEqualTo(slot);
    }

    @Test
    void whileAnotherSchedulerLeadsThisOneDoesNothing() throws Exception {
        String source = source("sched-leader", false);
        setPolicy(source, "UTC", schedule(BackupKind.LOGICAL, BackupType.FULL, "*/5 * * * *"));
        clock.set("2026-12-01T10:05:00Z");
        try (Connection leader = dataSource.getConnection()) {
            leader.setAutoCommit(false);
            try (PreparedStatement lock = leader.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
                lock.setLong(1, PolicyScheduler.LEADER_LOCK);
                lock.execute();
            }
            assertThat(scheduler(NO_SPREAD, Duration.ofHours(1)).runDue()).isFalse();
            assertThat(runs.list(source, 10)).isEmpty();
            leader.rollback();
        }
        assertThat(scheduler(NO_SPREAD, Duration.ofHours(1)).runDue()).isTrue();
        assertThat(runs.list(source, 10)).hasSize(1);
    }

    @Test
    void verifyAndDrillSchedulesWithNothingToCheckAreSkippedSayingWhy() {
        String source = source("sched-verify", false);
        policies.save(
                source,
                new BackupPolicy(List.of(), "UTC", null, new VerifyPolicy("0 * * * *", "30 11 * * *"), null),
                clock.instant(),
                "test");
        clock.set("2026-12-01T11:30:00Z");
        scheduler(NO_SPREAD, Duration.ofHours(1)).runDue();

        assertThat(runs.list(source, 10))
                .extracting(ScheduleRunView::state, ScheduleRunView::reason)
                .containsExactlyInAnyOrder(
                        tuple(ScheduleRunState.SKIPPED, "the source has no successful backup to verify yet"),
                        tuple(ScheduleRunState.SKIPPED, "the source has no successful backup to drill yet"));
    }

    @Test
    void aDrillSlotQueuesARestoreDrillOfTheNewestPhysicalBackupAndIsSkippedWhileADrillRuns() {
        String source = source("sched-drill", true);
        String logical = backupRow(source, "LOGICAL", "2026-12-01T10:50:00Z");
        String physical = backupRow(source, "PHYSICAL", "2026-12-01T09:00:00Z");
        policies.save(
                source,
                new BackupPolicy(List.of(), "UTC", null, new VerifyPolicy(null, "0 * * * *"), null),
                clock.instant(),
                "test");
        clock.set("2026-12-01T11:00:00Z");
        scheduler(NO_SPREAD, Duration.ofHours(1)).runDue();
        ScheduleRunView fired = runs.list(source, 10).getFirst();
        assertThat(fired.state()).isEqualTo(ScheduleRunState.FIRED);
        Map<String, Object> job = jdbc.sql("SELECT kind, status, backup_id, request_id FROM job WHERE job_id = ?")
                .param(UUID.fromString(fired.jobId()))
                .query()
                .singleRow();
        // the physical backup, though older: a drill of it replays the WAL up to now
        assertThat(job)
                .containsEntry("kind", "RESTORE_DRILL")
                .containsEntry("status", "QUEUED")
                .containsEntry("backup_id", physical);
        assertThat(job.get("backup_id")).isNotEqualTo(logical);
        assertThat((String) job.get("request_id")).startsWith(ScheduleFiring.REQUEST_PREFIX);
        String command = jdbc.sql("SELECT topic FROM job_command WHERE job_id = ?")
                .param(UUID.fromString(fired.jobId()))
                .query(String.class)
                .single();
        assertThat(command).isEqualTo(Topics.RESTORE_COMMANDS);

        clock.set("2026-12-01T12:00:00Z");
        scheduler(NO_SPREAD, Duration.ofHours(1)).runDue();
        ScheduleRunView skipped = runs.list(source, 10).getFirst();
        assertThat(skipped.state()).isEqualTo(ScheduleRunState.SKIPPED);
        assertThat(skipped.reason()).contains(fired.jobId()).contains("one drill per source");
    }

    @Test
    void aSucceededScheduledBackupIsFollowedByOneRetentionJobAndAFailedOneByNone() {
        String source = source("sched-retention", false);
        assertThat(policies.save(
                        source,
                        new BackupPolicy(
                                List.of(schedule(BackupKind.LOGICAL, BackupType.FULL, "@hourly")),
                                "UTC",
                                new io.strata.platform.catalog.PolicyApi.RetentionRules(
                                        3, null, null, null, null, null, 0),
                                null,
                                null),
                        clock.instant(),
                        "test"))
                .isTrue();
        PolicyScheduler first = scheduler(NO_SPREAD, Duration.ofHours(1));
        PolicyScheduler second = scheduler(NO_SPREAD, Duration.ofHours(1));

        clock.set("2026-12-01T11:00:00Z");
        first.runDue();
        String backupJob = runs.list(source, 10).getFirst().jobId();
        first.runDue();
        assertThat(retentionJobs(source))
                .as("nothing while the backup is queued")
                .isEmpty();

        finish(backupJob, "SUCCEEDED", "2026-12-01T11:03:00Z");
        clock.set("2026-12-01T11:03:05Z");
        first.runDue();
        second.runDue();
        List<Map<String, Object>> queued = retentionJobs(source);
        assertThat(queued).hasSize(1);
        assertThat(queued.getFirst())
                .containsEntry("status", "QUEUED")
                .containsEntry("request_id", RetentionAfterBackups.REQUEST_PREFIX + backupJob);
        UUID retentionJob = (UUID) queued.getFirst().get("job_id");
        assertThat(jdbc.sql("SELECT topic FROM job_command WHERE job_id = ?")
                        .param(retentionJob)
                        .query(String.class)
                        .single())
                .isEqualTo(Topics.BACKUP_COMMANDS);

        // a run that found the source busy (a job started between its queueing and its run) is queued again
        failBusy(retentionJob);
        clock.set("2026-12-01T11:03:10Z");
        first.runDue();
        second.runDue();
        assertThat(retentionJobs(source)).as("queued again after a busy run").hasSize(2);
        retentionJob = newestRetentionJob(source);

        // once one ran, the same backup never queues another, whichever scheduler looks
        finish(retentionJob.toString(), "SUCCEEDED", "2026-12-01T11:03:30Z");
        clock.set("2026-12-01T11:04:00Z");
        first.runDue();
        second.runDue();
        assertThat(retentionJobs(source)).hasSize(2);

        // the next scheduled backup's retention, busy every time: MAX_ATTEMPTS runs, no more
        clock.set("2026-12-01T12:00:00Z");
        first.runDue();
        String nextBackup = runs.list(source, 10).getFirst().jobId();
        finish(nextBackup, "SUCCEEDED", "2026-12-01T12:01:00Z");
        for (int attempt = 1; attempt <= RetentionAfterBackups.MAX_ATTEMPTS; attempt++) {
            clock.set("2026-12-01T12:02:0" + attempt + "Z");
            first.runDue();
            assertThat(retentionJobs(source, nextBackup)).as("run " + attempt).hasSize(attempt);
            failBusy(newestRetentionJob(source));
        }
        clock.set("2026-12-01T12:03:00Z");
        first.runDue();
        second.runDue();
        assertThat(retentionJobs(source, nextBackup)).hasSize(RetentionAfterBackups.MAX_ATTEMPTS);

        // a failed scheduled backup deletes nothing
        clock.set("2026-12-01T13:00:00Z");
        first.runDue();
        String failedJob = runs.list(source, 10).getFirst().jobId();
        finish(failedJob, "FAILED", "2026-12-01T13:01:00Z");
        clock.set("2026-12-01T13:02:00Z");
        first.runDue();
        assertThat(retentionJobs(source, failedJob)).isEmpty();
        assertThat(retentionJobs(source)).hasSize(2 + RetentionAfterBackups.MAX_ATTEMPTS);
    }

    private List<Map<String, Object>> retentionJobs(String source, String backupJob) {
        return jdbc.sql("SELECT job_id FROM job WHERE source = ? AND kind = 'RETENTION' AND request_id = ?")
                .params(source, RetentionAfterBackups.REQUEST_PREFIX + backupJob)
                .query()
                .listOfRows();
    }

    private void failBusy(UUID jobId) {
        jdbc.sql("UPDATE job SET status = 'FAILED', error_code = 'SOURCE_BUSY', finished_at = now() WHERE job_id = ?")
                .param(jobId)
                .update();
    }

    private UUID newestRetentionJob(String source) {
        return jdbc.sql("SELECT job_id FROM job WHERE source = ? AND kind = 'RETENTION' AND status = 'QUEUED'")
                .param(source)
                .query(UUID.class)
                .single();
    }

    private List<Map<String, Object>> retentionJobs(String source) {
        return jdbc.sql("SELECT job_id, status, request_id FROM job WHERE source = ? AND kind = 'RETENTION'")
                .param(source)
                .query()
                .listOfRows();
    }

    private void finish(String jobId, String status, String at) {
        jdbc.sql("UPDATE job SET status = ?, finished_at = ? WHERE job_id = ?")
                .params(status, Instant.parse(at).atOffset(ZoneOffset.UTC), UUID.fromString(jobId))
                .update();
    }

    private String backupRow(String source, String kind, String finishedAt) {
        Instant finished = Instant.parse(finishedAt);
        String id = io.strata.common.model.BackupId.newId(finished).toString();
        jdbc.sql("""
                        INSERT INTO backup (backup_id, source, kind, type, status, started_at, finished_at, created_at,
                                            updated_at)
                        VALUES (?, ?, ?, 'FULL', 'SUCCEEDED', ?, ?, ?, ?)""")
                .params(
                        id,
                        source,
                        kind,
                        finished.minusSeconds(60).atOffset(java.time.ZoneOffset.UTC),
                        finished.atOffset(java.time.ZoneOffset.UTC),
                        finished.atOffset(java.time.ZoneOffset.UTC),
                        finished.atOffset(java.time.ZoneOffset.UTC))
                .update();
        return id;
    }

    private PolicyScheduler scheduler(Duration spread, Duration grace) {
        return new PolicyScheduler(
                policies, runs, firing, retention, properties(spread, grace), jdbc, transactions, clock);
    }

    private static SchedulerProperties properties(Duration spread, Duration grace) {
        return new SchedulerProperties(true, Duration.ofSeconds(5), grace, spread, Duration.ofDays(1));
    }

    private void setPolicy(String source, String zone, PolicySchedule schedule) {
        assertThat(policies.save(
                        source, new BackupPolicy(List.of(schedule), zone, null, null, null), clock.instant(), "test"))
                .isTrue();
    }

    private static PolicySchedule schedule(BackupKind kind, BackupType type, String cron) {
        return new PolicySchedule(kind, type, cron);
    }

    /** A registered source of its own (unique per run), with or without WAL archiving. */
    private String source(String prefix, boolean walArchiving) {
        String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        jdbc.sql("""
                        INSERT INTO source (name, host, port, database_name, username, wal_archiving, created_at)
                        VALUES (?, '127.0.0.1', 5432, 'shop', 'postgres', ?, now())""").params(name, walArchiving).update();
        return name;
    }

    /** A clock the test sets. */
    static final class TestClock extends Clock {
        private volatile Instant now;

        TestClock(Instant now) {
            this.now = now;
        }

        void set(String instant) {
            set(Instant.parse(instant));
        }

        void set(Instant instant) {
            now = instant;
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}

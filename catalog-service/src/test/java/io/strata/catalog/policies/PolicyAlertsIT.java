package io.strata.catalog.policies;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.catalog.CatalogIntegrationTest;
import io.strata.catalog.alerts.AlertBook;
import io.strata.catalog.policies.PolicySchedulerIT.TestClock;
import io.strata.common.alert.Alert;
import io.strata.common.messaging.Topics;
import io.strata.common.model.BackupId;
import io.strata.platform.catalog.PolicyApi.AlertView;
import io.strata.platform.catalog.PolicyApi.BackupPolicy;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * {@code BACKUP_STALE} against the real catalog database, with a clock of the test's own: it fires once when
 * the newest success is older than the policy's threshold, stays fired across a catalog restart (a new
 * evaluator), and resolves once after a backup; each change reaches the outbox once.
 */
class PolicyAlertsIT extends CatalogIntegrationTest {
    private static final Instant T0 = Instant.parse("2026-12-01T12:00:00Z");

    @Autowired
    PolicyStore policies;

    @Autowired
    AlertBook book;

    private final io.micrometer.core.instrument.simple.SimpleMeterRegistry registry =
            new io.micrometer.core.instrument.simple.SimpleMeterRegistry();

    private final TestClock clock = new TestClock(T0);

    @Test
    void firesOnceWhenTheNewestSuccessIsTooOldSurvivesARestartAndResolvesAfterABackup() {
        String source = source("stale");
        policies.save(source, new BackupPolicy(List.of(), "UTC", null, null, 24), T0, "test");
        backup(source, T0.minus(Duration.ofHours(1)));
        PolicyAlerts staleness = new PolicyAlerts(book, jdbc, clock);

        clock.set(T0.plus(Duration.ofHours(22)));
        staleness.evaluate();
        assertThat(book.list(source, null, 10)).isEmpty();

        clock.set(T0.plus(Duration.ofHours(23)).plusSeconds(1));
        staleness.evaluate();
        staleness.evaluate();
        new PolicyAlerts(book, jdbc, clock).evaluate(); // a restarted catalog
        List<AlertView> alerts = book.list(source, Alert.FIRING, 10);
        assertThat(alerts).singleElement().satisfies(alert -> {
            assertThat(alert.alert()).isEqualTo(PolicyAlerts.STALE);
            assertThat(alert.message()).contains("more than 24 h", "finished at " + T0.minus(Duration.ofHours(1)));
            assertThat(alert.since()).isEqualTo(T0.plus(Duration.ofHours(23)));
        });
        assertThat(published(source)).containsExactly(Alert.FIRING);

        backup(source, clock.instant());
        staleness.evaluate();
        staleness.evaluate();
        assertThat(book.list(source, Alert.FIRING, 10)).isEmpty();
        assertThat(book.list(source, Alert.RESOLVED, 10))
                .singleElement()
                .satisfies(alert -> assertThat(alert.resolution()).contains("succeeded"));
        assertThat(published(source)).containsExactly(Alert.FIRING, Alert.RESOLVED);
    }

    @Test
    void aSourceThatNeverHadABackupIsStaleCountingFromItsPolicy() {
        String source = source("never");
        policies.save(source, new BackupPolicy(List.of(), "UTC", null, null, 1), T0, "test");
        PolicyAlerts staleness = new PolicyAlerts(book, jdbc, clock);

        clock.set(T0.plus(Duration.ofMinutes(59)));
        staleness.evaluate();
        assertThat(book.list(source, null, 10)).isEmpty();
        clock.set(T0.plus(Duration.ofMinutes(61)));
        staleness.evaluate();
        assertThat(book.list(source, Alert.FIRING, 10))
                .singleElement()
                .satisfies(alert -> assertThat(alert.message()).contains("no successful backup since its policy"));
    }

    @Test
    void theLastSuccessStoredBytesAndNextRunOfEachSourceAreMetrics() {
        String source = source("metrics");
        policies.save(
                source,
                new BackupPolicy(
                        List.of(new io.strata.platform.catalog.PolicyApi.PolicySchedule(
                                io.strata.common.model.BackupKind.LOGICAL,
                                io.strata.common.model.BackupType.FULL,
                                "0 3 * * *")),
                        "UTC",
                        null,
                        null,
                        null),
                T0,
                "test");
        Instant finished = Instant.parse("2026-12-01T10:00:00Z");
        backup(source, finished);
        PolicyMetrics metrics = new PolicyMetrics(jdbc, policies, clock, registry);

        metrics.refresh();

        assertThat(registry.get("strata.backup.last.success.timestamp")
                        .tags("source", source, "kind", "LOGICAL", "type", "FULL")
                        .gauge()
                        .value())
                .isEqualTo(finished.getEpochSecond());
        assertThat(registry.get("strata.schedule.next.run.timestamp")
                        .tags("source", source, "job", "BACKUP", "type", "FULL")
                        .gauge()
                        .value())
                .isEqualTo(Instant.parse("2026-12-02T03:00:00Z").getEpochSecond());
        assertThat(registry.get("strata.backup.stored")
                        .tags("source", source, "kind", "LOGICAL", "type", "FULL")
                        .gauge()
                        .value())
                .isEqualTo(0.0);
    }

    @Test
    void aFailedScheduledBackupAndAFailedVerifyFireUntilALaterOneSucceeds() {
        String source = source("failing");
        policies.save(source, new BackupPolicy(List.of(), "UTC", null, null, null), T0, "test");
        PolicyAlerts evaluator = new PolicyAlerts(book, jdbc, clock);
        job(
                source,
                "BACKUP",
                "schedule 2026-12-01T11:00:00Z BACKUP LOGICAL FULL @hourly",
                "FAILED",
                T0.minusSeconds(60));
        job(source, "BACKUP", null, "SUCCEEDED", T0.minusSeconds(30)); // asked by hand: not a scheduled one
        job(source, "VERIFY", null, "FAILED", T0.minusSeconds(10));

        evaluator.evaluate();
        evaluator.evaluate();

        assertThat(book.list(source, Alert.FIRING, 10))
                .extracting(AlertView::alert)
                .containsExactlyInAnyOrder(PolicyAlerts.BACKUP_FAILED, PolicyAlerts.VERIFY_FAILED);
        assertThat(book.list(source, Alert.FIRING, 10))
                .allSatisfy(alert -> assertThat(alert.message()).contains("failed: STORAGE_ERROR: the bucket said no"));

        job(source, "BACKUP", "schedule 2026-12-01T12:00:00Z BACKUP LOGICAL FULL @hourly", "SUCCEEDED", T0);
        evaluator.evaluate();
        assertThat(book.list(source, Alert.FIRING, 10))
                .extracting(AlertView::alert)
                .containsExactly(PolicyAlerts.VERIFY_FAILED);
        assertThat(published(source)).containsExactly(Alert.FIRING, Alert.FIRING, Alert.RESOLVED);
    }

    private void job(String source, String kind, String requestId, String status, Instant finishedAt) {
        jdbc.sql("""
                        INSERT INTO job (job_id, kind, source, request_id, status, created_at, finished_at, updated_at,
                                         error_code, error_message)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")
                .params(
                        UUID.randomUUID(),
                        kind,
                        source,
                        requestId,
                        status,
                        at(finishedAt.minusSeconds(5)),
                        at(finishedAt),
                        at(finishedAt),
                        "FAILED".equals(status) ? "STORAGE_ERROR" : null,
                        "FAILED".equals(status) ? "the bucket said no" : null)
                .update();
    }

    /** A registered source of its own (unique per run). */
    private String source(String prefix) {
        String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        jdbc.sql("""
                        INSERT INTO source (name, host, port, database_name, username, wal_archiving, created_at)
                        VALUES (?, '127.0.0.1', 5432, 'shop', 'postgres', false, now())""").param(name).update();
        return name;
    }

    /** The statuses of the source's alerts waiting in the outbox, oldest first. */
    private List<String> published(String source) {
        return jdbc
                .sql("SELECT payload FROM outbox WHERE topic = ? AND record_key = ? ORDER BY id")
                .params(Topics.ALERTS, source)
                .query(String.class)
                .list()
                .stream()
                .map(payload -> payload.contains("\"status\":\"FIRING\"") ? Alert.FIRING : Alert.RESOLVED)
                .toList();
    }

    private void backup(String source, Instant finishedAt) {
        jdbc.sql("""
                        INSERT INTO backup (backup_id, source, kind, type, status, started_at, finished_at, created_at,
                                            updated_at)
                        VALUES (?, ?, 'LOGICAL', 'FULL', 'SUCCEEDED', ?, ?, ?, ?)""")
                .params(
                        BackupId.newId(finishedAt).toString(),
                        source,
                        at(finishedAt.minusSeconds(60)),
                        at(finishedAt),
                        at(finishedAt),
                        at(finishedAt))
                .update();
    }

    private static OffsetDateTime at(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }
}

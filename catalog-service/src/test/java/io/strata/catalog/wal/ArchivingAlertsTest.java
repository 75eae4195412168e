package io.strata.catalog.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import io.strata.catalog.MutableClock;
import io.strata.catalog.alerts.AlertBook;
import io.strata.catalog.recovery.Recoverability;
import io.strata.common.alert.Alert;
import io.strata.common.model.Lsn;
import io.strata.common.wal.WalArchivingStatus;
import io.strata.platform.catalog.CatalogApi.WalGap;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.Answers;
import org.mockito.ArgumentCaptor;
import org.springframework.jdbc.core.simple.JdbcClient;

class ArchivingAlertsTest {
    private final JdbcClient jdbc = mock(JdbcClient.class, Answers.RETURNS_DEEP_STUBS);
    private final AlertBook book = mock(AlertBook.class);
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-22T15:00:00Z"));
    private final Recoverability recoverability = mock(Recoverability.class);
    // gap checks run at once on the evaluating thread here; the slow-planner test below runs them apart
    private final ArchivingAlerts alerts = new ArchivingAlerts(
            jdbc,
            book,
            clock,
            Duration.ofSeconds(60),
            64L << 20,
            recoverability,
            Duration.ofSeconds(30),
            Runnable::run);

    @BeforeEach
    void shopIsArchived() {
        when(jdbc.sql(anyString()).query(String.class).list()).thenReturn(List.of("shop"));
        when(book.record(org.mockito.ArgumentMatchers.any())).thenReturn(true);
        when(recoverability.latestPoint("shop")).thenReturn(RESTORABLE);
    }

    private WalArchivingStatus status(String state, long lag) {
        return new WalArchivingStatus(
                1,
                "shop",
                state,
                Lsn.parse("0/5000000"),
                Lsn.parse("0/4000000"),
                lag,
                clock.instant(),
                null,
                clock.instant());
    }

    private List<Alert> published() {
        ArgumentCaptor<Alert> sent = ArgumentCaptor.forClass(Alert.class);
        verify(book, org.mockito.Mockito.atLeast(0)).record(sent.capture());
        return sent.getAllValues();
    }

    @Test
    void silenceBeyondTheGraceFiresOnceAndAStreamingHeartbeatResolvesIt() {
        alerts.evaluate(); // first sight of the source starts its grace period
        clock.advance(Duration.ofSeconds(59));
        alerts.evaluate();
        assertThat(published()).isEmpty();

        clock.advance(Duration.ofSeconds(2));
        alerts.evaluate();
        alerts.evaluate();
        assertThat(published()).singleElement().satisfies(alert -> {
            assertThat(alert.alert()).isEqualTo(ArchivingAlerts.STOPPED);
            assertThat(alert.status()).isEqualTo(Alert.FIRING);
            assertThat(alert.message()).contains("no heartbeat");
        });

        alerts.observe(status("STREAMING", 0));
        alerts.evaluate();
        assertThat(published()).hasSize(2).last().satisfies(alert -> {
            assertThat(alert.status()).isEqualTo(Alert.RESOLVED);
            assertThat(alert.since()).isEqualTo(published().getFirst().since());
        });
    }

    @Test
    void retryingForTooLongIsStoppedAndALargeLagIsBehind() {
        alerts.observe(status("STREAMING", 100L << 20));
        alerts.evaluate();
        assertThat(published())
                .singleElement()
                .satisfies(alert -> assertThat(alert.alert()).isEqualTo(ArchivingAlerts.BEHIND));

        clock.advance(Duration.ofSeconds(30));
        alerts.observe(new WalArchivingStatus(
                1, "shop", "RETRYING", null, null, 0, null, "Connection refused", clock.instant()));
        clock.advance(Duration.ofSeconds(31));
        alerts.evaluate();
        List<Alert> all = published();
        assertThat(all)
                .extracting(Alert::alert, Alert::status)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(ArchivingAlerts.BEHIND, Alert.FIRING),
                        org.assertj.core.groups.Tuple.tuple(ArchivingAlerts.STOPPED, Alert.FIRING),
                        org.assertj.core.groups.Tuple.tuple(ArchivingAlerts.BEHIND, Alert.RESOLVED));
        assertThat(all.get(1).message()).contains("RETRYING", "Connection refused");
    }

    private static final Recoverability.LatestPoint RESTORABLE = new Recoverability.LatestPoint(null, true);
    /** Nothing can be planned: no usable physical backup. */
    private static final Recoverability.LatestPoint NO_BACKUP = new Recoverability.LatestPoint(null, false);

    private static Recoverability.LatestPoint gap(String segment) {
        return new Recoverability.LatestPoint(
                new WalGap(
                        List.of(segment),
                        Instant.parse("2026-11-22T14:00:00Z"),
                        Lsn.parse("0/4FFFFFF"),
                        "the latest WAL cannot be reached from base backup b1: the archive has a gap at segment "
                                + segment),
                false);
    }

    /** A heartbeat, then the time of a gap check (30 s here) and one more second, then an evaluation. */
    private void check() {
        alerts.observe(status("STREAMING", 0));
        clock.advance(Duration.ofSeconds(31));
        alerts.evaluate();
    }

    private List<Alert> gapAlerts() {
        return published().stream()
                .filter(a -> a.alert().equals(ArchivingAlerts.GAP))
                .toList();
    }

    @Test
    void aGapFoundTwiceInARowFiresOnceAndResolvesWhenTheLatestPointIsReachableAgain() {
        when(recoverability.latestPoint("shop")).thenReturn(gap("000000010000000000000005"));
        alerts.observe(status("STREAMING", 0));
        alerts.evaluate(); // the source's first check comes within 30 s, at an offset of its own
        check();
        clock.advance(Duration.ofSeconds(10));
        alerts.evaluate(); // not looked at again before 30 s
        assertThat(gapAlerts())
                .as("one sighting is not enough: its event may be on its way")
                .isEmpty();
        verify(recoverability, org.mockito.Mockito.times(1)).latestPoint("shop");

        check();
        assertThat(gapAlerts()).singleElement().satisfies(alert -> {
            assertThat(alert.status()).isEqualTo(Alert.FIRING);
            assertThat(alert.severity()).isEqualTo("critical");
            assertThat(alert.message()).contains("000000010000000000000005", "latest point cannot be restored");
        });

        check(); // still there: no second FIRING
        when(recoverability.latestPoint("shop")).thenReturn(NO_BACKUP);
        check(); // no usable backup left: not restorable either, so it stays open
        assertThat(gapAlerts()).hasSize(1);

        when(recoverability.latestPoint("shop")).thenReturn(RESTORABLE); // a physical backup after the gap
        check();
        assertThat(gapAlerts()).extracting(Alert::status).containsExactly(Alert.FIRING, Alert.RESOLVED);
    }

    @Test
    void aMissingSegmentThatMovesOnIsNotAGapYet() {
        alerts.evaluate(); // the first check is due within 30 s
        when(recoverability.latestPoint("shop"))
                .thenReturn(gap("000000010000000000000005"))
                .thenReturn(gap("000000010000000000000006"))
                .thenReturn(RESTORABLE);
        for (int i = 0; i < 3; i++) {
            check();
        }
        verify(recoverability, org.mockito.Mockito.times(3)).latestPoint("shop");
        assertThat(gapAlerts()).isEmpty();
    }

    @Test
    void aFailingPlannerIsRetriedAndRaisesNothing() {
        alerts.evaluate(); // the first check is due within 30 s
        when(recoverability.latestPoint("shop")).thenThrow(new IllegalStateException("catalog database down"));
        check();
        check();
        assertThat(gapAlerts()).isEmpty();
        verify(recoverability, org.mockito.Mockito.times(2)).latestPoint("shop");
    }

    @Test
    void aGapOpenBeforeARestartNeitherFiresAgainNorResolvesUntilTheLatestPointIsReachable() {
        Instant since = clock.instant().minus(Duration.ofHours(1));
        when(book.open())
                .thenReturn(List.of(new Alert(
                        Alert.SCHEMA_VERSION,
                        "shop",
                        ArchivingAlerts.GAP,
                        Alert.FIRING,
                        "critical",
                        "gap",
                        since,
                        since)));
        when(recoverability.latestPoint("shop")).thenReturn(gap("000000010000000000000005"));
        alerts.evaluate(); // the first check is due within 30 s
        check();
        check();
        verify(recoverability, org.mockito.Mockito.times(2)).latestPoint("shop");
        assertThat(gapAlerts()).isEmpty();

        when(recoverability.latestPoint("shop")).thenReturn(RESTORABLE);
        check();
        assertThat(gapAlerts()).singleElement().satisfies(alert -> {
            assertThat(alert.status()).isEqualTo(Alert.RESOLVED);
            assertThat(alert.since()).isEqualTo(since);
        });
    }

    @Test
    void switchingArchivingOffResolvesAnOpenGap() {
        alerts.evaluate(); // the first check is due within 30 s
        when(recoverability.latestPoint("shop")).thenReturn(gap("000000010000000000000005"));
        check();
        check();
        when(jdbc.sql(anyString()).query(String.class).list()).thenReturn(List.of());
        alerts.evaluate();
        assertThat(gapAlerts()).extracting(Alert::status).containsExactly(Alert.FIRING, Alert.RESOLVED);
        assertThat(gapAlerts().getLast().message()).contains("switched off");
    }

    @Test
    void aSourceSwitchedOffAndOnAgainGetsItsFullGracePeriod() {
        alerts.observe(status("STREAMING", 0));
        alerts.evaluate();
        when(jdbc.sql(anyString()).query(String.class).list()).thenReturn(List.of()); // switched off
        clock.advance(Duration.ofMinutes(10));
        alerts.evaluate();
        when(jdbc.sql(anyString()).query(String.class).list()).thenReturn(List.of("shop")); // and on
        alerts.evaluate();
        clock.advance(Duration.ofSeconds(59));
        alerts.evaluate();
        assertThat(published())
                .as("its last STREAMING was 10 min ago, but it was off meanwhile")
                .isEmpty();

        clock.advance(Duration.ofSeconds(2));
        alerts.evaluate();
        assertThat(published())
                .singleElement()
                .satisfies(alert -> assertThat(alert.alert()).isEqualTo(ArchivingAlerts.STOPPED));
    }

    @Test
    void aSlowGapCheckDelaysNeitherTheOtherAlertsNorTheNextEvaluationAndPassesDoNotPileUp() throws Exception {
        java.util.concurrent.CountDownLatch planning = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.atomic.AtomicInteger plans = new java.util.concurrent.atomic.AtomicInteger();
        when(recoverability.latestPoint("shop")).thenAnswer(call -> {
            plans.incrementAndGet();
            planning.countDown();
            release.await(); // a plan that takes as long as the test wants
            return RESTORABLE;
        });
        java.util.concurrent.ExecutorService apart = java.util.concurrent.Executors.newSingleThreadExecutor();
        ArchivingAlerts separate = new ArchivingAlerts(
                jdbc, book, clock, Duration.ofSeconds(60), 64L << 20, recoverability, Duration.ofSeconds(30), apart);
        try {
            // until a gap check is due and hangs (each pass runs apart, so step the clock until one finds it due)
            org.awaitility.Awaitility.await()
                    .atMost(Duration.ofSeconds(5))
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> {
                        separate.observe(status("STREAMING", 0)); // not stopped while the clock is stepped
                        separate.evaluate();
                        clock.advance(Duration.ofSeconds(10));
                        return planning.getCount() == 0;
                    });
            org.mockito.Mockito.clearInvocations(book);

            // while the plan hangs, evaluations return at once, the stopped alert is raised, and no second
            // pass is started although the next check is due
            clock.advance(Duration.ofSeconds(61));
            long started = System.nanoTime();
            separate.evaluate();
            clock.advance(Duration.ofSeconds(31));
            separate.evaluate();
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
            assertThat(published()).anySatisfy(alert -> {
                assertThat(alert.alert()).isEqualTo(ArchivingAlerts.STOPPED);
                assertThat(alert.status()).isEqualTo(Alert.FIRING);
            });
            assertThat(plans.get()).as("no second pass while one still runs").isEqualTo(1);
        } finally {
            release.countDown();
            apart.shutdownNow();
        }
    }
}

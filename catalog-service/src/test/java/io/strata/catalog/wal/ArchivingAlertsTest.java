package io.strata.catalog.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import io.strata.catalog.MutableClock;
import io.strata.catalog.alerts.AlertBook;
import io.strata.common.alert.Alert;
import io.strata.common.model.Lsn;
import io.strata.common.wal.WalArchivingStatus;
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
    private final ArchivingAlerts alerts = new ArchivingAlerts(jdbc, book, clock, Duration.ofSeconds(60), 64L << 20);

    @BeforeEach
    void shopIsArchived() {
        when(jdbc.sql(anyString()).query(String.class).list()).thenReturn(List.of("shop"));
        when(book.record(org.mockito.ArgumentMatchers.any())).thenReturn(true);
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
}

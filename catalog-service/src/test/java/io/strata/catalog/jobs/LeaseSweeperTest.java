package io.strata.catalog.jobs;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import io.strata.catalog.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.springframework.dao.DataAccessResourceFailureException;

/** When the sweeper judges leases: never before workers had {@code grace-after-outage} to renew them. */
class LeaseSweeperTest {
    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
    private final ExpiredLeases expired = mock(ExpiredLeases.class);
    private final MutableClock clock = new MutableClock(T0);
    private final LeaseSweeper sweeper =
            new LeaseSweeper(expired, new LeaseProperties(Duration.ofSeconds(5), 3, Duration.ofSeconds(30)), clock);

    @Test
    void judgesNothingUntilTheGraceAfterStartHasPassed() {
        sweeper.sweep();
        clock.set(T0.plusSeconds(29));
        sweeper.sweep();

        verify(expired, never()).expire(any(), anyInt());

        clock.set(T0.plusSeconds(30));
        sweeper.sweep();

        verify(expired).expire(T0.plusSeconds(30), LeaseSweeper.BATCH);
    }

    @Test
    void sweepsAgainWhileBatchesComeBackFull() {
        clock.set(T0);
        sweeper.sweep();
        clock.set(T0.plusSeconds(60));
        when(expired.expire(any(), anyInt())).thenReturn(LeaseSweeper.BATCH, LeaseSweeper.BATCH, 7);

        sweeper.sweep();

        verify(expired, times(3)).expire(T0.plusSeconds(60), LeaseSweeper.BATCH);
    }

    @Test
    void aDatabaseOutageStartsTheGraceAgain() {
        sweeper.sweep();
        clock.set(T0.plusSeconds(60));
        when(expired.expire(any(), anyInt())).thenThrow(new DataAccessResourceFailureException("down"));
        sweeper.sweep();

        clock.set(T0.plusSeconds(65));
        sweeper.sweep();
        clock.set(T0.plusSeconds(90));
        sweeper.sweep();

        verify(expired, times(1)).expire(any(), anyInt());

        clock.set(T0.plusSeconds(95));
        sweeper.sweep();

        verify(expired).expire(T0.plusSeconds(95), LeaseSweeper.BATCH);
    }
}

package io.strata.wal.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.common.model.Lsn;
import io.strata.wal.streaming.WalCoverage.Sample;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class WalCoverageTest {
    private static final Instant RESTART = Instant.parse("2026-12-01T20:57:38Z");

    @Test
    void aBacklogShippedWhileCatchingUpCoversNoTimeAtAll() {
        WalCoverage coverage = new WalCoverage();
        coverage.observed(new Sample(Lsn.parse("0/9000000"), RESTART)); // the server, after an outage

        // written during the outage, received after it: when it was written is unknown
        assertThat(coverage.coveredUntil(Lsn.parse("0/7000000"))).isNull();
        assertThat(coverage.coveredUntil(Lsn.parse("0/8FFFFFF"))).isNull();
    }

    @Test
    void reachingASampledPositionCoversHistoryUntilThatSamplesTime() {
        WalCoverage coverage = new WalCoverage();
        coverage.observed(new Sample(Lsn.parse("0/9000000"), RESTART));
        coverage.observed(new Sample(Lsn.parse("0/9800000"), RESTART.plusSeconds(1)));
        coverage.observed(new Sample(Lsn.parse("0/A000000"), RESTART.plusSeconds(2)));

        assertThat(coverage.coveredUntil(Lsn.parse("0/9000000"))).isEqualTo(RESTART);
        assertThat(coverage.coveredUntil(Lsn.parse("0/9900000"))).isEqualTo(RESTART.plusSeconds(1));
        assertThat(coverage.coveredUntil(Lsn.parse("0/9F00000"))).isEqualTo(RESTART.plusSeconds(1));
        assertThat(coverage.coveredUntil(Lsn.parse("0/A000000"))).isEqualTo(RESTART.plusSeconds(2));
    }

    @Test
    void anIdleServerKeepsCoveringLaterTimesAtTheSamePosition() {
        WalCoverage coverage = new WalCoverage();
        Lsn idle = Lsn.parse("0/9000100");
        coverage.observed(new Sample(idle, RESTART));
        coverage.observed(new Sample(idle, RESTART.plusSeconds(30)));

        assertThat(coverage.coveredUntil(idle)).isEqualTo(RESTART.plusSeconds(30));
    }
}

package io.strata.wal.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.common.model.Lsn;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class WalCoverageTest {
    private static final Instant START = Instant.parse("2026-12-01T20:57:38Z");
    private static final Lsn SERVER_AT_START = Lsn.parse("0/9000000");

    @Test
    void aBacklogShippedWhileCatchingUpCoversNoTimeAtAll() {
        WalCoverage coverage = new WalCoverage(SERVER_AT_START, START);

        // written during the outage, received after it: when it was written is unknown
        assertThat(coverage.coveredUntil(Lsn.parse("0/7000000"))).isNull();
        coverage.drained(Lsn.parse("0/8000000"), START.plusSeconds(1)); // a pause mid-backlog proves nothing
        assertThat(coverage.coveredUntil(Lsn.parse("0/8000000"))).isNull();
    }

    @Test
    void reachingTheServersPositionAtTheStartCoversHistoryUntilTheStart() {
        WalCoverage coverage = new WalCoverage(SERVER_AT_START, START);

        assertThat(coverage.coveredUntil(SERVER_AT_START)).isEqualTo(START);
        assertThat(coverage.coveredUntil(Lsn.parse("0/9100000"))).isEqualTo(START);
    }

    @Test
    void aDrainedStreamCoversHistoryUntilItRanDryButOnlyFromWhereItStood() {
        WalCoverage coverage = new WalCoverage(SERVER_AT_START, START);
        Instant dry = START.plusSeconds(4);

        coverage.drained(Lsn.parse("0/9800000"), dry);

        assertThat(coverage.coveredUntil(Lsn.parse("0/9800000"))).isEqualTo(dry);
        assertThat(coverage.coveredUntil(Lsn.parse("0/A000000"))).isEqualTo(dry);
        assertThat(coverage.coveredUntil(Lsn.parse("0/9400000"))).isEqualTo(START);
    }
}

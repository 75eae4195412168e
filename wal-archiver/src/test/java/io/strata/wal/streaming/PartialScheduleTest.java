package io.strata.wal.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.common.wal.WalSegmentName;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class PartialScheduleTest {
    private static final WalSegmentName SEGMENT = new WalSegmentName(1, 7, 16L << 20);
    private final MutableClock clock = new MutableClock(Instant.parse("2025-01-01T10:00:00Z"));
    private final PartialSchedule schedule = new PartialSchedule(Duration.ofSeconds(10), clock);

    @Test
    void newBytesWaitForTheIntervalSinceTheLastShipment() {
        assertThat(schedule.due(SEGMENT, 500)).isFalse();
        clock.advance(Duration.ofSeconds(9));
        assertThat(schedule.due(SEGMENT, 500)).isFalse();
        clock.advance(Duration.ofSeconds(1));
        assertThat(schedule.due(SEGMENT, 500)).isTrue();
    }

    @Test
    void nothingNewMeansNothingToShipHoweverLongItWasQuiet() {
        clock.advance(Duration.ofSeconds(10));
        schedule.shipped(SEGMENT, 500);
        clock.advance(Duration.ofMinutes(5));

        assertThat(schedule.due(SEGMENT, 500)).isFalse();
        assertThat(schedule.hasUnshipped(SEGMENT, 500)).isFalse();
        assertThat(schedule.due(SEGMENT, 501)).isTrue();
    }

    @Test
    void aQuietSourceShipsItsFirstNewBytesAtOnce() {
        schedule.shipped(SEGMENT, 500);
        clock.advance(Duration.ofMinutes(1));

        assertThat(schedule.due(SEGMENT, 600)).isTrue();
    }

    @Test
    void aCompletedSegmentRestartsTheIntervalAndTheNextSegmentStartsUnshipped() {
        clock.advance(Duration.ofSeconds(3));
        schedule.shipped(SEGMENT, SEGMENT.segmentSize());
        WalSegmentName next = SEGMENT.next();

        assertThat(schedule.hasUnshipped(next, 1)).isTrue();
        clock.advance(Duration.ofSeconds(9));
        assertThat(schedule.due(next, 1)).isFalse();
        clock.advance(Duration.ofSeconds(1));
        assertThat(schedule.due(next, 1)).isTrue();
    }

    private static final class MutableClock extends Clock {
        private Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void advance(Duration duration) {
            now = now.plus(duration);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}

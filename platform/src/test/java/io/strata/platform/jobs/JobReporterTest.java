package io.strata.platform.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.common.event.JobEvent;
import io.strata.common.event.JobEvent.JobRef;
import io.strata.common.event.JobProgressed;
import io.strata.common.event.JobStarted;
import io.strata.common.messaging.Message;
import io.strata.common.model.JobId;
import io.strata.common.model.JobKind;
import io.strata.platform.messaging.MessagePublisher;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobReporterTest {
    private final List<Message> sent = new ArrayList<>();
    private final MutableClock clock = new MutableClock();
    private final JobReporter reporter = new JobReporter(
            new MessagePublisher(null, "test", clock) {
                @Override
                public void publish(String topic, Message message, String ceId, java.util.Map<String, String> headers) {
                    sent.add(message);
                }
            },
            clock,
            new JobRef(JobId.random(), JobKind.BACKUP, "shop", "req-1", null),
            Duration.ofSeconds(1),
            "worker-1");

    @Test
    void newStepIsSentAtOnceEvenInsideTheInterval() {
        reporter.started("connecting");
        reporter.progress("dumping", 0, 0, 1000);

        assertThat(sent).hasSize(2);
        assertThat(sent.get(0)).isInstanceOf(JobStarted.class);
        assertThat(((JobProgressed) sent.get(1)).step()).isEqualTo("dumping");
        assertThat(((JobProgressed) sent.get(1)).bytesTotal()).isEqualTo(1000);
    }

    @Test
    void progressOfTheSameStepIsThrottledToTheInterval() {
        reporter.progress("dumping", 1, 10, 1000);
        reporter.progress("dumping", 2, 20, 1000);
        reporter.progress("dumping", 3, 30, 1000);
        clock.advance(Duration.ofSeconds(1));
        reporter.progress("dumping", 4, 40, 1000);

        assertThat(sent).extracting(m -> ((JobProgressed) m).percent()).containsExactly(1, 4);
    }

    @Test
    void progressNeverGoesBackwardsAndStopsShortOfHundred() {
        reporter.progress("dumping", 50, 500, 1000);
        clock.advance(Duration.ofSeconds(1));
        reporter.progress("dumping", 30, 300, 1000);
        clock.advance(Duration.ofSeconds(1));
        reporter.progress("dumping", 150, 1500, 1000);

        assertThat(sent).extracting(m -> ((JobProgressed) m).percent()).containsExactly(50, 50, 99);
        assertThat(sent).extracting(m -> ((JobProgressed) m).bytesDone()).containsExactly(500L, 500L, 1500L);
        assertThat(sent)
                .allSatisfy(m -> assertThat(((JobEvent) m).job().requestId()).isEqualTo("req-1"));
    }

    private static final class MutableClock extends Clock {
        private Instant now = Instant.parse("2026-11-22T15:29:00Z");

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}

package io.strata.wal.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.common.model.Lsn;
import io.strata.common.wal.WalTimelineArchived.Switch;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which timeline's WAL file the archiver streams a segment from, after the server moved timeline. */
class TimelineOfSegmentTest {
    private static final long SEGMENT = 16L * 1024 * 1024;

    @Test
    void aSegmentBelongsToTheFirstTimelineThatEndedAfterIt() {
        // timeline 1 ended inside segment 7, timeline 2 at the start of segment 9; the server is on timeline 3
        List<Switch> history = List.of(new Switch(1, Lsn.parse("0/7000100")), new Switch(2, Lsn.parse("0/9000000")));

        assertThat(SourceStreamer.timelineOf(history, 2, SEGMENT, 3)).isEqualTo(1);
        assertThat(SourceStreamer.timelineOf(history, 6, SEGMENT, 3)).isEqualTo(1);
        assertThat(SourceStreamer.timelineOf(history, 7, SEGMENT, 3))
                .as("the segment timeline 1 ended in is timeline 2's file")
                .isEqualTo(2);
        assertThat(SourceStreamer.timelineOf(history, 8, SEGMENT, 3)).isEqualTo(2);
        assertThat(SourceStreamer.timelineOf(history, 9, SEGMENT, 3)).isEqualTo(3);
        assertThat(SourceStreamer.timelineOf(List.of(), 9, SEGMENT, 1)).isEqualTo(1);
    }
}

package io.strata.wal.streaming;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.common.model.Lsn;
import io.strata.common.wal.WalSegmentName;
import io.strata.common.wal.WalTimelineArchived.Switch;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Which timeline's WAL file the archiver streams a segment from, after the server moved timeline; where the
 * archive's WAL leading to a slot made again ends (its gap check).
 */
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

    @Test
    void aTimelineBranchesOffWhereItsParentEnded() {
        List<Switch> history = List.of(new Switch(1, Lsn.parse("0/7000100")), new Switch(2, Lsn.parse("0/9000000")));

        assertThat(SourceStreamer.branchOf(history, 1)).isNull();
        assertThat(SourceStreamer.branchOf(history, 2)).isEqualTo(history.get(0));
        assertThat(SourceStreamer.branchOf(history, 3))
                .as("the server's own timeline")
                .isEqualTo(history.get(1));
        assertThat(SourceStreamer.branchOf(List.of(), 1)).isNull();
    }

    /**
     * A restored cluster put in the source's place: timeline 3 began at 0/5000100 (the undo's point) while the old
     * server had archived timeline 2 up to 0/8000000. Its slot, made at segment 7, leaves timeline 3's segments 5
     * and 6 out of the archive: a gap, though the old timeline's LSNs are higher.
     */
    @Test
    void aNewTimelinesSegmentsFromItsBranchMustBeArchivedWhateverAnOlderTimelineHolds() throws Exception {
        List<Switch> history = List.of(new Switch(1, Lsn.parse("0/3000000")), new Switch(2, Lsn.parse("0/5000100")));
        WalSegmentName first = new WalSegmentName(3, 7, SEGMENT);
        Lsn oldServersEnd = Lsn.parse("0/8000000");

        assertThat(SourceStreamer.archivedLeadingTo(first, history, oldServersEnd, archive(Map.of(2, 7L))))
                .as("nothing of timeline 3: its WAL leading to the slot ends at the branch")
                .isEqualTo(Lsn.parse("0/5000100"));
        assertThat(SourceStreamer.archivedLeadingTo(first, history, null, archive(Map.of(2, 7L, 3, 6L))))
                .as("timeline 3 archived up to the slot's segment: no gap")
                .isEqualTo(first.startLsn());
        assertThat(SourceStreamer.archivedLeadingTo(first, history, null, archive(Map.of(2, 3L))))
                .as("timeline 2 archived only up to its segment 3: the gap starts there")
                .isEqualTo(new WalSegmentName(2, 3, SEGMENT).endLsn());
        assertThat(SourceStreamer.archivedLeadingTo(first, history, null, archive(Map.of(1, 9L))))
                .as("nothing of timelines 3 and 2: the archive reaches timeline 2's start at best")
                .isEqualTo(Lsn.parse("0/3000000"));
        assertThat(SourceStreamer.archivedLeadingTo(first, history, null, archive(Map.of())))
                .as("a source first archived on timeline 3 has nothing before its slot to miss")
                .isNull();
        assertThat(SourceStreamer.archivedLeadingTo(
                        new WalSegmentName(3, 5, SEGMENT), history, oldServersEnd, archive(Map.of(2, 7L))))
                .as("a slot in the branch's own segment: what was archived last, as on one timeline")
                .isEqualTo(oldServersEnd);
        assertThat(SourceStreamer.archivedLeadingTo(
                        new WalSegmentName(1, 7, SEGMENT), List.of(), null, archive(Map.of(1, 4L))))
                .isEqualTo(new WalSegmentName(1, 4, SEGMENT).endLsn());
    }

    /** An archive holding, per timeline, complete segments up to the given segment number. */
    private static SourceStreamer.ArchivedSegments archive(Map<Integer, Long> lastSegment) {
        return timeline -> Optional.ofNullable(lastSegment.get(timeline))
                .map(segment -> new WalSegmentName(timeline, segment, SEGMENT));
    }
}

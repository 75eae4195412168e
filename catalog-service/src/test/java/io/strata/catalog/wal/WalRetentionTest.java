package io.strata.catalog.wal;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.catalog.wal.WalRetention.Backup;
import io.strata.catalog.wal.WalRetention.Point;
import io.strata.catalog.wal.WalRetention.Segment;
import io.strata.common.model.Lsn;
import io.strata.common.wal.WalSegmentName;
import io.strata.common.wal.WalTimelineArchived.Switch;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class WalRetentionTest {
    private static final long SIZE = 16L * 1024 * 1024;
    private static final Instant T0 = Instant.parse("2026-11-01T00:00:00Z");

    /** Segments 1..n of timeline 1, segment k archived on day k. */
    private static List<Segment> days(int n) {
        List<Segment> segments = new ArrayList<>();
        for (int k = 1; k <= n; k++) {
            segments.add(new Segment(name(k), T0.plusSeconds(86_400L * k)));
        }
        return segments;
    }

    private static String name(int segment) {
        return new WalSegmentName(1, segment, SIZE).toString();
    }

    private static Lsn in(int segment) {
        return new Lsn(segment * SIZE + 0x100);
    }

    /** A backup running through segments from..to, finished on day {@code to}. */
    private static Backup backup(int from, int to) {
        return new Backup(in(from), in(to), 1, T0.plusSeconds(86_400L * to + 60));
    }

    @Test
    void keepsTheWindowFromTheNewestBackupBeforeTheCutoff() {
        // backups in segments 3 and 7; keep from day 9: the window recovers from the backup at 7
        List<String> deletable = WalRetention.deletable(
                days(12), List.of(backup(3, 3), backup(7, 7)), List.of(), T0.plusSeconds(86_400L * 9), SIZE);
        assertThat(deletable).containsExactly(name(1), name(2), name(4), name(5), name(6));
    }

    @Test
    void neverDeletesWhatABackupOrARestorePointNeeds() {
        // restore point in segment 5 recovers from the backup spanning 3..4
        List<String> deletable = WalRetention.deletable(
                days(12),
                List.of(backup(3, 4), backup(9, 9)),
                List.of(new Point(in(5), 1)),
                T0.plusSeconds(86_400L * 11),
                SIZE);
        assertThat(deletable).containsExactly(name(1), name(2), name(6), name(7), name(8));
    }

    @Test
    void nothingNewerThanTheCutoffGoesAndARestorePointWithoutABaseProtectsNothing() {
        List<String> deletable = WalRetention.deletable(
                days(6), List.of(backup(5, 5)), List.of(new Point(in(2), 1)), T0.plusSeconds(86_400L * 3 + 1), SIZE);
        assertThat(deletable).containsExactly(name(1), name(2), name(3));
    }

    /**
     * The reviewer's case: backups at 3 (timeline 1) and 8 (timeline 1, after timeline 2 branched off at
     * segment 6: the old server went on), a restore point on timeline 2 in segment 10. Recovery to it starts
     * from the backup at 3 (the one at 8 is not on timeline 2's history), so timeline 1's WAL from 3 up to the
     * branch stays, though the backup at 8 is newer.
     */
    @Test
    void aRestorePointOnANewerTimelineKeepsTheWalFromTheBackupItsHistoryLeadsFrom() {
        List<Segment> archived = new ArrayList<>(days(9));
        for (int k = 6; k <= 12; k++) {
            archived.add(new Segment(new WalSegmentName(2, k, SIZE).toString(), T0.plusSeconds(86_400L * k)));
        }
        Map<Integer, List<Switch>> histories = Map.of(2, List.of(new Switch(1, new Lsn(6 * SIZE + 0x80))));

        List<String> deletable = WalRetention.deletable(
                archived,
                List.of(backup(3, 3), backup(8, 8)),
                List.of(new Point(new Lsn(10 * SIZE + 0x100), 2)),
                histories,
                T0.plusSeconds(86_400L * 20),
                SIZE);

        assertThat(deletable)
                .as("timeline 1 from segment 3 on, and timeline 2 up to the point, stay")
                .containsExactly(name(1), name(2));
        List<String> withoutHistories = WalRetention.deletable(
                archived,
                List.of(backup(3, 3), backup(8, 8)),
                List.of(new Point(new Lsn(10 * SIZE + 0x100), 2)),
                T0.plusSeconds(86_400L * 20),
                SIZE);
        assertThat(withoutHistories)
                .as("before: only from the newest backup on")
                .contains(name(4), name(5));
    }
}

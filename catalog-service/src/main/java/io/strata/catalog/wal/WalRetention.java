package io.strata.catalog.wal;

import io.strata.common.model.Lsn;
import io.strata.common.wal.WalSegmentName;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Which archived WAL segments a cleanup may delete. A segment goes only if it was archived before the
 * cutoff AND nothing kept needs it:
 *
 * <ul>
 *   <li>every physical base backup needs the WAL from its start to its end (to become consistent);
 *   <li>every restore point needs the WAL from the start of the newest backup before it up to the point;
 *   <li>the recovery window needs everything from the start of the newest backup finished before the
 *       cutoff on (a target just after the cutoff recovers from that backup).
 * </ul>
 *
 * Segment names order by timeline, then position, so ranges compare by name.
 */
final class WalRetention {
    private WalRetention() {}

    record Backup(Lsn startLsn, Lsn endLsn, int timeline, Instant finishedAt) {}

    record Point(Lsn lsn, int timeline) {}

    record Segment(String name, Instant archivedAt) {}

    /** Segment names {@code from} to {@code to}, both included; {@code to} null: every later one. */
    record Range(String from, String to) {
        boolean contains(String segment) {
            return segment.compareTo(from) >= 0 && (to == null || segment.compareTo(to) <= 0);
        }
    }

    /** The names of the segments that may be deleted, in order. */
    static List<String> deletable(
            List<Segment> archived, List<Backup> backups, List<Point> points, Instant cutoff, long segmentSize) {
        List<Range> merged = keptRanges(backups, points, cutoff, segmentSize);
        return archived.stream()
                .filter(segment -> segment.archivedAt().isBefore(cutoff))
                .map(Segment::name)
                .filter(name -> !covered(merged, name))
                .sorted()
                .toList();
    }

    /**
     * The ranges of segment names something kept needs, sorted and disjoint: a segment archived before the
     * cutoff goes unless one of them holds it.
     */
    static List<Range> keptRanges(List<Backup> backups, List<Point> points, Instant cutoff, long segmentSize) {
        List<Range> kept = new ArrayList<>();
        for (Backup backup : backups) {
            kept.add(new Range(
                    name(backup.timeline(), backup.startLsn(), segmentSize),
                    name(backup.timeline(), backup.endLsn(), segmentSize)));
        }
        for (Point point : points) {
            backups.stream()
                    .filter(b -> b.endLsn().compareTo(point.lsn()) <= 0)
                    .max(Comparator.comparing(Backup::endLsn))
                    .ifPresent(base -> kept.add(new Range(
                            name(base.timeline(), base.startLsn(), segmentSize),
                            name(point.timeline(), point.lsn(), segmentSize))));
        }
        Optional<Backup> windowBase = backups.stream()
                .filter(b -> !b.finishedAt().isAfter(cutoff))
                .max(Comparator.comparing(Backup::finishedAt));
        windowBase.ifPresent(base -> kept.add(new Range(name(base.timeline(), base.startLsn(), segmentSize), null)));
        return merge(kept);
    }

    /**
     * The kept ranges sorted by start and merged where they overlap, so a segment is looked up with a binary
     * search instead of against every range (a source keeps hundreds of backups and has a million segments).
     */
    private static List<Range> merge(List<Range> ranges) {
        List<Range> sorted =
                ranges.stream().sorted(Comparator.comparing(Range::from)).toList();
        List<Range> merged = new ArrayList<>();
        for (Range range : sorted) {
            if (!merged.isEmpty()) {
                Range last = merged.getLast();
                if (last.to() == null || range.from().compareTo(last.to()) <= 0) {
                    String to = last.to() == null || range.to() == null
                            ? null
                            : (range.to().compareTo(last.to()) > 0 ? range.to() : last.to());
                    merged.set(merged.size() - 1, new Range(last.from(), to));
                    continue;
                }
            }
            merged.add(range);
        }
        return merged;
    }

    /** Whether one of the disjoint, sorted {@code ranges} holds {@code name}. */
    private static boolean covered(List<Range> ranges, String name) {
        int low = 0;
        int high = ranges.size() - 1;
        int candidate = -1; // the last range starting at or before name
        while (low <= high) {
            int mid = (low + high) >>> 1;
            if (ranges.get(mid).from().compareTo(name) <= 0) {
                candidate = mid;
                low = mid + 1;
            } else {
                high = mid - 1;
            }
        }
        return candidate >= 0 && ranges.get(candidate).contains(name);
    }

    private static String name(int timeline, Lsn lsn, long segmentSize) {
        return WalSegmentName.of(timeline, lsn, segmentSize).toString();
    }
}

package io.strata.catalog.wal;

import io.strata.common.model.Lsn;
import io.strata.common.wal.TimelineHistory;
import io.strata.common.wal.WalSegmentName;
import io.strata.common.wal.WalTimelineArchived.Switch;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
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
 * Once the source changed timeline, recovery planning prefers a base whose timeline the target's leads from
 * (see RecoveryPlanner): the WAL from that base is kept as well as from the newest.
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

    /** The names of the segments that may be deleted, in order, for a source that never changed timeline. */
    static List<String> deletable(
            List<Segment> archived, List<Backup> backups, List<Point> points, Instant cutoff, long segmentSize) {
        return deletable(archived, backups, points, Map.of(), cutoff, segmentSize);
    }

    /**
     * The names of the segments that may be deleted, in order; {@code histories} are the entries of each
     * timeline's history file the source moved onto, by timeline.
     */
    static List<String> deletable(
            List<Segment> archived,
            List<Backup> backups,
            List<Point> points,
            Map<Integer, List<Switch>> histories,
            Instant cutoff,
            long segmentSize) {
        List<Range> merged = keptRanges(backups, points, histories, cutoff, segmentSize);
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
    static List<Range> keptRanges(
            List<Backup> backups,
            List<Point> points,
            Map<Integer, List<Switch>> histories,
            Instant cutoff,
            long segmentSize) {
        List<Range> kept = new ArrayList<>();
        for (Backup backup : backups) {
            kept.add(new Range(
                    name(backup.timeline(), backup.startLsn(), segmentSize),
                    name(backup.timeline(), backup.endLsn(), segmentSize)));
        }
        for (Point point : points) {
            List<Backup> before = backups.stream()
                    .filter(b -> b.endLsn().compareTo(point.lsn()) <= 0)
                    .toList();
            // the base recovery planning picks (the newest whose timeline leads to the point's), and the newest
            // of all, which it picked before it followed timelines: the WAL of both is kept
            for (Optional<Backup> base : List.of(
                    before.stream()
                            .filter(b -> leadsTo(b, point.timeline(), histories))
                            .max(Comparator.comparing(Backup::endLsn)),
                    before.stream().max(Comparator.comparing(Backup::endLsn)))) {
                base.ifPresent(b -> kept.add(new Range(
                        name(b.timeline(), b.startLsn(), segmentSize),
                        name(point.timeline(), point.lsn(), segmentSize))));
            }
        }
        List<Backup> finished =
                backups.stream().filter(b -> !b.finishedAt().isAfter(cutoff)).toList();
        Optional<Integer> newest = histories.keySet().stream().max(Integer::compare);
        // a target just after the cutoff recovers from the newest backup finished before it that leads to the
        // source's newest timeline (or, before it changed timeline, the newest of all); both are kept
        for (Optional<Backup> base : List.of(
                finished.stream()
                        .filter(b -> newest.isEmpty() || leadsTo(b, newest.get(), histories))
                        .max(Comparator.comparing(Backup::finishedAt)),
                finished.stream().max(Comparator.comparing(Backup::finishedAt)))) {
            base.ifPresent(b -> kept.add(new Range(name(b.timeline(), b.startLsn(), segmentSize), null)));
        }
        return merge(kept);
    }

    /**
     * Whether recovery from {@code backup} can follow the source to {@code timeline}: it is on it, or that
     * timeline's history leaves the backup's only after the backup ended.
     */
    private static boolean leadsTo(Backup backup, int timeline, Map<Integer, List<Switch>> histories) {
        return backup.timeline() == timeline
                || TimelineHistory.branchesAfter(
                        histories.getOrDefault(timeline, List.of()), backup.timeline(), backup.endLsn());
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

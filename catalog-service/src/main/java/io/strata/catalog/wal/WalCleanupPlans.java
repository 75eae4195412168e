package io.strata.catalog.wal;

import io.strata.catalog.backups.BaseBackups;
import io.strata.catalog.support.SqlLsn;
import io.strata.platform.catalog.CatalogApi.PlannedSegment;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

/**
 * Which of a source's archived WAL segments may go ({@link WalRetention}'s rules), given which physical
 * backups stay: a WAL cleanup keeps every usable backup, a retention run only those its rules keep.
 */
@Component
public class WalCleanupPlans {
    private final JdbcClient jdbc;
    private final BaseBackups baseBackups;

    WalCleanupPlans(JdbcClient jdbc, BaseBackups baseBackups) {
        this.jdbc = jdbc;
        this.baseBackups = baseBackups;
    }

    /** The segments to delete and those that stay, each in archive order. */
    public record WalDeletion(List<PlannedSegment> delete, List<PlannedSegment> keep) {
        public long deleteBytes() {
            return delete.stream().mapToLong(PlannedSegment::storedBytes).sum();
        }
    }

    /** Forgets {@code segments} of the source: their rows go (the caller deletes the objects). */
    public void forget(String source, List<PlannedSegment> segments) {
        for (PlannedSegment segment : segments) {
            jdbc.sql("DELETE FROM wal_segment WHERE source = ? AND segment = ?")
                    .params(source, segment.segment())
                    .update();
        }
    }

    /** A plan that deletes nothing: every segment of the source stays. */
    public WalDeletion nothing(String source) {
        return new WalDeletion(
                List.of(),
                jdbc.sql("SELECT %s FROM wal_segment WHERE source = ? ORDER BY timeline, segment"
                                .formatted(WalSegmentRows.COLUMNS))
                        .param(source)
                        .query(WalSegmentRows::planned)
                        .list());
    }

    /**
     * Plans the deletion of the segments archived before {@code cutoff} that neither a backup {@code kept}
     * accepts nor a restore point needs. With {@code lock}, the source's segment rows stay locked until the
     * caller's transaction ends, so what it then deletes is exactly what was planned.
     */
    public WalDeletion plan(String source, Predicate<String> kept, Instant cutoff, boolean lock) {
        List<PlannedSegment> archived = jdbc.sql(
                        "SELECT %s FROM wal_segment WHERE source = ? ORDER BY timeline, segment%s"
                                .formatted(WalSegmentRows.COLUMNS, lock ? " FOR UPDATE" : ""))
                .param(source)
                .query(WalSegmentRows::planned)
                .list();
        if (archived.isEmpty()) {
            return new WalDeletion(List.of(), List.of());
        }
        long segmentSize = jdbc.sql("SELECT max(segment_size) FROM wal_segment WHERE source = ?")
                .param(source)
                .query(Long.class)
                .single();
        List<WalRetention.Backup> backups = baseBackups.usable(source).stream()
                .filter(b -> kept.test(b.backupId()))
                .map(b -> new WalRetention.Backup(b.startLsn(), b.endLsn(), b.timeline(), b.finishedAt()))
                .toList();
        List<WalRetention.Point> points = jdbc.sql(
                        "SELECT lsn::text AS lsn, timeline FROM restore_point WHERE source = ?")
                .param(source)
                .query((rs, row) -> new WalRetention.Point(SqlLsn.read(rs, "lsn"), rs.getInt("timeline")))
                .list();
        List<WalRetention.Segment> segments = archived.stream()
                .map(s -> new WalRetention.Segment(s.segment(), s.archivedAt()))
                .toList();
        Set<String> deletable = new HashSet<>(WalRetention.deletable(segments, backups, points, cutoff, segmentSize));
        return new WalDeletion(
                archived.stream().filter(s -> deletable.contains(s.segment())).toList(),
                archived.stream().filter(s -> !deletable.contains(s.segment())).toList());
    }
}

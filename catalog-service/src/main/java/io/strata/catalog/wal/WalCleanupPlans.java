package io.strata.catalog.wal;

import io.strata.catalog.backups.BaseBackups;
import io.strata.catalog.support.SqlLsn;
import io.strata.catalog.support.SqlTime;
import io.strata.common.wal.WalTimelineArchived.Switch;
import io.strata.platform.catalog.CatalogApi.PlannedSegment;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Which of a source's archived WAL segments may go ({@link WalRetention}'s rules), given which physical
 * backups stay: a WAL cleanup keeps every usable backup, a retention run only those its rules keep.
 */
@Component
public class WalCleanupPlans {
    /** Above every segment name (24 upper-case hexadecimal digits). */
    private static final String LAST_NAME = "FFFFFFFFFFFFFFFFFFFFFFFF";

    private final JdbcClient jdbc;
    private final BaseBackups baseBackups;

    private final TransactionTemplate transactions;

    WalCleanupPlans(JdbcClient jdbc, BaseBackups baseBackups, TransactionTemplate transactions) {
        this.jdbc = jdbc;
        this.baseBackups = baseBackups;
        this.transactions = transactions;
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
        long segmentSize = segmentSize(source);
        List<WalRetention.Segment> segments = archived.stream()
                .map(s -> new WalRetention.Segment(s.segment(), s.archivedAt()))
                .toList();
        Set<String> deletable = new HashSet<>(WalRetention.deletable(
                segments, keptBackups(source, kept), points(source), histories(source), cutoff, segmentSize));
        return new WalDeletion(
                archived.stream().filter(s -> deletable.contains(s.segment())).toList(),
                archived.stream().filter(s -> !deletable.contains(s.segment())).toList());
    }

    /** How many segments (and bytes) {@link #plan} would delete and keep, counted by the database. */
    public record WalSummary(int deleteSegments, long deleteBytes, int keepSegments) {}

    /**
     * What {@link #plan} would decide, without reading a row per segment: the segments archived before the
     * cutoff, less those inside the kept ranges of names (one index range scan each), counted in SQL. Without
     * a {@code cutoff} nothing goes.
     */
    public WalSummary summary(String source, Predicate<String> kept, Instant cutoff) {
        if (cutoff == null) { // no recovery window: nothing goes
            long segments = jdbc.sql("SELECT count(*) FROM wal_segment WHERE source = ?")
                    .param(source)
                    .query(Long.class)
                    .single();
            return new WalSummary(0, 0, (int) segments);
        }
        Map<String, Object> all = jdbc.sql("""
                        SELECT count(*) AS segments, count(*) FILTER (WHERE archived_at < ?) AS old,
                               COALESCE(sum(stored_bytes) FILTER (WHERE archived_at < ?), 0) AS old_bytes
                          FROM wal_segment WHERE source = ?""")
                .params(SqlTime.bind(cutoff), SqlTime.bind(cutoff), source)
                .query()
                .singleRow();
        long segments = ((Number) all.get("segments")).longValue();
        if (segments == 0) {
            return new WalSummary(0, 0, 0);
        }
        List<WalRetention.Range> ranges = WalRetention.keptRanges(
                keptBackups(source, kept), points(source), histories(source), cutoff, segmentSize(source));
        long oldKept = 0;
        long oldKeptBytes = 0;
        if (!ranges.isEmpty()) {
            Map<String, Object> inRanges = countInRanges(source, ranges, cutoff);
            oldKept = ((Number) inRanges.get("n")).longValue();
            oldKeptBytes = ((Number) inRanges.get("bytes")).longValue();
        }
        long delete = ((Number) all.get("old")).longValue() - oldKept;
        return new WalSummary(
                (int) delete, ((Number) all.get("old_bytes")).longValue() - oldKeptBytes, (int) (segments - delete));
    }

    /**
     * The segments (and bytes) archived before {@code cutoff} inside {@code ranges}. Planned for its actual
     * ranges every time: a generic plan of this statement (which PostgreSQL picks once the driver has prepared
     * it a few times) ignored the index and took 16 s instead of 1 over a million segments.
     */
    private Map<String, Object> countInRanges(String source, List<WalRetention.Range> ranges, Instant cutoff) {
        return transactions.execute(status -> {
            jdbc.sql("SET LOCAL plan_cache_mode = force_custom_plan").update();
            return jdbc.sql("""
                            SELECT count(*) AS n, COALESCE(sum(w.stored_bytes), 0) AS bytes
                              FROM unnest(?::text[], ?::text[]) AS r(lo, hi)
                              JOIN wal_segment w ON w.source = ? AND w.segment COLLATE "C" >= r.lo
                                               AND w.segment COLLATE "C" <= r.hi
                             WHERE w.archived_at < ?""")
                    .params(
                            ranges.stream().map(WalRetention.Range::from).toArray(String[]::new),
                            // an open range ends at the highest name: every bound is one an index scan can use
                            ranges.stream()
                                    .map(r -> r.to() == null ? LAST_NAME : r.to())
                                    .toArray(String[]::new),
                            source,
                            SqlTime.bind(cutoff))
                    .query()
                    .singleRow();
        });
    }

    private List<WalRetention.Backup> keptBackups(String source, Predicate<String> kept) {
        return baseBackups.usable(source).stream()
                .filter(b -> kept.test(b.backupId()))
                .map(b -> new WalRetention.Backup(b.startLsn(), b.endLsn(), b.timeline(), b.finishedAt()))
                .toList();
    }

    private List<WalRetention.Point> points(String source) {
        return jdbc.sql("SELECT lsn::text AS lsn, timeline FROM restore_point WHERE source = ?")
                .param(source)
                .query((rs, row) -> new WalRetention.Point(SqlLsn.read(rs, "lsn"), rs.getInt("timeline")))
                .list();
    }

    /** The entries of each timeline history the source moved onto, by timeline. */
    private Map<Integer, List<Switch>> histories(String source) {
        return jdbc
                .sql("SELECT timeline, history FROM wal_timeline WHERE source = ?")
                .param(source)
                .query((rs, row) -> Map.entry(rs.getInt("timeline"), WalTimelineStore.read(rs.getString("history"))))
                .list()
                .stream()
                .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    /** The source's WAL segment size (fixed when its cluster was made: any segment row tells it). */
    private long segmentSize(String source) {
        return jdbc.sql("SELECT segment_size FROM wal_segment WHERE source = ? LIMIT 1")
                .param(source)
                .query(Long.class)
                .single();
    }
}

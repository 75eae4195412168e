package io.strata.catalog.wal;

import io.strata.catalog.backups.BaseBackups;
import io.strata.catalog.support.SqlLsn;
import io.strata.catalog.web.InvalidRequestException;
import io.strata.platform.catalog.CatalogApi.PlannedSegment;
import io.strata.platform.catalog.CatalogApi.WalCleanup;
import io.strata.platform.catalog.CatalogApi.WalCleanupRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * The catalog's half of a WAL_CLEANUP job: decides with {@link WalRetention} what may go and forgets it in
 * one transaction (locking the source's segments, so a concurrent plan never sees half of it), then hands
 * the objects to the wal-archiver to delete. Forgetting first means the catalog never lists WAL that is
 * gone; an object left behind by a failed delete is only wasted space.
 */
@RestController
class WalCleanupController {
    private static final int MAX_KEEP_DAYS = 36_500;
    private final JdbcClient jdbc;
    private final BaseBackups baseBackups;
    private final Clock clock;

    WalCleanupController(JdbcClient jdbc, BaseBackups baseBackups, Clock clock) {
        this.baseBackups = baseBackups;
        this.jdbc = jdbc;
        this.clock = clock;
    }

    @PostMapping("/internal/v1/sources/{source}/wal/cleanup")
    @Transactional
    WalCleanup cleanup(@PathVariable String source, @RequestBody WalCleanupRequest request) {
        if (request.keepDays() < 0 || request.keepDays() > MAX_KEEP_DAYS) {
            throw new InvalidRequestException("keepDays", "must be 0 to " + MAX_KEEP_DAYS);
        }
        Instant cutoff = clock.instant().minus(Duration.ofDays(request.keepDays()));
        List<PlannedSegment> archived = jdbc.sql("""
                        SELECT %s FROM wal_segment WHERE source = ? ORDER BY timeline, segment FOR UPDATE""".formatted(WalSegmentRows.COLUMNS))
                .param(source)
                .query(WalSegmentRows::planned)
                .list();
        if (archived.isEmpty()) {
            return new WalCleanup(source, cutoff, List.of(), 0, null);
        }
        long segmentSize = jdbc.sql("SELECT max(segment_size) FROM wal_segment WHERE source = ?")
                .param(source)
                .query(Long.class)
                .single();
        List<WalRetention.Backup> backups = baseBackups.usable(source).stream()
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
        List<PlannedSegment> removed =
                archived.stream().filter(s -> deletable.contains(s.segment())).toList();
        for (PlannedSegment segment : removed) {
            jdbc.sql("DELETE FROM wal_segment WHERE source = ? AND segment = ?")
                    .params(source, segment.segment())
                    .update();
        }
        List<PlannedSegment> kept =
                archived.stream().filter(s -> !deletable.contains(s.segment())).toList();
        return new WalCleanup(
                source,
                cutoff,
                removed,
                kept.size(),
                kept.isEmpty() ? null : kept.getFirst().segment());
    }
}

package io.strata.catalog.wal;

import io.strata.catalog.backups.BaseBackups;
import io.strata.catalog.support.SqlLsn;
import io.strata.catalog.support.SqlTime;
import io.strata.common.model.Lsn;
import io.strata.common.wal.WalSegmentArchived;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/** The {@code wal_segment} table. */
@Repository
class WalSegmentStore {
    private final JdbcClient jdbc;
    private final BaseBackups baseBackups;

    WalSegmentStore(JdbcClient jdbc, BaseBackups baseBackups) {
        this.jdbc = jdbc;
        this.baseBackups = baseBackups;
    }

    /**
     * Records a segment. A complete segment replaces its partial; a partial never replaces a complete
     * segment, nor a partial that already reaches further (events of one source arrive in order, but a
     * redelivery may repeat an older one). An object stored again under the same key (a partial of the same
     * length, or a complete segment, shipped again by a new session of the archiver after a reconnect) replaces
     * the record when its SHA-256 differs: the store holds the newer bytes now, and a restore checks what it
     * fetches against the record. A redelivery repeats a source's events in their order, so the newest wins. The
     * time the archive is known complete up to ({@code covered_until}) never goes back: a new session that stores
     * a segment again does not know it yet while it catches up.
     */
    void record(WalSegmentArchived event) {
        jdbc.sql("""
                        INSERT INTO wal_segment (source, timeline, segment, segment_size, start_lsn, end_lsn, partial,
                                                 object_key, stored_bytes, sha256, archived_at, covered_until)
                        VALUES (?, ?, ?, ?, ?::pg_lsn, ?::pg_lsn, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (source, timeline, segment) DO UPDATE SET
                            end_lsn = EXCLUDED.end_lsn, partial = EXCLUDED.partial, object_key = EXCLUDED.object_key,
                            stored_bytes = EXCLUDED.stored_bytes, sha256 = EXCLUDED.sha256,
                            archived_at = EXCLUDED.archived_at,
                            covered_until = GREATEST(EXCLUDED.covered_until, wal_segment.covered_until)
                        WHERE (wal_segment.partial
                               AND (NOT EXCLUDED.partial OR EXCLUDED.end_lsn > wal_segment.end_lsn
                                    OR (EXCLUDED.end_lsn = wal_segment.end_lsn
                                        AND EXCLUDED.sha256 <> wal_segment.sha256)))
                           OR (NOT wal_segment.partial AND NOT EXCLUDED.partial
                               AND EXCLUDED.sha256 <> wal_segment.sha256)""")
                .params(
                        event.source(),
                        event.timeline(),
                        event.segment(),
                        event.segmentSize(),
                        SqlLsn.bind(event.startLsn()),
                        SqlLsn.bind(event.endLsn()),
                        event.partial(),
                        event.key(),
                        event.storedBytes(),
                        event.sha256(),
                        SqlTime.bind(event.archivedAt()),
                        SqlTime.bind(event.coveredUntil()))
                .update();
    }

    /** Whether the source archives WAL; empty when there is no such source. */
    Optional<Boolean> archivingEnabled(String source) {
        return jdbc.sql("SELECT wal_archiving FROM source WHERE name = ?")
                .param(source)
                .query(Boolean.class)
                .optional();
    }

    /** Counts, bytes and bounds of a source's archive on its newest timeline; empty when nothing is archived. */
    Optional<Summary> summary(String source) {
        return jdbc.sql("""
                        SELECT timeline, count(*) FILTER (WHERE NOT partial) AS segments, sum(stored_bytes) AS bytes,
                               max(end_lsn)::text AS archived_lsn, min(segment) AS first_segment,
                               max(segment) AS last_segment, max(archived_at) AS last_archived_at
                        FROM wal_segment
                        WHERE source = ? AND timeline = (SELECT max(timeline) FROM wal_segment WHERE source = ?)
                        GROUP BY timeline""")
                .params(source, source)
                .query((rs, row) -> new Summary(
                        rs.getInt("timeline"),
                        rs.getLong("segments"),
                        rs.getLong("bytes"),
                        SqlLsn.read(rs, "archived_lsn"),
                        rs.getString("first_segment"),
                        rs.getString("last_segment"),
                        SqlTime.read(rs, "last_archived_at")))
                .optional();
    }

    /**
     * When the oldest physical backup whose first WAL segment is still archived finished: the earliest
     * moment a point-in-time restore can reach (gaps later on are the recovery plan's to find).
     */
    Optional<java.time.Instant> oldestRecoverableTime(String source) {
        return baseBackups.usable(source).stream()
                .filter(base -> jdbc.sql("""
                                SELECT EXISTS (SELECT 1 FROM wal_segment WHERE source = ? AND timeline = ?
                                               AND start_lsn <= ?::pg_lsn AND end_lsn > ?::pg_lsn)""")
                        .params(
                                source,
                                base.timeline(),
                                base.startLsn().toString(),
                                base.startLsn().toString())
                        .query(Boolean.class)
                        .single())
                .map(BaseBackups.BaseBackup::finishedAt)
                .findFirst();
    }

    record Summary(
            int timeline,
            long segments,
            long totalBytes,
            Lsn archivedLsn,
            String firstSegment,
            String lastSegment,
            java.time.Instant lastArchivedAt) {}
}

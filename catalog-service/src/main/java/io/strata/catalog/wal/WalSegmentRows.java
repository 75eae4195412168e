package io.strata.catalog.wal;

import io.strata.catalog.support.SqlLsn;
import io.strata.catalog.support.SqlTime;
import io.strata.platform.catalog.CatalogApi.PlannedSegment;
import java.sql.ResultSet;
import java.sql.SQLException;

/** Reading {@code wal_segment} rows as the segments recovery plans and cleanups hand out. */
public final class WalSegmentRows {
    public static final String COLUMNS =
            "segment, object_key, sha256, partial, end_lsn::text AS end_lsn, stored_bytes, archived_at";

    /**
     * A timeline's segments from {@code first} on, as a recovery plan sees them: each one's time is the
     * newest coverage reached by it or any segment before it (a segment shipped while the archiver caught
     * up has none of its own), so a run of archived WAL never claims to reach a time it does not. Segments
     * with no coverage at all before them read as the epoch: nothing after it is known to be reachable.
     * Parameters: source, timeline, first segment.
     */
    public static final String PLANNING = """
            SELECT segment, object_key, sha256, partial, end_lsn, stored_bytes,
                   coalesce(covered, 'epoch'::timestamptz) AS archived_at
            FROM (SELECT segment, object_key, sha256, partial, end_lsn::text AS end_lsn, stored_bytes,
                         max(covered_until) OVER (ORDER BY segment) AS covered
                  FROM wal_segment WHERE source = ? AND timeline = ?) run
            WHERE segment >= ? ORDER BY segment""";

    private WalSegmentRows() {}

    public static PlannedSegment planned(ResultSet rs, int row) throws SQLException {
        return new PlannedSegment(
                rs.getString("segment"),
                rs.getString("object_key"),
                rs.getString("sha256"),
                rs.getBoolean("partial"),
                SqlLsn.read(rs, "end_lsn"),
                rs.getLong("stored_bytes"),
                SqlTime.read(rs, "archived_at"));
    }
}

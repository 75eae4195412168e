package io.strata.catalog.wal;

import io.strata.catalog.support.SqlTime;
import io.strata.platform.catalog.CatalogApi.PlannedSegment;
import java.sql.ResultSet;
import java.sql.SQLException;

/** Reading {@code wal_segment} rows as the segments recovery plans and cleanups hand out. */
public final class WalSegmentRows {
    public static final String COLUMNS =
            "segment, object_key, sha256, partial, end_lsn::text AS end_lsn, stored_bytes, archived_at";

    private WalSegmentRows() {}

    public static PlannedSegment planned(ResultSet rs, int row) throws SQLException {
        return new PlannedSegment(
                rs.getString("segment"),
                rs.getString("object_key"),
                rs.getString("sha256"),
                rs.getBoolean("partial"),
                rs.getString("end_lsn"),
                rs.getLong("stored_bytes"),
                SqlTime.read(rs, "archived_at"));
    }
}

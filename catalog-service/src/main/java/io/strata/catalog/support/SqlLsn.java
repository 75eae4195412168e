package io.strata.catalog.support;

import io.strata.common.model.Lsn;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Moves {@link Lsn}s in and out of {@code pg_lsn} columns, as text: bind with {@code ?::pg_lsn}, select with
 * {@code column::text}. A null (a logical backup has no WAL positions) stays null both ways.
 */
public final class SqlLsn {
    private SqlLsn() {}

    public static String bind(Lsn lsn) {
        return lsn == null ? null : lsn.toString();
    }

    public static Lsn read(ResultSet rs, String column) throws SQLException {
        String text = rs.getString(column);
        return text == null ? null : Lsn.parse(text);
    }
}

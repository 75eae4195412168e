package io.strata.platform.postgres;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Counting the rows of a database's tables, the same way when a logical backup records them and when a
 * restore drill checks them. Table names never go into SQL text: each count statement is built by the
 * server ({@code format('%I.%I')}) from bound parameters.
 */
public final class TableRowCounts {
    private static final String COUNT = """
            select (xpath('/row/c/text()',
                          query_to_xml(format('select count(*) as c from %I.%I', ?::text, ?::text), false, true, '')
                   ))[1]::text::bigint""";

    private TableRowCounts() {}

    /** A table by schema and name. */
    public record Table(String schema, String name) {}

    /**
     * The ordinary tables of the connection's database (partitions included, their parents not, so no row
     * counts twice) outside the system schemas, ordered by schema and name.
     */
    public static List<Table> tables(Connection connection) throws SQLException {
        List<Table> tables = new ArrayList<>();
        try (Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("""
                        select n.nspname, c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
                         where c.relkind = 'r' and n.nspname not in ('pg_catalog', 'information_schema')
                           and n.nspname not like 'pg_toast%' and n.nspname not like 'pg_temp%'
                         order by n.nspname, c.relname""")) {
            while (rs.next()) {
                tables.add(new Table(rs.getString(1), rs.getString(2)));
            }
        }
        return tables;
    }

    /** A prepared count statement on {@code connection}; close it with the connection's work. */
    public static Counter counter(Connection connection) throws SQLException {
        return new Counter(connection.prepareStatement(COUNT));
    }

    /** Counts one table at a time. */
    public static final class Counter implements AutoCloseable {
        private final PreparedStatement count;

        private Counter(PreparedStatement count) {
            this.count = count;
        }

        public long rows(Table table) throws SQLException {
            count.setString(1, table.schema());
            count.setString(2, table.name());
            try (ResultSet rs = count.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }

        @Override
        public void close() throws SQLException {
            count.close();
        }
    }
}

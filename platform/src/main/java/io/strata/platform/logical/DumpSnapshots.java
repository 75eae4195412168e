package io.strata.platform.logical;

import io.strata.common.storage.BackupManifest.TableRows;
import io.strata.platform.catalog.CatalogApi.SourceConnection;
import io.strata.platform.postgres.PgTools;
import io.strata.platform.postgres.TableRowCounts;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The snapshot a logical backup dumps, shared with a counting transaction: a repeatable-read transaction
 * exports it ({@code pg_export_snapshot()}), pg_dump imports it ({@code --snapshot}), and the same
 * transaction counts every table's rows, so the counts are exactly what the dump holds. A restore drill
 * of the backup compares its own counts with them. The transaction stays open until the dump has ended.
 */
@FunctionalInterface
public interface DumpSnapshots {

    /** A snapshot for pg_dump, or empty when none could be exported (the backup then records no counts). */
    Optional<Snapshot> export(SourceConnection source, String database);

    /** An exported snapshot, held open by its transaction until closed. */
    interface Snapshot extends AutoCloseable {
        /** The snapshot's identifier, as the server gave it, for {@code pg_dump --snapshot}. */
        String id();

        /** Every table's rows in the snapshot (the tables {@link TableRowCounts#tables} lists). */
        List<TableRows> countRows(BooleanSupplier cancelled) throws SQLException;

        @Override
        void close();
    }

    /** No snapshot: pg_dump takes its own and no counts are recorded. */
    static DumpSnapshots none() {
        return (source, database) -> Optional.empty();
    }

    /** Exports the snapshot over JDBC, as the source's login. */
    static DumpSnapshots jdbc(PgTools pgTools) {
        return (source, database) -> JdbcSnapshot.export(pgTools, source, database);
    }

    /** A snapshot held by a JDBC connection's repeatable-read, read-only transaction. */
    final class JdbcSnapshot implements Snapshot {
        private static final Logger log = LoggerFactory.getLogger(JdbcSnapshot.class);
        /** What {@code pg_export_snapshot()} returns: hex words and dashes, nothing else reaches pg_dump. */
        private static final Pattern ID = Pattern.compile("[0-9A-Fa-f]{1,16}(-[0-9A-Fa-f]{1,16}){1,3}");

        private final Connection connection;
        private final String id;
        private final java.util.concurrent.atomic.AtomicBoolean counting =
                new java.util.concurrent.atomic.AtomicBoolean();

        private JdbcSnapshot(Connection connection, String id) {
            this.connection = connection;
            this.id = id;
        }

        static Optional<Snapshot> export(PgTools pgTools, SourceConnection source, String database) {
            Connection connection = null;
            try {
                connection = pgTools.connect(source, database);
                connection.setAutoCommit(false);
                connection.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
                connection.setReadOnly(true);
                String id;
                try (Statement statement = connection.createStatement();
                        ResultSet rs = statement.executeQuery("select pg_export_snapshot()")) {
                    rs.next();
                    id = rs.getString(1);
                }
                if (id == null || !ID.matcher(id).matches()) {
                    throw new SQLException("unexpected snapshot identifier from the server");
                }
                return Optional.of(new JdbcSnapshot(connection, id));
            } catch (SQLException e) {
                log.warn(
                        "Could not export a snapshot of database '{}' of source {} ({}): the backup goes on without"
                                + " recording row counts",
                        database,
                        source.name(),
                        e.getMessage());
                closeQuietly(connection);
                return Optional.empty();
            }
        }

        @Override
        public String id() {
            return id;
        }

        @Override
        public List<TableRows> countRows(BooleanSupplier cancelled) throws SQLException {
            List<TableRows> rows = new ArrayList<>();
            counting.set(true);
            try (TableRowCounts.Counter counter = TableRowCounts.counter(connection)) {
                for (TableRowCounts.Table table : TableRowCounts.tables(connection)) {
                    if (cancelled.getAsBoolean()) {
                        throw new SQLException("the backup ended while its rows were being counted");
                    }
                    rows.add(new TableRows(table.schema(), table.name(), counter.rows(table)));
                }
            } finally {
                counting.set(false);
            }
            return rows;
        }

        @Override
        public void close() {
            if (counting.get()) {
                // the dump ended first (it failed): do not wait for a count to finish, drop the connection
                try {
                    connection.abort(Runnable::run);
                    return;
                } catch (SQLException e) {
                    log.debug("aborting the snapshot's connection: {}", e.getMessage());
                }
            }
            closeQuietly(connection);
        }

        private static void closeQuietly(Connection connection) {
            if (connection == null) {
                return;
            }
            try {
                connection.rollback();
            } catch (SQLException ignored) {
                // closing ends the transaction as well
            }
            try {
                connection.close();
            } catch (SQLException e) {
                log.debug("closing the snapshot's connection: {}", e.getMessage());
            }
        }
    }
}

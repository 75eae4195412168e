package io.strata.restore.drill;

import io.strata.common.event.JobResult.DrillCheck;
import io.strata.common.event.JobResult.DrillDatabase;
import io.strata.common.event.JobResult.DrillResult;
import io.strata.common.event.JobResult.DrillTable;
import io.strata.platform.catalog.CatalogApi.SourceConnection;
import io.strata.platform.logical.ToolProcesses;
import io.strata.platform.postgres.PgTools;
import io.strata.platform.postgres.ProcessOutput;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * What a drill checks in the cluster it restored, in the source's database (the one a source is; a physical
 * backup holds the whole cluster, whose other databases are other sources' or nobody's): pg_amcheck (heap and
 * B-tree index structure, the amcheck extension installed where missing), then the rows of every table. Table names are never put into SQL text: each count is built by the server
 * ({@code format('%I.%I')}) from bound parameters.
 */
final class DrillChecks {
    static final String AMCHECK = "pg_amcheck";
    static final String ROW_COUNTS = "row counts";
    private static final String COUNT = """
            select (xpath('/row/c/text()',
                          query_to_xml(format('select count(*) as c from %I.%I', ?::text, ?::text), false, true, '')
                   ))[1]::text::bigint""";
    private final PgTools pgTools;

    DrillChecks(PgTools pgTools) {
        this.pgTools = pgTools;
    }

    /** pg_amcheck over {@code database} of the cluster, as its login; passed when it exits 0. */
    DrillCheck amcheck(SourceConnection cluster, String database) {
        // no --all: pg_amcheck checks the one database it connects to (PGDATABASE), no name pattern involved
        List<String> args = List.of("--install-missing", "--no-password");
        Process process;
        try {
            process = pgTools.command(cluster, database, AMCHECK, args)
                    .redirectErrorStream()
                    .start();
        } catch (IOException e) {
            return new DrillCheck(AMCHECK, false, "could not start pg_amcheck: " + e.getMessage());
        }
        try {
            ProcessOutput output = ProcessOutput.drain(process.getInputStream());
            int exit = ToolProcesses.awaitExit(process, AMCHECK);
            String said = output.tail().strip();
            if (exit == 0) {
                return new DrillCheck(
                        AMCHECK,
                        true,
                        "no corruption found in any table or B-tree index" + (said.isEmpty() ? "" : ": " + said));
            }
            String hint = said.contains("permission denied") || said.contains("must be superuser")
                    ? " (pg_amcheck needs a superuser, or a login allowed to create the amcheck extension and run"
                            + " its functions, in the restored cluster: the source's own login is used)"
                    : "";
            return new DrillCheck(
                    AMCHECK, false, "pg_amcheck " + ToolProcesses.describeExit(exit) + ": " + said + hint);
        } finally {
            ToolProcesses.destroy(process);
        }
    }

    /** Every table's rows, per database; {@code cancelled} is asked between tables. */
    Counts count(SourceConnection cluster, List<String> databases, BooleanSupplier cancelled) throws SQLException {
        List<DrillDatabase> perDatabase = new ArrayList<>();
        List<DrillTable> tables = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        int tableCount = 0;
        long rows = 0;
        for (String database : databases) {
            int inDatabase = 0;
            long rowsInDatabase = 0;
            try (Connection connection = pgTools.connect(cluster, database);
                    PreparedStatement count = connection.prepareStatement(COUNT)) {
                for (String[] table : tables(connection)) {
                    if (cancelled.getAsBoolean()) {
                        throw new SQLException("the drill was cancelled while counting rows");
                    }
                    count.setString(1, table[0]);
                    count.setString(2, table[1]);
                    long n;
                    try (ResultSet rs = count.executeQuery()) {
                        rs.next();
                        n = rs.getLong(1);
                    } catch (SQLException e) {
                        failures.add(database + "." + table[0] + "." + table[1] + ": " + e.getMessage());
                        continue;
                    }
                    inDatabase++;
                    rowsInDatabase += n;
                    if (tables.size() < DrillResult.TABLE_LIMIT) {
                        tables.add(new DrillTable(database, table[0], table[1], n));
                    }
                }
            }
            perDatabase.add(new DrillDatabase(database, inDatabase, rowsInDatabase));
            tableCount += inDatabase;
            rows += rowsInDatabase;
        }
        return new Counts(perDatabase, tables, tableCount, rows, failures);
    }

    /** The ordinary tables (partitions included, their parents not, so no row counts twice) outside the system schemas. */
    private static List<String[]> tables(Connection connection) throws SQLException {
        List<String[]> tables = new ArrayList<>();
        try (Statement statement = connection.createStatement();
                ResultSet rs = statement.executeQuery("""
                        select n.nspname, c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
                         where c.relkind = 'r' and n.nspname not in ('pg_catalog', 'information_schema')
                           and n.nspname not like 'pg_toast%' and n.nspname not like 'pg_temp%'
                         order by n.nspname, c.relname""")) {
            while (rs.next()) {
                tables.add(new String[] {rs.getString(1), rs.getString(2)});
            }
        }
        return tables;
    }

    /** What {@link #count} found. */
    record Counts(
            List<DrillDatabase> perDatabase,
            List<DrillTable> tables,
            int tableCount,
            long rows,
            List<String> failures) {
        /** Passed when every table could be read to the end. */
        DrillCheck check() {
            String counted =
                    "counted " + rows + " rows in " + tableCount + " tables of " + perDatabase.size() + " databases";
            if (failures.isEmpty()) {
                return new DrillCheck(ROW_COUNTS, true, counted);
            }
            return new DrillCheck(
                    ROW_COUNTS,
                    false,
                    failures.size() + " tables could not be read: "
                            + String.join("; ", failures.subList(0, Math.min(5, failures.size())))
                            + (failures.size() > 5 ? "; …" : "") + " (" + counted + ")");
        }
    }
}

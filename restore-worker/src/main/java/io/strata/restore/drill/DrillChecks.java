package io.strata.restore.drill;

import io.strata.common.event.JobResult.DrillCheck;
import io.strata.common.event.JobResult.DrillDatabase;
import io.strata.common.event.JobResult.DrillResult;
import io.strata.common.event.JobResult.DrillTable;
import io.strata.common.storage.BackupManifest.TableRows;
import io.strata.platform.catalog.CatalogApi.SourceConnection;
import io.strata.platform.logical.ToolProcesses;
import io.strata.platform.postgres.PgTools;
import io.strata.platform.postgres.ProcessOutput;
import io.strata.platform.postgres.TableRowCounts;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * What a drill checks in the cluster it restored, in the source's database (the one a source is; a physical
 * backup holds the whole cluster, whose other databases are other sources' or nobody's): pg_amcheck (heap and
 * B-tree index structure, the amcheck extension installed where missing), then the rows of every table
 * ({@link TableRowCounts}: no table name is put into SQL text), compared, for a logical backup, with the rows
 * the backup counted in the snapshot it dumped.
 */
final class DrillChecks {
    static final String AMCHECK = "pg_amcheck";
    static final String ROW_COUNTS = "row counts";
    static final String RECORDED_ROWS = "rows the backup recorded";
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
        Map<String, Long> byTable = new LinkedHashMap<>();
        List<String> failures = new ArrayList<>();
        int tableCount = 0;
        long rows = 0;
        for (String database : databases) {
            int inDatabase = 0;
            long rowsInDatabase = 0;
            try (Connection connection = pgTools.connect(cluster, database);
                    TableRowCounts.Counter counter = TableRowCounts.counter(connection)) {
                for (TableRowCounts.Table table : TableRowCounts.tables(connection)) {
                    if (cancelled.getAsBoolean()) {
                        throw new SQLException("the drill was cancelled while counting rows");
                    }
                    long n;
                    try {
                        n = counter.rows(table);
                    } catch (SQLException e) {
                        failures.add(database + "." + table.schema() + "." + table.name() + ": " + e.getMessage());
                        continue;
                    }
                    inDatabase++;
                    rowsInDatabase += n;
                    byTable.put(qualified(database, table.schema(), table.name()), n);
                    if (tables.size() < DrillResult.TABLE_LIMIT) {
                        tables.add(new DrillTable(database, table.schema(), table.name(), n));
                    }
                }
            }
            perDatabase.add(new DrillDatabase(database, inDatabase, rowsInDatabase));
            tableCount += inDatabase;
            rows += rowsInDatabase;
        }
        return new Counts(perDatabase, tables, byTable, tableCount, rows, failures);
    }

    /**
     * The restored rows of {@code database} against the counts the backup recorded in the snapshot it dumped:
     * passed when every recorded table is there with exactly its rows and no other table is.
     */
    static DrillCheck compare(String database, List<TableRows> recorded, Counts counts) {
        List<String> differences = new ArrayList<>();
        Map<String, Long> restored = new LinkedHashMap<>(counts.byTable());
        long recordedRows = 0;
        for (TableRows table : recorded) {
            recordedRows += table.rows();
            String name = table.schema() + "." + table.table();
            Long found = restored.remove(qualified(database, table.schema(), table.table()));
            if (found == null) {
                differences.add(name + " (" + table.rows() + " rows recorded) is missing or could not be counted");
            } else if (found != table.rows()) {
                differences.add(name + " has " + found + " rows, the backup recorded " + table.rows());
            }
        }
        restored.keySet().stream()
                .filter(key -> key.startsWith(database + "."))
                .forEach(key -> differences.add(
                        key.substring(database.length() + 1) + " was restored but the backup recorded no such table"));
        if (differences.isEmpty()) {
            return new DrillCheck(
                    RECORDED_ROWS,
                    true,
                    "all " + recorded.size() + " tables hold the rows the backup counted in the snapshot it dumped ("
                            + recordedRows + " rows)");
        }
        return new DrillCheck(
                RECORDED_ROWS,
                false,
                differences.size() + " of the tables differ from what the backup recorded: "
                        + String.join("; ", differences.subList(0, Math.min(5, differences.size())))
                        + (differences.size() > 5 ? "; …" : ""));
    }

    private static String qualified(String database, String schema, String table) {
        return database + "." + schema + "." + table;
    }

    /** What {@link #count} found. */
    record Counts(
            List<DrillDatabase> perDatabase,
            List<DrillTable> tables,
            Map<String, Long> byTable,
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

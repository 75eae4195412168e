package io.strata.restore.pitr;

import io.strata.common.model.FailureCode;
import io.strata.common.model.Lsn;
import io.strata.platform.catalog.CatalogApi.SourceConnection;
import io.strata.platform.jobs.JobFailureException;
import io.strata.platform.logical.ToolProcesses;
import io.strata.platform.postgres.PgTools;
import io.strata.platform.postgres.ProcessOutput;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The restored cluster's PostgreSQL server: started with pg_ctl as the cluster's user, watched through its
 * log and a connection with the source's credentials (the restored cluster has the source's roles and
 * pg_hba.conf), stopped if the restore fails.
 */
final class RecoveringServer {
    static final String LOG = "strata-restore.log";
    private static final int LOG_CAP = 8 << 20;
    private static final int LOG_READ_SECONDS = 10;
    private static final Pattern NEW_TIMELINE = Pattern.compile("selected new timeline ID: (\\d+)");
    private final PgTools pgTools;
    private final OsUser user;
    private final Path dataDir;
    private final int port;
    private final SourceConnection source;
    private final SourceConnection restored;

    RecoveringServer(PgTools pgTools, OsUser user, Path dataDir, int port, SourceConnection source) {
        this.pgTools = pgTools;
        this.user = user;
        this.dataDir = dataDir;
        this.port = port;
        this.source = source;
        // the restored cluster has the source's roles and pg_hba.conf: the same login, on loopback
        this.restored = new SourceConnection(
                source.name(), "127.0.0.1", port, source.database(), source.username(), source.password());
    }

    Path logFile() {
        return dataDir.resolve(LOG);
    }

    /** Starts the server without waiting: recovery may take hours; {@link #state()} follows it. */
    void start() {
        pgCtl(List.of("-D", dataDir.toString(), "-l", logFile().toString(), "-W", "start"), "start");
    }

    /** True while the postmaster's pid file is there. */
    boolean running() {
        return Files.exists(dataDir.resolve("postmaster.pid"));
    }

    /** Where recovery stands, or empty while the server does not accept connections yet. */
    Optional<State> state() {
        try (Connection connection = connect();
                Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery(
                        // pg_current_wal_lsn() fails during recovery: asked only once it is over
                        "select pg_is_in_recovery(), case when pg_is_in_recovery() then pg_last_wal_replay_lsn()"
                                + " else pg_current_wal_lsn() end::text")) {
            row.next();
            boolean inRecovery = row.getBoolean(1);
            String lsn = row.getString(2); // null until replay has begun
            return Optional.of(new State(inRecovery, lsn == null ? null : Lsn.parse(lsn)));
        } catch (SQLException e) {
            return Optional.empty(); // starting up, not yet consistent, or gone: the caller checks running()
        }
    }

    /** The promoted cluster answers a real query: the source database's tables can be listed. */
    Sanity sanity() {
        try (Connection connection = connect();
                Statement statement = connection.createStatement();
                ResultSet row = statement.executeQuery("""
                        select current_database(), pg_current_wal_lsn()::text,
                               (select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace
                                where c.relkind in ('r', 'p') and n.nspname not in ('pg_catalog', 'information_schema')
                                  and n.nspname not like 'pg_toast%'),
                               not pg_is_in_recovery()""")) {
            row.next();
            return new Sanity(row.getString(1), Lsn.parse(row.getString(2)), row.getLong(3), row.getBoolean(4));
        } catch (SQLException e) {
            throw new JobFailureException(
                    FailureCode.RECOVERY_FAILED,
                    "The restored cluster on port " + port + " promoted but does not answer a query as '"
                            + source.username() + "' on database '" + source.database() + "': " + e.getMessage(),
                    false,
                    e);
        }
    }

    /** The timeline the cluster chose at promotion, from its log; null if not found. */
    Integer newTimeline() {
        Matcher matcher = NEW_TIMELINE.matcher(log());
        Integer timeline = null;
        while (matcher.find()) {
            timeline = Integer.valueOf(matcher.group(1));
        }
        return timeline;
    }

    /** The log lines that say where and why recovery stopped, joined; empty when none. */
    String recoveryStop() {
        return log().lines()
                .filter(line -> line.contains("recovery stopping")
                        || line.contains("last completed transaction")
                        || line.contains("redo done at")
                        || line.contains("consistent recovery state reached"))
                .map(RecoveringServer::message)
                .reduce((a, b) -> a + "; " + b)
                .orElse("");
    }

    /** FATAL/PANIC lines (and the ones just before them) for a failure message. */
    String failureLines() {
        List<String> lines = log().lines().toList();
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            boolean connectionRefused = line.contains("the database system is"); // our polls while it starts
            boolean explains = line.contains("invalid value") || line.contains("unrecognized configuration");
            if ((line.contains("FATAL:") || line.contains("PANIC:") || line.contains("strata:") || explains)
                    && !connectionRefused) {
                out.append(out.isEmpty() ? "" : "; ").append(message(line));
            }
        }
        if (out.isEmpty()) {
            int from = Math.max(0, lines.size() - 5);
            lines.subList(from, lines.size())
                    .forEach(l -> out.append(out.isEmpty() ? "" : "; ").append(message(l)));
        }
        return out.toString();
    }

    /** Whether the log says {@code phrase} after its first {@code from} characters (a restart's own lines). */
    boolean logSays(String phrase, int from) {
        String log = log();
        return log.length() > from && log.substring(from).contains(phrase);
    }

    /** How much the log holds now: a restart's lines start here. */
    int logLength() {
        return log().length();
    }

    /** Fast shutdown; quiet if it is not running. */
    void stop() {
        if (running()) {
            pgCtl(List.of("-D", dataDir.toString(), "-m", "fast", "-w", "-t", "60", "stop"), "stop");
        }
    }

    /** Immediate shutdown after a failure (the cluster is discarded anyway). */
    void stopImmediately() {
        if (running()) {
            try {
                pgCtl(List.of("-D", dataDir.toString(), "-m", "immediate", "-w", "-t", "30", "stop"), "stop");
            } catch (JobFailureException e) {
                // already failing; the pid file check below decides
            }
        }
    }

    /**
     * The server's log (its first {@value #LOG_CAP} bytes). It lies in the data directory, which is the
     * cluster's user's: it is read as that user ({@code head}, through runuser when the worker is root), so a
     * link planted there reaches only what that user may read, and a FIFO or a file that never ends stalls
     * only that process, which is stopped after {@value #LOG_READ_SECONDS} s.
     */
    private String log() {
        Path out = null;
        try {
            out = Files.createTempFile("strata-restore-log-", ".txt"); // the worker's own, rw-------
            Process head = new ProcessBuilder(user.command(List.of(
                            "head",
                            "-c",
                            Integer.toString(LOG_CAP),
                            "--",
                            logFile().toString())))
                    .redirectOutput(out.toFile())
                    .redirectError(ProcessBuilder.Redirect.DISCARD)
                    .start();
            if (!head.waitFor(LOG_READ_SECONDS, java.util.concurrent.TimeUnit.SECONDS)) {
                head.destroyForcibly();
                head.waitFor(LOG_READ_SECONDS, java.util.concurrent.TimeUnit.SECONDS);
            }
            try (java.io.InputStream in = Files.newInputStream(out)) {
                return new String(in.readNBytes(LOG_CAP), StandardCharsets.UTF_8); // none when it is missing
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UncheckedIOException(new java.io.InterruptedIOException("interrupted reading the server's log"));
        } finally {
            if (out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException ignored) {
                    // a temporary file left behind
                }
            }
        }
    }

    private Connection connect() throws SQLException {
        return pgTools.connect(restored, restored.database());
    }

    private void pgCtl(List<String> args, String what) {
        List<String> command = new ArrayList<>();
        command.add(pgTools.binary("pg_ctl").toString());
        command.addAll(args);
        Process process;
        try {
            process = new ProcessBuilder(user.command(command))
                    .redirectErrorStream(true)
                    .start();
        } catch (IOException e) {
            throw new JobFailureException(FailureCode.INTERNAL, "Cannot run pg_ctl: " + e.getMessage(), false, e);
        }
        ProcessOutput output = ProcessOutput.drain(process.getInputStream());
        int exit = ToolProcesses.awaitExit(process, "pg_ctl");
        if (exit != 0) {
            throw new JobFailureException(
                    FailureCode.RECOVERY_FAILED,
                    "pg_ctl " + what + " " + ToolProcesses.describeExit(exit) + " for " + dataDir + ": " + output.tail()
                            + " " + failureLines(),
                    false);
        }
    }

    /** "2026-11-22 15:29:03.120 UTC [4242] LOG:  recovery stopping …" → "recovery stopping …". */
    private static String message(String line) {
        int level = line.indexOf(":  ");
        return level >= 0 ? line.substring(level + 3).strip() : line.strip();
    }

    record State(boolean inRecovery, Lsn lsn) {}

    record Sanity(String database, Lsn endLsn, long userTables, boolean promoted) {}
}

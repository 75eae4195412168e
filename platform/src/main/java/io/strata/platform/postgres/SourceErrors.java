package io.strata.platform.postgres;

import io.strata.common.model.FailureCode;
import io.strata.platform.catalog.CatalogApi.SourceConnection;
import io.strata.platform.jobs.JobFailureException;
import java.net.SocketTimeoutException;
import java.sql.SQLException;
import java.util.Locale;

/**
 * What a failure to talk to a source means, worded the same everywhere. Any failure to get a session
 * (refused, unreachable, filtered, no answer, TLS handshake cut off) reads "cannot connect to host:port
 * within N s", whatever the network said, so a job's error never tells a closed port from a filtered one.
 * Errors PostgreSQL itself answered (authentication, a missing database, privileges) keep its words.
 */
public final class SourceErrors {
    private SourceErrors() {}

    /** Whether the driver could not get a session at all (SQLSTATE class 08 while connecting). */
    public static boolean cannotConnect(SQLException e) {
        String state = e.getSQLState();
        return state != null && state.startsWith("08") && !timedOut(e) || "08001".equals(state);
    }

    /** Whether a read on an open session hit its deadline. */
    public static boolean timedOut(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException) {
                return true;
            }
        }
        return false;
    }

    /** "cannot connect to db.example:5432 within 10 s while checking the server: …". */
    public static String cannotConnectMessage(SourceConnection source, String step) {
        return "cannot connect to " + source.host() + ":" + source.port() + " within "
                + source.timeoutsOrDefault().connect() + " s while " + step + ": no PostgreSQL session (the port is"
                + " closed, filtered or not answering). Check the source's host and port, that PostgreSQL runs"
                + " there and that no firewall drops the connection";
    }

    public static String stalledMessage(SourceConnection source, String step, long seconds) {
        return "source '" + source.name() + "' at " + source.host() + ":" + source.port() + " stopped answering while "
                + step + ": nothing for " + seconds + " s (its timeouts.ioSeconds); the work was stopped. Check the"
                + " server's load and locks, or raise the source's timeouts.ioSeconds";
    }

    /**
     * The job failure for a JDBC error while {@code step}: SOURCE_TIMEOUT for no session or no answer,
     * else {@code otherwise} with PostgreSQL's own words and a hint.
     */
    public static JobFailureException jobFailure(
            SourceConnection source, String database, String step, SQLException e, FailureCode otherwise) {
        if (timedOut(e) && !cannotConnect(e)) {
            return new JobFailureException(
                    FailureCode.SOURCE_TIMEOUT,
                    stalledMessage(source, step, source.timeoutsOrDefault().io()),
                    true,
                    e);
        }
        if (cannotConnect(e)) {
            return new JobFailureException(FailureCode.SOURCE_TIMEOUT, cannotConnectMessage(source, step), true, e);
        }
        String message = "source '" + source.name() + "' (" + source.host() + ":" + source.port() + ", database '"
                + database + "') refused while " + step + ": " + e.getMessage();
        String hint = io.strata.platform.logical.PgErrorHints.hint(
                e.getMessage(), source.host(), source.port(), database, source.username());
        return new JobFailureException(
                otherwise, io.strata.platform.logical.PgErrorHints.withHint(message, hint), false, e);
    }

    /**
     * Whether a client program's error output (LC_ALL=C) says it never got a session: libpq words every
     * such case "connection to server … failed: <network reason>" or "could not translate host name".
     */
    public static boolean toolCannotConnect(String stderr) {
        String text = stderr == null ? "" : stderr.toLowerCase(Locale.ROOT);
        boolean connectFailed = text.contains("connection to server") && text.contains("failed:");
        boolean postgresAnswered = text.contains("authentication")
                || text.contains("pg_hba.conf")
                || text.contains("does not exist")
                || text.contains("permission denied")
                || text.contains("too many")
                || text.contains("is not permitted to log in");
        return (connectFailed && !postgresAnswered) || text.contains("could not translate host name");
    }
}

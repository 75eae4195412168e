package io.strata.platform.logical;

import java.util.Locale;

/**
 * Turns PostgreSQL's error text (from pg_dump, pg_restore or JDBC, which word them alike) into advice a
 * person can follow. Unknown errors get no hint: PostgreSQL's own words are still in the message.
 */
public final class PgErrorHints {
    private PgErrorHints() {}

    /** Advice for the error, or an empty string when there is none to give. */
    public static String hint(String errorText, String host, int port, String database, String user) {
        String text = errorText == null ? "" : errorText.toLowerCase(Locale.ROOT);
        String server = host + ":" + port;
        if (text.contains("password authentication failed")
                || text.contains("no password supplied")
                || text.contains("authentication failed")) {
            return "Check the username '" + user + "' and password registered for this source (register it again"
                    + " with the right credentials) and that pg_hba.conf on " + server + " lets this host in.";
        }
        if (text.contains("no pg_hba.conf entry")) {
            return "Add a pg_hba.conf entry on " + server + " for user '" + user + "' from the worker's host.";
        }
        if (text.contains("database \"") && text.contains("does not exist")) {
            return "Database '" + database + "' does not exist on " + server
                    + ": check the database name registered for this source.";
        }
        if (isConnectivity(text)) {
            return "Check that PostgreSQL is running and reachable at " + server + " from the worker's host.";
        }
        if (text.contains("server version mismatch")) {
            return "pg_dump is older than the server: set strata.postgres.bin-dir (STRATA_PG_BIN) to client"
                    + " programs of the server's major version or newer.";
        }
        if (text.contains("permission denied")) {
            return "User '" + user + "' lacks a privilege it needs; for backups grant it read access to every"
                    + " object (e.g. GRANT pg_read_all_data TO " + user + "), for restores CREATEDB.";
        }
        if (text.contains("no space left on device")) {
            return "A disk is full: free space (or point strata.restore.work-dir elsewhere) and retry.";
        }
        return "";
    }

    /** Whether the error looks like the server was unreachable, which retrying later may fix. */
    public static boolean isTransient(String errorText) {
        return errorText != null && isConnectivity(errorText.toLowerCase(Locale.ROOT));
    }

    private static boolean isConnectivity(String text) {
        return text.contains("refused")
                || text.contains("could not connect")
                || text.contains("timeout expired")
                || text.contains("timed out")
                || text.contains("could not translate host name")
                || text.contains("the database system is starting up")
                || text.contains("the database system is shutting down")
                || text.contains("server closed the connection unexpectedly");
    }

    /** {@code message}, then the hint if there is one. */
    public static String withHint(String message, String hint) {
        return hint.isEmpty() ? message : message + " Hint: " + hint;
    }
}

package io.strata.restore.logical;

import static io.strata.restore.logical.DatabaseNames.quote;

import io.strata.common.model.FailureCode;
import io.strata.platform.catalog.CatalogApi.SourceConnection;
import io.strata.platform.jobs.JobFailureException;
import io.strata.platform.logical.PgErrorHints;
import io.strata.platform.postgres.PgTools;
import io.strata.platform.postgres.SourceErrors;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates, drops and swaps databases on a source's server. Everything but the swap runs from a connection
 * to the source's own database; the swap renames that database, so it runs from {@code postgres} (or
 * {@code template1} where there is no {@code postgres}).
 */
class DatabaseAdmin {
    private static final Logger log = LoggerFactory.getLogger(DatabaseAdmin.class);
    private static final String DUPLICATE_DATABASE = "42P04";
    private static final String INVALID_CATALOG_NAME = "3D000";
    private static final String OBJECT_IN_USE = "55006";
    private static final int SWAP_ATTEMPTS = 5;
    private final PgTools pgTools;

    DatabaseAdmin(PgTools pgTools) {
        this.pgTools = pgTools;
    }

    boolean exists(SourceConnection source, String database) {
        try (Connection c = pgTools.connect(source, source.database());
                PreparedStatement query = c.prepareStatement("select 1 from pg_database where datname = ?")) {
            query.setString(1, database);
            try (ResultSet rs = query.executeQuery()) {
                return rs.next();
            }
        } catch (SQLException e) {
            throw failure(source, "Cannot check whether database '" + database + "' exists", e);
        }
    }

    /** Creates an empty database with the source database's encoding and locale, for pg_restore to fill. */
    void create(SourceConnection source, String database) {
        create(source, database, null);
    }

    /** As {@link #create(SourceConnection, String)}, owned by {@code owner} (a role name Strata made), or by the user when null. */
    void create(SourceConnection source, String database, String owner) {
        try (Connection c = pgTools.connect(source, source.database());
                Statement statement = c.createStatement()) {
            statement.execute("create database " + quote(database) + (owner == null ? "" : " owner " + quote(owner))
                    + " template template0" + localeOf(statement));
        } catch (SQLException e) {
            if (DUPLICATE_DATABASE.equals(e.getSQLState())) {
                throw new JobFailureException(FailureCode.TARGET_EXISTS, targetExists(database), false, e);
            }
            throw failure(source, "Cannot create database '" + database + "'", e);
        }
    }

    static String targetExists(String database) {
        return "Database '" + database + "' already exists; restore into a new name, or drop it first.";
    }

    private static String localeOf(Statement statement) throws SQLException {
        try (ResultSet rs = statement.executeQuery("select pg_encoding_to_char(encoding), datcollate, datctype"
                + " from pg_database where datname = current_database()")) {
            rs.next();
            return " encoding " + literal(rs.getString(1)) + " lc_collate " + literal(rs.getString(2)) + " lc_ctype "
                    + literal(rs.getString(3));
        }
    }

    /**
     * Runs {@code cleanup} with the thread's interrupt flag cleared (a cancelled job's thread is interrupted, and
     * pgjdbc then opens no connection), and sets the flag again afterwards.
     */
    static void uninterrupted(Runnable cleanup) {
        boolean interrupted = Thread.interrupted();
        try {
            cleanup.run();
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Drops a database Strata created, after disconnecting its users; failures are only logged. */
    void dropQuietly(SourceConnection source, String database) {
        try (Connection c = pgTools.connect(source, source.database())) {
            drop(c, database);
        } catch (SQLException | RuntimeException e) {
            log.warn(
                    "could not drop database {} on {}:{}; drop it by hand: {}",
                    database,
                    source.host(),
                    source.port(),
                    e.getMessage());
        }
    }

    /**
     * Puts {@code replacement} in the place of {@code target} in one transaction (both renames or neither),
     * then drops the old database. If the swap fails, {@code target} is untouched.
     */
    void swap(SourceConnection source, String target, String replacement, String retired) {
        try (Connection c = maintenanceConnection(source)) {
            renameBoth(c, target, replacement, retired);
            try {
                drop(c, retired);
            } catch (SQLException e) {
                log.warn(
                        "replaced {} but could not drop the old copy {}; drop it by hand: {}",
                        target,
                        retired,
                        e.getMessage());
            }
        } catch (SQLException e) {
            throw failure(
                    source,
                    "Cannot swap the restored database '" + replacement + "' in for '" + target
                            + "' (it was left unchanged)",
                    e);
        }
    }

    private void renameBoth(Connection c, String target, String replacement, String retired) throws SQLException {
        c.setAutoCommit(false);
        for (int attempt = 1; ; attempt++) {
            try {
                terminateOthers(c, target);
                execute(c, "alter database " + quote(target) + " rename to " + quote(retired));
                execute(c, "alter database " + quote(replacement) + " rename to " + quote(target));
                c.commit();
                c.setAutoCommit(true);
                return;
            } catch (SQLException e) {
                c.rollback();
                // A client may reconnect between the terminate and the rename; PostgreSQL then refuses.
                if (!OBJECT_IN_USE.equals(e.getSQLState()) || attempt == SWAP_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    private void drop(Connection c, String database) throws SQLException {
        terminateOthers(c, database);
        execute(c, "drop database if exists " + quote(database));
    }

    private static void terminateOthers(Connection c, String database) throws SQLException {
        try (PreparedStatement kill = c.prepareStatement("select pg_terminate_backend(pid) from pg_stat_activity"
                + " where datname = ? and pid <> pg_backend_pid()")) {
            kill.setString(1, database);
            kill.executeQuery().close();
        }
    }

    private Connection maintenanceConnection(SourceConnection source) throws SQLException {
        try {
            return pgTools.connect(source, "postgres");
        } catch (SQLException e) {
            if (!INVALID_CATALOG_NAME.equals(e.getSQLState())) {
                throw e;
            }
            return pgTools.connect(source, "template1");
        }
    }

    private static void execute(Connection c, String sql) throws SQLException {
        try (Statement statement = c.createStatement()) {
            statement.execute(sql);
        }
    }

    private static String literal(String value) {
        return "'" + value.replace("'", "''") + "'";
    }

    /** A failure of {@code what} on the source's server: a timeout or lost connection, or PostgreSQL's words with a hint. */
    static JobFailureException failure(SourceConnection source, String what, SQLException e) {
        if (SourceErrors.cannotConnect(e) || SourceErrors.timedOut(e)) {
            return SourceErrors.jobFailure(source, source.database(), what, e, FailureCode.PG_RESTORE_FAILED);
        }
        String hint =
                PgErrorHints.hint(e.getMessage(), source.host(), source.port(), source.database(), source.username());
        return new JobFailureException(
                FailureCode.PG_RESTORE_FAILED,
                PgErrorHints.withHint(
                        what + " on " + source.host() + ":" + source.port() + ": " + e.getMessage(), hint),
                PgErrorHints.isTransient(e.getMessage()),
                e);
    }
}

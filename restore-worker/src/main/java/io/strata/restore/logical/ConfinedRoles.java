package io.strata.restore.logical;

import io.strata.common.model.FailureCode;
import io.strata.platform.catalog.CatalogApi.SourceConnection;
import io.strata.platform.jobs.JobFailureException;
import io.strata.platform.logical.PgErrorHints;
import io.strata.platform.postgres.PgTools;
import io.strata.platform.postgres.SourceErrors;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The roles an uploaded archive is restored as. An archive Strata did not write may hold any SQL, and pg_restore
 * runs it (a materialized view's refresh, for one, runs its query); as the source's user, often a superuser, that
 * SQL could run programs on the server ({@code COPY ... TO PROGRAM}), read its files or change its settings. So
 * the archive is restored by a temporary login role that is no superuser and may create no database or role and
 * owns nothing but the new, empty database: whatever it runs is confined to that database. Once the restore has
 * succeeded, what the role made goes to the source's user (as a restore of Strata's own backups leaves it) and
 * the role is dropped; if anything fails, both the database and the role are dropped.
 *
 * <p>The role logs in with a random password, set as a SCRAM verifier computed here, so the password never
 * reaches the server or its log in clear. The source's user needs CREATEROLE (or to be a superuser), and the
 * server's pg_hba.conf must let the role log in as it lets that user.
 */
class ConfinedRoles {
    private static final Logger log = LoggerFactory.getLogger(ConfinedRoles.class);
    static final String PREFIX = "strata_upload_";
    private static final String INSUFFICIENT_PRIVILEGE = "42501";
    private static final SecureRandom RANDOM = new SecureRandom();
    private final PgTools pgTools;

    ConfinedRoles(PgTools pgTools) {
        this.pgTools = pgTools;
    }

    /** A confined role: its name, and the source's connection logged in as it. */
    record Confined(String role, SourceConnection login) {}

    /**
     * Creates a confined role that may open {@code connections} sessions (pg_restore's jobs), and makes the
     * source's user a member of it, so that user may create a database owned by it and take its objects later.
     */
    Confined create(SourceConnection admin, int connections) {
        String role = PREFIX + DatabaseNames.randomHex() + DatabaseNames.randomHex();
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        String password = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        try (Connection c = pgTools.connect(admin, admin.database());
                Statement statement = c.createStatement()) {
            // INHERIT (the default) is kept: as the database's owner the role is in pg_database_owner, which owns
            // the public schema, and only through it may create there
            statement.execute("create role " + role + " login nosuperuser nocreatedb nocreaterole"
                    + " noreplication nobypassrls connection limit " + connections);
            try {
                c.unwrap(PGConnection.class).alterUserPassword(role, password.toCharArray(), "scram-sha-256");
                statement.execute("grant " + role + " to " + DatabaseNames.quote(admin.username()));
            } catch (SQLException e) {
                dropRole(c, role);
                throw e;
            }
        } catch (SQLException e) {
            throw failure(admin, "Cannot create the role the uploaded archive is restored as", e);
        }
        return new Confined(role, admin.as(role, password));
    }

    /**
     * The functions in {@code database} that run with their owner's rights ({@code SECURITY DEFINER}): once the
     * source's user owns them, they run as that user for whoever may call them.
     */
    List<String> securityDefinerFunctions(SourceConnection admin, String database) {
        try (Connection c = pgTools.connect(admin, database);
                PreparedStatement query = c.prepareStatement("select p.oid::regprocedure::text from pg_proc p"
                        + " join pg_namespace n on n.oid = p.pronamespace where p.prosecdef"
                        + " and n.nspname not in ('pg_catalog', 'information_schema') order by 1")) {
            List<String> functions = new ArrayList<>();
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    functions.add(rows.getString(1));
                }
            }
            return functions;
        } catch (SQLException e) {
            throw failure(admin, "Cannot list the SECURITY DEFINER functions of database '" + database + "'", e);
        }
    }

    /** Gives everything {@code role} owns in {@code database} (the database too) to the source's user, then drops the role. */
    void handOver(SourceConnection admin, String database, String role) {
        try (Connection c = pgTools.connect(admin, database);
                Statement statement = c.createStatement()) {
            terminate(c, role);
            statement.execute("reassign owned by " + role + " to current_user");
            statement.execute("drop owned by " + role);
            statement.execute("drop role " + role);
        } catch (SQLException e) {
            throw failure(admin, "Cannot hand database '" + database + "' over from role " + role, e);
        }
    }

    /** Drops {@code role} (after its database was dropped) and what it holds in the source database; failures are only logged. */
    void dropQuietly(SourceConnection admin, String role) {
        try (Connection c = pgTools.connect(admin, admin.database())) {
            terminate(c, role);
            dropRole(c, role);
        } catch (SQLException e) {
            log.warn(
                    "could not drop role {} on {}:{}; drop it by hand (DROP OWNED BY {} in each database, then DROP"
                            + " ROLE): {}",
                    role,
                    admin.host(),
                    admin.port(),
                    role,
                    e.getMessage());
        }
    }

    private static void dropRole(Connection c, String role) throws SQLException {
        try (Statement statement = c.createStatement()) {
            statement.execute("drop owned by " + role);
            statement.execute("drop role if exists " + role);
        }
    }

    private static void terminate(Connection c, String role) throws SQLException {
        try (PreparedStatement kill = c.prepareStatement(
                "select pg_terminate_backend(pid) from pg_stat_activity where usename = ? and pid <> pg_backend_pid()")) {
            kill.setString(1, role);
            kill.executeQuery().close();
        }
    }

    private static JobFailureException failure(SourceConnection admin, String what, SQLException e) {
        if (SourceErrors.cannotConnect(e) || SourceErrors.timedOut(e)) {
            return SourceErrors.jobFailure(admin, admin.database(), what, e, FailureCode.PG_RESTORE_FAILED);
        }
        if (INSUFFICIENT_PRIVILEGE.equals(e.getSQLState())) {
            return new JobFailureException(
                    FailureCode.PG_RESTORE_FAILED,
                    what + " on " + admin.host() + ":" + admin.port() + ": " + e.getMessage() + ". An uploaded archive"
                            + " is restored as a temporary role confined to the new database, which user '"
                            + admin.username() + "' must be allowed to create: ALTER ROLE " + admin.username()
                            + " CREATEROLE (or register the source with a user that has it). Nothing was restored.",
                    false,
                    e);
        }
        String hint = PgErrorHints.hint(e.getMessage(), admin.host(), admin.port(), admin.database(), admin.username());
        return new JobFailureException(
                FailureCode.PG_RESTORE_FAILED,
                PgErrorHints.withHint(what + " on " + admin.host() + ":" + admin.port() + ": " + e.getMessage(), hint),
                PgErrorHints.isTransient(e.getMessage()),
                e);
    }
}

package io.strata.restore.logical;

import io.strata.common.model.FailureCode;
import io.strata.platform.catalog.CatalogApi.SourceConnection;
import io.strata.platform.jobs.JobFailureException;
import io.strata.platform.postgres.PgTools;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The roles an uploaded archive is restored as, and own it afterwards. An archive Strata did not write may hold any
 * SQL, and pg_restore runs it (a materialized view's refresh, for one, runs its query); as the source's user,
 * often a superuser, that SQL could run programs on the server ({@code COPY ... TO PROGRAM}), read its files or
 * change its settings. So the archive is restored by a temporary login role that is no superuser, may create no
 * database or role, and owns nothing but the new, empty database: whatever it runs is confined to that database.
 *
 * <p>What it made must not go to a privileged role afterwards either: PostgreSQL runs some of an owner's code as
 * the owner with nobody calling it (autovacuum's ANALYZE evaluates expression indexes as the table's owner), a
 * view runs with its owner's rights for whoever may read it, and so do SECURITY DEFINER functions. So once the
 * restore succeeded the role is locked out (NOLOGIN, no password), the settings and attributes it gave its
 * database are reset, and the objects stay with it, or go to the {@code owner} the request named, which must be
 * as unprivileged (no superuser, CREATEROLE, replication, BYPASSRLS, nor a member of the roles that reach the
 * server's files and programs). If anything fails, the database and the role are dropped.
 *
 * <p>The role logs in with a random password, set as a SCRAM verifier computed here (so the password never
 * reaches the server or its log in clear), valid for {@link #LOGIN_VALID_FOR} only. The source's user needs
 * CREATEROLE (or to be a superuser), and the server's pg_hba.conf must let the role log in as it lets that user.
 * Every session of the source's user in the restored database resolves names in {@code pg_catalog} alone
 * ({@link PgTools#connect}), so no function or operator the archive left can stand in for the catalog's.
 */
class ConfinedRoles {
    private static final Logger log = LoggerFactory.getLogger(ConfinedRoles.class);
    static final String PREFIX = "strata_upload_";
    /** How long the role may log in: a bound on a role a lost worker left behind. */
    static final Duration LOGIN_VALID_FOR = Duration.ofDays(2);

    private static final String INSUFFICIENT_PRIVILEGE = "42501";
    private static final SecureRandom RANDOM = new SecureRandom();
    private final PgTools pgTools;
    private final Clock clock;

    ConfinedRoles(PgTools pgTools, Clock clock) {
        this.pgTools = pgTools;
        this.clock = clock;
    }

    /** A confined role: its name, and the source's connection logged in as it. */
    record Confined(String role, SourceConnection login) {}

    /** The restored database, sealed: the role that owns what the archive made, and its SECURITY DEFINER functions. */
    record Sealed(String owner, List<String> securityDefinerFunctions) {}

    /**
     * Creates a confined role that may open {@code connections} sessions (pg_restore's jobs), and makes the
     * source's user a member of it, so that user may create a database owned by it and hand its objects on.
     */
    Confined create(SourceConnection admin, int connections) {
        String role = PREFIX + DatabaseNames.randomHex() + DatabaseNames.randomHex();
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        String password = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        String validUntil = clock.instant()
                .plus(LOGIN_VALID_FOR)
                .truncatedTo(ChronoUnit.SECONDS)
                .toString();
        try (Connection c = pgTools.connect(admin, admin.database());
                Statement statement = c.createStatement()) {
            // INHERIT (the default) is kept: as the database's owner the role is in pg_database_owner, which owns
            // the public schema, and only through it may create there
            statement.execute("create role " + role + " login nosuperuser nocreatedb nocreaterole"
                    + " noreplication nobypassrls connection limit " + connections + " valid until '" + validUntil
                    + "'");
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
     * Refuses an {@code owner} that does not exist on the source's server or that could do more than its own
     * objects allow: what the archive made would then run with those rights.
     */
    void requireUnprivileged(SourceConnection admin, String owner) {
        try (Connection c = pgTools.connect(admin, admin.database());
                PreparedStatement query = c.prepareStatement("select r.rolsuper, r.rolcreaterole, r.rolreplication,"
                        + " r.rolbypassrls, pg_has_role(r.oid, 'pg_execute_server_program', 'MEMBER')"
                        + " or pg_has_role(r.oid, 'pg_read_server_files', 'MEMBER')"
                        + " or pg_has_role(r.oid, 'pg_write_server_files', 'MEMBER')"
                        + " from pg_roles r where r.rolname = ?")) {
            query.setString(1, owner);
            try (ResultSet row = query.executeQuery()) {
                if (!row.next()) {
                    throw refused("Role '" + owner + "' does not exist on the source's server; create it first (the"
                            + " role the application uses), or leave owner out.");
                }
                List<String> powers = new ArrayList<>();
                String[] names = {
                    "SUPERUSER",
                    "CREATEROLE",
                    "REPLICATION",
                    "BYPASSRLS",
                    "a member of" + " pg_execute_server_program, pg_read_server_files or pg_write_server_files"
                };
                for (int i = 0; i < names.length; i++) {
                    if (row.getBoolean(i + 1)) {
                        powers.add(names[i]);
                    }
                }
                if (!powers.isEmpty()) {
                    throw refused("Role '" + owner + "' is " + String.join(", ", powers) + ": what an uploaded"
                            + " archive made would run with those rights (autovacuum runs an expression index's"
                            + " function as the table's owner; views and SECURITY DEFINER functions run as their"
                            + " owner). Name an unprivileged role, such as the application's, or leave owner out.");
                }
            }
        } catch (SQLException e) {
            throw failure(admin, "Cannot look up role '" + owner + "'", e);
        }
    }

    /**
     * After a successful restore: locks {@code role} out and ends its sessions, resets the settings and attributes
     * it gave {@code database}, lists the database's SECURITY DEFINER functions, and hands everything the role owns
     * there (the database too) to {@code owner} and drops the role, or, without an owner, leaves the objects with
     * the role, which can no longer log in.
     */
    Sealed seal(SourceConnection admin, String database, String role, String owner) {
        String quoted = DatabaseNames.quote(database);
        try (Connection c = pgTools.connect(admin, admin.database());
                Statement statement = c.createStatement()) {
            statement.execute("alter role " + role + " nologin password null");
            terminate(c, role);
            // pg_restore without --create restores no database settings: any there were set by the archive's
            // SQL, and would apply to every later session there, the source user's among them
            statement.execute("alter database " + quoted + " reset all");
            statement.execute(
                    "alter database " + quoted + " with is_template false allow_connections true connection limit -1");
        } catch (SQLException e) {
            throw failure(admin, "Cannot lock out role " + role + " and reset database '" + database + "'", e);
        }
        try (Connection c = pgTools.connect(admin, database)) {
            List<String> definers = securityDefinerFunctions(c);
            if (owner == null) {
                return new Sealed(role, definers);
            }
            try (Statement statement = c.createStatement()) {
                statement.execute("reassign owned by " + role + " to " + DatabaseNames.quote(owner));
                statement.execute("drop owned by " + role);
                statement.execute("drop role " + role);
            }
            return new Sealed(owner, definers);
        } catch (SQLException e) {
            throw failure(
                    admin,
                    "Cannot hand database '" + database + "' over from role " + role
                            + (owner == null ? "" : " to " + owner),
                    e);
        }
    }

    /** The functions of the session's database that run with their owner's rights ({@code SECURITY DEFINER}). */
    private static List<String> securityDefinerFunctions(Connection c) throws SQLException {
        try (PreparedStatement query = c.prepareStatement("select p.oid::regprocedure::text from pg_proc p"
                + " join pg_namespace n on n.oid = p.pronamespace where p.prosecdef"
                + " and n.nspname not in ('pg_catalog', 'information_schema') order by 1")) {
            List<String> functions = new ArrayList<>();
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    functions.add(rows.getString(1));
                }
            }
            return functions;
        }
    }

    /**
     * Before a failed restore's database is dropped: locks {@code role} out, ends its sessions and undoes what
     * would keep the database from being dropped (a template, connections refused); failures are only logged.
     */
    void disarmQuietly(SourceConnection admin, String database, String role) {
        try (Connection c = pgTools.connect(admin, admin.database());
                Statement statement = c.createStatement()) {
            statement.execute("alter role " + role + " nologin password null");
            terminate(c, role);
            statement.execute("alter database " + DatabaseNames.quote(database)
                    + " with is_template false allow_connections true");
        } catch (SQLException | RuntimeException e) {
            log.debug("disarming role {} and database {}: {}", role, database, e.getMessage());
        }
    }

    /** Drops {@code role} (after its database was dropped) and what it holds in the source database; failures are only logged. */
    void dropQuietly(SourceConnection admin, String role) {
        try (Connection c = pgTools.connect(admin, admin.database())) {
            terminate(c, role);
            dropRole(c, role);
        } catch (SQLException | RuntimeException e) {
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

    private static JobFailureException refused(String message) {
        return new JobFailureException(FailureCode.INVALID_TARGET, message + " Nothing was restored.", false);
    }

    private static JobFailureException failure(SourceConnection admin, String what, SQLException e) {
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
        return DatabaseAdmin.failure(admin, what, e);
    }
}

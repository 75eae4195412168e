package io.strata.gateway.sources;

import io.strata.gateway.problem.ApiException;
import io.strata.gateway.problem.FieldProblem;
import io.strata.platform.catalog.CatalogApi.SourceConnection;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.springframework.stereotype.Component;

/**
 * Checks, before WAL archiving is switched on, that the source can stream WAL without a restart of
 * Strata's making: {@code wal_level} at least {@code replica} (the default), free WAL senders and
 * replication slots, and a role allowed to replicate. Each refusal says exactly what to change.
 */
@Component
class WalReadiness {
    private static final String QUERY = """
            select current_setting('wal_level') as wal_level,
                   current_setting('max_wal_senders')::int as max_wal_senders,
                   current_setting('max_replication_slots')::int as max_replication_slots,
                   (select rolreplication or rolsuper from pg_roles where rolname = current_user) as can_replicate,
                   current_user as role""";
    private final SourceSql sql;

    WalReadiness(SourceSql sql) {
        this.sql = sql;
    }

    void requireReady(String source, SourceConnection server) {
        sql.run(source, server, "check whether it can archive WAL", (connection, ignored) -> {
            check(source, connection);
            return null;
        });
    }

    private static void check(String source, Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
                ResultSet settings = statement.executeQuery(QUERY)) {
            settings.next();
            String walLevel = settings.getString("wal_level");
            if ("minimal".equals(walLevel)) {
                throw refuse(
                        source,
                        "wal_level is 'minimal', which cannot be archived: set wal_level = replica in"
                                + " postgresql.conf (or ALTER SYSTEM SET wal_level = replica) and restart PostgreSQL");
            }
            if (settings.getInt("max_wal_senders") < 1) {
                throw refuse(
                        source,
                        "max_wal_senders is 0: set max_wal_senders = 10 (any value of at least 1 more"
                                + " than your replicas use) and restart PostgreSQL");
            }
            if (settings.getInt("max_replication_slots") < 1) {
                throw refuse(
                        source,
                        "max_replication_slots is 0: set max_replication_slots = 10 and restart"
                                + " PostgreSQL; Strata keeps WAL on the server with a slot while the archiver is down");
            }
            if (!settings.getBoolean("can_replicate")) {
                throw refuse(
                        source,
                        "role '" + settings.getString("role") + "' may not stream WAL: run ALTER ROLE "
                                + settings.getString("role") + " REPLICATION, and allow it in pg_hba.conf"
                                + " (host replication " + settings.getString("role")
                                + " <strata address> scram-sha-256)");
            }
        }
    }

    private static ApiException refuse(String source, String what) {
        String detail = "WAL archiving cannot be enabled for source '" + source + "': " + what;
        return ApiException.conflict(detail, new FieldProblem("walArchiving", what));
    }
}

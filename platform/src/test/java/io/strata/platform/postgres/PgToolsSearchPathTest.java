package io.strata.platform.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.platform.catalog.CatalogApi.SourceConnection;
import io.strata.platform.testing.ThrowawayPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Strata's sessions resolve names in pg_catalog alone, whatever the database's settings say: a database whose
 * owner set its search path to a schema of look-alikes (as an uploaded archive's role may) catches a plain
 * session's calls, and not one PgTools opens.
 */
class PgToolsSearchPathTest {
    @TempDir
    Path dir;

    @Test
    void aSessionPgToolsOpensIgnoresTheDatabasesSearchPath() throws Exception {
        try (ThrowawayPostgres server = ThrowawayPostgres.start(dir)) {
            server.execute("create database trapped");
            String url = "jdbc:postgresql://127.0.0.1:" + server.port() + "/trapped";
            try (Connection c = DriverManager.getConnection(url, "postgres", "");
                    Statement s = c.createStatement()) {
                s.execute("create schema trap");
                s.execute("create function trap.version() returns text language sql as $$ select 'caught' $$");
                s.execute("alter database trapped set search_path = trap, pg_catalog");
            }
            try (Connection plain = DriverManager.getConnection(url, "postgres", "")) {
                assertThat(one(plain, "select version()"))
                        .as("the trap is live for a session that takes the database's settings")
                        .isEqualTo("caught");
            }
            PgTools tools = new PgTools(
                    new PostgresProperties(Path.of("/usr/lib/postgresql/15/bin")), SourceNetworks.of(List.of()), "t");
            SourceConnection source =
                    new SourceConnection("trapped", "127.0.0.1", server.port(), "trapped", "postgres", "");
            try (Connection strata = tools.connect(source, "trapped")) {
                assertThat(one(strata, "show search_path")).isEqualTo("pg_catalog");
                assertThat(one(strata, "select version()")).startsWith("PostgreSQL 15");
            }
        }
    }

    private static String one(Connection c, String sql) throws Exception {
        try (Statement s = c.createStatement();
                ResultSet rows = s.executeQuery(sql)) {
            rows.next();
            return rows.getString(1);
        }
    }
}

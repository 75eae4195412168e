package io.strata.e2e;

import io.strata.devstack.PgCluster;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Databases on the source cluster with shop-like data, and the proof of equality WAL-G's suite uses:
 * the row count and an ordered checksum of every table.
 */
final class SampleDatabase {
    private SampleDatabase() {}

    /** Creates {@code name} with customers and {@code invoices} invoices of realistic, non-blank rows. */
    static void create(PgCluster cluster, String name, int invoices) throws SQLException {
        execute(cluster, "postgres", "CREATE DATABASE " + name);
        execute(cluster, name, """
                CREATE TABLE customers (
                    id bigserial PRIMARY KEY, name text NOT NULL, email text NOT NULL, country text NOT NULL);
                CREATE TABLE invoices (
                    id bigserial PRIMARY KEY,
                    number text NOT NULL UNIQUE,
                    customer_id bigint NOT NULL REFERENCES customers(id),
                    amount numeric(12,2) NOT NULL,
                    issued_at timestamptz NOT NULL,
                    status text NOT NULL,
                    notes text);
                CREATE INDEX invoices_customer ON invoices(customer_id);
                CREATE VIEW open_invoices AS SELECT * FROM invoices WHERE status = 'open';
                INSERT INTO customers(name, email, country)
                    SELECT 'Customer ' || g, 'c' || g || '@example.com', (ARRAY['ES','DE','FR','PT','IT'])[1 + g % 5]
                    FROM generate_series(1, 200) g;
                """);
        execute(cluster, name, """
                INSERT INTO invoices(number, customer_id, amount, issued_at, status, notes)
                    SELECT 'INV-' || lpad(g::text, 7, '0'), 1 + mod(g, 200), round((random() * 5000)::numeric, 2),
                           timestamptz '2026-01-01' + g * interval '7 minutes',
                           (ARRAY['open','paid','void'])[1 + mod(g, 3)], md5(g::text) || ' ' || md5((g * 7)::text)
                    FROM generate_series(1, %d) g;
                """.formatted(invoices));
    }

    static void execute(PgCluster cluster, String database, String sql) throws SQLException {
        try (Connection c = cluster.connect(database);
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** The first column of the first row of {@code sql} (constant SQL of the test), as text. */
    static String queryOne(PgCluster cluster, String database, String sql) throws SQLException {
        try (Connection c = cluster.connect(database);
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getString(1);
        }
    }

    static long count(PgCluster cluster, String database, String table) throws SQLException {
        try (Connection c = cluster.connect(database);
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT count(*) FROM " + table)) {
            r.next();
            return r.getLong(1);
        }
    }

    static boolean exists(PgCluster cluster, String database) throws SQLException {
        try (Connection c = cluster.connect("postgres");
                var s = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
            s.setString(1, database);
            try (ResultSet r = s.executeQuery()) {
                return r.next();
            }
        }
    }

    /** table name -> "rows:md5 of all rows in order", for every base table of the public schema. */
    static Map<String, String> fingerprint(PgCluster cluster, String database) throws SQLException {
        Map<String, String> result = new TreeMap<>();
        try (Connection c = cluster.connect(database)) {
            List<String> tables = new ArrayList<>();
            try (Statement s = c.createStatement();
                    ResultSet r = s.executeQuery("SELECT table_name FROM information_schema.tables "
                            + "WHERE table_schema = 'public' AND table_type = 'BASE TABLE'")) {
                while (r.next()) {
                    tables.add(r.getString(1));
                }
            }
            for (String table : tables) {
                try (Statement s = c.createStatement();
                        ResultSet r = s.executeQuery(
                                "SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM "
                                        + table + " t")) {
                    r.next();
                    result.put(table, r.getLong(1) + ":" + r.getString(2));
                }
            }
        }
        return result;
    }
}

package io.strata.devstack.demo;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;

/** The demo's shop database on the stack's source PostgreSQL: creating it, breaking it, measuring it. */
final class DemoDatabase {
    static final String DATABASE = "demo_shop";
    static final int INVOICES = 5000;

    private final String host;
    private final int port;
    private final Properties credentials = new Properties();

    DemoDatabase(Map<String, String> env) {
        this.host = env.get("STRATA_SOURCE_PG_HOST");
        this.port = Integer.parseInt(env.get("STRATA_SOURCE_PG_PORT"));
        credentials.setProperty("user", env.get("STRATA_SOURCE_PG_USER"));
        credentials.setProperty("password", env.get("STRATA_SOURCE_PG_PASSWORD"));
    }

    /** What a restore must bring back exactly: how many invoices, their total, and a checksum of every row. */
    record Snapshot(long invoices, BigDecimal total, String checksum) {}

    String host() {
        return host;
    }

    int port() {
        return port;
    }

    String user() {
        return credentials.getProperty("user");
    }

    String password() {
        return credentials.getProperty("password");
    }

    /** A fresh {@code demo_shop} with 5000 invoices; the same rows every time, so runs are comparable. */
    void create() throws SQLException {
        try (Connection c = connect("postgres");
                Statement s = c.createStatement()) {
            s.execute("DROP DATABASE IF EXISTS " + DATABASE + " WITH (FORCE)");
            s.execute("CREATE DATABASE " + DATABASE);
        }
        try (Connection c = connect(DATABASE);
                Statement s = c.createStatement()) {
            s.execute("""
                    CREATE TABLE invoices (
                        id        bigserial PRIMARY KEY,
                        number    text NOT NULL UNIQUE,
                        customer  text NOT NULL,
                        amount    numeric(12,2) NOT NULL,
                        issued_at timestamptz NOT NULL,
                        status    text NOT NULL)""");
            s.execute("""
                    INSERT INTO invoices (number, customer, amount, issued_at, status)
                    SELECT format('INV-2025-%%s', lpad(g::text, 6, '0')),
                           (ARRAY['Acme Corp', 'Globex', 'Initech', 'Umbrella Ltd', 'Stark Industries',
                                  'Wayne Enterprises', 'Hooli', 'Soylent', 'Cyberdyne', 'Wonka Industries'])[1 + (g * 7) %% 10],
                           round(19.90 + ((g * 7919) %% 250000) / 100.0, 2),
                           timestamptz '2025-01-01 08:00:00+00' + g * interval '97 minutes',
                           (ARRAY['paid', 'paid', 'paid', 'open', 'overdue', 'void'])[1 + (g * 13) %% 6]
                    FROM generate_series(1, %d) AS g""".formatted(INVOICES));
        }
    }

    Snapshot snapshot(String database) throws SQLException {
        try (Connection c = connect(database);
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("""
                        SELECT count(*), coalesce(sum(amount), 0),
                               coalesce(md5(string_agg(i::text, '|' ORDER BY id)), '-')
                        FROM invoices i""")) {
            r.next();
            return new Snapshot(r.getLong(1), r.getBigDecimal(2), r.getString(3));
        }
    }

    /** The accident the demo recovers from. */
    long deleteAllInvoices() throws SQLException {
        try (Connection c = connect(DATABASE);
                Statement s = c.createStatement()) {
            return s.executeUpdate("DELETE FROM invoices");
        }
    }

    private Connection connect(String database) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://" + host + ":" + port + "/" + database, credentials);
    }
}

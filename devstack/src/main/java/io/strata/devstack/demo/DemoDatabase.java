package io.strata.devstack.demo;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.Properties;

/**
 * The demo's shop database on the stack's source PostgreSQL (or on a cluster restored from it): creating
 * it, writing to it, breaking it, measuring it.
 */
final class DemoDatabase {
    static final String DATABASE = "demo_shop";
    static final int INVOICES = 5000;
    /** The columns of a {@link Snapshot}. */
    private static final String MEASURES =
            "count(*), coalesce(sum(amount), 0), coalesce(md5(string_agg(i::text, '|' ORDER BY id)), '-')";

    private final String host;
    private final int port;
    private final Properties credentials;

    DemoDatabase(Map<String, String> env) {
        this(env.get("STRATA_SOURCE_PG_HOST"), Integer.parseInt(env.get("STRATA_SOURCE_PG_PORT")), new Properties());
        credentials.setProperty("user", env.get("STRATA_SOURCE_PG_USER"));
        credentials.setProperty("password", env.get("STRATA_SOURCE_PG_PASSWORD"));
    }

    private DemoDatabase(String host, int port, Properties credentials) {
        this.host = host;
        this.port = port;
        this.credentials = credentials;
    }

    /** What a restore must bring back exactly: how many invoices, their total, and a checksum of every row. */
    record Snapshot(long invoices, BigDecimal total, String checksum) {
        String describe() {
            return invoices + " invoices, total " + total + ", checksum " + checksum;
        }

        /** A {@link DemoFailure} unless {@code restored} is exactly this snapshot. */
        void requireRestoredAs(Snapshot restored, String where) {
            if (!equals(restored)) {
                throw new DemoFailure(where + " differs: " + restored.describe() + " instead of " + describe()
                        + "; see ./strata logs restore-worker");
            }
        }
    }

    /** The invoices as they were at {@code time}, by the database server's clock. */
    record Moment(Instant time, Snapshot invoices) {}

    /**
     * The same database in a cluster restored on this host from this one's cluster: it listens on 127.0.0.1
     * and has the source's roles and passwords.
     */
    DemoDatabase restoredOn(int restoredPort) {
        return new DemoDatabase("127.0.0.1", restoredPort, credentials);
    }

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

    /**
     * {@code demo_shop} with a fresh table of 5000 invoices; the same rows every time, so runs are comparable.
     * The database itself is kept when it exists: after a first run the wal-archiver holds a connection to
     * it, which dropping it would cut (see the README's "What is not done yet").
     */
    void create() throws SQLException {
        try (Connection c = connect("postgres");
                Statement s = c.createStatement()) {
            boolean exists;
            try (ResultSet r = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + DATABASE + "'")) {
                exists = r.next();
            }
            if (!exists) {
                s.execute("CREATE DATABASE " + DATABASE);
            }
        }
        try (Connection c = connect(DATABASE);
                Statement s = c.createStatement()) {
            s.execute("DROP TABLE IF EXISTS invoices");
            s.execute("""
                    CREATE TABLE invoices (
                        id        bigserial PRIMARY KEY,
                        number    text NOT NULL UNIQUE,
                        customer  text NOT NULL,
                        amount    numeric(12,2) NOT NULL,
                        issued_at timestamptz NOT NULL,
                        status    text NOT NULL)""");
        }
        addInvoices(INVOICES);
    }

    /** Writes {@code count} more invoices, numbered on from the last one ever written. */
    void addInvoices(int count) throws SQLException {
        try (Connection c = connect(DATABASE);
                Statement s = c.createStatement()) {
            s.execute("""
                    INSERT INTO invoices (id, number, customer, amount, issued_at, status)
                    SELECT g, format('INV-2025-%%s', lpad(g::text, 6, '0')),
                           (ARRAY['Acme Corp', 'Globex', 'Initech', 'Umbrella Ltd', 'Stark Industries',
                                  'Wayne Enterprises', 'Hooli', 'Soylent', 'Cyberdyne', 'Wonka Industries'])[1 + (g * 7) %% 10],
                           round(19.90 + ((g * 7919) %% 250000) / 100.0, 2),
                           timestamptz '2025-01-01 08:00:00+00' + g * interval '97 minutes',
                           (ARRAY['paid', 'paid', 'paid', 'open', 'overdue', 'void'])[1 + (g * 13) %% 6]
                    FROM (SELECT nextval('invoices_id_seq')::int AS g FROM generate_series(1, %d)) AS numbers""".formatted(count));
        }
    }

    Snapshot snapshot(String database) throws SQLException {
        try (Connection c = connect(database);
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT " + MEASURES + " FROM invoices i")) {
            r.next();
            return snapshot(r);
        }
    }

    /** The server's {@code now()} and the invoices at that moment, read in one statement. */
    Moment now() throws SQLException {
        try (Connection c = connect(DATABASE);
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT " + MEASURES + ", now() FROM invoices i")) {
            r.next();
            return new Moment(r.getObject(4, OffsetDateTime.class).toInstant(), snapshot(r));
        }
    }

    /** The accident the demo recovers from. */
    long deleteAllInvoices() throws SQLException {
        try (Connection c = connect(DATABASE);
                Statement s = c.createStatement()) {
            return s.executeUpdate("DELETE FROM invoices");
        }
    }

    private static Snapshot snapshot(ResultSet r) throws SQLException {
        return new Snapshot(r.getLong(1), r.getBigDecimal(2), r.getString(3));
    }

    private Connection connect(String database) throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://" + host + ":" + port + "/" + database, credentials);
    }
}

package io.strata.devstack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;
import java.util.Properties;

/**
 * A PostgreSQL 15 cluster of the dev stack: its own data directory, listening on 127.0.0.1 only
 * (no Unix socket), password authentication for TCP, WAL level {@code replica} so physical backups
 * and WAL streaming work against it.
 */
public final class PgCluster implements AutoCloseable {
    private static final String SUPERUSER = "postgres";

    private final String name;
    private final Path dataDir;
    private final int port;
    private final String password;
    private final PgCommands pg;
    private boolean running;

    private PgCluster(String name, Path dataDir, int port, String password, PgCommands pg) {
        this.name = name;
        this.dataDir = dataDir;
        this.port = port;
        this.password = password;
        this.pg = pg;
    }

    /** initdb's a new cluster in {@code baseDir/<name>} and starts it; its log is {@code baseDir/<name>.log}. */
    static PgCluster create(String name, Path baseDir, PgCommands pg) throws IOException {
        PgCluster cluster = new PgCluster(name, baseDir.resolve(name), Ports.free(), Secrets.random(24), pg);
        cluster.initdb();
        cluster.configure();
        cluster.start();
        return cluster;
    }

    private void initdb() throws IOException {
        Path pwfile = dataDir.resolveSibling(name + ".pw");
        pg.writePrivateFile(pwfile, password + "\n");
        try {
            pg.run(
                    "initdb",
                    List.of(
                            "-D",
                            dataDir.toString(),
                            "-U",
                            SUPERUSER,
                            "--auth-local=peer",
                            "--auth-host=scram-sha-256",
                            "--pwfile=" + pwfile,
                            "--encoding=UTF8",
                            "--locale=C.UTF-8",
                            "--no-instructions"));
        } finally {
            Files.deleteIfExists(pwfile);
        }
    }

    /** Settings go to postgresql.conf, not the command line, so a hand-run {@code pg_ctl start} behaves the same. */
    private void configure() throws IOException {
        String settings = """

                # strata dev stack
                listen_addresses = '127.0.0.1'
                port = %d
                unix_socket_directories = ''
                max_connections = 100
                shared_buffers = 128MB
                wal_level = replica
                # every source with WAL archiving holds a sender and a slot, and the tests register dozens of
                # sources on this one server; physical backups need a sender more
                max_wal_senders = 40
                max_replication_slots = 40
                """.formatted(port);
        Files.writeString(dataDir.resolve("postgresql.conf"), settings, StandardOpenOption.APPEND);
    }

    private void start() {
        pg.run("pg_ctl", List.of("-D", dataDir.toString(), "-l", logFile().toString(), "-w", "-t", "90", "start"));
        running = true;
    }

    public String name() {
        return name;
    }

    public String host() {
        return "127.0.0.1";
    }

    public int port() {
        return port;
    }

    public String superuser() {
        return SUPERUSER;
    }

    public String password() {
        return password;
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + host() + ":" + port + "/" + database;
    }

    public Connection connect(String database) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", SUPERUSER);
        props.setProperty("password", password);
        return DriverManager.getConnection(jdbcUrl(database), props);
    }

    public Path dataDir() {
        return dataDir;
    }

    public Path logFile() {
        return dataDir.resolveSibling(name + ".log");
    }

    /** Fast shutdown: open sessions are ended, committed work is kept. Idempotent. */
    public synchronized void stop() {
        if (running && Files.exists(dataDir.resolve("postmaster.pid"))) {
            pg.run("pg_ctl", List.of("-D", dataDir.toString(), "-m", "fast", "-w", "-t", "60", "stop"));
        }
        running = false;
    }

    @Override
    public void close() {
        stop();
    }

    void createDatabase(String database) throws SQLException {
        try (Connection c = connect("postgres");
                var statement = c.createStatement()) {
            statement.execute("CREATE DATABASE \"" + database + "\"");
        }
    }

    @Override
    public String toString() {
        return name + " (PostgreSQL on " + host() + ":" + port + ", data " + dataDir + ")";
    }
}

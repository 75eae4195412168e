package io.strata.platform.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A PostgreSQL 15 cluster for one test class, run as the {@code postgres} OS user (the server
 * refuses root), trusting TCP from 127.0.0.1 including replication connections until {@link #hba} says
 * otherwise. Shared by the modules' tests through platform's test jar.
 */
public final class ThrowawayPostgres implements AutoCloseable {
    private static final Path BIN =
            Path.of(System.getenv().getOrDefault("STRATA_PG_BIN", "/usr/lib/postgresql/15/bin"));
    private final Path dataDir;
    private final int port;

    private ThrowawayPostgres(Path dataDir, int port) {
        this.dataDir = dataDir;
        this.port = port;
    }

    public static ThrowawayPostgres start(Path baseDir, String... settings) throws IOException, InterruptedException {
        return start(baseDir, List.of(), settings);
    }

    /** As {@link #start(Path, String...)}, with more {@code initdb} options (an encoding, a locale). */
    public static ThrowawayPostgres start(Path baseDir, List<String> initdbOptions, String... settings)
            throws IOException, InterruptedException {
        run("chown", "postgres", baseDir.toString());
        Path dataDir = baseDir.resolve("data");
        List<String> initdb = new ArrayList<>(List.of(
                BIN.resolve("initdb").toString(),
                "-D",
                dataDir.toString(),
                "-U",
                "postgres",
                "--auth=trust",
                "--no-instructions"));
        initdb.addAll(initdbOptions);
        runAsPostgres(initdb.toArray(String[]::new));
        int port = freePort();
        List<String> conf = new ArrayList<>(List.of(
                "port = " + port,
                "listen_addresses = '127.0.0.1'",
                "unix_socket_directories = ''",
                "wal_level = replica",
                "max_wal_senders = 5",
                "max_replication_slots = 5"));
        conf.addAll(List.of(settings));
        Files.writeString(
                dataDir.resolve("postgresql.conf"), "\n" + String.join("\n", conf) + "\n", StandardOpenOption.APPEND);
        ThrowawayPostgres postgres = new ThrowawayPostgres(dataDir, port);
        runAsPostgres(
                BIN.resolve("pg_ctl").toString(),
                "-D",
                dataDir.toString(),
                "-l",
                baseDir.resolve("server.log").toString(),
                "-w",
                "start");
        return postgres;
    }

    /** A streaming standby of {@code primary} in {@code baseDir/data}, started. */
    public static ThrowawayPostgres standbyOf(ThrowawayPostgres primary, Path baseDir)
            throws IOException, InterruptedException {
        run("chown", "postgres", baseDir.toString());
        Path dataDir = baseDir.resolve("data");
        runAsPostgres(
                BIN.resolve("pg_basebackup").toString(),
                "-h",
                "127.0.0.1",
                "-p",
                String.valueOf(primary.port),
                "-U",
                "postgres",
                "-D",
                dataDir.toString(),
                "-R",
                "-X",
                "stream");
        int port = freePort();
        Files.writeString(dataDir.resolve("postgresql.conf"), "\nport = " + port + "\n", StandardOpenOption.APPEND);
        runAsPostgres(
                BIN.resolve("pg_ctl").toString(),
                "-D",
                dataDir.toString(),
                "-l",
                baseDir.resolve("server.log").toString(),
                "-w",
                "start");
        return new ThrowawayPostgres(dataDir, port);
    }

    public void promote() throws IOException, InterruptedException {
        runAsPostgres(BIN.resolve("pg_ctl").toString(), "-D", dataDir.toString(), "-w", "promote");
    }

    public int port() {
        return port;
    }

    public Path dataDir() {
        return dataDir;
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/postgres", "postgres", "");
    }

    public void execute(String... statements) throws SQLException {
        try (Connection connection = connect();
                var statement = connection.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
        }
    }

    /**
     * Replaces pg_hba.conf with {@code lines} and waits until the server has reread its configuration. The
     * lines must still let user {@code postgres} in from 127.0.0.1 without a password (this waits through it).
     */
    public void hba(String... lines) throws IOException, InterruptedException, SQLException {
        Files.writeString(dataDir.resolve("pg_hba.conf"), String.join("\n", lines) + "\n");
        try (Connection connection = connect();
                var statement = connection.createStatement()) {
            java.sql.Timestamp before = loadTime(statement);
            statement.execute("select pg_reload_conf()");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!loadTime(statement).after(before)) {
                if (System.nanoTime() > deadline) {
                    throw new IOException("the server did not reload pg_hba.conf within 30 s");
                }
                Thread.onSpinWait();
            }
        }
    }

    private static java.sql.Timestamp loadTime(java.sql.Statement statement) throws SQLException {
        try (var row = statement.executeQuery("select pg_conf_load_time()")) {
            row.next();
            return row.getTimestamp(1);
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        runAsPostgres(BIN.resolve("pg_ctl").toString(), "-D", dataDir.toString(), "-m", "fast", "-w", "stop");
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void runAsPostgres(String... command) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
        full.addAll(List.of(command));
        run(full.toArray(String[]::new));
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + new String(output));
        }
    }
}

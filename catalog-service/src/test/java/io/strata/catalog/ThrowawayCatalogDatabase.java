package io.strata.catalog;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real PostgreSQL 15 for the catalog's integration tests, one per test JVM: started on first use as the
 * {@code postgres} OS user (the server refuses root), UTF-8 like production, trusting TCP from 127.0.0.1,
 * stopped and deleted when the JVM exits. The same approach as the wal-archiver's {@code ThrowawayPostgres}.
 */
public final class ThrowawayCatalogDatabase {
    private static final Path BIN =
            Path.of(System.getenv().getOrDefault("STRATA_PG_BIN", "/usr/lib/postgresql/15/bin"));
    private static ThrowawayCatalogDatabase shared;
    private final Path baseDir;
    private final int port;

    private ThrowawayCatalogDatabase(Path baseDir, int port) {
        this.baseDir = baseDir;
        this.port = port;
    }

    /** The JVM's database, started on the first call. */
    public static synchronized ThrowawayCatalogDatabase shared() {
        if (shared == null) {
            try {
                shared = start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while starting PostgreSQL", e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(shared::stopQuietly, "stop-catalog-test-postgres"));
        }
        return shared;
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/postgres";
    }

    public String user() {
        return "postgres";
    }

    private static ThrowawayCatalogDatabase start() throws IOException, InterruptedException {
        Path baseDir = Files.createTempDirectory("strata-catalog-pg");
        run("chown", "postgres", baseDir.toString());
        Path dataDir = baseDir.resolve("data");
        runAsPostgres(
                BIN.resolve("initdb").toString(),
                "-D",
                dataDir.toString(),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-instructions");
        int port = freePort();
        Files.writeString(
                dataDir.resolve("postgresql.conf"),
                "\nport = " + port + "\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = ''\n",
                StandardOpenOption.APPEND);
        runAsPostgres(
                BIN.resolve("pg_ctl").toString(),
                "-D",
                dataDir.toString(),
                "-l",
                baseDir.resolve("server.log").toString(),
                "-w",
                "start");
        return new ThrowawayCatalogDatabase(baseDir, port);
    }

    private void stopQuietly() {
        try {
            runAsPostgres(
                    BIN.resolve("pg_ctl").toString(),
                    "-D",
                    baseDir.resolve("data").toString(),
                    "-m",
                    "immediate",
                    "-w",
                    "stop");
            try (Stream<Path> files = Files.walk(baseDir)) {
                files.sorted(Comparator.reverseOrder())
                        .forEach(path -> path.toFile().delete());
            }
        } catch (IOException | InterruptedException e) {
            System.err.println("Could not stop the test PostgreSQL in " + baseDir + ": " + e.getMessage());
        }
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

package io.strata.catalog;

import io.strata.platform.testing.ThrowawayPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The catalog's database for its integration tests, one per test JVM: a {@link ThrowawayPostgres} started on
 * first use, UTF-8 like production, stopped and deleted when the JVM exits.
 */
public final class ThrowawayCatalogDatabase {
    private static ThrowawayCatalogDatabase shared;
    private final Path baseDir;
    private final ThrowawayPostgres postgres;

    private ThrowawayCatalogDatabase(Path baseDir, ThrowawayPostgres postgres) {
        this.baseDir = baseDir;
        this.postgres = postgres;
    }

    /** The JVM's database, started on the first call. */
    public static synchronized ThrowawayCatalogDatabase shared() {
        if (shared == null) {
            try {
                Path baseDir = Files.createTempDirectory("strata-catalog-pg");
                shared = new ThrowawayCatalogDatabase(
                        baseDir, ThrowawayPostgres.start(baseDir, List.of("--encoding=UTF8", "--locale=C.UTF-8")));
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
        return "jdbc:postgresql://127.0.0.1:" + postgres.port() + "/postgres";
    }

    public String user() {
        return "postgres";
    }

    private void stopQuietly() {
        try {
            postgres.close();
            try (Stream<Path> files = Files.walk(baseDir)) {
                files.sorted(Comparator.reverseOrder())
                        .forEach(path -> path.toFile().delete());
            }
        } catch (IOException | InterruptedException e) {
            System.err.println("Could not stop the test PostgreSQL in " + baseDir + ": " + e.getMessage());
        }
    }
}

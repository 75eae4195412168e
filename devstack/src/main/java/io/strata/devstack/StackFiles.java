package io.strata.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/** The files a dev stack leaves in its state directory for scripts and people to find. */
public final class StackFiles {
    public static final String STACK_ENV = "stack.env";
    public static final String ADMIN_TOKEN = "admin-token";
    public static final String PID = "devstack.pid";
    /** The catalog's key for source passwords at rest (a keyring file, mode 0600); new with every stack. */
    static final String CATALOG_SECRETS_KEYS = "catalog-secrets.keys";
    /**
     * The keyrings of client-side encryption: one 0600 file per service that stores or reads backups, the
     * same key in each at start (a test may change one service's file: services re-read it when it changes).
     */
    static final String ENCRYPTION_KEYS = "encryption-keys";
    /**
     * Where {@code ./strata kill|stop|start <instance>} leaves its requests for the running stack ({@link
     * ControlChannel}); private to the owner.
     */
    static final String CONTROL = "control";
    /** Where the PostgreSQL data went when the state directory was not reachable by the postgres user. */
    static final String PG_LOCATION = "pg-location";
    /** What a previous stack may have left; nothing else in the state directory is ever deleted. */
    private static final List<String> OWNED = List.of(
            "kafka",
            "s3",
            "pg",
            "restores",
            "logs",
            "storage",
            STACK_ENV,
            ADMIN_TOKEN,
            PG_LOCATION,
            CATALOG_SECRETS_KEYS,
            ENCRYPTION_KEYS,
            CONTROL);

    private StackFiles() {}

    /** Writes {@code KEY=VALUE} lines readable by the owner only (they hold passwords and tokens). */
    static void writeSecret(Path file, String content) throws IOException {
        Files.deleteIfExists(file);
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (FileAlreadyExistsException e) {
            throw new IOException(file + " appeared while being written; is another dev stack starting here?", e);
        }
        Files.writeString(file, content, StandardOpenOption.TRUNCATE_EXISTING);
    }

    static String format(Map<String, String> values) {
        StringBuilder out = new StringBuilder();
        values.forEach((k, v) -> out.append(k).append('=').append(v).append('\n'));
        return out.toString();
    }

    /** Reads {@code stateDir/stack.env} of a running stack. */
    public static Map<String, String> readEnv(Path stateDir) throws IOException {
        Path file = stateDir.resolve(STACK_ENV);
        if (!Files.exists(file)) {
            throw new DevStackException("no dev stack described in " + file + ": start one with ./strata up");
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            int eq = line.indexOf('=');
            if (eq > 0 && !line.startsWith("#")) {
                values.put(line.substring(0, eq).strip(), line.substring(eq + 1).strip());
            }
        }
        return values;
    }

    /** The pid recorded in {@code devstack.pid} when that process is still alive. */
    static Optional<ProcessHandle> livePid(Path stateDir) {
        Path file = stateDir.resolve(PID);
        try {
            long pid = Long.parseLong(Files.readString(file).strip());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Removes what a stack left in {@code stateDir}, including PostgreSQL data kept elsewhere; nothing else. */
    static void clearPrevious(Path stateDir) throws IOException {
        Path location = stateDir.resolve(PG_LOCATION);
        if (Files.exists(location)) {
            Path pgDir = Path.of(Files.readString(location).strip());
            if (pgDir.getFileName().toString().startsWith("strata-pg-")) {
                deleteRecursively(pgDir);
            }
        }
        for (String name : OWNED) {
            deleteRecursively(stateDir.resolve(name));
        }
    }

    static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw new IOException(
                    "could not delete " + root + ": " + e.getCause().getMessage(), e.getCause());
        }
    }
}

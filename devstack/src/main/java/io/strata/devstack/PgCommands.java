package io.strata.devstack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs PostgreSQL's server programs. The server refuses to run as root, so when we are root every
 * server program runs as the {@code postgres} OS user and the directories it writes are handed to it.
 */
final class PgCommands {
    private static final Duration TIMEOUT = Duration.ofSeconds(120);

    private final Path binDir;
    private final boolean root;

    PgCommands(Path binDir) {
        if (!Files.isExecutable(binDir.resolve("initdb"))) {
            throw new DevStackException(
                    "no PostgreSQL server programs in " + binDir
                            + ": install PostgreSQL 15 (apt-get install postgresql-15) or set STRATA_PG_BIN to its bin directory");
        }
        this.binDir = binDir;
        this.root = isRoot();
    }

    static Path defaultBinDir() {
        String configured = System.getenv("STRATA_PG_BIN");
        return Path.of(configured == null || configured.isBlank() ? "/usr/lib/postgresql/15/bin" : configured);
    }

    Path binDir() {
        return binDir;
    }

    boolean runsAsPostgresUser() {
        return root;
    }

    String run(String program, List<String> args) {
        List<String> command = new ArrayList<>();
        if (root) {
            command.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        command.add(binDir.resolve(program).toString());
        command.addAll(args);
        // LC_ALL keeps initdb from inheriting a locale the machine may not have generated
        return Commands.run(command, Map.of("LC_ALL", "C.UTF-8", "LANG", "C.UTF-8"), TIMEOUT);
    }

    /** Creates {@code dir} (mode 700) owned by whoever runs the server programs. */
    void createPrivateDir(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        handOver(dir);
    }

    /** Writes a file only the server's user can read. */
    void writePrivateFile(Path file, String content) throws IOException {
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
        handOver(file);
    }

    private void handOver(Path path) throws IOException {
        if (root) {
            UserPrincipal postgres =
                    path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
            Files.setOwner(path, postgres);
        }
    }

    /** Whether this process runs as root (and hands the clusters to the postgres user). */
    boolean runsAsRoot() {
        return root;
    }

    /**
     * Whether the postgres user can reach {@code dir}: every ancestor must let others through.
     * Irrelevant when we are not root, since then the server runs as us.
     */
    boolean canTraverse(Path dir) throws IOException {
        if (!root) {
            return true;
        }
        for (Path p = dir.toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.exists(p) && !Files.getPosixFilePermissions(p).contains(PosixFilePermission.OTHERS_EXECUTE)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isRoot() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
        } catch (IOException | UnsupportedOperationException e) {
            return "root".equals(System.getProperty("user.name"));
        }
    }
}

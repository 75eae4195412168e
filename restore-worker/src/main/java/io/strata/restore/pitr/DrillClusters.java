package io.strata.restore.pitr;

import io.strata.common.model.FailureCode;
import io.strata.platform.catalog.CatalogApi.SourceConnection;
import io.strata.platform.jobs.JobFailureException;
import io.strata.platform.jobs.JobReporter;
import io.strata.platform.logical.ToolProcesses;
import io.strata.platform.postgres.PgTools;
import io.strata.platform.postgres.ProcessOutput;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The throw-away clusters of restore drills, each in its own directory under {@code strata-drills} in the
 * first data root, listening on a free loopback port only. A drill's directory has a marker beside it naming
 * the worker process that owns it; a drill whose worker died (killed, host restarted) is stopped and removed
 * by the next drill on the host, so abandoned copies of a company's data do not pile up.
 */
public class DrillClusters {
    private static final Logger log = LoggerFactory.getLogger(DrillClusters.class);
    static final String DIRECTORY = "strata-drills";
    private static final String OWNER_SUFFIX = ".owner";
    /** The superuser of a fresh drill cluster (logical drills); its password is random and never stored. */
    static final String SUPERUSER = "strata_drill";

    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration STARTUP_GRACE = Duration.ofSeconds(15);
    private final PointInTimeRestore pitr;
    private final PgTools pgTools;
    private final OsUser user;
    private final Path root;

    DrillClusters(PointInTimeRestore pitr, PgTools pgTools, PitrProperties properties, Path firstDataRoot) {
        this.pitr = pitr;
        this.pgTools = pgTools;
        this.user = new OsUser(properties.osUser());
        this.root = firstDataRoot.resolve(DIRECTORY);
    }

    /** A new, not yet existing directory for the drill of job {@code jobId}, marked as this process's. */
    public Path claim(String jobId) throws IOException {
        Files.createDirectories(root);
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwxr-xr-x"));
        sweepAbandoned();
        Path dir = root.resolve("drill-" + jobId);
        // a retry of the same job on this host after its worker died: throw its half-made cluster away first
        discard(dir);
        Files.writeString(marker(dir), ProcessHandle.current().pid() + "\n", StandardCharsets.UTF_8);
        return dir;
    }

    /** Restores {@code backupId} of {@code source} with its chain, recovered to the end of its WAL, into {@code dir}. */
    public PointInTimeRestore.DrillCluster restore(
            SourceConnection source, String backupId, Path dir, JobReporter reporter) throws IOException {
        PointInTimeRestore.DrillCluster cluster = pitr.drill(source, backupId, dir, reporter);
        return new PointInTimeRestore.DrillCluster(cluster.connection(), cluster.restored(), () -> {
            cluster.close();
            deleteMarker(dir);
        });
    }

    /**
     * A new, empty cluster in {@code dir} (initdb as the cluster's user, its superuser {@value #SUPERUSER} with a
     * random password, checksums on, fsync off: it lives for minutes), started on a free loopback port.
     */
    public PointInTimeRestore.DrillCluster fresh(Path dir) throws IOException {
        String password = HexFormat.of().formatHex(new SecureRandom().generateSeed(24));
        int port = PointInTimeRestore.anyFreePort();
        SourceConnection login = new SourceConnection("drill", "127.0.0.1", port, "postgres", SUPERUSER, password);
        RecoveringServer server = new RecoveringServer(pgTools, user, dir, port, login);
        Runnable discard = () -> {
            server.stopImmediately();
            PointInTimeRestore.deleteTree(dir, true);
            deleteMarker(dir);
        };
        boolean started = false;
        try {
            Files.createDirectory(dir);
            user.own(dir, "rwx------");
            initdb(dir, password);
            // initdb ran as the cluster's user, in a directory it owns: appended without following a link
            ClusterFiles.append(
                    dir.resolve(RecoverySettings.AUTO_CONF),
                    String.join(
                            "\n",
                            "# strata restore drill: a throw-away cluster",
                            "port = " + port,
                            "listen_addresses = '127.0.0.1'",
                            "unix_socket_directories = ''",
                            "fsync = 'off'",
                            "lc_messages = 'C'",
                            ""),
                    user);
            server.start();
            awaitStarted(server);
            started = true;
            return new PointInTimeRestore.DrillCluster(login, null, discard);
        } finally {
            if (!started) {
                discard.run();
            }
        }
    }

    private void initdb(Path dir, String password) throws IOException {
        // the password reaches initdb in a file only the cluster's user can read, next to the directory
        Path pwfile = dir.resolveSibling(dir.getFileName() + ".pw");
        Files.deleteIfExists(pwfile);
        Files.createFile(pwfile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.writeString(pwfile, password + "\n", StandardCharsets.UTF_8);
            user.own(pwfile, "rw-------");
            List<String> command = new ArrayList<>(List.of(
                    pgTools.binary("initdb").toString(),
                    "-D",
                    dir.toString(),
                    "-U",
                    SUPERUSER,
                    "--pwfile=" + pwfile,
                    "--auth=scram-sha-256",
                    "--encoding=UTF8",
                    "--locale=C",
                    "--data-checksums",
                    "--no-sync"));
            Process process = new ProcessBuilder(user.command(command))
                    .redirectErrorStream(true)
                    .start();
            ProcessOutput output = ProcessOutput.drain(process.getInputStream());
            int exit = ToolProcesses.awaitExit(process, "initdb");
            if (exit != 0) {
                throw new JobFailureException(
                        FailureCode.INTERNAL,
                        "initdb of the drill's throw-away cluster " + ToolProcesses.describeExit(exit) + ": "
                                + output.tail(),
                        false);
            }
        } finally {
            Files.deleteIfExists(pwfile);
        }
    }

    private static void awaitStarted(RecoveringServer server) {
        Instant started = Instant.now();
        Instant deadline = started.plus(START_TIMEOUT);
        while (server.state().isEmpty()) {
            // pg_ctl returns before the postmaster writes its pid file: only after a grace is "not running" gone
            boolean gone = !server.running() && Instant.now().isAfter(started.plus(STARTUP_GRACE));
            if (Instant.now().isAfter(deadline) || gone) {
                throw new JobFailureException(
                        FailureCode.INTERNAL,
                        "The drill's throw-away cluster did not start: " + server.failureLines(),
                        true);
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new JobFailureException(
                        FailureCode.CANCELLED, "Interrupted while the drill cluster started", false, e);
            }
        }
    }

    /** Stops and removes the drill in {@code dir}, whatever state it is in, and its marker; quiet if gone. */
    public void release(Path dir) {
        try {
            discard(dir);
        } catch (IOException | RuntimeException e) {
            log.warn(
                    "could not remove restore drill {} (the next drill on this host tries again): {}",
                    dir,
                    e.toString());
        }
    }

    /** Stops and removes the drills whose owning worker process is gone. */
    void sweepAbandoned() {
        try (Stream<Path> markers = Files.list(root)) {
            for (Path marker : markers.filter(p -> p.getFileName().toString().endsWith(OWNER_SUFFIX))
                    .toList()) {
                long pid = Long.parseLong(Files.readString(marker).strip());
                if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                    continue;
                }
                String name = marker.getFileName().toString();
                Path dir = root.resolve(name.substring(0, name.length() - OWNER_SUFFIX.length()));
                log.warn("removing restore drill {} left by worker process {}, which is gone", dir, pid);
                discard(dir);
            }
        } catch (IOException | NumberFormatException e) {
            log.warn("could not look for abandoned restore drills in {}: {}", root, e.toString());
        }
    }

    private void discard(Path dir) throws IOException {
        if (Files.exists(dir.resolve("postmaster.pid"))) {
            new RecoveringServer(pgTools, user, dir, 0, new SourceConnection("drill", "127.0.0.1", 0, "x", "x", null))
                    .stopImmediately();
        }
        PointInTimeRestore.deleteTree(dir, true);
        Files.deleteIfExists(dir.resolveSibling(dir.getFileName() + ".pw"));
        deleteMarker(dir);
    }

    private static Path marker(Path dir) {
        return dir.resolveSibling(dir.getFileName() + OWNER_SUFFIX);
    }

    private static void deleteMarker(Path dir) {
        try {
            Files.deleteIfExists(marker(dir));
        } catch (IOException e) {
            log.warn("could not remove {}: {}", marker(dir), e.toString());
        }
    }
}

package io.strata.restore.pitr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Runs the installed program with sh, as PostgreSQL does: in the data directory, with %f and %p. */
class RestoreProgramTest {
    private static final String SEGMENT = "000000010000000000000003";

    @TempDir
    Path root;

    private RestoreProgram program;
    private Path dataDir;
    private Path spool;

    @BeforeEach
    void layOut() throws IOException {
        program = RestoreProgram.install(root);
        dataDir = Files.createDirectories(root.resolve("shop-1529").resolve("pg_wal"))
                .getParent();
        spool = Files.createDirectories(root.resolve(".shop-1529.strata-wal"));
        Files.write(spool.resolve(WalPrefetcher.PLANNED), List.of(SEGMENT));
    }

    @Test
    void theCommandIsTheFixedProgramWithOnlyPostgresPlaceholders() {
        assertThat(program.command()).isEqualTo("'" + root.resolve(".strata-bin/strata-restore-wal") + "' %f %p");
        assertThat(RestoreProgram.text()).doesNotContain(root.toString(), "shop-1529");
    }

    @Test
    void handsOverAFetchedSegmentFromTheDataDirectorysSiblingSpool() throws Exception {
        Files.writeString(spool.resolve(SEGMENT), "wal bytes");

        assertThat(run(SEGMENT, "pg_wal/RECOVERYXLOG")).isZero();

        assertThat(Files.readString(dataDir.resolve("pg_wal/RECOVERYXLOG"))).isEqualTo("wal bytes");
        assertThat(spool.resolve(SEGMENT + ".done")).exists();
        assertThat(spool.resolve(SEGMENT)).doesNotExist();
    }

    /**
     * PostgreSQL reads a timeline's history file several times (to check the timeline exists, to follow it, to
     * write the next timeline's): it is handed over each time it is asked for, never answered "not archived"
     * after the first, which PostgreSQL would take as a timeline without parents.
     */
    @Test
    void aTimelineHistoryIsHandedOverEachTimeItIsAskedFor() throws Exception {
        String history = "00000002.history";
        Files.write(spool.resolve(WalPrefetcher.PLANNED), List.of(history, SEGMENT));
        Files.writeString(spool.resolve(history), "1\t0/3000158\tno recovery target specified\n");

        assertThat(run(history, "pg_wal/RECOVERYHISTORY")).isZero();
        Files.delete(dataDir.resolve("pg_wal/RECOVERYHISTORY"));
        assertThat(run(history, "pg_wal/RECOVERYHISTORY")).isZero();

        assertThat(Files.readString(dataDir.resolve("pg_wal/RECOVERYHISTORY")))
                .isEqualTo("1\t0/3000158\tno recovery target specified\n");
        assertThat(spool.resolve(history + ".done"))
                .as("the worker counts it taken")
                .exists();
        assertThat(run("00000003.history", "pg_wal/RECOVERYHISTORY"))
                .as("a newer timeline than the plan's")
                .isEqualTo(1);
    }

    @Test
    void aSegmentOutsideThePlanIsNotArchived() throws Exception {
        assertThat(run("000000010000000000000009", "pg_wal/RECOVERYXLOG")).isEqualTo(1);
    }

    @Test
    void aFailedFetchAbortsRecoveryInsteadOfEndingIt() throws Exception {
        Files.writeString(spool.resolve(WalPrefetcher.FAILED), "segment 3 is corrupt");

        assertThat(run(SEGMENT, "pg_wal/RECOVERYXLOG")).isEqualTo(126);
    }

    @Test
    void aSegmentThatCannotBeCopiedIntoPgWalAbortsRecoveryInsteadOfEndingIt() throws Exception {
        Files.writeString(spool.resolve(SEGMENT), "wal bytes");

        // exit 1 would tell PostgreSQL the archive ends here: it would promote early, silently
        assertThat(run(SEGMENT, "no-such-directory/RECOVERYXLOG")).isEqualTo(126);
        assertThat(spool.resolve(SEGMENT + ".done")).doesNotExist();
        assertThat(spool.resolve(SEGMENT)).exists();
    }

    @Test
    void aPlanThatCannotBeReadAbortsRecovery() throws Exception {
        Files.delete(spool.resolve(WalPrefetcher.PLANNED));

        assertThat(run(SEGMENT, "pg_wal/RECOVERYXLOG")).isEqualTo(126);
    }

    @Test
    void aSegmentRecoveryWaitsForIsAnnouncedAndTheMarkerGoesWithIt() throws Exception {
        Process waiting = start(SEGMENT, "pg_wal/RECOVERYXLOG");
        try {
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> Files.exists(spool.resolve(SEGMENT + WalPrefetcher.WANTED)));
            arrive("wal bytes");

            assertThat(waiting.waitFor(10, TimeUnit.SECONDS)).isTrue();
            assertThat(waiting.exitValue()).isZero();
        } finally {
            waiting.destroyForcibly();
        }
        assertThat(Files.readString(dataDir.resolve("pg_wal/RECOVERYXLOG"))).isEqualTo("wal bytes");
        assertThat(spool.resolve(SEGMENT + WalPrefetcher.WANTED)).doesNotExist();
    }

    /** The marker is a hint: a failure to write it (here a directory in its place) must not end recovery. */
    @Test
    void aMarkerThatCannotBeWrittenIsNoReasonToStop() throws Exception {
        Files.createDirectory(spool.resolve(SEGMENT + WalPrefetcher.WANTED));
        arrive("wal bytes");

        assertThat(run(SEGMENT, "pg_wal/RECOVERYXLOG")).isZero();
        assertThat(Files.readString(dataDir.resolve("pg_wal/RECOVERYXLOG"))).isEqualTo("wal bytes");
    }

    /** As the worker makes a segment appear: whole, at once (the script may look at any moment). */
    private void arrive(String content) throws IOException {
        Path staged = Files.writeString(spool.resolve(SEGMENT + ".tmp"), content);
        Files.move(staged, spool.resolve(SEGMENT), StandardCopyOption.ATOMIC_MOVE);
    }

    @Test
    void refusesFileNamesThatCouldLeaveTheSpool() throws Exception {
        Files.writeString(root.resolve("secret"), "not WAL");

        assertThat(run("../secret", "pg_wal/RECOVERYXLOG")).isEqualTo(126);
        assertThat(run("$(touch pwned)", "pg_wal/RECOVERYXLOG")).isEqualTo(126);
        assertThat(dataDir.resolve("pg_wal/RECOVERYXLOG")).doesNotExist();
        assertThat(dataDir.resolve("pwned")).doesNotExist();
    }

    private Process start(String file, String path) throws IOException {
        return new ProcessBuilder(
                        "sh",
                        "-c",
                        program.command().replace("%f", "'" + file + "'").replace("%p", path))
                .directory(dataDir.toFile())
                .redirectErrorStream(true)
                .start();
    }

    private int run(String file, String path) throws Exception {
        Process process = start(file, path);
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = process.waitFor();
        return exit == 0 && !output.isEmpty() ? -1 : exit;
    }
}

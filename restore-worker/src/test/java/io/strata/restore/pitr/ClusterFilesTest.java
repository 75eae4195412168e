package io.strata.restore.pitr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker (root, in production) writes into a data directory the cluster's user owns: a link that user
 * planted at a name the worker writes is replaced, never followed, and never read through.
 */
class ClusterFilesTest {
    private final OsUser user = new OsUser(System.getProperty("user.name"));

    @Test
    void aPlantedLinkIsReplacedAndItsTargetLeftAlone(@TempDir Path dir) throws IOException {
        Path secret = Files.writeString(dir.resolve("shadow"), "root's secret\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-r-----"));
        Path data = Files.createDirectory(dir.resolve("data"));
        Path signal = Files.createSymbolicLink(data.resolve("recovery.signal"), secret);

        try (ClusterFiles.Staging files = ClusterFiles.Staging.open(data)) {
            files.replace("recovery.signal", new byte[0], user);
        }

        assertThat(Files.isSymbolicLink(signal)).isFalse();
        assertThat(signal).isEmptyFile();
        assertThat(secret).hasContent("root's secret");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(secret)))
                .isEqualTo("rw-r-----");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(signal)))
                .isEqualTo("rw-------");
        try (var left = Files.list(data)) {
            assertThat(left).containsExactly(signal); // no temporary file left beside it, nor the staging directory
        }
    }

    /** Made and opened while the directory was the worker's: the user removing it or planting a FIFO there stalls nothing. */
    @Test
    void aStagingDirectorySwappedForAFifoFailsTheWriteAndNeverStallsIt(@TempDir Path dir) throws Exception {
        Path data = Files.createDirectory(dir.resolve("data"));
        try (ClusterFiles.Staging files = ClusterFiles.Staging.open(data)) {
            Path stage;
            try (var entries = Files.list(data)) {
                stage = entries.filter(p -> p.getFileName().toString().startsWith(ClusterFiles.STAGE_PREFIX))
                        .findFirst()
                        .orElseThrow();
            }
            Files.delete(stage);
            assertThat(new ProcessBuilder("mkfifo", stage.toString()).start().waitFor())
                    .isZero();
            org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
                    java.time.Duration.ofSeconds(10),
                    () -> assertThatThrownBy(() -> files.replace("recovery.signal", new byte[0], user))
                            .isInstanceOf(IOException.class));
            assertThat(data.resolve("recovery.signal")).doesNotExist();
        }
    }

    @Test
    void settingsAreReadOnceAndNeverReadBackThroughALink(@TempDir Path dir) throws IOException {
        Path secret = Files.writeString(dir.resolve("shadow"), "root's secret\n");
        Path data = Files.createDirectory(dir.resolve("data"));
        Path conf = Files.createSymbolicLink(data.resolve(RecoverySettings.AUTO_CONF), secret);
        assertThatThrownBy(() -> RecoverySettings.of(data, null, user))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("tampered");

        // a hard link is another name of someone else's file: refused too
        Files.delete(conf);
        Files.createLink(conf, secret);
        assertThatThrownBy(() -> RecoverySettings.of(data, null, user)).hasMessageContaining("tampered");
        assertThat(secret).hasContent("root's secret");

        // read while the directory was the worker's; a link planted later is replaced, its target never read
        Files.delete(conf);
        Files.writeString(conf, "work_mem = '8MB'\n");
        try (ClusterFiles.Staging files = ClusterFiles.Staging.open(data)) {
            RecoverySettings settings = RecoverySettings.of(data, files, user);
            settings.write(5999, "x %f %p", List.of());
            Files.delete(conf);
            Files.createSymbolicLink(conf, secret);
            settings.removeRecoveryBlock();
        }
        assertThat(Files.isSymbolicLink(conf)).isFalse();
        assertThat(Files.readString(conf)).startsWith("work_mem = '8MB'\n").doesNotContain("secret", "x %f");
        assertThat(secret).hasContent("root's secret");
    }

    @Test
    void theBackupsBytesAreKeptAsTheyAre(@TempDir Path dir) throws IOException {
        byte[] latin1 = {'a', ' ', '=', ' ', '\'', (byte) 0xe9, '\'', '\n'}; // not UTF-8: kept, not re-encoded
        Files.write(dir.resolve(RecoverySettings.AUTO_CONF), latin1);
        try (ClusterFiles.Staging files = ClusterFiles.Staging.open(dir)) {
            RecoverySettings settings = RecoverySettings.of(dir, files, user);
            settings.write(5999, "x %f %p", List.of());
            settings.removeRecoveryBlock();
        }
        byte[] after = Files.readAllBytes(dir.resolve(RecoverySettings.AUTO_CONF));
        assertThat(java.util.Arrays.copyOf(after, latin1.length)).isEqualTo(latin1);
        assertThat(new String(after, latin1.length, after.length - latin1.length, StandardCharsets.UTF_8))
                .startsWith("\n# strata point-in-time restore: the restored cluster\nport = 5999\n");
        assertThat(Files.isRegularFile(dir.resolve(RecoverySettings.AUTO_CONF), LinkOption.NOFOLLOW_LINKS))
                .isTrue();
    }

    @Test
    void anExistingDirectoryIsTakenOnlyWhileEmpty(@TempDir Path dir) throws IOException {
        Path given = Files.createDirectory(dir.resolve("given"));
        Files.setPosixFilePermissions(given, PosixFilePermissions.fromString("rwxr-x---"));
        OsUser.Taken taken = user.takeOver(given);
        assertThat(taken.empty()).isTrue();
        assertThat(taken.permissions()).as("the mode it is given back with").isEqualTo("rwxr-x---");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(given)))
                .isEqualTo("rwx------");
        Files.writeString(given.resolve("planted"), "x");
        assertThat(user.takeOver(given).empty()).isFalse();
        Path link = Files.createSymbolicLink(dir.resolve("link"), given);
        assertThatThrownBy(() -> user.takeOver(link)).isInstanceOf(IOException.class); // never through a link
    }

    @Test
    void removingATreeRemovesLinksNotWhatTheyPointTo(@TempDir Path dir) throws IOException {
        Path outside = Files.createDirectory(dir.resolve("etc"));
        Path victim = Files.writeString(outside.resolve("passwd"), "root:x:0:0\n");
        Path data = Files.createDirectories(dir.resolve("data/base/1"));
        Files.writeString(data.resolve("1259"), "a table");
        Files.createSymbolicLink(dir.resolve("data/base/2"), outside);
        Files.createSymbolicLink(dir.resolve("data/PG_VERSION"), victim);

        PointInTimeRestore.deleteTree(dir.resolve("data"), false, user);

        try (var left = Files.list(dir.resolve("data"))) {
            assertThat(left).isEmpty();
        }
        assertThat(victim).hasContent("root:x:0:0");
        PointInTimeRestore.deleteTree(dir.resolve("data"), true, user);
        assertThat(dir.resolve("data")).doesNotExist();
        assertThat(victim).exists();
    }

    @Test
    void aTreeOfTheUsersIsRemovedAsTheUser(@TempDir Path dir) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                "root".equals(System.getProperty("user.name")), "only a worker running as root hands files over");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x")); // a data root's mode
        Path outside = Files.createDirectory(dir.resolve("etc"));
        Path victim = Files.writeString(outside.resolve("passwd"), "root:x:0:0\n");
        Path data = Files.createDirectories(dir.resolve("data/base/1"));
        Files.writeString(data.resolve("1259"), "a table");
        Files.createSymbolicLink(dir.resolve("data/base/2"), outside);
        OsUser postgres = new OsUser("postgres");
        postgres.ownTree(dir.resolve("data"), Path.of(ClusterFiles.STAGE_PREFIX + "none"));
        // what the user may put in its own tree: a FIFO (find removes it unopened)
        Process mkfifo = new ProcessBuilder(
                        "runuser",
                        "-u",
                        "postgres",
                        "--",
                        "mkfifo",
                        dir.resolve("data/base/3").toString())
                .inheritIO()
                .start();
        assertThat(mkfifo.waitFor()).isZero();

        assertThat(org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(
                        java.time.Duration.ofSeconds(60),
                        () -> PointInTimeRestore.deleteTree(dir.resolve("data"), true, postgres)))
                .isTrue();

        assertThat(dir.resolve("data")).doesNotExist();
        assertThat(victim).hasContent("root:x:0:0\n");

        // run as the user (root's walk would remove it all): what the user may not remove stays, and is logged
        Path again = Files.createDirectories(dir.resolve("again/base"));
        postgres.ownTree(dir.resolve("again"), Path.of(ClusterFiles.STAGE_PREFIX + "none"));
        Path roots = Files.createDirectory(again.resolve("roots"));
        Files.setPosixFilePermissions(roots, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path kept = Files.writeString(roots.resolve("kept"), "root's\n");
        Files.writeString(again.resolve("gone"), "x");
        Files.setOwner(again.resolve("gone"), Files.getOwner(dir.resolve("again")));

        assertThat(PointInTimeRestore.deleteTree(dir.resolve("again"), true, postgres))
                .as("not gone")
                .isFalse();

        assertThat(kept).exists();
        assertThat(again.resolve("gone")).doesNotExist();
    }

    @Test
    void handingATreeOverLeavesWhatItsLinksPointToAlone(@TempDir Path dir) throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                "root".equals(System.getProperty("user.name")), "only a worker running as root hands files over");
        Path secret = Files.writeString(dir.resolve("shadow"), "root's secret\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-r-----"));
        Path data = Files.createDirectories(dir.resolve("data/base/1"));
        Path table = Files.writeString(data.resolve("1259"), "a table");
        Files.createSymbolicLink(dir.resolve("data/base/1/1260"), secret);
        Files.createSymbolicLink(dir.resolve("data/global"), dir);

        new OsUser("postgres").ownTree(dir.resolve("data"), Path.of(ClusterFiles.STAGE_PREFIX + "none"));

        assertThat(Files.getOwner(table).getName()).isEqualTo("postgres");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(table)))
                .isEqualTo("rw-------");
        assertThat(Files.getOwner(dir.resolve("data/base"), LinkOption.NOFOLLOW_LINKS)
                        .getName())
                .isEqualTo("postgres");
        assertThat(Files.getOwner(dir.resolve("data"), LinkOption.NOFOLLOW_LINKS)
                        .getName())
                .isEqualTo("postgres");
        assertThat(Files.getOwner(secret).getName()).isEqualTo("root");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(secret)))
                .isEqualTo("rw-r-----");
        assertThat(Files.getOwner(dir).getName()).isEqualTo("root");
    }

    @Test
    void owningALinkFailsAndLeavesItsTargetAlone(@TempDir Path dir) throws IOException {
        Path secret = Files.writeString(dir.resolve("shadow"), "root's secret\n");
        Files.setPosixFilePermissions(secret, PosixFilePermissions.fromString("rw-r--r--"));
        Path link = Files.createSymbolicLink(dir.resolve("postgresql.conf"), secret);

        assertThatThrownBy(() -> user.own(link, "rw-------")).isInstanceOf(IOException.class);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(secret)))
                .isEqualTo("rw-r--r--");
    }

    @Test
    void aWalkGoesOnPastAnEntryItCannotActOnAndThenReportsIt(@TempDir Path dir) throws IOException {
        Path root = Files.createDirectory(dir.resolve("tree"));
        Files.createDirectories(root.resolve("a/b"));
        Files.writeString(root.resolve("a/b/file"), "x");
        Files.writeString(root.resolve("c"), "y");
        Files.writeString(root.resolve("d"), "z");
        List<String> reached = new java.util.ArrayList<>();
        assertThatThrownBy(() -> ClusterFiles.walk(root, (parent, name, attributes) -> {
                    reached.add(name.toString());
                    if (name.toString().equals("c")) {
                        throw new IOException("cannot act on c");
                    }
                }))
                .hasMessage("cannot act on c");
        // entries before their directory, and every entry reached though one failed
        assertThat(reached).containsExactlyInAnyOrder("file", "b", "a", "c", "d");
        assertThat(reached.indexOf("file")).isLessThan(reached.indexOf("b"));
        assertThat(reached.indexOf("b")).isLessThan(reached.indexOf("a"));
    }
}

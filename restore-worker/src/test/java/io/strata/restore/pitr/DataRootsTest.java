package io.strata.restore.pitr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.common.model.FailureCode;
import io.strata.platform.jobs.JobFailureException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataRootsTest {
    private static final String ME = System.getProperty("user.name");

    @TempDir
    Path temp;

    private DataRoots roots;
    private Path first;

    @BeforeEach
    void prepare() {
        first = temp.resolve("restores");
        roots = DataRoots.prepare(List.of(first, temp.resolve("more")));
    }

    @Test
    void aBareNameIsMadeInTheFirstRoot() throws Exception {
        DataRoots.Target target = roots.resolve("shop-1529", ME);

        assertThat(target.path()).isEqualTo(first.toRealPath().resolve("shop-1529"));
        assertThat(target.create()).isTrue();
        assertThat(target.path()).doesNotExist();
    }

    @Test
    void anAbsolutePathDirectlyInsideARootIsAccepted() throws Exception {
        Path inSecond = temp.resolve("more").toRealPath().resolve("pitr.2");

        assertThat(roots.resolve(inSecond.toString(), ME).path()).isEqualTo(inSecond);
    }

    @Test
    void refusesPathsOutsideTheRoots() {
        refused("/etc/strata-test", "outside the data roots");
        refused("/tmp/x", "outside the data roots");
        refused(first + "/../escape", "bare name or an absolute path directly inside");
        refused(first + "/a/b", "outside the data roots");
        refused("relative/dir", "bare name or an absolute path");
    }

    @Test
    void refusesNamesThatCouldCarryShellOrSettings() {
        refused("r1x'$(touch /tmp/pwned)'", "bare name or an absolute path");
        refused("r1x'$(touch pwned)'", "must be 1-100 characters");
        refused(first + "/r1x'$(touch /tmp/pwned)'", "must be 1-100 characters");
        refused("shop\nrestore_command='sh'", "control character");
        refused(".hidden", "must be 1-100 characters");
        refused("..", "must be 1-100 characters");
    }

    @Test
    void refusesALinkEvenToAnEmptyDirectoryInsideTheRoot() throws Exception {
        Path elsewhere = Files.createDirectory(temp.resolve("elsewhere"));
        Files.createSymbolicLink(first.resolve("linked"), elsewhere);

        refused("linked", "not a directory (links are not followed)");
    }

    @Test
    void refusesANonEmptyDirectory() throws Exception {
        Files.writeString(Files.createDirectory(first.resolve("full")).resolve("PG_VERSION"), "15");

        refused("full", "is not empty");
    }

    @Test
    void anEmptyDirectoryMustAlreadyBelongToTheClusterUserAndNeverBeChanged() throws Exception {
        Path open = Files.createDirectory(first.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));

        refused("open", "never changes the owner or mode");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(open)))
                .isEqualTo("rwxrwxrwx");

        Path mine = Files.createDirectory(first.resolve("mine"));
        Files.setPosixFilePermissions(mine, PosixFilePermissions.fromString("rwx------"));
        assertThat(roots.resolve("mine", ME).create()).isFalse();
        assertThatThrownBy(() -> roots.resolve("mine", "someone-else")).hasMessageContaining("owned by " + ME);
    }

    @Test
    void aRootThatOthersCouldRenameIsRefusedWhenTheWorkerIsRoot() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue("root".equals(ME), "only a worker running as root checks this");
        Path shared = Files.createDirectory(temp.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxr-x"));
        assertThatThrownBy(() -> DataRoots.prepare(List.of(shared.resolve("restores"))))
                .hasMessageContaining(shared + " belongs to uid 0 with mode 775")
                .hasMessageContaining("chmod go-w");
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThat(DataRoots.prepare(List.of(shared.resolve("restores"))).first())
                .isEqualTo(shared.resolve("restores").toRealPath()); // under /tmp, whose sticky bit makes it safe
    }

    @Test
    void rootsMustBePlainAbsolutePaths() {
        assertThatThrownBy(() -> DataRoots.prepare(List.of(Path.of("relative"))))
                .hasMessageContaining("absolute path");
        assertThatThrownBy(() -> DataRoots.prepare(List.of(temp.resolve("it's"))))
                .hasMessageContaining("letters, digits");
        assertThatThrownBy(() -> DataRoots.prepare(List.of())).hasMessageContaining("data-roots is empty");
    }

    private void refused(String requested, String why) {
        assertThatThrownBy(() -> roots.resolve(requested, ME))
                .isInstanceOf(JobFailureException.class)
                .hasMessageContaining(why)
                .satisfies(e -> assertThat(((JobFailureException) e).code()).isEqualTo(FailureCode.INVALID_TARGET));
    }
}

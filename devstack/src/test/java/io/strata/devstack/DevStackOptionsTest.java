package io.strata.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class DevStackOptionsTest {
    private static final Path STATE = Path.of("/tmp/strata-state");
    private static final Path REPO = Path.of("/tmp/strata-repo");

    @Test
    void theFourArgumentConstructorAndDefaultsRunOneInstanceOfEachWorker() {
        DevStackOptions options = new DevStackOptions(STATE, REPO, true, false);
        assertThat(options.backupWorkers()).isEqualTo(1);
        assertThat(options.restoreWorkers()).isEqualTo(1);

        DevStackOptions defaults = DevStackOptions.defaults(REPO);
        assertThat(defaults.backupWorkers()).isEqualTo(1);
        assertThat(defaults.restoreWorkers()).isEqualTo(1);
        assertThat(defaults.stateDir().getParent()).isEqualTo(REPO.resolve(".strata"));
    }

    @Test
    void withWorkersSetsBothCountsAndKeepsTheRest() {
        DevStackOptions options = new DevStackOptions(STATE, REPO, true, true).withWorkers(3, 2);
        assertThat(options).isEqualTo(new DevStackOptions(STATE, REPO, true, true, 3, 2));
    }

    @Test
    void theOtherWithersKeepTheWorkerCounts() {
        DevStackOptions options = new DevStackOptions(STATE, REPO, true, false).withWorkers(2, 4);
        assertThat(options.withServices(false))
                .extracting(
                        DevStackOptions::backupWorkers, DevStackOptions::restoreWorkers, DevStackOptions::withServices)
                .containsExactly(2, 4, false);
        assertThat(options.keepData(true))
                .extracting(DevStackOptions::backupWorkers, DevStackOptions::restoreWorkers, DevStackOptions::keepData)
                .containsExactly(2, 4, true);
    }

    @Test
    void fewerThanOneWorkerIsRefused() {
        DevStackOptions options = new DevStackOptions(STATE, REPO, true, false);
        assertThatThrownBy(() -> options.withWorkers(0, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("backupWorkers=0");
        assertThatThrownBy(() -> options.withWorkers(1, -2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("restoreWorkers=-2");
        assertThatThrownBy(() -> new DevStackOptions(STATE, REPO, true, false, 0, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void pathsAreRequiredAndMadeAbsolute() {
        assertThatThrownBy(() -> new DevStackOptions(null, REPO, true, false))
                .isInstanceOf(IllegalArgumentException.class);
        DevStackOptions options = new DevStackOptions(Path.of("rel/../state"), REPO, true, false);
        assertThat(options.stateDir())
                .isEqualTo(Path.of("state").toAbsolutePath().normalize());
    }
}

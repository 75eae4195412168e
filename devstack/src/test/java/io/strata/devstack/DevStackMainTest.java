package io.strata.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DevStackMainTest {
    private static final String VAR = DevStackMain.BACKUP_WORKERS;

    @Test
    void unsetOrEmptyMeansOneInstance() {
        assertThat(DevStackMain.workerCount(Map.of(), VAR)).isEqualTo(1);
        assertThat(DevStackMain.workerCount(Map.of(VAR, ""), VAR)).isEqualTo(1);
        assertThat(DevStackMain.workerCount(Map.of(VAR, "  "), VAR)).isEqualTo(1);
    }

    @Test
    void aWholeNumberFromOneToEightIsTheCount() {
        assertThat(DevStackMain.workerCount(Map.of(VAR, "1"), VAR)).isEqualTo(1);
        assertThat(DevStackMain.workerCount(Map.of(VAR, " 3 "), VAR)).isEqualTo(3);
        assertThat(DevStackMain.workerCount(Map.of(VAR, "8"), VAR)).isEqualTo(8);
        assertThat(DevStackMain.workerCount(Map.of(DevStackMain.RESTORE_WORKERS, "2"), DevStackMain.RESTORE_WORKERS))
                .isEqualTo(2);
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-1", "9", "100", "two", "2.5", "0x2", "99999999999"})
    void anythingElseIsAClearError(String value) {
        assertThatThrownBy(() -> DevStackMain.workerCount(Map.of(VAR, value), VAR))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(VAR)
                .hasMessageContaining("from 1 to 8")
                .hasMessageContaining("'" + value + "'");
    }
}

package io.strata.common.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.common.model.Lsn;
import io.strata.common.wal.WalTimelineArchived.Switch;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TimelineHistoryTest {
    private static byte[] file(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void readsEachEarlierTimelineAndItsSwitchPointSkippingComments() {
        assertThat(TimelineHistory.parse(
                        3,
                        file("# made by hand\n1\t0/3000158\tno recovery target specified\n\n"
                                + "2\t0/5000000\tbefore 2026-12-04 15:29:00.000000+00\n")))
                .containsExactly(new Switch(1, Lsn.parse("0/3000158")), new Switch(2, Lsn.parse("0/5000000")));
        assertThat(TimelineHistory.fileName(3)).isEqualTo("00000003.history");
        assertThat(TimelineHistory.fileName(26)).isEqualTo("0000001A.history");
    }

    @Test
    void refusesWhatPostgresWouldNotWrite() {
        assertThatThrownBy(() -> TimelineHistory.parse(2, file(""))).hasMessageContaining("must name 1 to");
        assertThatThrownBy(() -> TimelineHistory.parse(2, file("2\t0/3000158\tits own timeline\n")))
                .hasMessageContaining("earlier timelines are 1 to 1");
        assertThatThrownBy(() -> TimelineHistory.parse(3, file("2\t0/5000000\tx\n1\t0/3000000\ty\n")))
                .hasMessageContaining("out of order");
        assertThatThrownBy(() -> TimelineHistory.parse(3, file("1\t0/5000000\tx\n2\t0/3000000\ty\n")))
                .hasMessageContaining("out of order");
        assertThatThrownBy(() -> TimelineHistory.parse(2, file("one\t0/3000000\tx\n")))
                .hasMessageContaining("does not start with a timeline");
        assertThatThrownBy(() -> TimelineHistory.parse(2, file("1\tnot-an-lsn\tx\n")))
                .hasMessageContaining("LSN");
        assertThatThrownBy(() -> TimelineHistory.parse(2, file("1\n")))
                .hasMessageContaining("without a timeline and a switch point");
        assertThatThrownBy(() -> TimelineHistory.parse(1, file("1\t0/3000000\tx\n")))
                .hasMessageContaining("timeline 1 has no history");
    }
}

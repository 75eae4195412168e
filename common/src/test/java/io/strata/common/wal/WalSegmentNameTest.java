package io.strata.common.wal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.common.messaging.Json;
import io.strata.common.model.Lsn;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class WalSegmentNameTest {
    private static final long SIXTEEN_MIB = 16 * 1024 * 1024;

    @Test
    void namesTheSegmentOfAnLsnLikePostgres() {
        // pg_walfile_name('16/3002D50') on timeline 1 with 16 MiB segments
        WalSegmentName name = WalSegmentName.of(1, Lsn.parse("16/3002D50"), SIXTEEN_MIB);

        assertThat(name).hasToString("000000010000001600000003");
        assertThat(name.startLsn()).isEqualTo(Lsn.parse("16/3000000"));
        assertThat(name.endLsn()).isEqualTo(Lsn.parse("16/4000000"));
    }

    @Test
    void parsesBackAndStepsAcrossLogFileBoundaries() {
        WalSegmentName last = WalSegmentName.parse("0000000200000001000000FF", SIXTEEN_MIB);

        assertThat(last.timeline()).isEqualTo(2);
        assertThat(last.next()).hasToString("000000020000000200000000");
        assertThat(last.next()).isGreaterThan(last);
    }

    @Test
    void honoursOtherSegmentSizes() {
        long oneGib = 1L << 30;
        assertThat(WalSegmentName.of(1, Lsn.parse("5/C0000000"), oneGib)).hasToString("000000010000000500000003");
        assertThatThrownBy(() -> WalSegmentName.parse("000000010000000500000004", oneGib))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void refusesNamesThatAreNotSegments() {
        assertThatThrownBy(() -> WalSegmentName.parse("00000001.history", SIXTEEN_MIB))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> WalSegmentName.parse("000000010000000000000001.partial", SIXTEEN_MIB))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void archivedEventRoundTripsWithItsType() {
        WalSegmentArchived event = new WalSegmentArchived(
                1,
                "shop",
                1,
                "000000010000000000000003",
                SIXTEEN_MIB,
                Lsn.parse("0/3000000"),
                Lsn.parse("0/3A00000"),
                true,
                "shop/wal/00000001/000000010000000000000003.partial.zst",
                1234,
                "ab".repeat(32),
                Instant.parse("2026-11-22T15:29:00Z"),
                Instant.parse("2026-11-22T15:28:59Z"));

        String json = Json.write(event);

        assertThat(json).contains("\"type\":\"WalSegmentArchived\"", "\"endLsn\":\"0/3A00000\"", "\"partial\":true");
        assertThat(Json.read(json, WalEvent.class)).isEqualTo(event);
    }
}

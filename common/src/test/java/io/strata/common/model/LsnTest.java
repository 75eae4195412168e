package io.strata.common.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LsnTest {

    @Test
    void parsesAndFormatsLikePostgres() {
        Lsn lsn = Lsn.parse("16/3002D50");
        assertThat(lsn.value()).isEqualTo(0x16_0300_2D50L);
        assertThat(lsn).hasToString("16/3002D50");
        assertThat(lsn.segmentNumber(16 * 1024 * 1024)).isEqualTo(0x16_0300_2D50L / (16 * 1024 * 1024));
    }

    @Test
    void comparesUnsigned() {
        assertThat(Lsn.parse("FFFFFFFF/0")).isGreaterThan(Lsn.parse("1/0"));
        assertThat(Lsn.parse("0/10")).isLessThan(Lsn.parse("0/11"));
    }

    @Test
    void refusesMalformedText() {
        assertThatThrownBy(() -> Lsn.parse("16-3002D50")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Lsn.parse("1/")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Lsn.parse("100000000/0")).isInstanceOf(IllegalArgumentException.class);
    }
}

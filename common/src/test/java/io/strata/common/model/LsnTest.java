package io.strata.common.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.common.messaging.Json;
import org.junit.jupiter.api.Test;
import tools.jackson.core.JacksonException;

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
        assertThatThrownBy(() -> Lsn.parse("0/not-an-lsn"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("an LSN looks like 16/3002D50, got: 0/not-an-lsn");
    }

    record Positions(Lsn startLsn, Lsn endLsn) {}

    @Test
    void isPostgresTextInJsonAndNullStaysNull() {
        Positions positions = new Positions(Lsn.parse("16/3002D50"), null);

        String json = Json.write(positions);

        assertThat(json).isEqualTo("{\"startLsn\":\"16/3002D50\",\"endLsn\":null}");
        assertThat(Json.read(json, Positions.class)).isEqualTo(positions);
        assertThat(Json.read("{\"startLsn\":\"16/3002d50\"}", Positions.class))
                .isEqualTo(new Positions(Lsn.parse("16/3002D50"), null));
    }

    @Test
    void malformedTextInJsonIsRefusedWhenRead() {
        assertThatThrownBy(() -> Json.read("{\"startLsn\":\"0/1'\\nrestore_command='x\"}", Positions.class))
                .isInstanceOf(JacksonException.class)
                .hasMessageContaining("an LSN looks like 16/3002D50");
    }
}

package io.strata.common.wal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SlotNamesTest {

    @Test
    void prefixesTheSourceAndTurnsDashesIntoUnderscores() {
        assertThat(SlotNames.forSource("strata_", "shop-eu-1")).isEqualTo("strata_shop_eu_1");
    }

    @Test
    void longNamesAreShortenedTo63CharactersAndStayDistinct() {
        String base = "a".repeat(58);
        String one = SlotNames.forSource("strata_", base + "-one");
        String two = SlotNames.forSource("strata_", base + "_one");

        assertThat(one).hasSize(63).matches("[a-z0-9_]+").startsWith("strata_aaaa");
        assertThat(two).hasSize(63).matches("[a-z0-9_]+");
        assertThat(one).isNotEqualTo(two);
        assertThat(SlotNames.forSource("strata_", base + "-one")).isEqualTo(one);
    }

    @Test
    void aNameThatFitsExactlyIsKeptAsItIs() {
        String source = "b".repeat(56);
        assertThat(SlotNames.forSource("strata_", source))
                .isEqualTo("strata_" + source)
                .hasSize(63);
    }

    @Test
    void onlyWhatPostgresAllowsAsASlotNameIsValid() {
        assertThat(SlotNames.isValid(SlotNames.forSource(SlotNames.DEFAULT_PREFIX, "shop-eu-" + "x".repeat(80))))
                .isTrue();
        assertThat(SlotNames.isValid("strata_shop")).isTrue();
        assertThat(SlotNames.isValid("strata-shop")).isFalse();
        assertThat(SlotNames.isValid("strata\" PHYSICAL 0/0")).isFalse();
        assertThat(SlotNames.isValid("x".repeat(64))).isFalse();
        assertThat(SlotNames.isValid("")).isFalse();
        assertThat(SlotNames.isValid(null)).isFalse();
    }
}

package io.strata.restore.logical;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.common.model.Names;
import org.junit.jupiter.api.Test;

class DatabaseNamesTest {

    @Test
    void temporaryNameIsTheDatabaseWithASuffix() {
        assertThat(DatabaseNames.temporary("shop", "0a1b2c3d")).isEqualTo("shop_strata_0a1b2c3d");
        assertThat(DatabaseNames.retired("shop", "0a1b2c3d")).isEqualTo("shop_strata_old_0a1b2c3d");
    }

    @Test
    void longNamesAreCutToPostgresIdentifierLimitKeepingTheSuffix() {
        String name = DatabaseNames.temporary("a".repeat(63), "0a1b2c3d");
        assertThat(name).hasSize(63).endsWith("_strata_0a1b2c3d");
        assertThat(DatabaseNames.retired("b".repeat(80), "0a1b2c3d"))
                .hasSize(63)
                .endsWith("_strata_old_0a1b2c3d");
    }

    @Test
    void oddSourceNamesBecomePlainIdentifiers() {
        String name = DatabaseNames.temporary("Shop-DB=1 host=evil", "0a1b2c3d");
        assertThat(name).isEqualTo("shop_db_1_host_evil_strata_0a1b2c3d");
        assertThat(Names.isDatabase(name)).isTrue();
        assertThat(Names.isDatabase(DatabaseNames.temporary("9lives", "0a1b2c3d")))
                .isTrue();
    }

    @Test
    void randomHexHasEightDigits() {
        assertThat(DatabaseNames.randomHex()).matches("[0-9a-f]{8}");
    }

    @Test
    void quotingDoublesEmbeddedQuotes() {
        assertThat(DatabaseNames.quote("we\"ird")).isEqualTo("\"we\"\"ird\"");
    }
}

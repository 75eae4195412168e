package io.strata.common.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NamesTest {

    @ParameterizedTest
    @ValueSource(strings = {"x; DROP DATABASE postgres", "a\"b", "Upper", "a-b", "", " x", "1abc", "a/b"})
    void refusesDatabaseNamesThatAreNotPlainIdentifiers(String name) {
        assertThat(Names.isDatabase(name)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"shop", "_tmp", "shop_restored_2026"})
    void acceptsPlainDatabaseNames(String name) {
        assertThat(Names.isDatabase(name)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"../etc", "Shop", "-shop", "shop/backups", ""})
    void refusesSourceNamesThatAreNotPathSafe(String name) {
        assertThat(Names.isSource(name)).isFalse();
    }
}

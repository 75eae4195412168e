package io.strata.catalog.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.catalog.web.CatalogAuthProperties.Client;
import io.strata.catalog.web.CatalogCallers.Caller;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CatalogCallersTest {
    private static final Client GATEWAY =
            new Client("api-gateway", "gw-token-0123456789", Set.of("catalog:read", "jobs:write"));
    private static final Client BACKUP = new Client("backup-worker", "bk-token-0123456789", Set.of("connections:read"));

    @Test
    void identifiesEachClientByItsOwnToken() {
        CatalogCallers callers = CatalogCallers.from(new CatalogAuthProperties(null, List.of(GATEWAY, BACKUP)));

        assertThat(callers.identify("gw-token-0123456789")).map(Caller::name).contains("api-gateway");
        assertThat(callers.identify(" bk-token-0123456789 "))
                .map(Caller::scopes)
                .contains(Set.of("connections:read"));
        assertThat(callers.identify("gw-token-012345678")).isEmpty();
        assertThat(callers.identify("")).isEmpty();
    }

    @Test
    void theSharedTokenAloneGetsEveryScope() {
        CatalogCallers callers = CatalogCallers.from(
                new CatalogAuthProperties("shared-0123456789", List.of(new Client("api-gateway", "", Set.of()))));

        assertThat(callers.identify("shared-0123456789")).map(Caller::scopes).contains(ScopeRules.SCOPES);
    }

    @Test
    void theSharedTokenIsRefusedOncePerServiceTokensAreSet() {
        CatalogCallers callers = CatalogCallers.from(new CatalogAuthProperties("shared-0123456789", List.of(GATEWAY)));

        assertThat(callers.identify("shared-0123456789")).isEmpty();
        assertThat(callers.identify("gw-token-0123456789")).isPresent();
    }

    @Test
    void refusesToStartWithoutAnyToken() {
        assertThatThrownBy(
                        () -> CatalogCallers.from(new CatalogAuthProperties(" ", List.of(new Client("x", null, null)))))
                .hasMessageContaining("STRATA_CATALOG_TOKEN_GATEWAY");
    }

    @Test
    void refusesTwoClientsWithOneTokenWithoutPrintingIt() {
        Client copy = new Client("restore-worker", GATEWAY.token(), Set.of("catalog:read"));

        assertThatThrownBy(() -> CatalogCallers.from(new CatalogAuthProperties(null, List.of(GATEWAY, copy))))
                .hasMessageContaining("'api-gateway' and 'restore-worker'")
                .hasMessageNotContaining(GATEWAY.token());
    }

    @Test
    void refusesAnUnknownScope() {
        Client typo = new Client("wal-archiver", "wal-token-0123456789", Set.of("connection:read"));

        assertThatThrownBy(() -> CatalogCallers.from(new CatalogAuthProperties(null, List.of(typo))))
                .hasMessageContaining("connection:read")
                .hasMessageContaining("wal-archiver");
    }

    @Test
    void toStringRedactsTokens() {
        CatalogAuthProperties properties = new CatalogAuthProperties("shared-0123456789", List.of(GATEWAY));

        assertThat(properties.toString())
                .contains("api-gateway", "catalog:read", "(redacted)")
                .doesNotContain("shared-0123456789")
                .doesNotContain(GATEWAY.token());
    }
}

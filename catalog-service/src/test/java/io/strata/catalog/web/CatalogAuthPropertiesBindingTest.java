package io.strata.catalog.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.catalog.web.CatalogAuthProperties.Client;
import io.strata.catalog.web.CatalogCallers.Caller;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.ClassPathResource;

/** The clients as application.yml declares them, bound the way Spring Boot binds them at start-up. */
class CatalogAuthPropertiesBindingTest {

    @Test
    void eachServiceVariableBecomesItsClientWithItsScopes() throws Exception {
        CatalogAuthProperties properties = bind(Map.of(
                "STRATA_CATALOG_TOKEN_GATEWAY", "gateway-token-0123456789",
                "STRATA_CATALOG_TOKEN_WAL", "wal-token-0123456789",
                "STRATA_CATALOG_TOKEN_BACKUP", "backup-token-0123456789",
                "STRATA_CATALOG_TOKEN_RESTORE", "restore-token-0123456789"));

        assertThat(properties.clients())
                .extracting(Client::name)
                .containsExactly("api-gateway", "backup-worker", "restore-worker", "wal-archiver", "admin");
        CatalogCallers callers = CatalogCallers.from(properties);
        assertThat(callers.identify("gateway-token-0123456789"))
                .map(Caller::scopes)
                .hasValueSatisfying(scopes -> assertThat(scopes)
                        .contains("connections:read", "jobs:write", "sources:write")
                        .doesNotContain("secrets:rotate", "jobs:run"));
        assertThat(callers.identify("wal-token-0123456789"))
                .map(Caller::scopes)
                .hasValueSatisfying(scopes -> assertThat(scopes)
                        .containsExactlyInAnyOrder("catalog:read", "connections:read", "wal:write", "jobs:run"));
        assertThat(callers.identify("backup-token-0123456789"))
                .map(Caller::scopes)
                .hasValueSatisfying(scopes -> assertThat(scopes)
                        .containsExactlyInAnyOrder("catalog:read", "connections:read", "jobs:run", "backups:write"));
        assertThat(callers.identify("restore-token-0123456789"))
                .map(Caller::scopes)
                .hasValueSatisfying(scopes ->
                        assertThat(scopes).containsExactlyInAnyOrder("catalog:read", "connections:read", "jobs:run"));
    }

    @Test
    void theOldSharedVariableStillWorksAlone() throws Exception {
        CatalogAuthProperties properties = bind(Map.of("STRATA_CATALOG_TOKEN", "shared-token-0123456789"));

        assertThat(properties.token()).isEqualTo("shared-token-0123456789");
        assertThat(CatalogCallers.from(properties).identify("shared-token-0123456789"))
                .map(Caller::scopes)
                .contains(ScopeRules.SCOPES);
    }

    private static CatalogAuthProperties bind(Map<String, Object> variables) throws Exception {
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().addFirst(new MapPropertySource("variables", variables));
        var loader = new YamlPropertySourceLoader();
        // the catalog's own file, then the platform's it imports (where strata.catalog.token comes from)
        for (String file : new String[] {"application.yml", "strata-platform.yml"}) {
            loader.load(file, new ClassPathResource(file)).forEach(environment.getPropertySources()::addLast);
        }
        ConfigurationPropertySources.attach(environment);
        return Binder.get(environment)
                .bind("strata.catalog.auth", CatalogAuthProperties.class)
                .get();
    }
}

package io.strata.catalog.web;

import java.util.List;
import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Who may call the catalog: one client per calling service, each with its own token and the scopes it
 * needs (see {@link ScopeRules} for which path needs which). A client whose token is blank is disabled, so
 * application.yml can list every service and a deployment set only the tokens it uses.
 *
 * @param token deprecated: the one token every service used to share ({@code STRATA_CATALOG_TOKEN}); used,
 *     with every scope, only when no client has a token
 * @param clients the callers, e.g. {@code strata.catalog.auth.clients[0].{name,token,scopes}}
 */
@ConfigurationProperties("strata.catalog.auth")
public record CatalogAuthProperties(String token, List<Client> clients) {
    public CatalogAuthProperties {
        clients = clients == null ? List.of() : List.copyOf(clients);
    }

    /** One calling service: its name (in logs and 403 answers), token and scopes. */
    public record Client(String name, String token, Set<String> scopes) {
        public Client {
            scopes = scopes == null ? Set.of() : Set.copyOf(scopes);
        }

        @Override
        public String toString() {
            return "Client[name=" + name + ", token=" + (token == null || token.isBlank() ? "none" : "(redacted)")
                    + ", scopes=" + scopes + "]";
        }
    }

    @Override
    public String toString() {
        return "CatalogAuthProperties[token=" + (token == null || token.isBlank() ? "none" : "(redacted)")
                + ", clients=" + clients + "]";
    }
}

package io.strata.catalog.web;

import io.strata.catalog.web.CatalogAuthProperties.Client;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The clients allowed to call the catalog, recognised by token. Built once at start-up from
 * {@link CatalogAuthProperties}; refuses to start on anything ambiguous (no token at all, two clients
 * sharing a token, an unknown scope), because a mistake there silently widens or closes access.
 */
final class CatalogCallers {
    private static final Logger log = LoggerFactory.getLogger(CatalogCallers.class);
    static final String LEGACY_NAME = "shared-token";

    private final List<Entry> entries;

    private CatalogCallers(List<Entry> entries) {
        this.entries = entries;
    }

    static CatalogCallers from(CatalogAuthProperties properties) {
        List<Entry> entries = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (Client client : properties.clients()) {
            if (!hasText(client.token())) {
                continue; // a service this deployment does not run, or has not given a token yet
            }
            entries.add(entry(client, names));
        }
        boolean legacy = hasText(properties.token());
        if (entries.isEmpty() && legacy) {
            log.warn("Only the shared catalog token (STRATA_CATALOG_TOKEN / strata.catalog.auth.token) is"
                    + " configured, and it grants every scope. It is deprecated: give every service its own token"
                    + " (STRATA_CATALOG_TOKEN_GATEWAY, _BACKUP, _RESTORE, _WAL, _ADMIN, or"
                    + " strata.catalog.auth.clients[n].{name,token,scopes}).");
            entries.add(new Entry(LEGACY_NAME, bytes(properties.token()), ScopeRules.SCOPES));
        } else if (entries.isEmpty()) {
            throw new IllegalStateException("the catalog has no client token configured and refuses to start: set"
                    + " STRATA_CATALOG_TOKEN_GATEWAY, STRATA_CATALOG_TOKEN_BACKUP, STRATA_CATALOG_TOKEN_RESTORE and"
                    + " STRATA_CATALOG_TOKEN_WAL (strata.catalog.auth.clients[n].token), one per calling service");
        } else if (legacy) {
            log.info("Per-service catalog tokens are configured, so the shared STRATA_CATALOG_TOKEN is not accepted"
                    + " by this catalog");
        }
        requireDistinctTokens(entries);
        entries.forEach(e -> log.info("Catalog client {} may use {}", e.name, new TreeSet<>(e.scopes)));
        return new CatalogCallers(List.copyOf(entries));
    }

    /**
     * The caller presenting {@code token}. Every configured token is compared in constant time, and all of
     * them every time, so timing tells neither how much of a guess was right nor which client matched.
     */
    Optional<Caller> identify(String token) {
        byte[] presented = bytes(token);
        Entry match = null;
        for (Entry entry : entries) {
            if (MessageDigest.isEqual(entry.token, presented)) {
                match = entry;
            }
        }
        return Optional.ofNullable(match).map(e -> new Caller(e.name, e.scopes));
    }

    /** An identified client: its name (safe to log and answer with) and scopes. */
    record Caller(String name, Set<String> scopes) {
        boolean may(String scope) {
            return scopes.contains(scope);
        }
    }

    private static Entry entry(Client client, Set<String> names) {
        if (!hasText(client.name())) {
            throw new IllegalStateException("a catalog client (strata.catalog.auth.clients[n]) has a token but no"
                    + " name: name it after the service that uses it");
        }
        if (!names.add(client.name())) {
            throw new IllegalStateException("two catalog clients are named '" + client.name() + "'");
        }
        Set<String> unknown = new TreeSet<>(client.scopes());
        unknown.removeAll(ScopeRules.SCOPES);
        if (!unknown.isEmpty()) {
            throw new IllegalStateException("catalog client '" + client.name() + "' has unknown scope(s) " + unknown
                    + "; known scopes are " + new TreeSet<>(ScopeRules.SCOPES));
        }
        return new Entry(client.name(), bytes(client.token()), client.scopes());
    }

    private static void requireDistinctTokens(List<Entry> entries) {
        for (int i = 0; i < entries.size(); i++) {
            for (int j = i + 1; j < entries.size(); j++) {
                if (MessageDigest.isEqual(entries.get(i).token, entries.get(j).token)) {
                    throw new IllegalStateException("catalog clients '" + entries.get(i).name + "' and '"
                            + entries.get(j).name + "' have the same token: give every service its own");
                }
            }
        }
    }

    private static byte[] bytes(String token) {
        return token.strip().getBytes(StandardCharsets.UTF_8);
    }

    private static boolean hasText(String value) {
        return value != null && !value.isBlank();
    }

    private record Entry(String name, byte[] token, Set<String> scopes) {
        @Override
        public String toString() {
            return "Entry[name=" + name + ", token=(redacted), scopes=" + scopes + "]";
        }
    }
}

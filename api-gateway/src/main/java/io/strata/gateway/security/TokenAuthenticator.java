package io.strata.gateway.security;

import io.strata.gateway.security.SecurityProperties.ApiToken;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Looks a presented bearer token up among the configured ones in constant time: both sides are hashed
 * to equal-length digests and every entry is compared, so timing reveals neither a prefix nor which
 * entry matched.
 */
public class TokenAuthenticator {
    private static final String BEARER = "Bearer ";
    private final List<Entry> entries;

    public TokenAuthenticator(SecurityProperties properties) {
        List<Entry> configured = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (ApiToken token : properties.tokens()) {
            if (token.token() == null || token.token().isBlank()) {
                continue;
            }
            if (token.role() == null) {
                throw new IllegalStateException(
                        "strata.security token '" + token.name() + "' has no role: set admin, operator or viewer");
            }
            if (!seen.add(token.token())) {
                throw new IllegalStateException("strata.security token '" + token.name()
                        + "' reuses another entry's token: give every role its own token");
            }
            configured.add(new Entry(new Caller(token.name(), token.role()), sha256(token.token())));
        }
        if (configured.isEmpty()) {
            throw new IllegalStateException("no API token configured: set at least one of STRATA_ADMIN_TOKEN,"
                    + " STRATA_OPERATOR_TOKEN, STRATA_VIEWER_TOKEN (strata.security.tokens)");
        }
        this.entries = List.copyOf(configured);
    }

    /** The token of an {@code Authorization: Bearer <token>} header; empty for any other header. */
    public static Optional<String> bearerToken(String header) {
        if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return Optional.empty();
        }
        return Optional.of(header.substring(BEARER.length()).strip());
    }

    /** The caller an {@code Authorization} header names: a bearer header with a known token. */
    public Optional<Caller> fromHeader(String header) {
        return bearerToken(header).flatMap(this::authenticate);
    }

    public Optional<Caller> authenticate(String presented) {
        byte[] digest = sha256(presented);
        Caller match = null;
        for (Entry entry : entries) {
            // no early exit: the loop takes as long whichever entry (if any) matches
            if (MessageDigest.isEqual(entry.digest(), digest)) {
                match = entry.caller();
            }
        }
        return Optional.ofNullable(match);
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM lacks SHA-256", e);
        }
    }

    /** Who is calling: the token's configured name and role. */
    public record Caller(String name, Role role) {}

    private record Entry(Caller caller, byte[] digest) {}
}

package io.strata.gateway.security;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The bearer tokens callers may present ({@code strata.security.tokens}). Entries with a blank token
 * are ignored, so an unset {@code STRATA_VIEWER_TOKEN} simply means there is no viewer token.
 */
@ConfigurationProperties("strata.security")
public record SecurityProperties(@DefaultValue List<ApiToken> tokens) {

    /** One token: {@code name} identifies the caller in logs and problems, never the token itself. */
    public record ApiToken(String name, Role role, String token) {}
}

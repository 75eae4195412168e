package io.strata.gateway.audit;

import io.strata.common.audit.AuditText;
import io.strata.gateway.audit.RouteTemplates.RouteMatch;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * How the parts of a request become the fields of an audit record. Every value that comes from the request
 * is cleaned of control characters and bounded; nothing that could carry a secret (body, Authorization
 * header, query values) is ever read here.
 */
final class AuditFields {
    static final int MAX_ACTION_PATH = 300;
    static final int MAX_TARGET = 200;
    static final int MAX_PARAMETER_NAME = 64;
    static final int MAX_PARAMETERS = 32;
    private static final Pattern SAFE_REQUEST_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
    private static final Set<String> MUTATING = Set.of("POST", "PUT", "PATCH", "DELETE");

    private AuditFields() {}

    static boolean isMutating(String method) {
        return MUTATING.contains(method);
    }

    /** The caller's {@code X-Request-Id} when it is a safe token (1-64 of {@code [A-Za-z0-9._-]}), else a new id. */
    static String requestId(String header, Supplier<UUID> newId) {
        return header != null && SAFE_REQUEST_ID.matcher(header).matches()
                ? header
                : newId.get().toString();
    }

    /** {@code POST /api/v1/backups/{backupId}/verify}, or with no route the raw path, cleaned and cut to 300. */
    static String action(String method, Optional<RouteMatch> route, String rawPath) {
        String path = route.map(RouteMatch::pattern).orElseGet(() -> AuditText.clean(rawPath, MAX_ACTION_PATH));
        return method + " " + path;
    }

    /** What a controller named (see {@link AuditAttributes#TARGET}), else the route's first path variable. */
    static String target(Object named, Optional<RouteMatch> route) {
        String target = named instanceof String text && !text.isBlank()
                ? text
                : route.flatMap(RouteMatch::firstVariable).orElse(null);
        String cleaned = AuditText.clean(target, MAX_TARGET);
        return cleaned == null || cleaned.isBlank() ? null : cleaned;
    }

    /** The distinct names in a raw query string, in order; values are dropped unread. */
    static List<String> queryParameterNames(String queryString) {
        if (queryString == null || queryString.isEmpty()) {
            return List.of();
        }
        Set<String> names = new LinkedHashSet<>();
        for (String pair : queryString.split("&")) {
            int equals = pair.indexOf('=');
            String name = AuditText.clean(decode(equals < 0 ? pair : pair.substring(0, equals)), MAX_PARAMETER_NAME);
            if (!name.isBlank()) {
                names.add(name);
            }
            if (names.size() == MAX_PARAMETERS) {
                break;
            }
        }
        return new ArrayList<>(names);
    }

    private static String decode(String name) {
        try {
            return URLDecoder.decode(name, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return name; // a malformed %-escape: keep it as sent, it is cleaned anyway
        }
    }
}

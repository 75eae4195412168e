package io.strata.gateway.uploads;

import io.strata.gateway.problem.ApiException;
import io.strata.gateway.problem.FieldProblem;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The query of an upload, read from the raw query string (percent-decoded as UTF-8; the gateway's request filter
 * has refused control characters and bad encodings already). A parameter given twice, or one this call does not
 * take, is refused: a silently ignored typo ({@code replce=true}) would restore into the wrong place.
 */
record UploadQuery(Map<String, String> values) {
    private static final Set<String> NAMES =
            Set.of("source", "database", "replace", "confirm", "owner", "filename", "sha256");

    static UploadQuery parse(String query) {
        Map<String, String> values = new HashMap<>();
        if (query == null || query.isEmpty()) {
            return new UploadQuery(values);
        }
        for (String pair : query.split("&", -1)) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            if (!NAMES.contains(name)) {
                throw ApiException.badRequest(
                        "unknown query parameter '" + (name.length() > 40 ? name.substring(0, 40) + "…" : name)
                                + "'; an upload takes "
                                + String.join(", ", NAMES.stream().sorted().toList()),
                        new FieldProblem("query", "has an unknown parameter"));
            }
            if (values.putIfAbsent(name, value) != null) {
                throw ApiException.badRequest(
                        "query parameter '" + name + "' is given twice", new FieldProblem(name, "is given twice"));
            }
        }
        return new UploadQuery(values);
    }

    /** The parameter's value; null when it is absent. */
    String single(String name) {
        return values.get(name);
    }

    /** A yes/no parameter: absent is false; only {@code true} and {@code false} are taken. */
    boolean flag(String name) {
        String value = values.get(name);
        if (value == null || value.equals("false")) {
            return false;
        }
        if (value.equals("true")) {
            return true;
        }
        throw ApiException.badRequest(
                "query parameter '" + name + "' must be true or false",
                new FieldProblem(name, "must be true or false"));
    }
}

package io.strata.gateway.problem;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;

/**
 * Builds the RFC 9457 problems the gateway answers with. Every problem gets a {@code type} naming its
 * kind, so clients can branch on it without parsing {@code detail}.
 */
public final class Problems {
    public static final String ERRORS = "errors";
    private static final String TYPE_PREFIX = "urn:strata:problem:";

    private Problems() {}

    public static ProblemDetail of(HttpStatusCode status, String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(typeOf(status));
        return problem;
    }

    public static ProblemDetail of(HttpStatusCode status, String detail, List<FieldProblem> errors) {
        ProblemDetail problem = of(status, detail);
        if (!errors.isEmpty()) {
            problem.setProperty(ERRORS, errors);
        }
        return problem;
    }

    /** A URN per status, e.g. {@code urn:strata:problem:unprocessable-content}. */
    public static URI typeOf(HttpStatusCode status) {
        return URI.create(TYPE_PREFIX + slug(status));
    }

    private static String slug(HttpStatusCode status) {
        return switch (status.value()) {
            case 400 -> "invalid-request";
            case 401 -> "unauthenticated";
            case 403 -> "forbidden";
            case 404 -> "not-found";
            case 409 -> "conflict";
            case 422 -> "unprocessable-content";
            case 502 -> "bad-gateway";
            case 503 -> "service-unavailable";
            case 504 -> "gateway-timeout";
            case 405 -> "method-not-allowed";
            case 413 -> "content-too-large";
            case 415 -> "unsupported-media-type";
            case 431 -> "request-header-fields-too-large";
            default -> "http-" + status.value();
        };
    }

    /** The problem as the flat JSON object RFC 9457 describes, for writers outside Spring MVC. */
    public static Map<String, Object> asJson(ProblemDetail problem) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put(
                "type",
                problem.getType() == null ? "about:blank" : problem.getType().toString());
        json.put("title", problem.getTitle());
        json.put("status", problem.getStatus());
        json.put("detail", problem.getDetail());
        if (problem.getInstance() != null) {
            json.put("instance", problem.getInstance().toString());
        }
        if (problem.getProperties() != null) {
            json.putAll(problem.getProperties());
        }
        return json;
    }
}

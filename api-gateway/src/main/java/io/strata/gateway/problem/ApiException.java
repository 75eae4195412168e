package io.strata.gateway.problem;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;

/**
 * A request the gateway answers with a problem: its status, a detail that says what to do, and the
 * offending fields. Thrown anywhere below a controller; {@link ApiExceptionHandler} renders it.
 */
public class ApiException extends RuntimeException {
    private final HttpStatus status;
    private final transient List<FieldProblem> errors;
    private final transient Map<String, Object> properties = new LinkedHashMap<>();

    public ApiException(HttpStatus status, String detail, List<FieldProblem> errors, Throwable cause) {
        super(detail, cause);
        this.status = status;
        this.errors = List.copyOf(errors);
    }

    public static ApiException badRequest(String detail, FieldProblem... errors) {
        return new ApiException(HttpStatus.BAD_REQUEST, detail, List.of(errors), null);
    }

    /** The request is well-formed but names something that cannot be done (unknown source, unsupported kind). */
    public static ApiException unprocessable(String detail, FieldProblem... errors) {
        return new ApiException(HttpStatus.UNPROCESSABLE_CONTENT, detail, List.of(errors), null);
    }

    public static ApiException notFound(String detail) {
        return new ApiException(HttpStatus.NOT_FOUND, detail, List.of(), null);
    }

    public static ApiException conflict(String detail, FieldProblem... errors) {
        return new ApiException(HttpStatus.CONFLICT, detail, List.of(errors), null);
    }

    /** A system behind the gateway (a source's server, the catalog) answered badly. */
    public static ApiException badGateway(String detail, Throwable cause) {
        return new ApiException(HttpStatus.BAD_GATEWAY, detail, List.of(), cause);
    }

    /** A source did not give a session or an answer within the gateway's deadline. */
    public static ApiException gatewayTimeout(String detail, Throwable cause) {
        return new ApiException(HttpStatus.GATEWAY_TIMEOUT, detail, List.of(), cause);
    }

    /** A system behind the gateway could not be reached; the same request may work later. */
    public static ApiException unavailable(String detail, Throwable cause) {
        return new ApiException(HttpStatus.SERVICE_UNAVAILABLE, detail, List.of(), cause);
    }

    /** Adds a member to the problem document (RFC 9457 extension), e.g. what can be reached instead. */
    public ApiException with(String name, Object value) {
        if (value != null) {
            properties.put(name, value);
        }
        return this;
    }

    public Map<String, Object> properties() {
        return properties;
    }

    public HttpStatus status() {
        return status;
    }

    public List<FieldProblem> errors() {
        return errors;
    }

    /** True when the caller's request is at fault (4xx), false when the gateway's surroundings are. */
    public boolean isCallerError() {
        return status.is4xxClientError();
    }
}

package io.strata.gateway.audit;

import io.strata.common.audit.AuditOutcome;
import io.strata.common.audit.AuditRecorded;
import io.strata.gateway.audit.RouteTemplates.RouteMatch;
import io.strata.gateway.security.TokenAuthenticator;
import io.strata.gateway.security.TokenAuthenticator.Caller;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Gives every {@code /api/v1} request an {@code X-Request-Id} (echoed back) and records every mutating one
 * (POST, PUT, PATCH, DELETE) once it has been answered, however it ended: 2xx, refused by security (401,
 * 403), by validation or by the catalog (4xx), or failed (5xx). It runs outside Spring Security's filter
 * chain, so it sees those refusals too.
 *
 * <p>The actor is found by looking the bearer token up again: Spring Security clears its context before
 * control returns here. A missing, malformed or unknown token is {@value AuditRecorded#ANONYMOUS}.
 */
class AuditTrailFilter extends OncePerRequestFilter {
    static final String REQUEST_ID_HEADER = "X-Request-Id";
    static final String API_PREFIX = "/api/v1/";
    private static final Logger log = LoggerFactory.getLogger(AuditTrailFilter.class);
    private final TokenAuthenticator tokens;
    private final RouteTemplates routes;
    private final Consumer<AuditRecorded> publisher;
    private final Clock clock;

    AuditTrailFilter(TokenAuthenticator tokens, RouteTemplates routes, Consumer<AuditRecorded> publisher, Clock clock) {
        this.tokens = tokens;
        this.routes = routes;
        this.publisher = publisher;
        this.clock = clock;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String path = pathOf(request);
        return !path.startsWith(API_PREFIX) && !path.equals("/api/v1");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        Instant arrived = clock.instant();
        String requestId = AuditFields.requestId(request.getHeader(REQUEST_ID_HEADER), UUID::randomUUID);
        request.setAttribute(AuditAttributes.REQUEST_ID, requestId);
        response.setHeader(REQUEST_ID_HEADER, requestId);
        if (!AuditFields.isMutating(request.getMethod())) {
            chain.doFilter(request, response);
            return;
        }
        boolean thrown = true;
        try {
            chain.doFilter(request, response);
            thrown = false;
        } finally {
            // an exception escaping the chain becomes the container's 500, whatever status was set so far
            int status = thrown ? HttpServletResponse.SC_INTERNAL_SERVER_ERROR : response.getStatus();
            audit(request, requestId, arrived, status);
        }
    }

    /** Never lets the audit trail fail or replace the answer the caller already has. */
    private void audit(HttpServletRequest request, String requestId, Instant arrived, int status) {
        try {
            publisher.accept(record(request, requestId, arrived, status));
        } catch (RuntimeException e) {
            log.error("could not build the audit record of request {}", requestId, e);
        }
    }

    private AuditRecorded record(HttpServletRequest request, String requestId, Instant arrived, int status) {
        String method = request.getMethod();
        String path = pathOf(request);
        Optional<RouteMatch> route = routes.match(method, path);
        Optional<Caller> caller = caller(request.getHeader(HttpHeaders.AUTHORIZATION));
        return new AuditRecorded(
                AuditRecorded.SCHEMA_VERSION,
                UUID.randomUUID(),
                arrived,
                caller.map(Caller::name).orElse(AuditRecorded.ANONYMOUS),
                caller.map(c -> c.role().label()).orElse(null),
                AuditFields.action(method, route, path),
                AuditFields.target(request.getAttribute(AuditAttributes.TARGET), route),
                status,
                AuditOutcome.of(status),
                requestId,
                request.getRemoteAddr(),
                AuditFields.queryParameterNames(request.getQueryString()),
                Math.max(0, Duration.between(arrived, clock.instant()).toMillis()));
    }

    /** The caller the security chain saw: only a well-formed header with a known token names one. */
    private Optional<Caller> caller(String authorization) {
        return tokens.fromHeader(authorization);
    }

    private static String pathOf(HttpServletRequest request) {
        return request.getRequestURI().substring(request.getContextPath().length());
    }
}

package io.strata.catalog.web;

import io.strata.catalog.web.CatalogCallers.Caller;
import io.strata.common.messaging.Json;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Lets through only known clients, and each only to the paths its scopes open ({@link ScopeRules}):
 * no or unknown token is 401, a path the client's scopes do not cover (or no rule covers) is 403 naming
 * the scope. Health and Prometheus stay open because orchestrators and scrapers probe them without
 * credentials and they reveal no catalog data.
 */
@Component
class CatalogTokenFilter extends OncePerRequestFilter {
    private static final String BEARER = "Bearer ";
    private final CatalogCallers callers;

    CatalogTokenFilter(CatalogAuthProperties properties) {
        this.callers = CatalogCallers.from(properties);
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String path = path(request);
        return path.equals("/actuator/health")
                || path.startsWith("/actuator/health/")
                || path.equals("/actuator/prometheus");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String header = request.getHeader(HttpHeaders.AUTHORIZATION);
        if (header == null || !header.startsWith(BEARER)) {
            reject(
                    request,
                    response,
                    HttpStatus.UNAUTHORIZED,
                    "Send 'Authorization: Bearer <token>' with your service's catalog token.",
                    null);
            return;
        }
        Optional<Caller> caller = callers.identify(header.substring(BEARER.length()));
        if (caller.isEmpty()) {
            reject(
                    request,
                    response,
                    HttpStatus.UNAUTHORIZED,
                    "The bearer token is not one of the catalog's client tokens (STRATA_CATALOG_TOKEN of the calling"
                            + " service, STRATA_CATALOG_TOKEN_<SERVICE> of the catalog).",
                    null);
            return;
        }
        String path = path(request);
        Optional<String> scope = ScopeRules.requiredScope(request.getMethod(), path);
        if (scope.isEmpty()) {
            reject(
                    request,
                    response,
                    HttpStatus.FORBIDDEN,
                    "No client may call " + request.getMethod() + " " + path + ": the catalog has no access rule for"
                            + " it.",
                    null);
            return;
        }
        if (!caller.get().may(scope.get())) {
            reject(
                    request,
                    response,
                    HttpStatus.FORBIDDEN,
                    "Client '" + caller.get().name() + "' lacks the scope '" + scope.get() + "' that "
                            + request.getMethod() + " " + path + " needs; add it to that client's scopes"
                            + " (strata.catalog.auth.clients[n].scopes) if it should have it.",
                    scope.get());
            return;
        }
        chain.doFilter(request, response);
    }

    private static String path(HttpServletRequest request) {
        return request.getRequestURI().substring(request.getContextPath().length());
    }

    private static void reject(
            HttpServletRequest request,
            HttpServletResponse response,
            HttpStatus status,
            String detail,
            String missingScope)
            throws IOException {
        Map<String, Object> problem = new LinkedHashMap<>();
        problem.put("type", "about:blank");
        problem.put("title", status.getReasonPhrase());
        problem.put("status", status.value());
        problem.put("detail", detail);
        problem.put("instance", request.getRequestURI());
        if (missingScope != null) {
            problem.put("missingScope", missingScope);
        }
        response.setStatus(status.value());
        if (status == HttpStatus.UNAUTHORIZED) {
            response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"strata-catalog\"");
        } else if (missingScope != null) {
            // RFC 6750 section 3.1: the scope that would have been enough
            response.setHeader(
                    HttpHeaders.WWW_AUTHENTICATE,
                    "Bearer realm=\"strata-catalog\", error=\"insufficient_scope\", scope=\"" + missingScope + "\"");
        }
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        response.setCharacterEncoding(StandardCharsets.UTF_8.name());
        response.getWriter().write(Json.write(problem));
    }
}

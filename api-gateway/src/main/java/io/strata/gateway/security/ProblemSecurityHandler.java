package io.strata.gateway.security;

import io.strata.gateway.problem.Problems;
import io.strata.gateway.security.TokenAuthenticator.Caller;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.authentication.InsufficientAuthenticationException;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;
import tools.jackson.databind.json.JsonMapper;

/**
 * Answers 401 and 403 with problem+json like every other error of the API, instead of Spring Security's
 * empty bodies. Security failures happen before Spring MVC, so the problem is written here directly.
 */
class ProblemSecurityHandler implements AuthenticationEntryPoint, AccessDeniedHandler {
    private final JsonMapper json;

    ProblemSecurityHandler(JsonMapper json) {
        this.json = json;
    }

    @Override
    public void commence(HttpServletRequest request, HttpServletResponse response, AuthenticationException ex)
            throws IOException {
        String detail = ex instanceof InsufficientAuthenticationException
                ? "authentication required: send 'Authorization: Bearer <token>'"
                : ex.getMessage();
        response.setHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        write(response, Problems.of(HttpStatus.UNAUTHORIZED, detail));
    }

    @Override
    public void handle(HttpServletRequest request, HttpServletResponse response, AccessDeniedException ex)
            throws IOException {
        Authentication auth = SecurityContextHolder.getContext().getAuthentication();
        String who = auth != null && auth.getPrincipal() instanceof Caller caller
                ? "token '" + caller.name() + "' (role " + caller.role().label() + ")"
                : "this token";
        String detail =
                who + " may not " + request.getMethod() + " " + request.getRequestURI() + ": " + requiredRole(request);
        write(response, Problems.of(HttpStatus.FORBIDDEN, detail));
    }

    private static String requiredRole(HttpServletRequest request) {
        Role needed = ApiAccessRules.requiredRole(request.getMethod(), request.getRequestURI());
        return "it needs role " + needed.label() + " or stronger";
    }

    private void write(HttpServletResponse response, ProblemDetail problem) throws IOException {
        response.setStatus(problem.getStatus());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        response.setCharacterEncoding("UTF-8");
        json.writeValue(response.getOutputStream(), Problems.asJson(problem));
    }
}

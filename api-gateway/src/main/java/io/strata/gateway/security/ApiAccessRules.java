package io.strata.gateway.security;

import java.util.List;
import java.util.function.Supplier;
import org.springframework.http.HttpMethod;
import org.springframework.http.server.PathContainer;
import org.springframework.security.authorization.AuthorityAuthorizationManager;
import org.springframework.security.authorization.AuthorizationManager;
import org.springframework.security.authorization.AuthorizationResult;
import org.springframework.security.core.Authentication;
import org.springframework.security.web.access.intercept.RequestAuthorizationContext;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * The one table of which role each call under {@code /api/v1} needs: reads are for viewers (but the audit
 * trail, {@code GET /api/v1/audit}, is for admins), starting
 * and verifying backups, restore drills, cancelling jobs, restore points and restore and retention previews for operators, everything else (restores, sources, uploads, deletes) for
 * admins. Both the authorization check and the 403 message read it, so they cannot disagree.
 */
final class ApiAccessRules implements AuthorizationManager<RequestAuthorizationContext> {
    private static final List<PathPattern> OPERATOR_POSTS = List.of(
            PathPatternParser.defaultInstance.parse("/api/v1/backups"),
            PathPatternParser.defaultInstance.parse("/api/v1/backups/{backupId}/verify"),
            PathPatternParser.defaultInstance.parse("/api/v1/jobs/{jobId}/cancel"),
            PathPatternParser.defaultInstance.parse("/api/v1/restores/preview"),
            PathPatternParser.defaultInstance.parse("/api/v1/sources/{name}/retention/preview"),
            PathPatternParser.defaultInstance.parse("/api/v1/sources/{name}/drills"),
            PathPatternParser.defaultInstance.parse("/api/v1/sources/{name}/restore-points"),
            PathPatternParser.defaultInstance.parse("/api/v1/sources/{name}/restore-points/{rp}/verify"));
    private static final PathPattern AUDIT = PathPatternParser.defaultInstance.parse("/api/v1/audit");

    static Role requiredRole(String method, String path) {
        PathContainer container = PathContainer.parsePath(path);
        if (HttpMethod.GET.matches(method) || HttpMethod.HEAD.matches(method)) {
            // the audit trail says who did what: as sensitive as the actions themselves
            return AUDIT.matches(container) ? Role.ADMIN : Role.VIEWER;
        }
        if (HttpMethod.POST.matches(method) && OPERATOR_POSTS.stream().anyMatch(p -> p.matches(container))) {
            return Role.OPERATOR;
        }
        return Role.ADMIN;
    }

    @Override
    public AuthorizationResult authorize(
            Supplier<? extends Authentication> authentication, RequestAuthorizationContext context) {
        var request = context.getRequest();
        String path = request.getRequestURI().substring(request.getContextPath().length());
        Role required = requiredRole(request.getMethod(), path);
        return AuthorityAuthorizationManager.<RequestAuthorizationContext>hasRole(required.name())
                .authorize(authentication, context);
    }
}

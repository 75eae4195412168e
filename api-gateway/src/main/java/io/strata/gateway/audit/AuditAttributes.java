package io.strata.gateway.audit;

import jakarta.servlet.http.HttpServletRequest;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/**
 * Request attributes the audit trail reads and writes, for controllers that want a better record of their
 * call than the path alone gives.
 */
public final class AuditAttributes {
    /**
     * What the call is about, when the path does not say: a controller sets it to the job id it created (e.g.
     * {@code POST /api/v1/backups}, {@code POST /api/v1/restores}) or the name it registered ({@code POST
     * /api/v1/sources}). A String; it replaces the path's first variable as the record's {@code target}. Never
     * set it to anything secret: it is stored and shown to admins.
     */
    public static final String TARGET = "strata.audit.target";

    /** The request's id (the caller's safe {@code X-Request-Id} or a generated one), set before any controller runs. */
    public static final String REQUEST_ID = "strata.request-id";

    private AuditAttributes() {}

    /** Names the call's target for the audit record, e.g. {@code AuditAttributes.target(request, job.jobId())}. */
    public static void target(HttpServletRequest request, String target) {
        request.setAttribute(TARGET, target);
    }

    /** {@link #target(HttpServletRequest, String)} for the request this thread is serving, if any. */
    public static void target(String target) {
        if (RequestContextHolder.getRequestAttributes() instanceof ServletRequestAttributes attributes) {
            target(attributes.getRequest(), target);
        }
    }
}

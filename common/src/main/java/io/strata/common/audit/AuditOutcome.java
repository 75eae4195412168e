package io.strata.common.audit;

/** How a mutating API call ended, from its HTTP status: the caller was served, refused, or let down. */
public enum AuditOutcome {
    /** 1xx-3xx: the call did what it asked (a 202 job may still fail later; the job says so). */
    SUCCEEDED,
    /** 4xx: the call was refused (unauthenticated, forbidden, invalid, unknown, conflicting). */
    REFUSED,
    /** 5xx: the service or a system behind it failed to answer the call. */
    FAILED;

    public static AuditOutcome of(int httpStatus) {
        if (httpStatus >= 500) {
            return FAILED;
        }
        return httpStatus >= 400 ? REFUSED : SUCCEEDED;
    }
}

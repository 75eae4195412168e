package io.strata.common.audit;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * The filters of {@code GET /api/v1/audit?since=&actor=&limit=}, checked alike by the gateway (at the edge)
 * and the catalog (which serves them).
 */
public final class AuditQueryRules {
    public static final int MAX_ACTOR_LENGTH = 64;
    public static final int DEFAULT_LIMIT = 50;
    public static final int MAX_LIMIT = 500;

    private AuditQueryRules() {}

    /**
     * An RFC 3339 date-time with its offset, e.g. {@code 2026-11-22T15:29:00Z} or
     * {@code 2026-11-22T16:29:00.5+01:00}; null or blank means no lower bound.
     *
     * @throws IllegalArgumentException saying what is expected
     */
    public static Instant since(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return OffsetDateTime.parse(text.strip()).toInstant();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("must be an RFC 3339 date-time with an offset, such as"
                    + " 2026-11-22T15:29:00Z or 2026-11-22T16:29:00+01:00");
        }
    }

    /** Why {@code actor} cannot be a filter; empty when it can (null or blank means any actor). */
    public static Optional<String> actorProblem(String actor) {
        if (actor == null || actor.isBlank()) {
            return Optional.empty();
        }
        if (actor.codePointCount(0, actor.length()) > MAX_ACTOR_LENGTH) {
            return Optional.of("must be at most " + MAX_ACTOR_LENGTH + " characters (a token name such as admin)");
        }
        if (AuditText.hasControl(actor)) {
            return Optional.of("must not contain control characters");
        }
        return Optional.empty();
    }
}

package io.strata.catalog.audit;

import io.strata.catalog.web.InvalidRequestException;
import io.strata.catalog.web.InvalidRequestException.FieldProblem;
import io.strata.catalog.web.QueryParams;
import io.strata.common.audit.AuditQueryRules;
import io.strata.common.audit.AuditText;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The filters of {@code GET /api/v1/audit}: from {@code since} on (inclusive), one actor, older than the
 * record {@code before} (a page's last {@code auditId}), newest {@code limit}.
 */
record AuditFilter(Instant since, String actor, int limit, UUID before) {

    /** Every bad parameter is named in one 400; {@code limit} is capped at 500 like every catalog list. */
    static AuditFilter of(String since, String actor, Integer limit, String before) {
        List<FieldProblem> problems = new ArrayList<>();
        Instant from = null;
        try {
            from = AuditQueryRules.since(since);
        } catch (IllegalArgumentException e) {
            problems.add(new FieldProblem("since", e.getMessage() + ", got '" + AuditText.clean(since, 64) + "'"));
        }
        AuditQueryRules.actorProblem(actor).ifPresent(message -> problems.add(new FieldProblem("actor", message)));
        int rows = AuditQueryRules.DEFAULT_LIMIT;
        try {
            rows = QueryParams.limit(limit);
        } catch (InvalidRequestException e) {
            problems.addAll(e.errors());
        }
        UUID after = null;
        if (before != null && !before.isBlank()) {
            try {
                after = UUID.fromString(before.strip());
            } catch (IllegalArgumentException e) {
                problems.add(new FieldProblem("before", "must be the auditId of a record (a UUID)"));
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidRequestException(problems);
        }
        return new AuditFilter(from, actor == null || actor.isBlank() ? null : actor, rows, after);
    }
}

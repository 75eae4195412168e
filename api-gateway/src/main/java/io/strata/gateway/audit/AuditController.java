package io.strata.gateway.audit;

import io.strata.common.audit.AuditQueryRules;
import io.strata.gateway.catalog.CatalogProxy;
import io.strata.gateway.problem.ApiException;
import io.strata.gateway.problem.FieldProblem;
import io.strata.platform.catalog.CatalogApi.AuditView;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The audit trail (admins only, see {@code ApiAccessRules}), read from the catalog, newest first. */
@RestController
class AuditController {
    private final CatalogProxy catalog;

    AuditController(CatalogProxy catalog) {
        this.catalog = catalog;
    }

    @GetMapping("/api/v1/audit")
    List<AuditView> list(
            @RequestParam(required = false) String since,
            @RequestParam(required = false) String actor,
            @RequestParam(required = false) Integer limit,
            @RequestParam(required = false) UUID before) {
        List<FieldProblem> problems = new ArrayList<>();
        Instant from = null;
        try {
            from = AuditQueryRules.since(since);
        } catch (IllegalArgumentException e) {
            problems.add(new FieldProblem("since", e.getMessage()));
        }
        AuditQueryRules.actorProblem(actor).ifPresent(message -> problems.add(new FieldProblem("actor", message)));
        if (limit != null && (limit < 1 || limit > AuditQueryRules.MAX_LIMIT)) {
            problems.add(new FieldProblem("limit", "must be 1.." + AuditQueryRules.MAX_LIMIT));
        }
        if (!problems.isEmpty()) {
            throw ApiException.badRequest(
                    "invalid request: "
                            + problems.stream()
                                    .map(problem -> problem.field() + " " + problem.message())
                                    .collect(Collectors.joining("; ")),
                    problems.toArray(FieldProblem[]::new));
        }
        Map<String, Object> query = new LinkedHashMap<>();
        // passed on as UTC: an offset's '+' would arrive at the catalog as a space
        query.put("since", from);
        query.put("actor", actor == null || actor.isBlank() ? null : actor);
        query.put("limit", limit);
        query.put("before", before); // the last auditId of the previous page: the next, older page
        return catalog.audit(query);
    }
}

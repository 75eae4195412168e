package io.strata.catalog.audit;

import io.strata.platform.catalog.CatalogApi.AuditView;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The audit trail's read side; records arrive only through {@code strata.audit}. */
@RestController
class AuditController {
    private final AuditEventStore store;

    AuditController(AuditEventStore store) {
        this.store = store;
    }

    /**
     * Newest first; {@code since} is RFC 3339 and inclusive; {@code before} (an {@code auditId}) gives the
     * records older than that one, so a client pages back with the last id of each page.
     */
    @GetMapping("/api/v1/audit")
    List<AuditView> list(
            @RequestParam(required = false) String since,
            @RequestParam(required = false) String actor,
            @RequestParam(required = false) Integer limit,
            @RequestParam(required = false) String before) {
        return store.list(AuditFilter.of(since, actor, limit, before));
    }
}

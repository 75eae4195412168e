package io.strata.catalog.alerts;

import io.strata.catalog.web.InvalidRequestException;
import io.strata.catalog.web.QueryParams;
import io.strata.common.alert.Alert;
import io.strata.common.model.Names;
import io.strata.platform.catalog.PolicyApi.AlertView;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The alerts the catalog raised, open and resolved, newest first. */
@RestController
class AlertController {
    private final AlertBook book;

    AlertController(AlertBook book) {
        this.book = book;
    }

    @GetMapping("/api/v1/alerts")
    List<AlertView> list(
            @RequestParam(required = false) String source,
            @RequestParam(required = false) String state,
            @RequestParam(required = false) Integer limit) {
        if (source != null && !Names.isSource(source)) {
            throw new InvalidRequestException("source", Names.SOURCE_RULE);
        }
        if (state != null && !state.equals(Alert.FIRING) && !state.equals(Alert.RESOLVED)) {
            throw new InvalidRequestException("state", "must be FIRING or RESOLVED");
        }
        return book.list(source, state, QueryParams.limit(limit));
    }
}

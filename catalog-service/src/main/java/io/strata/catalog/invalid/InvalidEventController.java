package io.strata.catalog.invalid;

import io.strata.catalog.web.QueryParams;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** The invalid-event log, read-only, for admins ({@code invalid-events:read}); newest first. */
@RestController
class InvalidEventController {
    private final InvalidEventLog log;

    InvalidEventController(InvalidEventLog log) {
        this.log = log;
    }

    @GetMapping("/internal/v1/invalid-events")
    List<InvalidEvent> list(@RequestParam(required = false) Integer limit) {
        return log.newest(QueryParams.limit(limit));
    }
}

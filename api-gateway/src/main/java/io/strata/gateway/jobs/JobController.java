package io.strata.gateway.jobs;

import io.strata.common.model.JobKind;
import io.strata.common.model.JobStatus;
import io.strata.gateway.catalog.CatalogProxy;
import io.strata.gateway.problem.ApiException;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/** Job status, read from the catalog (which turns job events into state). */
@RestController
@RequestMapping("/api/v1/jobs")
class JobController {
    private final CatalogProxy catalog;

    JobController(CatalogProxy catalog) {
        this.catalog = catalog;
    }

    @GetMapping
    JsonNode list(
            @RequestParam(required = false) String source,
            @RequestParam(required = false) JobStatus status,
            @RequestParam(required = false) JobKind kind,
            @RequestParam(required = false)
                    @Min(value = 1, message = "must be 1..1000")
                    @Max(value = 1000, message = "must be 1..1000")
                    Integer limit) {
        Map<String, Object> query = new LinkedHashMap<>();
        query.put("source", source);
        query.put("status", status);
        query.put("kind", kind);
        query.put("limit", limit);
        return catalog.list("/api/v1/jobs", query);
    }

    @GetMapping("/{jobId}")
    JsonNode one(@PathVariable UUID jobId) {
        return catalog.one("/api/v1/jobs/{id}", jobId.toString())
                .orElseThrow(() -> ApiException.notFound("job " + jobId + " does not exist"));
    }
}

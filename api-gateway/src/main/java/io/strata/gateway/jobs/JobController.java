package io.strata.gateway.jobs;

import io.strata.common.model.JobKind;
import io.strata.common.model.JobStatus;
import io.strata.gateway.audit.AuditAttributes;
import io.strata.gateway.catalog.CatalogProxy;
import io.strata.gateway.problem.ApiException;
import io.strata.platform.catalog.CatalogApi.CancelAnswer;
import io.strata.platform.catalog.CatalogApi.CancelRequest;
import io.strata.platform.catalog.CatalogApi.JobView;
import io.strata.platform.catalog.CatalogClient;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import java.net.URI;
import java.security.Principal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.HttpClientErrorException;

/** Job status, read from the catalog (which turns job events into state). */
@RestController
@RequestMapping("/api/v1/jobs")
class JobController {
    private final CatalogProxy catalog;
    private final CatalogClient jobs;

    JobController(CatalogProxy catalog, CatalogClient jobs) {
        this.catalog = catalog;
        this.jobs = jobs;
    }

    /**
     * Cancels a job (operator): a queued one ends CANCELLED at once; a running backup, verify or WAL cleanup
     * is stopped by its worker within seconds (child process ended, upload aborted, no manifest) and ends
     * CANCELLED; a running restore only at a step that undoes itself (409 saying why otherwise). 409 too when
     * the job already ended.
     */
    @PostMapping("/{jobId}/cancel")
    ResponseEntity<CancelAnswer> cancel(@PathVariable UUID jobId, Principal caller) {
        AuditAttributes.target(jobId.toString());
        try {
            CancelAnswer answer = jobs.cancelJob(jobId.toString(), new CancelRequest(caller.getName()));
            return ResponseEntity.accepted()
                    .location(URI.create("/api/v1/jobs/" + jobId))
                    .body(answer);
        } catch (HttpClientErrorException.NotFound e) {
            throw ApiException.notFound("job " + jobId + " does not exist");
        }
    }

    @GetMapping
    List<JobView> list(
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
        return catalog.jobs(query);
    }

    @GetMapping("/{jobId}")
    JobView one(@PathVariable UUID jobId) {
        return catalog.job(jobId.toString())
                .orElseThrow(() -> ApiException.notFound("job " + jobId + " does not exist"));
    }
}

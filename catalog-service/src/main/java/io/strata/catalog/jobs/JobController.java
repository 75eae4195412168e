package io.strata.catalog.jobs;

import io.strata.catalog.jobs.Job.JobOrigin;
import io.strata.catalog.web.InvalidRequestException;
import io.strata.catalog.web.InvalidRequestException.FieldProblem;
import io.strata.catalog.web.QueryParams;
import io.strata.catalog.web.ResourceNotFoundException;
import io.strata.common.messaging.Message;
import io.strata.common.model.BackupId;
import io.strata.common.model.JobKind;
import io.strata.common.model.JobStatus;
import io.strata.common.model.Names;
import io.strata.platform.catalog.CatalogApi.CancelAnswer;
import io.strata.platform.catalog.CatalogApi.CancelRequest;
import io.strata.platform.catalog.CatalogApi.JobView;
import io.strata.platform.catalog.CatalogApi.NewJob;
import java.net.URI;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Jobs over HTTP: the gateway registers them with their command (relayed through the outbox); everyone reads them. */
@RestController
class JobController {
    private final JobRegistry registry;
    private final JobStore jobs;
    private final JobCancels cancels;
    private final Clock clock;

    JobController(JobRegistry registry, JobStore jobs, JobCancels cancels, Clock clock) {
        this.registry = registry;
        this.jobs = jobs;
        this.cancels = cancels;
        this.clock = clock;
    }

    /** 201 when created, 200 with the existing job when the id is already known (retries are safe). */
    @PostMapping("/internal/v1/jobs")
    ResponseEntity<JobView> register(@RequestBody(required = false) NewJob request) {
        List<FieldProblem> problems = new ArrayList<>();
        JobOrigin origin = originOf(request, problems);
        Message command = JobCommandCheck.parse(
                origin == null ? null : origin.jobId(), request.kind(), request.source(), request.command(), problems);
        if (!problems.isEmpty()) {
            throw new InvalidRequestException(problems);
        }
        JobRegistry.Registered registered = registry.register(origin, request.command(), command);
        if (!registered.created()) {
            return ResponseEntity.ok(registered.job());
        }
        return ResponseEntity.status(HttpStatus.CREATED)
                .location(URI.create("/api/v1/jobs/" + origin.jobId()))
                .body(registered.job());
    }

    /**
     * 202 with what became of the job (CANCELLED at once, or RUNNING while its worker stops it); 409 when it
     * ended or is at a step that cannot be interrupted safely (the problem says which and why).
     */
    @PostMapping("/internal/v1/jobs/{jobId}/cancel")
    ResponseEntity<CancelAnswer> cancel(
            @PathVariable String jobId, @RequestBody(required = false) CancelRequest request) {
        UUID id = QueryParams.uuid("jobId", jobId);
        String actor = request == null ? null : request.actor();
        if (actor == null
                || actor.isBlank()
                || actor.length() > 200
                || actor.codePoints().anyMatch(Character::isISOControl)) {
            throw new InvalidRequestException(
                    "actor", "must name who cancels, in 1 to 200 characters without control characters");
        }
        return ResponseEntity.accepted().body(cancels.cancel(id, actor));
    }

    @GetMapping("/api/v1/jobs")
    List<JobView> list(
            @RequestParam(required = false) String source,
            @RequestParam(required = false) String status,
            @RequestParam(required = false) String kind,
            @RequestParam(required = false) Integer limit) {
        JobFilter filter = new JobFilter(
                source == null || source.isBlank() ? null : source,
                QueryParams.optionalEnum("status", status, JobStatus.class),
                QueryParams.optionalEnum("kind", kind, JobKind.class),
                QueryParams.limit(limit));
        return jobs.list(filter).stream().map(Job::toView).toList();
    }

    @GetMapping("/api/v1/jobs/{jobId}")
    JobView get(@PathVariable String jobId) {
        UUID id = QueryParams.uuid("jobId", jobId);
        return jobs.find(id).map(Job::toView).orElseThrow(() -> new ResourceNotFoundException("job", jobId));
    }

    /** The job's origin; null when {@code problems} were found. */
    private JobOrigin originOf(NewJob request, List<FieldProblem> problems) {
        if (request == null) {
            throw new InvalidRequestException(
                    "body", "send a JSON job: jobId, kind, source, requestId?, backupId?, command");
        }
        UUID id = null;
        try {
            id = request.jobId() == null ? null : QueryParams.uuid("jobId", request.jobId());
        } catch (InvalidRequestException e) {
            problems.addAll(e.errors());
        }
        if (id == null && problems.isEmpty()) {
            problems.add(new FieldProblem("jobId", "must be a UUID"));
        }
        if (request.kind() == null) {
            problems.add(new FieldProblem("kind", "must be one of " + List.of(JobKind.values())));
        }
        if (!Names.isSource(request.source())) {
            problems.add(new FieldProblem("source", Names.SOURCE_RULE));
        }
        if (request.backupId() != null && !BackupId.isValid(request.backupId())) {
            problems.add(new FieldProblem("backupId", "must look like 20261122T153000Z-3fa2c1"));
        }
        if (!problems.isEmpty()) {
            return null;
        }
        return new JobOrigin(
                id, request.kind(), request.source(), request.backupId(), request.requestId(), clock.instant());
    }
}

package io.strata.catalog.jobs;

import io.strata.catalog.web.InvalidRequestException;
import io.strata.catalog.web.InvalidRequestException.FieldProblem;
import io.strata.catalog.web.QueryParams;
import io.strata.platform.catalog.CatalogApi.JobClaim;
import io.strata.platform.catalog.CatalogApi.JobLease;
import io.strata.platform.catalog.CatalogApi.LeaseRenewal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * Workers claim a job before they run it and renew the lease with heartbeats (scope {@code jobs:run}).
 * 200 with the lease; 409 with the reason when the job cannot be had or the lease was lost (the worker
 * must not run it, or must stop); 404 for an unknown job.
 */
@RestController
class LeaseController {
    static final int MIN_LEASE_SECONDS = 5;
    static final int MAX_LEASE_SECONDS = 600;
    private static final int MAX_OWNER = 200;
    private final JobLeases leases;

    LeaseController(JobLeases leases) {
        this.leases = leases;
    }

    @PostMapping("/internal/v1/jobs/{jobId}/claim")
    JobLease claim(@PathVariable String jobId, @RequestBody(required = false) JobClaim claim) {
        UUID id = QueryParams.uuid("jobId", jobId);
        if (claim == null) {
            throw new InvalidRequestException("body", "send a JSON claim: owner, leaseSeconds");
        }
        requireValid(claim.owner(), claim.leaseSeconds(), new ArrayList<>());
        return leases.claim(id, claim.owner(), Duration.ofSeconds(claim.leaseSeconds()));
    }

    @PostMapping("/internal/v1/jobs/{jobId}/heartbeat")
    JobLease heartbeat(@PathVariable String jobId, @RequestBody(required = false) LeaseRenewal renewal) {
        UUID id = QueryParams.uuid("jobId", jobId);
        if (renewal == null) {
            throw new InvalidRequestException("body", "send a JSON renewal: owner, token, leaseSeconds");
        }
        List<FieldProblem> problems = new ArrayList<>();
        if (renewal.token() < 1) {
            problems.add(new FieldProblem("token", "must be the token of a granted lease (1 or more)"));
        }
        requireValid(renewal.owner(), renewal.leaseSeconds(), problems);
        return leases.renew(id, renewal.owner(), renewal.token(), Duration.ofSeconds(renewal.leaseSeconds()));
    }

    private static void requireValid(String owner, int leaseSeconds, List<FieldProblem> problems) {
        if (owner == null || owner.isBlank() || owner.length() > MAX_OWNER) {
            problems.add(new FieldProblem(
                    "owner",
                    "must name the worker instance in 1 to " + MAX_OWNER + " characters, e.g. backup-worker-1@host"));
        } else if (owner.codePoints().anyMatch(Character::isISOControl)) {
            problems.add(new FieldProblem("owner", "must not contain control characters"));
        }
        if (leaseSeconds < MIN_LEASE_SECONDS || leaseSeconds > MAX_LEASE_SECONDS) {
            problems.add(new FieldProblem(
                    "leaseSeconds", "must be between " + MIN_LEASE_SECONDS + " and " + MAX_LEASE_SECONDS));
        }
        if (!problems.isEmpty()) {
            throw new InvalidRequestException(problems);
        }
    }
}

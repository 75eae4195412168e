package io.strata.gateway.jobs;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.strata.common.model.JobStatus;
import io.strata.platform.catalog.CatalogApi.JobView;

/**
 * The 202 answer to a request that became a job. {@code backupId} is the backup a backup job will
 * produce; restores leave it out.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobAccepted(String jobId, JobStatus status, String statusUrl, String backupId) {

    public static String statusUrl(String jobId) {
        return "/api/v1/jobs/" + jobId;
    }

    public static JobAccepted of(JobView job, String backupId) {
        return new JobAccepted(job.jobId(), job.status(), statusUrl(job.jobId()), backupId);
    }
}

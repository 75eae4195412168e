package io.strata.gateway.jobs;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.strata.common.model.JobKind;
import io.strata.common.model.JobStatus;
import io.strata.gateway.GatewaySliceTest;
import io.strata.gateway.GatewayWebMvcTest;
import io.strata.platform.catalog.CatalogApi.JobError;
import io.strata.platform.catalog.CatalogApi.JobView;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;

@GatewayWebMvcTest(JobController.class)
class JobApiTest extends GatewaySliceTest {
    private static final String JOB = "0b7e4b4c-1f0e-4a43-9a4b-2f6f3c1d9e11";

    @Test
    void viewerReadsAJob() throws Exception {
        when(catalogProxy.job(JOB))
                .thenReturn(Optional.of(new JobView(
                        JOB,
                        JobKind.BACKUP,
                        "shop",
                        JobStatus.RUNNING,
                        40,
                        "dump",
                        400,
                        1000,
                        NOW,
                        NOW,
                        null,
                        null,
                        "20261122T153000Z-abcdef",
                        null)));
        mvc.perform(get("/api/v1/jobs/" + JOB).header("Authorization", bearer(VIEWER)))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.jobId").value(JOB))
                .andExpect(jsonPath("$.kind").value("BACKUP"))
                .andExpect(jsonPath("$.status").value("RUNNING"))
                .andExpect(jsonPath("$.progressPercent").value(40))
                .andExpect(jsonPath("$.bytesDone").value(400))
                .andExpect(jsonPath("$.createdAt").value("2026-11-22T15:30:00Z"))
                .andExpect(jsonPath("$.backupId").value("20261122T153000Z-abcdef"))
                // absent, not null, as the catalog sends it
                .andExpect(jsonPath("$.finishedAt").doesNotExist())
                .andExpect(jsonPath("$.error").doesNotExist());
    }

    @Test
    void aFailedJobSaysWhyWithCodeAndMessage() throws Exception {
        when(catalogProxy.job(JOB))
                .thenReturn(Optional.of(new JobView(
                        JOB,
                        JobKind.BACKUP,
                        "shop",
                        JobStatus.FAILED,
                        10,
                        null,
                        0,
                        0,
                        NOW,
                        NOW,
                        NOW,
                        new JobError("PG_DUMP_FAILED", "pg_dump: error: connection refused"),
                        null,
                        null)));
        mvc.perform(get("/api/v1/jobs/" + JOB).header("Authorization", bearer(VIEWER)))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.error.code").value("PG_DUMP_FAILED"))
                .andExpect(jsonPath("$.error.message").value("pg_dump: error: connection refused"));
    }

    @Test
    void nonUuidJobIdIsBadRequest() throws Exception {
        mvc.perform(get("/api/v1/jobs/42").header("Authorization", bearer(VIEWER)))
                .andExpect(status().isBadRequest())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.errors[0].field").value("jobId"))
                .andExpect(jsonPath("$.errors[0].message").value("'42' is not a UUID"));
        verifyNoInteractions(catalogProxy);
    }

    @Test
    void unknownJobIsNotFound() throws Exception {
        when(catalogProxy.job(JOB)).thenReturn(Optional.empty());
        mvc.perform(get("/api/v1/jobs/" + JOB).header("Authorization", bearer(VIEWER)))
                .andExpect(status().isNotFound())
                .andExpect(jsonPath("$.status").value(404))
                .andExpect(jsonPath("$.title").value("Not Found"));
    }

    @Test
    void listFiltersAreTypedAndPassedOn() throws Exception {
        when(catalogProxy.jobs(any())).thenReturn(List.of());
        mvc.perform(get("/api/v1/jobs?status=QUEUED&source=shop&limit=10").header("Authorization", bearer(VIEWER)))
                .andExpect(status().isOk());
        verify(catalogProxy)
                .jobs(argThat(query -> query.get("status") == JobStatus.QUEUED && "shop".equals(query.get("source"))));
    }

    @Test
    void badFilterValuesAreBadRequests() throws Exception {
        mvc.perform(get("/api/v1/jobs?status=DONE").header("Authorization", bearer(VIEWER)))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value("status"));
        mvc.perform(get("/api/v1/jobs?limit=0").header("Authorization", bearer(VIEWER)))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value("limit"));
    }

    @Test
    void unknownPathIsAProblemWithAType() throws Exception {
        mvc.perform(get("/api/v1/nothing-here").header("Authorization", bearer(VIEWER)))
                .andExpect(status().isNotFound())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.type").value("urn:strata:problem:not-found"))
                .andExpect(jsonPath("$.status").value(404));
    }
}

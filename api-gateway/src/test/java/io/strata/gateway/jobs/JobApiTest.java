package io.strata.gateway.jobs;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.strata.common.model.JobStatus;
import io.strata.gateway.GatewaySliceTest;
import io.strata.gateway.GatewayWebMvcTest;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import tools.jackson.databind.json.JsonMapper;

@GatewayWebMvcTest(JobController.class)
class JobApiTest extends GatewaySliceTest {
    private static final String JOB = "0b7e4b4c-1f0e-4a43-9a4b-2f6f3c1d9e11";

    @Test
    void viewerReadsAJob() throws Exception {
        when(catalogProxy.one("/api/v1/jobs/{id}", JOB))
                .thenReturn(Optional.of(JsonMapper.builder()
                        .build()
                        .readTree("{\"jobId\":\"" + JOB + "\",\"status\":\"RUNNING\",\"progressPercent\":40}")));
        mvc.perform(get("/api/v1/jobs/" + JOB).header("Authorization", bearer(VIEWER)))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$.status").value("RUNNING"))
                .andExpect(jsonPath("$.progressPercent").value(40));
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
        when(catalogProxy.one("/api/v1/jobs/{id}", JOB)).thenReturn(Optional.empty());
        mvc.perform(get("/api/v1/jobs/" + JOB).header("Authorization", bearer(VIEWER)))
                .andExpect(status().isNotFound())
                .andExpect(jsonPath("$.status").value(404))
                .andExpect(jsonPath("$.title").value("Not Found"));
    }

    @Test
    void listFiltersAreTypedAndPassedOn() throws Exception {
        when(catalogProxy.list(eq("/api/v1/jobs"), any()))
                .thenReturn(JsonMapper.builder().build().readTree("[]"));
        mvc.perform(get("/api/v1/jobs?status=QUEUED&source=shop&limit=10").header("Authorization", bearer(VIEWER)))
                .andExpect(status().isOk());
        verify(catalogProxy)
                .list(
                        eq("/api/v1/jobs"),
                        argThat(query ->
                                query.get("status") == JobStatus.QUEUED && "shop".equals(query.get("source"))));
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

package io.strata.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.common.messaging.Json;
import io.strata.common.messaging.Message;
import io.strata.common.model.JobStatus;
import io.strata.gateway.catalog.CatalogProxy;
import io.strata.platform.catalog.CatalogApi.JobView;
import io.strata.platform.catalog.CatalogApi.NewJob;
import io.strata.platform.catalog.CatalogClient;
import io.strata.platform.messaging.MessagePublisher;
import io.strata.platform.postgres.PgTools;
import java.time.Instant;
import org.mockito.ArgumentCaptor;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;

/**
 * Base of the {@link GatewayWebMvcTest} slices: the systems behind the gateway (catalog, Kafka, source
 * servers) are mocks, everything in front of them is real.
 */
public abstract class GatewaySliceTest {
    public static final String ADMIN = "admin-token-0123456789";
    public static final String OPERATOR = "operator-token-0123456789";
    public static final String VIEWER = "viewer-token-0123456789";
    public static final Instant NOW = Instant.parse("2026-11-22T15:30:00Z");

    @Autowired
    protected MockMvc mvc;

    @MockitoBean
    protected CatalogClient catalog;

    @MockitoBean
    protected CatalogProxy catalogProxy;

    @MockitoBean
    protected MessagePublisher publisher;

    @MockitoBean
    protected PgTools pgTools;

    /** What the catalog answers to {@code POST /internal/v1/jobs}: the new job, QUEUED. */
    protected static JobView queuedJob(NewJob job) {
        return new JobView(
                job.jobId(),
                job.kind(),
                job.source(),
                JobStatus.QUEUED,
                0,
                null,
                0,
                0,
                NOW,
                null,
                null,
                null,
                job.backupId(),
                job.requestId());
    }

    /** The command the gateway handed to the catalog with the one job it created (the catalog relays it). */
    protected <T extends Message> T createdCommand(String topic, Class<T> type) {
        ArgumentCaptor<NewJob> job = ArgumentCaptor.forClass(NewJob.class);
        org.mockito.Mockito.verify(catalog).createJob(job.capture());
        assertThat(job.getValue().command().topic()).isEqualTo(topic);
        assertThat(job.getValue().command().producer()).isEqualTo("api-gateway");
        return Json.read(job.getValue().command().payload(), type);
    }

    protected static String bearer(String token) {
        return "Bearer " + token;
    }
}

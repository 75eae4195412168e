package io.strata.gateway.catalog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.client.match.MockRestRequestMatchers.requestTo;
import static org.springframework.test.web.client.response.MockRestResponseCreators.withResourceNotFound;
import static org.springframework.test.web.client.response.MockRestResponseCreators.withSuccess;

import io.strata.common.event.JobResult.BackupResult;
import io.strata.common.messaging.Json;
import io.strata.common.model.BackupKind;
import io.strata.common.model.BackupType;
import io.strata.common.model.JobKind;
import io.strata.common.model.JobStatus;
import io.strata.platform.catalog.CatalogApi.JobView;
import io.strata.platform.catalog.CatalogClient;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.http.converter.json.JacksonJsonHttpMessageConverter;
import org.springframework.test.web.client.MockRestServiceServer;
import org.springframework.web.client.RestClient;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

class CatalogProxyTest {
    private static final String JOB = "0b7e4b4c-1f0e-4a43-9a4b-2f6f3c1d9e11";
    private static final Instant CREATED = Instant.parse("2026-11-22T15:30:00.123456Z");
    // what the catalog sends for a succeeded backup, with a field this gateway does not know yet
    private static final String SUCCEEDED_JOB = Json.write(new JobView(
                    JOB,
                    JobKind.BACKUP,
                    "shop",
                    JobStatus.SUCCEEDED,
                    100,
                    null,
                    10,
                    10,
                    CREATED,
                    CREATED,
                    CREATED.plusSeconds(60),
                    null,
                    "20261122T153000Z-abcdef",
                    null,
                    new BackupResult(
                            "20261122T153000Z-abcdef",
                            BackupKind.LOGICAL,
                            BackupType.FULL,
                            false,
                            "shop",
                            "17.2",
                            10,
                            8,
                            "ab".repeat(32),
                            "shop/dump",
                            "shop/manifest.json",
                            CREATED,
                            CREATED.plusSeconds(60),
                            null,
                            null,
                            null,
                            null,
                            null,
                            null),
                    "backup-worker@host",
                    CREATED.plusSeconds(30),
                    null))
            .replaceFirst("^\\{", "{\"aFieldOfANewerCatalog\":{\"x\":1},");

    private final RestClient.Builder builder = RestClient.builder()
            .baseUrl("http://catalog")
            // like the gateway's own mapper: request bodies are strict (see StrictJson)
            .messageConverters(converters -> converters.replaceAll(
                    converter -> converter instanceof JacksonJsonHttpMessageConverter ? strict() : converter));
    private final MockRestServiceServer catalog =
            MockRestServiceServer.bindTo(builder).build();
    private final CatalogProxy proxy = new CatalogProxy(new CatalogClient(builder.build()));

    private static JacksonJsonHttpMessageConverter strict() {
        return new JacksonJsonHttpMessageConverter(JsonMapper.builder()
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .build());
    }

    @Test
    void readsAJobAsItsRecordAndIgnoresFieldsANewerCatalogAdds() {
        catalog.expect(requestTo("http://catalog/api/v1/jobs/" + JOB))
                .andRespond(withSuccess(SUCCEEDED_JOB, MediaType.APPLICATION_JSON));

        JobView job = proxy.job(JOB).orElseThrow();

        assertThat(job.status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat(job.createdAt()).isEqualTo(CREATED);
        assertThat(job.result())
                .isInstanceOfSatisfying(
                        BackupResult.class,
                        result -> assertThat(result.storedBytes()).isEqualTo(8));
        catalog.verify();
    }

    @Test
    void anUnknownThingIsEmpty() {
        catalog.expect(requestTo("http://catalog/api/v1/backups/20261122T153000Z-abcdef"))
                .andRespond(withResourceNotFound());

        assertThat(proxy.backup("20261122T153000Z-abcdef")).isEmpty();
    }

    @Test
    void listsPassOnlyTheFiltersGiven() {
        catalog.expect(requestTo("http://catalog/api/v1/jobs?source=shop&status=QUEUED"))
                .andRespond(withSuccess("[" + SUCCEEDED_JOB + "]", MediaType.APPLICATION_JSON));
        Map<String, Object> filters = new LinkedHashMap<>();
        filters.put("source", "shop");
        filters.put("kind", null);
        filters.put("status", JobStatus.QUEUED);

        List<JobView> jobs = proxy.jobs(filters);

        assertThat(jobs).extracting(JobView::jobId).containsExactly(JOB);
        catalog.verify();
    }
}

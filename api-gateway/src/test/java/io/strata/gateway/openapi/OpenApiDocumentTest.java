package io.strata.gateway.openapi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.strata.common.storage.ObjectStore;
import io.strata.gateway.GatewaySliceTest;
import io.strata.gateway.GatewayWebMvcTest;
import io.strata.platform.storage.StorageEncryption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springdoc.core.configuration.SpringDocConfiguration;
import org.springdoc.core.properties.SpringDocConfigProperties;
import org.springdoc.webmvc.core.configuration.SpringDocWebMvcConfiguration;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.FilterType;
import org.springframework.context.annotation.Import;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The OpenAPI document of every controller of the gateway describes what each call answers. */
@GatewayWebMvcTest
@ImportAutoConfiguration({
    SpringDocConfiguration.class,
    SpringDocConfigProperties.class,
    SpringDocWebMvcConfiguration.class
})
@Import({OpenApiConfiguration.class, OpenApiDocumentTest.Collaborators.class})
class OpenApiDocumentTest extends GatewaySliceTest {
    private JsonNode document;

    @MockitoBean
    ObjectStore store;

    /** The upload controller's; never used here. */
    @MockitoBean
    StorageEncryption encryption;

    /** The job event feed's; never used here (it reads Kafka only once a stream is asked for). */
    @MockitoBean
    ConsumerFactory<String, String> consumers;

    /** The controllers' own collaborators (package-private, so scanned by name rather than mocked). */
    @TestConfiguration
    @ComponentScan(
            basePackages = "io.strata.gateway",
            useDefaultFilters = false,
            includeFilters =
                    @ComponentScan.Filter(
                            type = FilterType.REGEX,
                            pattern = "io\\.strata\\.gateway\\..*\\.(BackupSubmission|RestoreChecks|SourceDatabases"
                                    + "|WalReadiness|JobEventStreams|JobEventFeed)"))
    static class Collaborators {}

    @BeforeEach
    void readTheDocument() throws Exception {
        String body = mvc.perform(get("/v3/api-docs"))
                .andExpect(status().isOk())
                .andReturn()
                .getResponse()
                .getContentAsString();
        document = JsonMapper.builder().build().readTree(body);
    }

    @Test
    void aJobIsDescribedWithItsFields() {
        JsonNode job = answer("/api/v1/jobs/{jobId}", "get");

        assertThat(properties(job))
                .contains("jobId", "kind", "source", "status", "progressPercent", "currentStep", "bytesDone")
                .contains("bytesTotal", "createdAt", "startedAt", "finishedAt", "error", "backupId", "requestId");
        assertThat(properties(resolve(job.path("properties").path("error")))).containsExactly("code", "message");
    }

    @Test
    void theBackupListIsAnArrayOfBackupsWithTheirFields() {
        JsonNode list = answer("/api/v1/backups", "get");

        assertThat(list.path("type").asString()).isEqualTo("array");
        assertThat(properties(resolve(list.path("items"))))
                .contains("backupId", "source", "kind", "type", "status", "sizeBytes", "storedBytes", "sha256")
                .contains("startedAt", "finishedAt", "startLsn", "endLsn", "parentBackupId", "description");
    }

    @Test
    void anLsnIsDescribedAsTheTextItIsSentAs() {
        JsonNode backup = resolve(answer("/api/v1/backups", "get").path("items"));

        assertThat(resolve(backup.path("properties").path("startLsn"))
                        .path("type")
                        .asString())
                .isEqualTo("string");
        assertThat(resolve(answer("/api/v1/sources/{name}/wal", "get")
                                .path("properties")
                                .path("archivedLsn"))
                        .path("type")
                        .asString())
                .isEqualTo("string");
    }

    @Test
    void noSuccessfulAnswerIsAnUndescribedObject() {
        List<String> undescribed = new ArrayList<>();
        for (Map.Entry<String, JsonNode> path : document.path("paths").properties()) {
            for (Map.Entry<String, JsonNode> operation : path.getValue().properties()) {
                for (Map.Entry<String, JsonNode> response :
                        operation.getValue().path("responses").properties()) {
                    if (!response.getKey().startsWith("2")) {
                        continue;
                    }
                    for (JsonNode media : response.getValue().path("content")) {
                        if (isUndescribed(media.path("schema"))) {
                            undescribed.add(operation.getKey() + " " + path.getKey() + " " + response.getKey());
                        }
                    }
                }
            }
        }
        assertThat(undescribed).isEmpty();
    }

    /** The schema of the 200 answer of {@code method path}, with a top-level {@code $ref} resolved. */
    private JsonNode answer(String path, String method) {
        JsonNode operation = document.path("paths").path(path).path(method);
        assertThat(operation.isMissingNode())
                .as(method + " " + path + " is documented")
                .isFalse();
        JsonNode content = operation.path("responses").path("200").path("content");
        assertThat(content.isEmpty())
                .as(method + " " + path + " has a 200 answer")
                .isFalse();
        return resolve(content.iterator().next().path("schema"));
    }

    private JsonNode resolve(JsonNode schema) {
        String ref = schema.path("$ref").asString("");
        if (ref.isEmpty()) {
            return schema;
        }
        return document.path("components").path("schemas").path(ref.substring(ref.lastIndexOf('/') + 1));
    }

    private static List<String> properties(JsonNode schema) {
        return new ArrayList<>(schema.path("properties").propertyNames());
    }

    /** An object (or array of objects) whose fields the document does not name. */
    private boolean isUndescribed(JsonNode schema) {
        JsonNode resolved = resolve(schema);
        if (resolved.path("type").asString("").equals("array")) {
            return isUndescribed(resolved.path("items"));
        }
        boolean typed = resolved.has("properties")
                || resolved.has("oneOf")
                || resolved.has("allOf")
                || resolved.has("additionalProperties")
                || (resolved.has("type") && !resolved.path("type").asString().equals("object"));
        return !typed;
    }
}

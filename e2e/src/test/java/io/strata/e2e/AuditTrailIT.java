package io.strata.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.strata.common.messaging.Json;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Mutating calls leave an audit record without secrets; secrets never reach a log or an answer. */
class AuditTrailIT extends StackTestSupport {

    @Test
    void aMutatingCallIsRecordedWithItsRequestIdAndNoSecret() throws Exception {
        String requestId = unique("audit-req").replace('_', '-');
        String name = unique("audited").replace('_', '-');
        String password = "pw-" + requestId;
        HttpResponse<String> created = post(
                "/api/v1/sources",
                stack.adminToken(),
                requestId,
                Json.write(Map.of(
                        "name",
                        name,
                        "host",
                        "127.0.0.1",
                        "port",
                        5432,
                        "database",
                        "shop",
                        "username",
                        "u",
                        "password",
                        password)));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(created.headers().firstValue("X-Request-Id")).hasValue(requestId);

        JsonNode record = awaitRecord(requestId);

        assertThat(record.get("actor").asString()).isEqualTo("admin");
        assertThat(record.get("role").asString()).isEqualTo("admin");
        assertThat(record.get("action").asString()).isEqualTo("POST /api/v1/sources");
        assertThat(record.get("target").asString())
                .as("the source it registered")
                .isEqualTo(name);
        assertThat(record.get("status").asInt()).isEqualTo(201);
        assertThat(record.get("outcome").asString()).isEqualTo("SUCCEEDED");
        assertThat(record.get("clientAddress").asString()).isEqualTo("127.0.0.1");
        assertThat(record.toString()).doesNotContain(password, stack.adminToken());
    }

    @Test
    void aCallThatStartsAJobNamesTheJobAsItsTarget() throws Exception {
        String requestId = unique("audit-job").replace('_', '-');
        String source = registerSampleSource(unique("audited_job"), 10);
        HttpResponse<String> accepted =
                post("/api/v1/backups", stack.operatorToken(), requestId, Json.write(Map.of("source", source)));
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        String jobId = Json.mapper().readTree(accepted.body()).get("jobId").asString();

        JsonNode record = awaitRecord(requestId);

        assertThat(record.get("action").asString()).isEqualTo("POST /api/v1/backups");
        assertThat(record.get("target").asString()).isEqualTo(jobId);
        awaitJob(jobId);
    }

    @Test
    void refusedCallsAreRecordedTooAndReadsAreNot() throws Exception {
        String anonymousId = unique("audit-anon").replace('_', '-');
        String viewerId = unique("audit-viewer").replace('_', '-');
        String readId = unique("audit-read").replace('_', '-');
        assertThat(post("/api/v1/backups", null, anonymousId, "{}").statusCode())
                .isEqualTo(401);
        assertThat(post("/api/v1/sources", stack.viewerToken(), viewerId, "{}").statusCode())
                .isEqualTo(403);
        HttpResponse<String> read =
                send(HttpRequest.newBuilder(stack.gatewayUrl().resolve("/api/v1/jobs"))
                        .header("Authorization", "Bearer " + stack.viewerToken())
                        .header("X-Request-Id", readId)
                        .GET());
        assertThat(read.statusCode()).isEqualTo(200);

        JsonNode anonymous = awaitRecord(anonymousId);
        JsonNode viewer = awaitRecord(viewerId);

        assertThat(anonymous.get("actor").asString()).isEqualTo("anonymous");
        assertThat(anonymous.get("outcome").asString()).isEqualTo("REFUSED");
        assertThat(viewer.get("actor").asString()).isEqualTo("viewer");
        assertThat(viewer.get("status").asInt()).isEqualTo(403);
        assertThat(trail().toString()).doesNotContain(readId);
        assertThat(operator.get("/api/v1/audit").status()).isEqualTo(403);
    }

    @Test
    void noPasswordOrTokenAppearsInAnyServiceLog() throws IOException {
        List<String> secrets = List.of(
                sourceCluster.password(),
                stack.adminToken(),
                stack.operatorToken(),
                stack.viewerToken(),
                stack.s3SecretKey());
        try (Stream<Path> logs = Files.list(stack.stateDir().resolve("logs"))) {
            for (Path log : logs.filter(Files::isRegularFile).toList()) {
                String text = Files.readString(log, StandardCharsets.ISO_8859_1); // any bytes; secrets are ASCII
                for (String secret : secrets) {
                    assertThat(text).as(log + " holds a secret").doesNotContain(secret);
                }
            }
        }
    }

    private JsonNode awaitRecord(String requestId) {
        JsonNode[] found = new JsonNode[1];
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(300))
                .untilAsserted(() -> {
                    for (JsonNode record : trail()) {
                        if (requestId.equals(record.path("requestId").asString())) {
                            found[0] = record;
                        }
                    }
                    assertThat(found[0]).as("audit record " + requestId).isNotNull();
                });
        return found[0];
    }

    private JsonNode trail() {
        Api.Response page = admin.get("/api/v1/audit?limit=500");
        assertThat(page.status()).as(page.toString()).isEqualTo(200);
        return page.json();
    }

    private HttpResponse<String> post(String path, String token, String requestId, String body)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(stack.gatewayUrl().resolve(path))
                .header("Content-Type", "application/json")
                .header("X-Request-Id", requestId)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return send(request);
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return HttpClient.newHttpClient()
                .send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }
}

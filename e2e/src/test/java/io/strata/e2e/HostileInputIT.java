package io.strata.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue #7's findings, tried the way an attacker with an admin token would: every case is refused with
 * problem+json that says what to fix, and leaves nothing behind (no job, no source, no file, no directory).
 */
class HostileInputIT extends StackTestSupport {
    private static final Path PWNED = Path.of("/tmp/pwned");
    private static String source;
    private static String database;
    private static String backupId;

    @BeforeEach
    void oneSourceWithOneBackup() throws Exception {
        synchronized (HostileInputIT.class) {
            if (source == null) {
                database = unique("hostile");
                source = registerSampleSource(database, 100);
                backupId = backupAndWait(source);
            }
        }
        Files.deleteIfExists(PWNED);
    }

    static List<String> hostileDataDirectories() {
        return List.of(
                "/tmp/r1x'$(touch /tmp/pwned)'",
                "r1x'$(touch /tmp/pwned)'",
                "shop\nrestore_command = 'touch /tmp/pwned'",
                "/etc/strata-test",
                "/tmp/x",
                "../../etc/strata-test",
                ".hidden",
                "..",
                "a/b",
                "shop\u0000x");
    }

    @ParameterizedTest
    @MethodSource("hostileDataDirectories")
    void aDataDirectoryOutsideTheRootsOrNotAPlainNameIsRefusedBeforeAnythingRuns(String dir) {
        int jobs = jobCount();
        Map<String, Object> body = Map.of(
                "source",
                source,
                "target",
                Map.of("latest", true),
                "into",
                Map.of("dataDirectory", dir, "port", 55432));
        Api.Response response = admin.post("/api/v1/restores", body);

        assertProblem(response, 400);
        assertThat(response.body()).contains("into.dataDirectory").doesNotContain("Exception", "io.strata");
        assertThat(jobCount()).isEqualTo(jobs);
        assertThat(PWNED).doesNotExist();
        assertThat(Path.of("/etc/strata-test")).doesNotExist();
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"TRUE\"", "\"true\"", "1", "\"yes\"", "null"})
    void onlyTheJsonLiteralTrueConfirmsAReplace(String coerced) throws Exception {
        int jobs = jobCount();
        Api.Response response = admin.post(
                "/api/v1/restores",
                "{\"source\":\"" + source + "\",\"backupId\":\"" + backupId + "\",\"into\":{\"replace\":true},"
                        + "\"confirm\":" + coerced + "}");

        assertProblem(response, 400);
        assertThat(response.body()).contains("confirm");
        assertThat(jobCount()).isEqualTo(jobs);
        assertThat(SampleDatabase.count(sourceCluster, database, "invoices")).isEqualTo(100);
    }

    static List<Map<String, Object>> hostileSources() {
        String nul = "x\u0000y";
        return List.of(
                source("password", nul),
                source("database", nul),
                source("username", nul),
                source("host", nul),
                source("host", "h".repeat(1000)),
                source("username", "u".repeat(100_000)),
                source("database", "d".repeat(64)),
                source("password", "p".repeat(1025)),
                source("host", "db.internal\nother"),
                source("port", 5432.5),
                source("port", "5432"),
                source("walArchiving", "true"),
                source("tls", Map.of("sslMode", "verify-full")),
                source("tls", Map.of("sslMode", "allow-everything")),
                source("timeouts", Map.of("connectSeconds", 0)),
                source("unexpected", "field"));
    }

    private static Map<String, Object> source(String field, Object value) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("name", "hostile-src-" + Math.abs((field + value).hashCode() % 100000));
        body.put("host", "127.0.0.1");
        body.put("port", 5432);
        body.put("database", "shop");
        body.put("username", "backup");
        body.put("password", "s3cret");
        body.put(field, value);
        return body;
    }

    @ParameterizedTest
    @ValueSource(strings = {"169.254.169.254", "10.20.30.40"})
    void aSourceOutsideTheAllowedNetworksIsRefusedAtRegistration(String host) {
        Map<String, Object> body = source("host", host);
        Api.Response response = admin.post("/api/v1/sources", body);

        assertProblem(response, 422);
        assertThat(response.json().get("detail").asString())
                .contains(host)
                .contains("outside the networks sources may be in")
                .contains("127.0.0.0/8");
        assertThat(response.json().get("errors").get(0).get("field").asString()).isEqualTo("host");
        assertThat(admin.get("/api/v1/sources/" + body.get("name")).status()).isEqualTo(404);
    }

    @ParameterizedTest
    @MethodSource("hostileSources")
    void aSourceWithHostileFieldsIsNeverRegistered(Map<String, Object> body) {
        Api.Response response = admin.post("/api/v1/sources", body);

        assertProblem(response, 400);
        assertThat(response.body()).doesNotContain("\u0000", "Exception", "io.strata", "s3cret");
        assertThat(admin.get("/api/v1/sources/" + body.get("name")).status()).isEqualTo(404);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "rt\u0000x",
                "rt\nrecovery_target_action = 'shutdown'",
                "rt'; select pg_sleep(5); --",
                ".hidden",
                "a-name-that-is-far-too-long-for-postgresql-restore-point-names-64"
            })
    void hostileRestorePointNamesAreRefusedAndNothingIsWrittenToTheWal(String name) {
        String points = "/api/v1/sources/" + source + "/restore-points";
        int before = operator.get(points).json().size();

        Api.Response response = operator.post(points, Map.of("name", name));

        assertProblem(response, 400);
        assertThat(response.body()).contains("name").doesNotContain("\u0000", "Exception");
        assertThat(operator.get(points).json().size()).isEqualTo(before);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/api/v1/jobs?limit=abc", "/api/v1/jobs?limit=99999999999999999999"})
    void hostileQueryParametersAreProblemsNotFailures(String path) {
        Api.Response response = viewer.get(path);

        assertThat(response.status()).as(response.toString()).isBetween(400, 422);
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.body()).doesNotContain("Exception", "io.strata", "java.");
    }

    @Test
    void aNulInABackupDescriptionIsRefusedAndNoJobExists() {
        int jobs = jobCount();
        Api.Response response = operator.post(
                "/api/v1/backups", Map.of("source", source, "kind", "LOGICAL", "description", "nightly\u0000evil"));

        assertProblem(response, 400);
        assertThat(response.json().get("detail").asString()).contains("description", "U+0000");
        assertThat(jobCount()).isEqualTo(jobs);
    }

    @Test
    void aDriverOptionInADatabaseNameIsJustAName() {
        String name = unique("drvopt").replace('_', '-');
        Api.Response created = admin.post(
                "/api/v1/sources",
                Map.of(
                        "name", name,
                        "host", sourceCluster.host(),
                        "port", sourceCluster.port(),
                        "database", database + "?sslmode=disable",
                        "username", sourceCluster.superuser(),
                        "password", sourceCluster.password()));
        assertThat(created.status()).as(created.toString()).isEqualTo(201);

        JsonNodeView job = new JsonNodeView(awaitJob(requestBackup(name).text("jobId")));

        // the driver looked for a database with that literal name instead of connecting to the real one
        assertThat(job.status()).isEqualTo("FAILED");
        assertThat(job.message()).contains(database + "?sslmode=disable").contains("does not exist");
    }

    @Test
    void aBodyOverTheCapIsRefusedBeforeItIsParsed() throws Exception {
        int jobs = jobCount();
        URI gateway = stack.gatewayUrl();
        String head = "POST /api/v1/backups HTTP/1.1\r\nHost: " + gateway.getHost() + "\r\nAuthorization: Bearer "
                + stack.operatorToken() + "\r\nContent-Type: application/json\r\nContent-Length: "
                + 20 * 1024 * 1024 + "\r\n\r\n{\"source\":\"" + source + "\",\"description\":\"xxxxxxxx";
        String answer;
        // a client announcing 20 MB: the gateway answers from the length alone, before reading any of it
        try (java.net.Socket socket = new java.net.Socket(gateway.getHost(), gateway.getPort())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(head.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            socket.getOutputStream().flush();
            answer = readAnswer(socket.getInputStream());
        } catch (java.net.SocketException | java.net.SocketTimeoutException e) {
            throw new AssertionError("no answer to an oversized body: " + e, e);
        }

        assertThat(answer).startsWith("HTTP/1.1 413");
        assertThat(answer).contains("application/problem+json", "1024 KiB");
        assertThat(jobCount()).isEqualTo(jobs);
    }

    @Test
    void headersOverTheLimitGetAProblemNotAnHtmlPage() throws Exception {
        HttpResponse<String> response =
                raw(HttpRequest.newBuilder(stack.gatewayUrl().resolve("/api/v1/jobs"))
                        .header("Authorization", "Bearer " + stack.viewerToken())
                        .header("X-Padding", "p".repeat(16 * 1024))
                        .GET());

        assertThat(response.statusCode()).isIn(400, 431);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        assertThat(response.body()).doesNotContain("<html", "Tomcat", "Exception");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"/api/v1/sources/a%2Fb", "/api/v1/sources/a;x=1", "/api/v1/sources/%00", "/api/v1/nothing-here"})
    void oddPathsGetProblemsWithoutServerInternals(String path) throws Exception {
        String base = stack.gatewayUrl().toString().replaceAll("/$", "");
        HttpResponse<String> response = raw(HttpRequest.newBuilder(URI.create(base + path))
                .header("Authorization", "Bearer " + stack.adminToken())
                .GET());

        assertThat(response.statusCode()).as(response.body()).isBetween(400, 404);
        assertThat(response.headers().firstValue("Content-Type").orElse(""))
                .as(path + " " + response.body())
                .startsWith("application/problem+json");
        assertThat(response.body()).doesNotContain("<html", "Tomcat", "Exception", "io.strata", "java.");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "/api/v1/jobs?status=%00",
                "/api/v1/jobs?source=shop%00",
                "/api/v1/backups?source=%0Ashop",
                "/api/v1/jobs?kind=%7F",
                "/api/v1/alerts?state=%1B%5B31m"
            })
    void controlCharactersInQueryParametersAreRefusedNotIgnored(String pathAndQuery) throws Exception {
        String base = stack.gatewayUrl().toString().replaceAll("/$", "");
        HttpResponse<String> response = raw(HttpRequest.newBuilder(URI.create(base + pathAndQuery))
                .header("Authorization", "Bearer " + stack.viewerToken())
                .GET());

        assertThat(response.statusCode())
                .as(pathAndQuery + " " + response.body())
                .isEqualTo(400);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        assertThat(response.body())
                .contains("query parameter")
                .contains("control characters")
                .doesNotContain("\u0000", "Exception", "java.");
    }

    @Test
    void aWrongMethodIsAProblem() throws Exception {
        HttpResponse<String> response =
                raw(HttpRequest.newBuilder(stack.gatewayUrl().resolve("/api/v1/backups"))
                        .header("Authorization", "Bearer " + stack.adminToken())
                        .DELETE());

        assertThat(response.statusCode()).isIn(404, 405);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
    }

    /** Reads until the problem's closing brace arrives (the server may keep the connection open). */
    private static String readAnswer(java.io.InputStream in) throws IOException {
        StringBuilder answer = new StringBuilder();
        byte[] buffer = new byte[4096];
        while (!(answer.indexOf("\r\n\r\n") > 0 && answer.toString().strip().endsWith("}"))) {
            int n = in.read(buffer);
            if (n < 0) {
                break;
            }
            answer.append(new String(buffer, 0, n, java.nio.charset.StandardCharsets.UTF_8));
        }
        return answer.toString();
    }

    private static HttpResponse<String> raw(HttpRequest.Builder request) throws IOException, InterruptedException {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        return http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private int jobCount() {
        return viewer.get("/api/v1/jobs?limit=500").json().size();
    }

    /** The status and error message of a finished job. */
    private record JsonNodeView(tools.jackson.databind.JsonNode job) {
        String status() {
            return job.get("status").asString();
        }

        String message() {
            return job.path("error").path("message").asString();
        }
    }
}

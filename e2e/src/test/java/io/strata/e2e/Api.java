package io.strata.e2e;

import io.strata.common.messaging.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import tools.jackson.databind.JsonNode;

/**
 * A thin client of the gateway's public REST API, the way a user's script would call it. Every call carries
 * an {@code X-Request-Id}; the mutating ones are remembered, and every answer is checked for the stack's
 * secrets, for {@link SuiteEndIT} to judge the whole run.
 */
final class Api {
    private static final AtomicLong CALLS = new AtomicLong();
    private static final Set<String> MUTATING_REQUEST_IDS = ConcurrentHashMap.newKeySet();
    private static final List<String> SECRETS = new CopyOnWriteArrayList<>();
    private static final List<String> LEAKS = new CopyOnWriteArrayList<>();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI base;
    private final String token;

    Api(URI base, String token) {
        this.base = base;
        this.token = token;
    }

    Api as(String otherToken) {
        return new Api(base, otherToken);
    }

    Response get(String path) {
        return send(request(path).GET());
    }

    Response post(String path, Object body) {
        String json = body instanceof String s ? s : Json.write(body);
        return send(request(path)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    Response put(String path, Object body) {
        String json = body instanceof String s ? s : Json.write(body);
        return send(request(path)
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json)));
    }

    /** A POST whose body is {@code body} as it is, of {@code contentType} (a file upload). */
    Response postBytes(String path, byte[] body, String contentType) {
        return send(
                request(path).header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    Response delete(String path) {
        return send(request(path).DELETE());
    }

    /** The request ids of every POST and PUT this suite sent through this client. */
    static Set<String> mutatingRequestIds() {
        return Set.copyOf(MUTATING_REQUEST_IDS);
    }

    /** Values no answer may contain (passwords, tokens); the suite registers them once its stack runs. */
    static void neverInAnswers(List<String> secrets) {
        secrets.stream().filter(secret -> !SECRETS.contains(secret)).forEach(SECRETS::add);
    }

    /** Answers that held a registered secret: "METHOD path" of each. */
    static List<String> leaks() {
        return List.copyOf(LEAKS);
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(base.resolve(path))
                .timeout(Duration.ofSeconds(60))
                .header("X-Request-Id", "e2e-" + ProcessHandle.current().pid() + "-" + CALLS.incrementAndGet());
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        return builder;
    }

    private Response send(HttpRequest.Builder builder) {
        HttpRequest request = builder.build();
        if (!request.method().equals("GET")) {
            request.headers().firstValue("X-Request-Id").ifPresent(MUTATING_REQUEST_IDS::add);
        }
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            String body = response.body();
            if (body != null && SECRETS.stream().anyMatch(body::contains)) {
                LEAKS.add(request.method() + " " + request.uri().getPath());
            }
            return new Response(
                    response.statusCode(),
                    response.headers().firstValue("Content-Type").orElse(""),
                    response.body());
        } catch (IOException e) {
            throw new IllegalStateException("gateway call failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    record Response(int status, String contentType, String body) {
        JsonNode json() {
            return Json.mapper().readTree(body);
        }

        String text(String field) {
            JsonNode node = json().get(field);
            return node == null || node.isNull() ? null : node.asString();
        }

        @Override
        public String toString() {
            return status + " " + contentType + " " + body;
        }
    }

    static Map<String, Object> backupOf(String source) {
        return Map.of("source", source, "kind", "LOGICAL", "type", "FULL");
    }
}

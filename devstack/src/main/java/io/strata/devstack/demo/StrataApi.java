package io.strata.devstack.demo;

import io.strata.common.messaging.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The slice of Strata's public REST API the demo uses, as a user's script would call it. */
final class StrataApi {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final URI gateway;
    private final String token;

    StrataApi(URI gateway, String token) {
        this.gateway = gateway;
        this.token = token;
    }

    record Response(int status, String body) {
        <T> T as(Class<T> type) {
            return Json.read(body, type);
        }
    }

    Response get(String path) throws IOException, InterruptedException {
        return send(request(path).GET().build());
    }

    Response post(String path, Object body) throws IOException, InterruptedException {
        return send(withJson(request(path), "POST", body));
    }

    Response put(String path, Object body) throws IOException, InterruptedException {
        return send(withJson(request(path), "PUT", body));
    }

    /** {@code GET path}, which must answer 200, read as {@code type}. */
    <T> T read(String path, Class<T> type) throws IOException, InterruptedException {
        return expect(get(path), 200, "reading " + path).as(type);
    }

    /** The answer when it has {@code expected} status, else a {@link DemoFailure} quoting the problem detail. */
    Response expect(Response response, int expected, String what) {
        if (response.status() != expected) {
            throw new DemoFailure(what + " failed: HTTP " + response.status() + " " + response.body());
        }
        return response;
    }

    /** One server-sent event: its name ({@code message} when it has none) and its data. */
    record Event(String name, String data) {}

    /**
     * {@code GET path} as a {@code text/event-stream}, each event handed to {@code sink} until the server ends
     * the stream; the answer's status (nothing is read unless it is 200), or -1 when no answer came. The
     * stream is put in {@code handle} as soon as it is open, so the caller can close it to stop the wait.
     */
    int stream(
            String path,
            java.util.function.Consumer<Event> sink,
            java.util.concurrent.atomic.AtomicReference<AutoCloseable> handle)
            throws InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(gateway.resolve("/api/v1" + path))
                .timeout(TIMEOUT) // until the answer begins
                .header("Authorization", "Bearer " + token)
                .header("Accept", "text/event-stream")
                .GET()
                .build();
        HttpResponse<java.util.stream.Stream<String>> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofLines());
        } catch (IOException e) {
            return -1; // the caller polls instead, which says so when the gateway cannot be reached at all
        }
        try (java.util.stream.Stream<String> lines = response.body()) {
            handle.set(lines::close);
            if (response.statusCode() != 200) {
                return response.statusCode();
            }
            String[] current = new String[2]; // name, data
            lines.forEach(line -> {
                if (line.isEmpty()) {
                    if (current[1] != null) {
                        sink.accept(new Event(current[0] == null ? "message" : current[0], current[1]));
                    }
                    current[0] = current[1] = null;
                } else if (line.startsWith("event:")) {
                    current[0] = line.substring(6).strip();
                } else if (line.startsWith("data:")) {
                    current[1] = current[1] == null ? line.substring(5) : current[1] + "\n" + line.substring(5);
                }
            });
            return 200;
        }
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(gateway.resolve("/api/v1" + path))
                .timeout(TIMEOUT)
                .header("Authorization", "Bearer " + token)
                .header("Accept", "application/json");
    }

    private static HttpRequest withJson(HttpRequest.Builder request, String method, Object body) {
        return request.header("Content-Type", "application/json")
                .method(method, HttpRequest.BodyPublishers.ofString(Json.write(body)))
                .build();
    }

    private Response send(HttpRequest request) throws IOException, InterruptedException {
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.body());
        } catch (IOException e) {
            throw new DemoFailure(
                    "could not reach the API gateway at " + gateway + " (" + e + "); is the stack up? ./strata status");
        }
    }
}

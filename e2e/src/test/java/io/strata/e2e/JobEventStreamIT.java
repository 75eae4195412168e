package io.strata.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.strata.common.messaging.Json;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** {@code GET /api/v1/jobs/{jobId}/events}: a job's progress as server-sent events, watched as a user would. */
class JobEventStreamIT extends StackTestSupport {
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void aRunningBackupIsWatchedFromItsStateThroughItsProgressToItsEnd() throws Exception {
        String database = unique("watched");
        String source = registerSampleSource(database, 200);
        String jobId;
        List<Event> seen = new CopyOnWriteArrayList<>();
        CompletableFuture<Void> watched;
        try (Connection lock = sourceCluster.connect(database)) {
            holdLock(lock); // pg_dump waits on it: the job is running while the stream opens
            Api.Response accepted = operator.post("/api/v1/backups", Api.backupOf(source));
            assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
            jobId = accepted.text("jobId");
            awaitStep(jobId, "dumping");
            HttpResponse<Stream<String>> response = open(jobId, stack.viewerToken());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");
            watched = CompletableFuture.runAsync(() -> events(response.body(), seen::add));
            // pg_dump waits while the worker's progress heartbeats go on: one is seen before the lock goes
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> seen.stream().anyMatch(e -> e.name().equals("JobProgressed")));
            lock.rollback();
        }
        watched.get(2, TimeUnit.MINUTES); // the stream ends by itself
        List<Event> events = List.copyOf(seen);

        assertThat(events).extracting(Event::name).first().isEqualTo("job");
        assertThat(events.getFirst().json().get("status").asString()).isEqualTo("RUNNING");
        Event last = events.getLast();
        assertThat(last.name())
                .as("the last event is the catalog's final state: %s", events)
                .isEqualTo("job");
        assertThat(last.json().get("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(last.json().get("backupId").asString()).isNotBlank();
        assertThat(last.json().get("jobId").asString()).isEqualTo(jobId);

        List<Event> progress =
                events.stream().filter(e -> e.name().equals("JobProgressed")).toList();
        assertThat(progress)
                .as("progress events between the first and last state: %s", events)
                .isNotEmpty();
        int previous = events.getFirst().json().get("progressPercent").asInt();
        for (Event event : progress) {
            assertThat(event.json().get("job").get("jobId").asString()).isEqualTo(jobId);
            assertThat(UUID.fromString(event.id()))
                    .as("the record's ce_id is the event id")
                    .isNotNull();
            int percent = event.json().get("percent").asInt();
            assertThat(percent).as("progress never goes backwards").isGreaterThanOrEqualTo(previous);
            previous = percent;
        }
        assertThat(events.subList(1, events.size() - 1))
                .extracting(Event::name)
                .allMatch(name -> name.equals("JobStarted") || name.equals("JobProgressed"));
    }

    @Test
    void aFinishedJobIsItsFinalStateAndTheEndAndUnknownJobsOrNoTokenAreProblems() throws Exception {
        String source = registerSampleSource(unique("watched_done"), 50);
        Api.Response accepted = operator.post("/api/v1/backups", Api.backupOf(source));
        String jobId = accepted.text("jobId");
        awaitSucceeded(jobId);

        HttpResponse<Stream<String>> done = open(jobId, stack.viewerToken());
        List<Event> events = new CopyOnWriteArrayList<>();
        CompletableFuture.runAsync(() -> events(done.body(), events::add)).get(30, TimeUnit.SECONDS);
        assertThat(events).extracting(Event::name).containsExactly("job");
        assertThat(events.getFirst().json().get("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(events.getFirst().id()).isEqualTo("job:SUCCEEDED");

        // a browser's EventSource reconnects after the end, sending the last id: 204 stops it
        HttpResponse<String> again = http.send(
                HttpRequest.newBuilder(request(jobId, stack.viewerToken()), (name, value) -> true)
                        .header("Last-Event-ID", events.getFirst().id())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(again.statusCode()).isEqualTo(204);

        HttpResponse<String> unknown = http.send(
                request(UUID.randomUUID().toString(), stack.viewerToken()), HttpResponse.BodyHandlers.ofString());
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        assertThat(unknown.body()).contains("does not exist");

        HttpResponse<String> anonymous = http.send(request(jobId, null), HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).isEqualTo(401);

        HttpResponse<String> notAJob =
                http.send(request("not-a-job", stack.viewerToken()), HttpResponse.BodyHandlers.ofString());
        assertThat(notAJob.statusCode()).isEqualTo(400);
        assertThat(Json.mapper().readTree(notAJob.body()).get("status").asInt()).isEqualTo(400);
    }

    private HttpResponse<Stream<String>> open(String jobId, String token) throws Exception {
        return http.send(request(jobId, token), HttpResponse.BodyHandlers.ofLines());
    }

    private HttpRequest request(String jobId, String token) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(
                        stack.gatewayUrl().resolve("/api/v1/jobs/" + jobId + "/events"))
                .header("Accept", "text/event-stream")
                .timeout(Duration.ofMinutes(3))
                .GET();
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        return builder.build();
    }

    /** Hands the stream's events to {@code sink} until it ends (comment lines skipped). */
    private static void events(Stream<String> lines, java.util.function.Consumer<Event> sink) {
        String[] current = new String[3]; // name, id, data
        lines.forEach(line -> {
            if (line.isEmpty()) {
                if (current[2] != null) {
                    sink.accept(new Event(current[0] == null ? "message" : current[0], current[1], current[2]));
                }
                current[0] = current[1] = current[2] = null;
            } else if (line.startsWith("event:")) {
                current[0] = line.substring(6).strip();
            } else if (line.startsWith("id:")) {
                current[1] = line.substring(3).strip();
            } else if (line.startsWith("data:")) {
                String data = line.substring(5);
                current[2] = current[2] == null ? data : current[2] + "\n" + data;
            }
        });
    }

    record Event(String name, String id, String data) {
        JsonNode json() {
            return Json.mapper().readTree(data);
        }

        @Override
        public String toString() {
            return name + (id == null ? "" : "#" + id);
        }
    }
}

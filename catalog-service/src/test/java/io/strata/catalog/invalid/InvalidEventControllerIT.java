package io.strata.catalog.invalid;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.catalog.CatalogIntegrationTest;
import io.strata.common.messaging.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/** {@code GET /internal/v1/invalid-events} over real HTTP: admins read the log, other clients are refused. */
class InvalidEventControllerIT extends CatalogIntegrationTest {
    private final HttpClient http = HttpClient.newHttpClient();

    @LocalServerPort
    int port;

    @Autowired
    InvalidEvents invalid;

    @Test
    void adminsReadTheNewestInvalidEventsFirst() throws Exception {
        ConsumerRecord<String, String> older = record("strata.audit", "admin", "strata.audit.recorded.v1", null, "{");
        ConsumerRecord<String, String> newer =
                record("strata.audit", "admin", "strata.audit.recorded.v1", null, "{\"actor\":\"a\u0000\"}");
        invalid.record(older, null, "older");
        invalid.record(newer, null, "newer");

        HttpResponse<String> response = get("/internal/v1/invalid-events?limit=2", ADMIN_TOKEN);

        assertThat(response.statusCode()).isEqualTo(200);
        InvalidEvent[] events = Json.read(response.body(), InvalidEvent[].class);
        assertThat(events).extracting(InvalidEvent::reason).containsExactly("newer", "older");
        assertThat(events[0].payloadExcerpt()).isEqualTo("{\"actor\":\"a\\u0000\"}");
        assertThat(events[0].offset()).isEqualTo(newer.offset());
        assertThat(events[0].producer()).isEqualTo("test-producer");
    }

    @Test
    void clientsWithoutTheScopeAreRefused() throws Exception {
        assertThat(get("/internal/v1/invalid-events", WAL_TOKEN).statusCode()).isEqualTo(403);
        assertThat(get("/internal/v1/invalid-events", "not-a-token-0123456789").statusCode())
                .isEqualTo(401);
    }

    private HttpResponse<String> get(String path, String token) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + token)
                .GET()
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }
}

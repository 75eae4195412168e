package io.strata.catalog.alerts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.strata.common.messaging.Topics;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The alert webhook against a real HTTP server on loopback. */
class AlertWebhookTest {
    private static final String ALERT =
            "{\"schemaVersion\":1,\"source\":\"shop\",\"alert\":\"BACKUP_STALE\",\"status\":\"FIRING\"}";
    private final List<String> received = new CopyOnWriteArrayList<>();
    private final AtomicInteger status = new AtomicInteger(204);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private HttpServer server;

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/hook", exchange -> {
            received.add(exchange.getRequestMethod() + " "
                    + exchange.getRequestHeaders().getFirst("Content-Type") + " "
                    + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(status.get(), -1);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    @Test
    void everyAlertIsPostedAsTheJsonItWasPublishedWith() throws Exception {
        AlertWebhook webhook = new AlertWebhook(url(), registry);

        webhook.onAlert(new ConsumerRecord<>(Topics.ALERTS, 0, 1, "shop", ALERT));

        assertThat(received).containsExactly("POST application/json " + ALERT);
        assertThat(registry.get("strata.alert.webhook.sent").counter().count()).isEqualTo(1);
    }

    @Test
    void aWebhookThatFailsIsCountedAndTheRecordRetried() {
        status.set(503);
        AlertWebhook webhook = new AlertWebhook(url(), registry);

        assertThatThrownBy(() -> webhook.onAlert(new ConsumerRecord<>(Topics.ALERTS, 0, 1, "shop", ALERT)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("HTTP 503");
        assertThat(registry.get("strata.alert.webhook.failures").counter().count())
                .isEqualTo(1);
        assertThat(received).hasSize(1);
    }

    @Test
    void anUnusableUrlStopsTheCatalogSayingWhatToSet() {
        assertThatThrownBy(() -> new AlertWebhook("file:///etc/passwd", registry))
                .hasMessageContaining("strata.alerts.webhook-url must be an absolute http(s) URL");
        assertThatThrownBy(() -> new AlertWebhook("not a url", registry))
                .hasMessageContaining("strata.alerts.webhook-url");
    }

    private String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
    }
}

package io.strata.catalog.alerts;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.strata.common.messaging.Topics;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.stereotype.Component;

/**
 * Sends every alert on {@code strata.alerts} (FIRING and RESOLVED) to the deployment's webhook
 * ({@code strata.alerts.webhook-url}) as the JSON it was published with. It reads the topic in a consumer
 * group of its own, so it never holds up the catalog, and a webhook that is down only delays it: a failed
 * POST is retried with the platform's backoff (then parked on {@code strata.alerts.dlt}), and every failure
 * is logged and counted ({@code strata_alert_webhook_failures_total}). Without a URL it does not start.
 */
@Component
class AlertWebhook {
    static final String LISTENER = "catalog-alert-webhook";
    private static final Logger log = LoggerFactory.getLogger(AlertWebhook.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    private final URI url;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    private final Counter sent;
    private final Counter failures;

    AlertWebhook(@Value("${strata.alerts.webhook-url:}") String url, MeterRegistry registry) {
        this.url = parse(url);
        this.sent = Counter.builder("strata.alert.webhook.sent")
                .description("Alerts the webhook accepted")
                .register(registry);
        this.failures = Counter.builder("strata.alert.webhook.failures")
                .description("Alert webhook calls that failed (each retry counts)")
                .register(registry);
    }

    @KafkaListener(
            id = LISTENER,
            groupId = LISTENER,
            topics = Topics.ALERTS,
            autoStartup = "#{'${strata.alerts.webhook-url:}'.trim() != ''}")
    void onAlert(ConsumerRecord<String, String> record) throws IOException, InterruptedException {
        if (url == null) {
            return;
        }
        HttpRequest request = HttpRequest.newBuilder(url)
                .timeout(TIMEOUT)
                .header("Content-Type", "application/json")
                .header("User-Agent", "strata-catalog")
                .POST(HttpRequest.BodyPublishers.ofString(record.value()))
                .build();
        try {
            HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
            if (response.statusCode() / 100 != 2) {
                throw new IOException("the webhook answered HTTP " + response.statusCode());
            }
            sent.increment();
        } catch (IOException e) {
            failures.increment();
            log.warn(
                    "Could not send alert {} to the webhook {} (retried with backoff): {}",
                    record.key(),
                    url,
                    e.getMessage());
            throw e;
        }
    }

    /** The configured URL, or null when none is; anything but an absolute http(s) URL stops the catalog. */
    private static URI parse(String url) {
        if (url == null || url.isBlank()) {
            return null;
        }
        try {
            URI uri = new URI(url.strip());
            if (uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
                throw new URISyntaxException(url, "not an absolute http or https URL");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(
                    "strata.alerts.webhook-url must be an absolute http(s) URL such as https://hooks.example/strata: "
                            + e.getMessage(),
                    e);
        }
    }
}

package io.strata.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.strata.common.alert.Alert;
import io.strata.common.messaging.Json;
import io.strata.common.messaging.Topics;
import io.strata.devstack.ManagedService;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * An archiver that stops is alerted on strata.alerts (FIRING), and the alert resolves when it is back; the
 * catalog keeps both in {@code GET /api/v1/alerts}.
 */
class ArchivingAlertsIT extends StackTestSupport {

    @Test
    void stoppedArchivingFiresAnAlertThatResolvesWhenItResumes() throws Exception {
        String source = registerArchivedSource(unique("alerted"), 10);
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> {
                    JsonNode wal =
                            viewer.get("/api/v1/sources/" + source + "/wal").json();
                    return wal.get("archivedLsn") != null
                            && !wal.get("archivedLsn").isNull();
                });
        List<Alert> alerts = new CopyOnWriteArrayList<>();
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.kafkaBootstrap());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "e2e-alerts-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        ManagedService archiver = stack.service("wal-archiver");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            consumer.subscribe(List.of(Topics.ALERTS));
            archiver.kill();
            try {
                await().atMost(Duration.ofSeconds(90)).until(() -> {
                    consumer.poll(Duration.ofMillis(500)).forEach(r -> alerts.add(Json.read(r.value(), Alert.class)));
                    return alerts.stream().anyMatch(a -> matches(a, source, Alert.FIRING));
                });
            } finally {
                archiver.restart();
            }
            await().atMost(Duration.ofSeconds(90)).until(() -> {
                consumer.poll(Duration.ofMillis(500)).forEach(r -> alerts.add(Json.read(r.value(), Alert.class)));
                return alerts.stream().anyMatch(a -> matches(a, source, Alert.RESOLVED));
            });
        }
        Alert fired = alerts.stream()
                .filter(a -> matches(a, source, Alert.FIRING))
                .findFirst()
                .orElseThrow();
        assertThat(fired.severity()).isEqualTo("critical");
        assertThat(fired.message()).contains("has stopped", "/api/v1/sources/" + source + "/wal");
        Alert resolved = alerts.stream()
                .filter(a -> matches(a, source, Alert.RESOLVED))
                .findFirst()
                .orElseThrow();
        assertThat(resolved.since()).isEqualTo(fired.since());
        // the catalog keeps it: GET /api/v1/alerts shows it resolved, and none of the source's alerts open
        JsonNode kept = viewer.get("/api/v1/alerts?source=" + source).json();
        assertThat(kept).hasSize(1);
        assertThat(kept.get(0).get("alert").asString()).isEqualTo("WAL_ARCHIVING_STOPPED");
        assertThat(kept.get(0).get("state").asString()).isEqualTo("RESOLVED");
        assertThat(kept.get(0).get("resolvedAt")).isNotNull();
        assertThat(viewer.get("/api/v1/alerts?source=" + source + "&state=FIRING")
                        .json())
                .isEmpty();
        assertProblem(viewer.get("/api/v1/alerts?state=BURNING"), 400);
        // and the stack's webhook got both, as the JSON published on strata.alerts
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(stack.alertWebhook().received().stream()
                                .map(body -> Json.read(body, Alert.class))
                                .filter(a ->
                                        a.source().equals(source) && a.alert().equals("WAL_ARCHIVING_STOPPED"))
                                .map(Alert::status))
                        .containsExactly(Alert.FIRING, Alert.RESOLVED));
    }

    private static boolean matches(Alert alert, String source, String status) {
        return alert.source().equals(source)
                && alert.alert().equals("WAL_ARCHIVING_STOPPED")
                && alert.status().equals(status);
    }
}

package io.strata.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.strata.common.alert.Alert;
import io.strata.common.messaging.Json;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Issue #10's {@code BACKUP_STALE} on the real stack: a source whose newest successful backup is older than
 * its policy's {@code staleAfterHours} gets the alert once, on {@code strata.alerts}, in {@code GET
 * /api/v1/alerts} and at the stack's webhook; a backup that succeeds resolves it, once. Hours cannot pass in a
 * test, so the test moves the backup's finish back in the catalog's database, as a clock of its own would;
 * everything else (the catalog's evaluation, Kafka, the webhook's HTTP POST) is what runs in production.
 */
class BackupStaleAlertIT extends StackTestSupport {

    @Test
    void aSourceWithoutARecentBackupIsStaleOnceAndResolvedByTheNextBackup() throws Exception {
        String source = registerSampleSource(unique("stale"), 20);
        String first = backupAndWait(source);
        Api.Response policy = admin.put("/api/v1/sources/" + source + "/policy", """
                {"staleAfterHours":1}""");
        assertThat(policy.status()).as(policy.toString()).isEqualTo(200);

        // a backup of seconds ago is fresh: two evaluations later, nothing fires
        await().during(Duration.ofSeconds(11))
                .atMost(Duration.ofSeconds(15))
                .untilAsserted(() -> assertThat(open(source)).isEmpty());

        // three hours later, as the catalog sees it
        try (Connection c = stack.catalogCluster().connect("strata_catalog");
                PreparedStatement age = c.prepareStatement(
                        "UPDATE backup SET finished_at = finished_at - interval '3 hours' WHERE backup_id = ?")) {
            age.setString(1, first);
            assertThat(age.executeUpdate()).isEqualTo(1);
        }
        JsonNode firing = await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> open(source), alerts -> alerts.size() == 1)
                .get(0);
        assertThat(firing.get("alert").asString()).isEqualTo("BACKUP_STALE");
        assertThat(firing.get("message").asString())
                .contains("No successful backup of " + source + " for more than 1 h", "/schedule-runs");

        backupAndWait(source);
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(open(source)).isEmpty());
        JsonNode all = viewer.get("/api/v1/alerts?source=" + source).json();
        assertThat(all).hasSize(1);
        assertThat(all.get(0).get("alert").asString()).isEqualTo("BACKUP_STALE");
        assertThat(all.get(0).get("state").asString()).isEqualTo("RESOLVED");
        assertThat(all.get(0).get("resolvedAt")).isNotNull();

        // the webhook got both, once each
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(stack.alertWebhook().received().stream()
                                .map(body -> Json.read(body, Alert.class))
                                .filter(a -> a.source().equals(source))
                                .map(a -> a.alert() + " " + a.status()))
                        .containsExactly("BACKUP_STALE " + Alert.FIRING, "BACKUP_STALE " + Alert.RESOLVED));
    }

    private JsonNode open(String source) {
        Api.Response alerts = viewer.get("/api/v1/alerts?source=" + source + "&state=FIRING");
        assertThat(alerts.status()).as(alerts.toString()).isEqualTo(200);
        return alerts.json();
    }
}

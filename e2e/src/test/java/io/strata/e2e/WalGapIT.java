package io.strata.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.strata.common.alert.Alert;
import io.strata.common.messaging.Json;
import io.strata.common.model.Lsn;
import io.strata.common.wal.SlotNames;
import io.strata.common.wal.WalSegmentName;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * WAL lost from the archive (the archiver's slot gone while the source went on writing) is shown where a user
 * looks and alerted before anyone needs the latest point: {@code GET /sources/{name}/wal} is not healthy and names
 * the missing segment, a WAL_GAP alert fires, and both clear once a physical backup after the gap makes the latest
 * point restorable again.
 */
class WalGapIT extends StackTestSupport {
    private static final long SEGMENT = 16L * 1024 * 1024;

    @Test
    void aGapIsShownAndAlertedUntilAPhysicalBackupAfterItMakesTheLatestPointRestorable() throws Exception {
        String database = unique("walgap");
        String source = registerArchivedSource(database, 50);
        String before = physicalBackup(source);
        Lsn archivedBefore = writeAndSwitch(database);
        awaitArchivedPast(source, archivedBefore);
        assertThat(wal(source).get("healthy").asBoolean()).isTrue();

        // archiving off: the archiver drops its slot, and the server keeps no WAL for it
        String slot = SlotNames.forSource("strata_", source);
        assertThat(admin.put("/api/v1/sources/" + source + "/wal-archiving", Map.of("enabled", false))
                        .status())
                .isEqualTo(200);
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> replicationSlots(slot) == 0);
        Lsn lostFrom = currentLsn();
        writeAndSwitch(database); // two segments written while nothing archives them
        writeAndSwitch(database);
        // a new slot reserves WAL from the last checkpoint's redo point, which would still cover them: after this
        // one it does not, as when the archiver was away for longer than a checkpoint
        SampleDatabase.execute(sourceCluster, "postgres", "CHECKPOINT");
        String firstLost = WalSegmentName.of(1, lostFrom, SEGMENT).toString();

        // on again: a new slot from the checkpoint's redo point, so the WAL before it is gone from the archive
        assertThat(admin.put("/api/v1/sources/" + source + "/wal-archiving", Map.of("enabled", true))
                        .status())
                .isEqualTo(200);
        Lsn after = writeAndSwitch(database);
        awaitArchivedPast(source, after);

        JsonNode gapped = await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> wal(source), w -> w.hasNonNull("gap"));
        assertThat(gapped.get("healthy").asBoolean()).as(gapped.toString()).isFalse();
        assertThat(gapped.get("reason").asString()).startsWith("WAL is missing from the archive");
        JsonNode gap = gapped.get("gap");
        assertThat(gap.get("missingSegments").get(0).asString())
                .as(gap.toString())
                .isEqualTo(firstLost);
        assertThat(Lsn.parse(gap.get("latestReachableLsn").asString())).isLessThanOrEqualTo(lostFrom);
        assertThat(gap.get("message").asString()).contains(before, "take a new physical backup");
        Api.Response latest = preview(source);
        assertProblem(latest, 422);
        assertThat(latest.json().get("problemCode").asString()).isEqualTo("WAL_GAP");

        // alerted once it was found twice in a row: on strata.alerts (the stack's webhook) and in GET /alerts
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> gapAlerts(source, Alert.FIRING) == 1);
        JsonNode open =
                viewer.get("/api/v1/alerts?source=" + source + "&state=FIRING").json();
        assertThat(open).anySatisfy(alert -> {
            assertThat(alert.get("alert").asString()).isEqualTo("WAL_GAP");
            assertThat(alert.get("severity").asString()).isEqualTo("critical");
            assertThat(alert.get("message").asString()).contains(firstLost, "latest point cannot be restored");
        });

        // a physical backup after the gap: the latest point is restorable from it, and both clear
        String healed = physicalBackup(source);
        JsonNode whole = await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .until(
                        () -> wal(source),
                        w -> !w.hasNonNull("gap") && w.get("healthy").asBoolean());
        assertThat(whole.get("reason").isNull()).as(whole.toString()).isTrue();
        Api.Response restorable = preview(source);
        assertThat(restorable.status()).as(restorable.toString()).isEqualTo(200);
        assertThat(restorable.json().get("backups").get(0).get("backupId").asString())
                .isEqualTo(healed);
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> gapAlerts(source, Alert.RESOLVED) == 1);
        assertThat(gapAlerts(source, Alert.FIRING)).isEqualTo(1);
    }

    private String physicalBackup(String source) {
        Api.Response backup = operator.post("/api/v1/backups", Map.of("source", source, "kind", "PHYSICAL"));
        assertThat(backup.status()).as(backup.toString()).isEqualTo(202);
        awaitSucceeded(backup.text("jobId"));
        return backup.text("backupId");
    }

    private JsonNode wal(String source) {
        return viewer.get("/api/v1/sources/" + source + "/wal").json();
    }

    private void awaitArchivedPast(String source, Lsn lsn) {
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .until(
                        () -> wal(source),
                        w -> w.hasNonNull("archivedLsn")
                                && Lsn.parse(w.get("archivedLsn").asString()).compareTo(lsn) >= 0);
    }

    private Api.Response preview(String source) {
        return operator.post(
                "/api/v1/restores/preview",
                Map.of(
                        "source",
                        source,
                        "target",
                        Map.of("latest", true),
                        "into",
                        Map.of("dataDirectory", "never-used", "port", 5999)));
    }

    /** WAL_GAP alerts of {@code source} in {@code status} the stack's webhook received (as on strata.alerts). */
    private long gapAlerts(String source, String status) {
        return stack.alertWebhook().received().stream()
                .map(body -> Json.read(body, Alert.class))
                .filter(a -> a.source().equals(source)
                        && a.alert().equals("WAL_GAP")
                        && a.status().equals(status))
                .count();
    }

    /** Writes to {@code database}, switches to a new segment; where the switch record ended. */
    private Lsn writeAndSwitch(String database) throws Exception {
        SampleDatabase.execute(sourceCluster, database, "UPDATE customers SET country = country WHERE id <= 50");
        SampleDatabase.execute(sourceCluster, database, "SELECT pg_switch_wal()");
        return currentLsn();
    }

    private Lsn currentLsn() throws Exception {
        try (var c = sourceCluster.connect("postgres");
                var s = c.createStatement();
                var r = s.executeQuery("SELECT pg_current_wal_lsn()::text")) {
            r.next();
            return Lsn.parse(r.getString(1));
        }
    }
}

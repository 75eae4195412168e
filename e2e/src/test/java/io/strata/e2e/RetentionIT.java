package io.strata.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.strata.common.model.BackupId;
import io.strata.common.storage.ObjectStore;
import io.strata.common.storage.StorageLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Issue #10's retention on the real stack: the preview says what the policy keeps and why, and a RETENTION
 * job deletes exactly that (backups and their objects, and WAL no kept backup needs), never the FULL an
 * INCREMENTAL it keeps is built on.
 */
class RetentionIT extends StackTestSupport {

    @Test
    void retentionDeletesWhatThePreviewSaidAndKeepsTheChainOfWhatItKeeps() throws Exception {
        String database = unique("retention");
        String source = registerArchivedSource(database, 300);
        List<String> logical = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            logical.add(backupAndWait(source));
        }
        String full = physical(source, "FULL");
        SampleDatabase.execute(sourceCluster, database, "UPDATE invoices SET amount = amount + 1 WHERE id % 7 = 0");
        SampleDatabase.execute(sourceCluster, database, "SELECT pg_switch_wal()");
        SampleDatabase.execute(sourceCluster, database, "CHECKPOINT");
        SampleDatabase.execute(sourceCluster, database, "SELECT pg_switch_wal()");
        String incremental = physical(source, "INCREMENTAL");
        assertThat(admin.put("/api/v1/sources/" + source + "/policy", """
                        {"retention":{"keepLast":1,"recoveryWindowDays":0}}""").status())
                .isEqualTo(200);

        JsonNode preview = awaitStablePreview(source);
        Map<String, List<String>> kept = new HashMap<>();
        preview.get("keep").forEach(k -> {
            List<String> reasons = new ArrayList<>();
            k.get("reasons").forEach(r -> reasons.add(r.asString()));
            kept.put(k.get("backupId").asString(), reasons);
        });
        List<String> deleted = new ArrayList<>();
        preview.get("delete").forEach(d -> deleted.add(d.get("backupId").asString()));
        assertThat(kept.get(incremental)).containsExactly("last snapshot");
        assertThat(kept.get(full)).containsExactly("parent of " + incremental);
        assertThat(kept.get(logical.get(2))).containsExactly("last snapshot");
        assertThat(deleted).containsExactlyInAnyOrder(logical.get(0), logical.get(1));
        int walToDelete = preview.get("wal").get("deleteSegments").asInt();
        assertThat(walToDelete)
                .as("the WAL between the FULL's end and the INCREMENTAL's start")
                .isPositive();
        int walBefore = viewer.get("/api/v1/sources/" + source + "/wal")
                .json()
                .get("segments")
                .asInt();

        assertProblem(operator.post("/api/v1/sources/" + source + "/retention", "{}"), 403);
        Api.Response accepted = admin.post("/api/v1/sources/" + source + "/retention", "{}");
        assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
        JsonNode job = awaitSucceeded(accepted.text("jobId"));
        assertThat(job.get("kind").asString()).isEqualTo("RETENTION");

        ObjectStore store = objectStore();
        for (String id : deleted) {
            assertThat(viewer.get("/api/v1/backups/" + id).json().get("status").asString())
                    .isEqualTo("DELETED");
            assertThat(store.list(StorageLayout.backupPrefix(source, BackupId.parse(id))))
                    .as("objects of deleted " + id)
                    .isEmpty();
        }
        for (String id : List.of(full, incremental, logical.get(2))) {
            assertThat(viewer.get("/api/v1/backups/" + id).json().get("status").asString())
                    .isEqualTo("SUCCEEDED");
            assertComplete(store, source, BackupId.parse(id));
        }
        int walAfter = viewer.get("/api/v1/sources/" + source + "/wal")
                .json()
                .get("segments")
                .asInt();
        assertThat(walAfter).isLessThanOrEqualTo(walBefore - walToDelete + 2); // the archiver may add a segment or two
        // the kept INCREMENTAL still plans a restore to the latest point: its chain and its WAL are there
        Api.Response latest = operator.post(
                "/api/v1/restores/preview",
                Map.of(
                        "source", source,
                        "target", Map.of("latest", true),
                        "into", Map.of("dataDirectory", "retention-check", "port", freePort())));
        assertThat(latest.status()).as(latest.toString()).isEqualTo(200);
        assertThat(latest.json().toString()).contains(incremental);
    }

    private String physical(String source, String type) {
        Api.Response accepted =
                operator.post("/api/v1/backups", Map.of("source", source, "kind", "PHYSICAL", "type", type));
        assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
        return awaitSucceeded(accepted.text("jobId")).get("backupId").asString();
    }

    /** The preview once the archive holds the INCREMENTAL's WAL (its plan does not change from one call to the next). */
    private JsonNode awaitStablePreview(String source) {
        return await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofSeconds(1))
                .until(
                        () -> operator.post("/api/v1/sources/" + source + "/retention/preview", "{}"),
                        r -> r.status() == 200 && r.json().get("keep").size() == 3)
                .json();
    }
}

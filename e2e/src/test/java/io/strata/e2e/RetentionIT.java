package io.strata.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.strata.common.model.BackupId;
import io.strata.common.storage.ObjectStore;
import io.strata.common.storage.StorageLayout;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Issue #10's retention on the real stack: the preview says what the policy keeps and why, and a RETENTION
 * job deletes exactly that (backups and their objects, and WAL no kept backup needs), never the FULL an
 * INCREMENTAL it keeps is built on, nor WAL inside the recovery window: a PITR to a second inside it works
 * after the job, proven by the rows of the restored cluster.
 */
class RetentionIT extends StackTestSupport {
    private final List<Path> restored = new ArrayList<>();

    @AfterEach
    void stopRestoredClusters() {
        restored.forEach(stack::stopRestoredCluster);
    }

    @Test
    void retentionDeletesWhatThePreviewSaidAndKeepsTheChainOfWhatItKeeps() throws Exception {
        String database = unique("retention");
        String source = registerArchivedSource(database, 300);
        List<String> logical = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            logical.add(backupAndWait(source));
        }
        String full = physical(source, "FULL");
        // T, between the FULL and the INCREMENTAL: 12 invoices exist at T and are deleted after it
        SampleDatabase.execute(sourceCluster, database, """
                INSERT INTO invoices(number, customer_id, amount, issued_at, status)
                SELECT 'WINDOW-' || g, 1, 10, now(), 'open' FROM generate_series(1, 12) g""");
        Thread.sleep(1_200);
        Instant t = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Thread.sleep(1_200);
        SampleDatabase.execute(sourceCluster, database, "DELETE FROM invoices WHERE number LIKE 'WINDOW-%'");
        SampleDatabase.execute(sourceCluster, database, "UPDATE invoices SET amount = amount + 1 WHERE id % 7 = 0");
        SampleDatabase.execute(sourceCluster, database, "SELECT pg_switch_wal()");
        SampleDatabase.execute(sourceCluster, database, "CHECKPOINT");
        SampleDatabase.execute(sourceCluster, database, "SELECT pg_switch_wal()");
        String incremental = physical(source, "INCREMENTAL");

        // first with a recovery window of a day: every segment is inside it, only the old snapshots go
        assertThat(admin.put("/api/v1/sources/" + source + "/policy", """
                        {"retention":{"keepLast":1,"recoveryWindowDays":1}}""").status())
                .isEqualTo(200);
        // (WAL from before the FULL may go: no backup can replay it; the PITR below proves what stays)
        JsonNode windowed = awaitStablePreview(source);
        List<String> deleted = new ArrayList<>();
        windowed.get("delete").forEach(d -> deleted.add(d.get("backupId").asString()));
        assertThat(deleted).containsExactlyInAnyOrder(logical.get(0), logical.get(1));
        assertProblem(operator.post("/api/v1/sources/" + source + "/retention", "{}"), 403);
        runRetention(source);
        ObjectStore store = objectStore();
        for (String id : deleted) {
            assertThat(viewer.get("/api/v1/backups/" + id).json().get("status").asString())
                    .isEqualTo("DELETED");
            assertThat(store.list(StorageLayout.backupPrefix(source, BackupId.parse(id))))
                    .as("objects of deleted " + id)
                    .isEmpty();
        }
        // a second inside the window is still restorable after the RETENTION job: the FULL and the WAL to T
        JsonNode pitr = restoreTo(source, database, Map.of("time", t.toString()));
        assertThat(pitr.get("result").get("recoveryStop").asString()).contains("recovery stopping before commit");

        // then without a window: the WAL between the FULL's end and the INCREMENTAL's start goes too
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
        assertThat(kept.get(incremental)).containsExactly("last snapshot");
        assertThat(kept.get(full)).containsExactly("parent of " + incremental);
        assertThat(kept.get(logical.get(2))).containsExactly("last snapshot");
        assertThat(preview.get("delete")).isEmpty();
        int walToDelete = preview.get("wal").get("deleteSegments").asInt();
        assertThat(walToDelete)
                .as("the WAL between the FULL's end and the INCREMENTAL's start")
                .isPositive();
        int walBefore = viewer.get("/api/v1/sources/" + source + "/wal")
                .json()
                .get("segments")
                .asInt();
        runRetention(source);

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
        // T is gone with its WAL, and said so; the kept INCREMENTAL still restores to the latest point
        Api.Response gone =
                operator.post("/api/v1/restores/preview", restoreBody(source, Map.of("time", t.toString())));
        assertProblem(gone, 422);
        JsonNode latest = restoreTo(source, database, Map.of("latest", true));
        assertThat(latest.get("result").toString()).contains(incremental);
        assertThat(count(latest.get("result").get("port").asInt(), database, "invoices WHERE number LIKE 'WINDOW-%'"))
                .isZero();
    }

    private void runRetention(String source) {
        Api.Response accepted = admin.post("/api/v1/sources/" + source + "/retention", "{}");
        assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
        JsonNode job = awaitSucceeded(accepted.text("jobId"));
        assertThat(job.get("kind").asString()).isEqualTo("RETENTION");
    }

    /** A PITR of the source into a new cluster; at T it holds the 12 invoices deleted after T. */
    private JsonNode restoreTo(String source, String database, Map<String, Object> target) throws Exception {
        JsonNode job = restoreAndAwait(restoreBody(source, target), restored);
        if (target.containsKey("time")) {
            int port = job.get("result").get("port").asInt();
            assertThat(count(port, database, "invoices WHERE number LIKE 'WINDOW-%'"))
                    .isEqualTo(12);
            assertThat(count(port, database, "invoices")).isEqualTo(312);
        }
        return job;
    }

    private Map<String, Object> restoreBody(String source, Map<String, Object> target) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("source", source);
        body.put("target", target);
        body.put(
                "into",
                Map.of(
                        "dataDirectory",
                        stack.restoreRoot()
                                .resolve("restored-" + unique("retention"))
                                .toString(),
                        "port",
                        freePort()));
        return body;
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

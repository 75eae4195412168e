package io.strata.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.strata.common.model.Lsn;
import io.strata.devstack.PgCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Issue #10's restore drills on the real stack: a drill restores a backup into a throw-away cluster on the
 * restore-worker, checks it with pg_amcheck, counts every table's rows, reports them and removes the
 * cluster; a drill of a corrupted chain fails, raises DRILL_FAILED, and a later passing drill resolves it.
 */
class RestoreDrillIT extends StackTestSupport {

    @Test
    void aPhysicalDrillRecoversTheChainToTheEndOfTheWalAndACorruptChainFailsAndAlerts() throws Exception {
        // a cluster of its own: each of the three drills restores the whole cluster, and the shared source
        // cluster holds every other test's databases. A second database stands for the other sources' ones.
        PgCluster cluster = stack.newCluster(unique("drillpg"));
        String database = unique("drill");
        SampleDatabase.create(cluster, database, 300);
        SampleDatabase.execute(cluster, "postgres", "CREATE DATABASE another_source");
        SampleDatabase.execute(
                cluster, "another_source", "CREATE TABLE elsewhere AS SELECT g AS id FROM generate_series(1, 10) g");
        String source = registerArchivedSource(cluster, database, database.replace('_', '-'));
        physical(source, "FULL");
        SampleDatabase.execute(cluster, database, """
                INSERT INTO invoices(number, customer_id, amount, issued_at, status)
                SELECT 'D1-' || g, 1, 10, now(), 'open' FROM generate_series(1, 50) g""");
        String incremental = physical(source, "INCREMENTAL");
        // rows written after the newest backup reach the drill only through the archived WAL
        SampleDatabase.execute(cluster, database, """
                INSERT INTO invoices(number, customer_id, amount, issued_at, status)
                SELECT 'D2-' || g, 2, 20, now(), 'open' FROM generate_series(1, 25) g""");
        awaitArchivedUpTo(source, Lsn.parse(SampleDatabase.queryOne(cluster, database, "SELECT pg_current_wal_lsn()")));

        assertProblem(viewer.post("/api/v1/sources/" + source + "/drills", "{}"), 403);
        JsonNode passed = drill(source, "{}");
        assertThat(passed.get("status").asString()).as(passed.toString()).isEqualTo("SUCCEEDED");
        assertThat(passed.get("kind").asString()).isEqualTo("RESTORE_DRILL");
        assertThat(passed.get("backupId").asString()).isEqualTo(incremental);

        JsonNode report = newestDrill(source).get("report");
        assertThat(report.get("kind").asString()).isEqualTo("PHYSICAL");
        assertThat(report.get("backupId").asString()).isEqualTo(incremental);
        assertThat(report.get("recoveredTo").asString()).contains("end of the archived WAL");
        Map<String, Long> rows = tableRows(report, database);
        assertThat(rows).containsEntry("public.invoices", 375L).containsEntry("public.customers", 200L);
        // the source's database only: the cluster's other databases (another_source) are other sources'
        assertThat(report.get("databases").asInt()).isEqualTo(1);
        assertThat(report.get("tables").asInt()).isEqualTo(2);
        assertThat(report.get("rows").asLong()).isEqualTo(575L);
        assertThat(checks(report))
                .containsEntry("restore", true)
                .containsEntry("pg_amcheck", true)
                .containsEntry("row counts", true)
                .doesNotContainKey("rows the backup recorded");
        assertThat(report.get("comparison").asString()).startsWith("not compared: a physical backup");
        assertThat(report.get("durationMillis").asLong()).isPositive();
        assertNoDrillLeft();

        // a corrupted block pack in the chain: the drill fails on its SHA-256 and the source is alerted
        String pack = source + "/backups/" + incremental + "/blocks.pack.zst";
        byte[] good = objectStore().readAll(pack);
        byte[] bad = good.clone();
        bad[bad.length / 2] ^= 0x20;
        objectStore().put(pack, bad);
        JsonNode failed = drill(source, "{}");
        assertThat(failed.get("status").asString()).as(failed.toString()).isEqualTo("FAILED");
        assertThat(failed.get("error").get("code").asString()).isEqualTo("CHECKSUM_MISMATCH");
        assertThat(newestDrill(source).get("error").get("message").asString()).contains(pack);
        JsonNode firing = await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofSeconds(1))
                .until(
                        () -> alert(source, "DRILL_FAILED"),
                        a -> a != null && "FIRING".equals(a.get("state").asString()));
        assertThat(firing.get("message").asString())
                .contains(failed.get("jobId").asString());
        assertNoDrillLeft();

        // repaired: the next drill passes and the alert resolves
        objectStore().put(pack, good);
        assertThat(drill(source, "{}").get("status").asString()).isEqualTo("SUCCEEDED");
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofSeconds(1))
                .until(
                        () -> alert(source, "DRILL_FAILED"),
                        a -> "RESOLVED".equals(a.get("state").asString()));
        assertThat(viewer.get("/api/v1/sources/" + source + "/drills").json()).hasSize(3);
    }

    @Test
    void aLogicalDrillRestoresTheDumpIntoAFreshClusterAndBadRequestsAreRefused() throws Exception {
        String database = unique("ldrill");
        String source = registerSampleSource(database, 120);
        assertProblem(operator.post("/api/v1/sources/" + source + "/drills", "{}"), 409); // nothing to drill yet
        String backupId = backupAndWait(source);

        assertProblem(operator.post("/api/v1/sources/" + source + "/drills", "{\"backupId\":\"nope\"}"), 400);
        assertProblem(
                operator.post("/api/v1/sources/" + source + "/drills", "{\"backupId\":\"20200101T000000Z-000000\"}"),
                404);
        assertProblem(operator.post("/api/v1/sources/no-such-source/drills", "{}"), 404);
        assertProblem(viewer.get("/api/v1/sources/no-such-source/drills"), 404);

        JsonNode passed = drill(source, "{\"backupId\":\"" + backupId + "\"}");
        assertThat(passed.get("status").asString()).as(passed.toString()).isEqualTo("SUCCEEDED");
        JsonNode drill = newestDrill(source);
        assertThat(drill.get("scheduled").asBoolean()).isFalse();
        JsonNode report = drill.get("report");
        assertThat(report.get("kind").asString()).isEqualTo("LOGICAL");
        assertThat(report.get("databases").asInt()).isEqualTo(1);
        assertThat(tableRows(report, database))
                .containsExactlyInAnyOrderEntriesOf(Map.of("public.invoices", 120L, "public.customers", 200L));
        // the counts the backup made in the snapshot it dumped, found again in the restored cluster
        assertThat(checks(report)).containsEntry("rows the backup recorded", true);
        assertThat(checks(report).values()).containsOnly(true);
        assertThat(report.get("comparison").asString()).startsWith("compared:");
        assertNoDrillLeft();
        // nothing of the drill reached the source's server
        assertThat(SampleDatabase.count(sourceCluster, database, "invoices")).isEqualTo(120);
    }

    private JsonNode drill(String source, String body) {
        Api.Response accepted = operator.post("/api/v1/sources/" + source + "/drills", body);
        assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
        return awaitJob(accepted.text("jobId"));
    }

    private JsonNode newestDrill(String source) {
        JsonNode drills = viewer.get("/api/v1/sources/" + source + "/drills").json();
        assertThat(drills.size()).isPositive();
        return drills.get(0);
    }

    private JsonNode alert(String source, String code) {
        for (JsonNode alert : viewer.get("/api/v1/alerts?source=" + source).json()) {
            if (code.equals(alert.get("alert").asString())) {
                return alert;
            }
        }
        return null;
    }

    private static Map<String, Long> tableRows(JsonNode report, String database) {
        Map<String, Long> rows = new HashMap<>();
        report.get("tableRows").forEach(t -> {
            if (database.equals(t.get("database").asString())) {
                rows.put(
                        t.get("schema").asString() + "." + t.get("table").asString(),
                        t.get("rows").asLong());
            }
        });
        return rows;
    }

    private static Map<String, Boolean> checks(JsonNode report) {
        Map<String, Boolean> checks = new HashMap<>();
        report.get("checks")
                .forEach(c ->
                        checks.put(c.get("name").asString(), c.get("passed").asBoolean()));
        return checks;
    }

    /** The drill's throw-away clusters are gone: no directory, no owner marker, no password file. */
    private void assertNoDrillLeft() throws Exception {
        Path drills = stack.restoreRoot().resolve("strata-drills");
        if (Files.exists(drills)) {
            try (Stream<Path> left = Files.list(drills)) {
                List<Path> all = left.toList();
                assertThat(all).as("left in " + drills).isEmpty();
            }
        }
    }

    private String physical(String source, String type) {
        Api.Response accepted =
                operator.post("/api/v1/backups", Map.of("source", source, "kind", "PHYSICAL", "type", type));
        assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
        return awaitSucceeded(accepted.text("jobId")).get("backupId").asString();
    }

    private void awaitArchivedUpTo(String source, Lsn lsn) {
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> {
                    JsonNode wal =
                            viewer.get("/api/v1/sources/" + source + "/wal").json();
                    JsonNode archived = wal.get("archivedLsn");
                    return archived != null
                            && !archived.isNull()
                            && Lsn.parse(archived.asString()).compareTo(lsn) >= 0;
                });
    }
}

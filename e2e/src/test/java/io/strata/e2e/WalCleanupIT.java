package io.strata.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.strata.common.model.Lsn;
import io.strata.common.storage.ObjectStore;
import io.strata.common.storage.StorageLayout;
import io.strata.common.wal.WalSegmentName;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** WAL retention: a cleanup removes old WAL and tries hard, but never manages, to take what is still needed. */
class WalCleanupIT extends StackTestSupport {
    private static final long SEGMENT = 16L * 1024 * 1024;

    @Test
    void cleanupKeepsWhatBackupsAndRestorePointsNeedAndRemovesTheRest() throws Exception {
        String database = unique("walclean");
        String source = registerArchivedSource(database, 100);
        writeAndSwitch(database); // a segment archived before the first backup
        String b0 = physicalBackup(source);
        SampleDatabase.execute(sourceCluster, database, "UPDATE invoices SET status = 'paid' WHERE id <= 10");
        JsonNode rp0 = operator.post("/api/v1/sources/" + source + "/restore-points", Map.of("name", "month-end"))
                .json();
        writeAndSwitch(database);
        writeAndSwitch(database); // WAL between the restore point and the next backup: needed by nothing
        String afterPoint = query("SELECT pg_current_wal_lsn()::text");
        writeAndSwitch(database);
        String b1 = physicalBackup(source);
        writeAndSwitch(database);
        awaitPreview(source, Map.of("latest", true), 200);

        ObjectStore store = objectStore();
        Set<String> before = segments(store, source);
        String b0Start = segmentOf(backupLsn(b0, "startLsn"));
        String b1Start = segmentOf(backupLsn(b1, "startLsn"));
        String point = segmentOf(rp0.get("lsn").asString());
        assertThat(before).anyMatch(s -> s.compareTo(b0Start) < 0);

        Api.Response refused = admin.post("/api/v1/sources/" + source + "/wal/cleanup", Map.of("keepDays", -1));
        assertProblem(refused, 400);
        assertProblem(operator.post("/api/v1/sources/" + source + "/wal/cleanup", Map.of("keepDays", 0)), 403);

        // keep 0 days: everything is old enough; only what backups and the restore point need may stay
        Api.Response accepted = admin.post("/api/v1/sources/" + source + "/wal/cleanup", Map.of("keepDays", 0));
        assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
        JsonNode job = awaitSucceeded(accepted.text("jobId"));
        assertThat(job.get("kind").asString()).isEqualTo("WAL_CLEANUP");
        int deleted = job.get("result").get("deletedSegments").asInt();

        Set<String> after = segments(store, source);
        Set<String> gone = new TreeSet<>(before);
        gone.removeAll(after);
        assertThat(gone).hasSize(deleted).isNotEmpty();
        for (String segment : before) {
            boolean needed = (segment.compareTo(b0Start) >= 0 && segment.compareTo(point) <= 0)
                    || segment.compareTo(b1Start) >= 0;
            if (needed) {
                assertThat(after)
                        .as("segment %s is needed by a backup or the restore point", segment)
                        .contains(segment);
            }
        }
        assertThat(gone)
                .as("old WAL before the first backup and between the point and the next backup went")
                .anyMatch(s -> s.compareTo(b0Start) < 0)
                .anyMatch(s -> s.compareTo(point) > 0 && s.compareTo(b1Start) < 0);

        // what was kept is still whole: the restore point verifies and the latest WAL is reachable
        JsonNode verified = operator.post("/api/v1/sources/" + source + "/restore-points/month-end/verify", Map.of())
                .json();
        assertThat(verified.get("restorable").asBoolean())
                .as(verified.toString())
                .isTrue();
        awaitPreview(source, Map.of("latest", true), 200);
        // and what was removed is honestly unreachable now
        Api.Response gap = awaitPreview(source, Map.of("lsn", afterPoint), 422);
        assertThat(gap.json().get("problemCode").asString()).isEqualTo("WAL_GAP");
    }

    private void writeAndSwitch(String database) throws Exception {
        SampleDatabase.execute(sourceCluster, database, "UPDATE customers SET country = country WHERE id <= 50");
        SampleDatabase.execute(sourceCluster, database, "SELECT pg_switch_wal()");
    }

    private String query(String sql) throws Exception {
        try (var c = sourceCluster.connect("postgres");
                var s = c.createStatement();
                var r = s.executeQuery(sql)) {
            r.next();
            return r.getString(1);
        }
    }

    private String physicalBackup(String source) {
        Api.Response backup = operator.post("/api/v1/backups", Map.of("source", source, "kind", "PHYSICAL"));
        assertThat(backup.status()).as(backup.toString()).isEqualTo(202);
        awaitSucceeded(backup.text("jobId"));
        return backup.text("backupId");
    }

    private String backupLsn(String backupId, String field) {
        return viewer.get("/api/v1/backups/" + backupId).json().get(field).asString();
    }

    private static String segmentOf(String lsn) {
        return WalSegmentName.of(1, Lsn.parse(lsn), SEGMENT).toString();
    }

    /** Complete segments stored for the source on timeline 1. */
    private static Set<String> segments(ObjectStore store, String source) throws Exception {
        List<ObjectStore.ObjectInfo> objects = store.list(StorageLayout.walPrefix(source, 1));
        return objects.stream()
                .map(ObjectStore.ObjectInfo::key)
                .filter(key -> key.matches(".*/[0-9A-F]{24}\\.zst"))
                .map(key -> key.substring(key.lastIndexOf('/') + 1, key.lastIndexOf('/') + 25))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private Api.Response awaitPreview(String source, Map<String, Object> target, int status) {
        Api.Response[] last = new Api.Response[1];
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    last[0] = operator.post(
                            "/api/v1/restores/preview",
                            Map.of(
                                    "source",
                                    source,
                                    "target",
                                    target,
                                    "into",
                                    Map.of("dataDirectory", "never-used", "port", 5999)));
                    assertThat(last[0].status()).as(last[0].toString()).isEqualTo(status);
                });
        return last[0];
    }
}

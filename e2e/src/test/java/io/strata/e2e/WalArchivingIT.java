package io.strata.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.luben.zstd.ZstdInputStream;
import io.strata.common.model.Lsn;
import io.strata.common.storage.ObjectStore;
import io.strata.common.storage.StorageLayout;
import io.strata.common.wal.WalSegmentName;
import java.io.ByteArrayInputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class WalArchivingIT extends StackTestSupport {
    /** XLOG_PAGE_MAGIC of PostgreSQL 15: the first two bytes of every WAL page. */
    private static final int PG15_WAL_PAGE_MAGIC = 0xD110;

    private static final long SEGMENT_SIZE = 16 * 1024 * 1024;

    @Test
    void switchedOnArchivingStreamsCompleteSegmentsAndShipsThePartialOne() throws Exception {
        String database = unique("walshop");
        String source = registerSampleSource(database, 1_000);
        Api.Response enabled = admin.put("/api/v1/sources/" + source + "/wal-archiving", Map.of("enabled", true));
        assertThat(enabled.status()).as(enabled.toString()).isEqualTo(200);
        assertThat(enabled.json().get("walArchiving").get("enabled").asBoolean())
                .isTrue();

        SampleDatabase.execute(
                sourceCluster,
                database,
                "INSERT INTO customers(name, email, country) SELECT 'c' || g, g || '@x.es', 'ES' FROM generate_series(1, 50000) g");
        String switchedAt = switchWal(database);

        JsonNode status = await().atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofMillis(500))
                .until(
                        () -> viewer.get("/api/v1/sources/" + source + "/wal").json(),
                        s -> s.path("segments").asLong() > 0
                                && s.hasNonNull("archivedLsn")
                                && Lsn.parse(s.get("archivedLsn").asString()).compareTo(Lsn.parse(switchedAt)) >= 0);
        assertThat(status.get("enabled").asBoolean()).isTrue();

        WalSegmentName last = WalSegmentName.of(1, Lsn.parse(switchedAt), SEGMENT_SIZE);
        assertArchivedSegmentIsReal(source, last);

        SampleDatabase.execute(
                sourceCluster, database, "INSERT INTO customers(name, email, country) VALUES ('late', 'l@x.es', 'PT')");
        Lsn afterInsert = currentLsn(database);
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    JsonNode now =
                            viewer.get("/api/v1/sources/" + source + "/wal").json();
                    assertThat(Lsn.parse(now.get("archivedLsn").asString()))
                            .as("the partial current segment is shipped without a WAL switch")
                            .isGreaterThanOrEqualTo(afterInsert);
                    assertThat(now.get("healthy").asBoolean())
                            .as(now.toString())
                            .isTrue();
                });

        // switched off: the archiver stops streaming and drops its slot, so the server stops keeping WAL
        String slot = io.strata.common.wal.SlotNames.forSource("strata_", source);
        assertThat(replicationSlots(slot)).isEqualTo(1);
        Api.Response off = admin.put("/api/v1/sources/" + source + "/wal-archiving", Map.of("enabled", false));
        assertThat(off.status()).as(off.toString()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() ->
                        assertThat(replicationSlots(slot)).as("slot " + slot).isZero());
    }

    @Test
    void archivingIsRefusedWithWhatToChangeWhenTheRoleMayNotReplicate() throws Exception {
        String database = unique("norepl");
        SampleDatabase.create(sourceCluster, database, 10);
        String role = database + "_app";
        SampleDatabase.execute(sourceCluster, "postgres", "CREATE ROLE " + role + " LOGIN PASSWORD 'app-secret'");
        String source = database.replace('_', '-');
        assertThat(admin.post(
                                "/api/v1/sources",
                                Map.of(
                                        "name",
                                        source,
                                        "host",
                                        sourceCluster.host(),
                                        "port",
                                        sourceCluster.port(),
                                        "database",
                                        database,
                                        "username",
                                        role,
                                        "password",
                                        "app-secret"))
                        .status())
                .isEqualTo(201);

        Api.Response refused = admin.put("/api/v1/sources/" + source + "/wal-archiving", Map.of("enabled", true));

        assertProblem(refused, 409);
        assertThat(refused.json().get("detail").asString()).contains("REPLICATION");
        assertThat(viewer.get("/api/v1/sources/" + source)
                        .json()
                        .get("walArchiving")
                        .get("enabled")
                        .asBoolean())
                .isFalse();
        assertProblem(viewer.put("/api/v1/sources/" + source + "/wal-archiving", Map.of("enabled", false)), 403);
        assertProblem(admin.put("/api/v1/sources/no-such-source/wal-archiving", Map.of("enabled", true)), 404);
    }

    private void assertArchivedSegmentIsReal(String source, WalSegmentName segment) throws Exception {
        ObjectStore store = objectStore();
        String key = StorageLayout.walSegmentKey(source, segment.timeline(), segment.toString());
        byte[] stored = await().atMost(Duration.ofSeconds(30))
                .until(() -> store.stat(key).isPresent() ? store.readAll(key) : null, b -> b != null);
        byte[] wal;
        try (var in = new ZstdInputStream(openPlain(new ByteArrayInputStream(stored)))) {
            wal = in.readAllBytes();
        }
        assertThat(wal).as("a complete segment").hasSize((int) SEGMENT_SIZE);
        ByteBuffer page = ByteBuffer.wrap(wal).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(page.getShort(0) & 0xFFFF).as("WAL page magic").isEqualTo(PG15_WAL_PAGE_MAGIC);
        assertThat(page.getLong(8))
                .as("first page address = segment start")
                .isEqualTo(segment.startLsn().value());
        assertThat(stored.length).as("stored compressed").isLessThan(wal.length);
    }

    private String switchWal(String database) throws Exception {
        try (var c = sourceCluster.connect(database);
                var s = c.createStatement();
                var r = s.executeQuery("SELECT pg_switch_wal()::text")) {
            r.next();
            return r.getString(1);
        }
    }

    private Lsn currentLsn(String database) throws Exception {
        try (var c = sourceCluster.connect(database);
                var s = c.createStatement();
                var r = s.executeQuery("SELECT pg_current_wal_lsn()::text")) {
            r.next();
            return Lsn.parse(r.getString(1));
        }
    }
}

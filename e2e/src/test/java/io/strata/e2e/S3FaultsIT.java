package io.strata.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.strata.common.model.BackupId;
import io.strata.common.storage.ObjectStore;
import io.strata.devstack.S3FaultProxy;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.JsonNode;

/**
 * Issue #8's fault suite: with the dev stack's S3 proxy failing every eighth request of the services (500,
 * 503, a connection reset in the middle of a response body, a 2 s stall, in turn), a logical backup, a physical backup, WAL
 * archiving, a point-in-time restore and a logical restore all succeed, and every stored object hashes to
 * what its manifest or the catalog says.
 */
class S3FaultsIT extends StackTestSupport {
    private static final Logger log = LoggerFactory.getLogger(S3FaultsIT.class);
    private Path restored;

    @AfterEach
    void faultsOff() {
        stack.s3Faults().faultRate(0);
        if (restored != null) {
            stack.stopRestoredCluster(restored);
        }
    }

    @Test
    void backupsArchivingAndRestoresSucceedThroughS3Faults() throws Exception {
        String database = unique("s3faults");
        String source = registerArchivedSource(database, 3_000);
        Map<String, String> before = SampleDatabase.fingerprint(sourceCluster, database);
        S3FaultProxy proxy = stack.s3Faults();
        ObjectStore store = objectStore();
        long requestsBefore = proxy.requests();
        proxy.faultRate(0.125); // every eighth request: the four kinds in turn within the run's ~40 requests

        String logical = backupAndWait(source);
        assertComplete(store, source, BackupId.parse(logical));
        Api.Response physical = operator.post("/api/v1/backups", Map.of("source", source, "kind", "PHYSICAL"));
        assertThat(physical.status()).as(physical.toString()).isEqualTo(202);
        String physicalId =
                awaitSucceeded(physical.text("jobId")).get("backupId").asString();
        assertComplete(store, source, BackupId.parse(physicalId));

        SampleDatabase.execute(sourceCluster, database, """
                INSERT INTO invoices(number, customer_id, amount, issued_at, status)
                SELECT 'FAULTS-' || g, 1, 10, now(), 'open' FROM generate_series(1, 40) g""");
        String switched = SampleDatabase.queryOne(sourceCluster, database, "SELECT pg_current_wal_lsn()::text");
        SampleDatabase.execute(sourceCluster, database, "SELECT pg_switch_wal()");
        await().atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> archivedPast(source, switched)); // WAL archiving goes on through the faults
        restored = stack.restoreRoot().resolve("faults-" + unique("pitr"));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("source", source);
        body.put("target", Map.of("latest", true));
        body.put("into", Map.of("dataDirectory", restored.toString(), "port", freePort()));
        Api.Response accepted = admin.post("/api/v1/restores", body);
        assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
        JsonNode pitr = awaitSucceeded(accepted.text("jobId"));
        assertThat(countLate(pitr)).isEqualTo(40);

        String copy = assertRestoresEqual(source, logical, before);
        SampleDatabase.execute(sourceCluster, "postgres", "DROP DATABASE " + copy);
        assertArchivedSegmentsHashRight(store, source);

        Map<String, Long> injected = proxy.injected();
        long requests = proxy.requests() - requestsBefore;
        log.info("S3 faults injected over {} requests: {}", requests, injected);
        assertThat(injected)
                .as("faults injected over " + requests + " requests")
                .containsOnlyKeys("500", "503", "reset", "stall")
                .allSatisfy((kind, count) -> assertThat(count).isPositive());
    }

    /** Rows 'FAULTS-%' in the cluster a point-in-time restore made. */
    private int countLate(JsonNode job) {
        int port = job.get("result").get("port").asInt();
        try (Connection c = DriverManager.getConnection(
                        "jdbc:postgresql://127.0.0.1:" + port + "/"
                                + job.get("result").get("database").asString(),
                        sourceCluster.superuser(),
                        sourceCluster.password());
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT count(*) FROM invoices WHERE number LIKE 'FAULTS-%'")) {
            r.next();
            return r.getInt(1);
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether the catalog's complete segments of {@code source} reach {@code lsn}. */
    private boolean archivedPast(String source, String lsn) throws Exception {
        try (Connection c = stack.catalogCluster().connect("strata_catalog");
                var query = c.prepareStatement(
                        "SELECT coalesce(max(end_lsn) >= ?::pg_lsn, false) FROM wal_segment WHERE source = ? AND NOT partial")) {
            query.setString(1, lsn);
            query.setString(2, source);
            try (ResultSet r = query.executeQuery()) {
                r.next();
                return r.getBoolean(1);
            }
        }
    }

    /** Every complete WAL segment the catalog recorded for the source hashes, as stored, to what it says. */
    private void assertArchivedSegmentsHashRight(ObjectStore store, String source) throws Exception {
        int checked = 0;
        try (Connection c = stack.catalogCluster().connect("strata_catalog");
                var query = c.prepareStatement(
                        "SELECT object_key, sha256 FROM wal_segment WHERE source = ? AND NOT partial")) {
            query.setString(1, source);
            try (ResultSet r = query.executeQuery()) {
                while (r.next()) {
                    assertThat(storedSha256(store, r.getString(1)))
                            .as(r.getString(1))
                            .isEqualTo(r.getString(2));
                    checked++;
                }
            }
        }
        assertThat(checked).isPositive();
    }
}

package io.strata.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.strata.devstack.ManagedService;
import io.strata.devstack.PgCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The wal-archiver is SIGKILLed while pgbench writes, and started again after WAL has moved on: the slot
 * held the WAL, so the archive has no gap (the catalog's segments run from the base backup past the end of
 * the load, each beginning where the previous ended), and a second inside the outage window can be restored.
 */
class ArchiverOutageIT extends StackTestSupport {
    private static final String BIN = "/usr/lib/postgresql/15/bin/";
    private Path restored;

    @AfterEach
    void stopRestoredCluster() {
        if (restored != null) {
            stack.stopRestoredCluster(restored);
        }
    }

    @Test
    void killedArchiverLosesNoWalAndAMomentOfTheOutageIsRestorable() throws Exception {
        PgCluster cluster = stack.newCluster(unique("outage"));
        SampleDatabase.execute(cluster, "postgres", "CREATE DATABASE load");
        run(cluster, List.of(BIN + "pgbench", "-i", "-s", "5", "-q", "load"));
        SampleDatabase.execute(cluster, "load", "CREATE TABLE ticks (at timestamptz PRIMARY KEY)");
        String source = unique("outage").replace('_', '-');
        registerArchivedSource(cluster, "load", source);
        Api.Response backup = operator.post("/api/v1/backups", Map.of("source", source, "kind", "PHYSICAL"));
        String backupStart = awaitSucceeded(backup.text("jobId"))
                .get("result")
                .get("startLsn")
                .asString();

        Process pgbench = start(cluster, List.of(BIN + "pgbench", "-c", "4", "-j", "2", "-T", "40", "-n", "load"));
        AtomicBoolean ticking = new AtomicBoolean(true);
        Thread ticker = Thread.ofPlatform().start(() -> tick(cluster, ticking));
        ManagedService archiver = stack.service("wal-archiver");
        Instant outageStart;
        try {
            Thread.sleep(6_000);
            archiver.kill();
            outageStart = Instant.now();
            Thread.sleep(15_000); // pgbench goes on: WAL moves past what was archived
            archiver.restart();
            assertThat(pgbench.waitFor()).isZero();
        } finally {
            ticking.set(false);
            ticker.join();
            pgbench.destroyForcibly();
        }
        String afterLoad = SampleDatabase.queryOne(cluster, "load", "SELECT pg_current_wal_lsn()::text");
        SampleDatabase.execute(cluster, "load", "SELECT pg_switch_wal()");

        Instant target = outageStart.plusSeconds(5).truncatedTo(ChronoUnit.SECONDS);
        Map<String, Object> into = Map.of(
                "dataDirectory",
                        stack.restoreRoot()
                                .resolve("restored-" + unique("outage"))
                                .toString(),
                "port", freePort());
        Map<String, Object> body = Map.of("source", source, "target", Map.of("time", target.toString()), "into", into);
        // no gap: the whole run from the base backup to the newest WAL is archived
        await().atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> {
                    Api.Response latest = operator.post(
                            "/api/v1/restores/preview",
                            Map.of("source", source, "target", Map.of("latest", true), "into", into));
                    assertThat(latest.status()).as(latest.toString()).isEqualTo(200);
                    Api.Response atTarget = operator.post("/api/v1/restores/preview", body);
                    assertThat(atTarget.status()).as(atTarget.toString()).isEqualTo(200);
                    assertThat(archivedSpan(source, backupStart, afterLoad))
                            .as(
                                    "segments archived from the base backup past the end of the load, and gaps between them")
                            .isEqualTo(new Span(true, true, 0));
                });

        Api.Response accepted = admin.post("/api/v1/restores", body);
        assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
        restored = Path.of((String) into.get("dataDirectory"));
        JsonNode job = awaitSucceeded(accepted.text("jobId"));
        int port = job.get("result").get("port").asInt();
        try (Connection c = DriverManager.getConnection(
                        "jdbc:postgresql://127.0.0.1:" + port + "/load", cluster.superuser(), cluster.password());
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery("SELECT max(at), count(*) FROM ticks")) {
            r.next();
            Instant newest = r.getTimestamp(1).toInstant();
            assertThat(newest).isBeforeOrEqualTo(target).isAfter(target.minusSeconds(1));
        }
    }

    record Span(boolean fromBackup, boolean pastLoad, long gaps) {}

    /**
     * What the catalog recorded of {@code source}'s complete segments: whether they start at or before
     * {@code from}, reach {@code to}, and how many times one segment does not begin where the previous
     * ended (a gap: WAL the archive lost).
     */
    private Span archivedSpan(String source, String from, String to) throws Exception {
        try (Connection c = stack.catalogCluster().connect("strata_catalog");
                var query = c.prepareStatement("""
                        SELECT coalesce(min(start_lsn) <= ?::pg_lsn, false),
                               coalesce(max(end_lsn) >= ?::pg_lsn, false),
                               count(*) FILTER (WHERE next_start IS NOT NULL AND next_start <> end_lsn)
                        FROM (SELECT start_lsn, end_lsn, lead(start_lsn) OVER (ORDER BY start_lsn) AS next_start
                              FROM wal_segment WHERE source = ? AND timeline = 1 AND NOT partial) segments""")) {
            query.setString(1, from);
            query.setString(2, to);
            query.setString(3, source);
            try (ResultSet r = query.executeQuery()) {
                r.next();
                return new Span(r.getBoolean(1), r.getBoolean(2), r.getLong(3));
            }
        }
    }

    private static void tick(PgCluster cluster, AtomicBoolean ticking) {
        try (Connection c = cluster.connect("load");
                Statement s = c.createStatement()) {
            while (ticking.get()) {
                s.execute("INSERT INTO ticks VALUES (clock_timestamp())");
                Thread.sleep(100);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static Process start(PgCluster cluster, List<String> command) throws Exception {
        ProcessBuilder builder =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("PGHOST", cluster.host());
        builder.environment().put("PGPORT", String.valueOf(cluster.port()));
        builder.environment().put("PGUSER", cluster.superuser());
        // the password in a 0600 passfile removed once the tool exits, never in its environment
        Path passfile = Files.createTempFile(
                "strata-e2e-pgpass-",
                "",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(
                passfile, "*:*:*:*:" + cluster.password().replace("\\", "\\\\").replace(":", "\\:") + "\n");
        builder.environment().remove("PGPASSWORD");
        builder.environment().put("PGPASSFILE", passfile.toString());
        try {
            Process process = builder.start();
            process.onExit().whenComplete((ended, error) -> passfile.toFile().delete());
            return process;
        } catch (Exception e) {
            Files.deleteIfExists(passfile);
            throw e;
        }
    }

    private static void run(PgCluster cluster, List<String> command) throws Exception {
        assertThat(start(cluster, command).waitFor())
                .as(String.join(" ", command))
                .isZero();
    }
}

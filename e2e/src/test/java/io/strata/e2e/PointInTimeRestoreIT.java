package io.strata.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Point-in-time restore through the whole stack: a physical base backup plus archived WAL become a new,
 * promoted cluster on the restore-worker's host, and queries prove what it holds.
 */
class PointInTimeRestoreIT extends StackTestSupport {
    private final List<Path> restored = new ArrayList<>();

    @AfterEach
    void stopRestoredClusters() {
        restored.forEach(stack::stopRestoredCluster);
    }

    /** The seeds' scenario: invoices inserted, time T noted, at T+2 s deleted; restoring to T brings them back. */
    @Test
    void undoDeletedInvoicesByRestoringToTheSecondBefore() throws Exception {
        String database = unique("pitrshop");
        String source = registerArchivedSource(database, 300);
        physicalBackup(source);
        SampleDatabase.execute(sourceCluster, database, """
                INSERT INTO invoices(number, customer_id, amount, issued_at, status)
                SELECT 'LATE-' || g, 1, 10, now(), 'open' FROM generate_series(1, 25) g""");
        Thread.sleep(1_200);
        Instant t = Instant.now().truncatedTo(ChronoUnit.SECONDS); // the invoices committed before T
        Thread.sleep(2_000);
        SampleDatabase.execute(sourceCluster, database, "DELETE FROM invoices WHERE number LIKE 'LATE-%'");
        assertThat(SampleDatabase.count(sourceCluster, database, "invoices")).isEqualTo(300);
        SampleDatabase.execute(sourceCluster, database, "SELECT pg_switch_wal()");

        // any zone: the same instant written in UTC+01:00
        String time = t.atOffset(ZoneOffset.ofHours(1)).toString();
        JsonNode job = restore(source, Map.of("time", time));

        int port = job.get("result").get("port").asInt();
        assertThat(count(port, database, "invoices WHERE number LIKE 'LATE-%'")).isEqualTo(25);
        assertThat(count(port, database, "invoices")).isEqualTo(325);
        assertThat(job.get("result").get("recoveryStop").asString()).contains("recovery stopping before commit");
        assertThat(job.get("result").get("timeline").asInt()).isGreaterThan(1);
        assertThat(job.get("progressPercent").asInt()).isEqualTo(100);
    }

    /**
     * Issue #7 finding 3: every source of a server shares its WAL, and recovery stops at the first record of
     * a name. Source A's "rt-dup" comes first; B's restore to its own "rt-dup" must keep the row inserted in
     * between and stop before the next one.
     */
    @Test
    void twoSourcesOfOneServerWithTheSameRestorePointNameEachRestoreToTheirOwnPoint() throws Exception {
        String other = registerSampleSource(unique("rpdupa"), 20);
        String database = unique("rpdupb");
        String source = registerArchivedSource(database, 50);
        physicalBackup(source);
        assertThat(operator.post("/api/v1/sources/" + other + "/restore-points", Map.of("name", "rt-dup"))
                        .status())
                .isEqualTo(201);
        SampleDatabase.execute(
                sourceCluster, database, "INSERT INTO customers(name, email, country) VALUES ('between', 'b@x', 'ES')");
        Api.Response mine = operator.post("/api/v1/sources/" + source + "/restore-points", Map.of("name", "rt-dup"));
        assertThat(mine.status()).as(mine.toString()).isEqualTo(201);
        assertThat(mine.text("serverName")).startsWith("strata/rt-dup/");
        SampleDatabase.execute(
                sourceCluster, database, "INSERT INTO customers(name, email, country) VALUES ('after', 'c@x', 'ES')");
        SampleDatabase.execute(sourceCluster, database, "SELECT pg_switch_wal()");

        JsonNode job = restore(source, Map.of("restorePoint", "rt-dup"));

        int port = job.get("result").get("port").asInt();
        assertThat(count(port, database, "customers WHERE name = 'between'")).isEqualTo(1);
        assertThat(count(port, database, "customers WHERE name = 'after'")).isZero();
        assertThat(job.get("result").get("recoveryStop").asString()).contains(mine.text("serverName"));
    }

    @Test
    void restorePointBeforeASchemaChangeAndAnLsnGiveTheStateAtThatPoint() throws Exception {
        String database = unique("pitrschema");
        String source = registerArchivedSource(database, 200);
        physicalBackup(source);
        String points = "/api/v1/sources/" + source + "/restore-points";
        assertThat(operator.post(points, Map.of("name", "before-upgrade")).status())
                .isEqualTo(201);
        SampleDatabase.execute(sourceCluster, database, "ALTER TABLE invoices ADD COLUMN tax_code text");
        SampleDatabase.execute(
                sourceCluster, database, "INSERT INTO customers(name, email, country) VALUES ('A', 'a@x', 'ES')");
        String lsn = query(sourceCluster.port(), database, "SELECT pg_current_wal_lsn()::text");
        SampleDatabase.execute(
                sourceCluster, database, "INSERT INTO customers(name, email, country) VALUES ('B', 'b@x', 'ES')");
        SampleDatabase.execute(sourceCluster, database, "SELECT pg_switch_wal()");

        JsonNode atPoint = restore(source, Map.of("restorePoint", "before-upgrade"));
        int port = atPoint.get("result").get("port").asInt();
        assertThat(query(port, database, """
                SELECT count(*)::text FROM information_schema.columns
                WHERE table_name = 'invoices' AND column_name = 'tax_code'""")).isEqualTo("0");
        assertThat(atPoint.get("result").get("recoveryStop").asString()).contains("before-upgrade");

        JsonNode atLsn = restore(source, Map.of("lsn", lsn));
        int lsnPort = atLsn.get("result").get("port").asInt();
        assertThat(count(lsnPort, database, "customers WHERE name = 'A'")).isEqualTo(1);
        assertThat(count(lsnPort, database, "customers WHERE name = 'B'")).isZero();
        assertThat(query(
                        lsnPort,
                        database,
                        "SELECT count(*)::text FROM information_schema.columns"
                                + " WHERE table_name = 'invoices' AND column_name = 'tax_code'"))
                .isEqualTo("1");
    }

    @Test
    void latestAfterACleanShutdownHasEveryCommittedRow() throws Exception {
        var cluster = stack.newCluster(unique("pitrdown"));
        String database = "shopdown";
        SampleDatabase.create(cluster, database, 100);
        String source = unique("pitrdown").replace('_', '-');
        registerArchivedSource(cluster, database, source);
        physicalBackup(source);
        for (int i = 0; i < 20; i++) {
            SampleDatabase.execute(
                    cluster, database, "INSERT INTO customers(name, email, country) VALUES ('late', 'l@x', 'PT')");
        }
        cluster.stop(); // a clean shutdown: the archiver receives WAL up to the shutdown checkpoint
        String checkpoint = shutdownCheckpoint(cluster.dataDir());
        awaitArchived(source, Map.of("lsn", checkpoint));

        // into a directory the operator made (a volume, say): empty, the cluster's user's, rwx------. The worker
        // takes it while it writes and gives it back with the cluster in it
        java.nio.file.attribute.UserPrincipal clusterUser = Files.getOwner(cluster.dataDir());
        Path given = Files.createDirectory(
                stack.restoreRoot().resolve("restored-" + unique("given")),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.setOwner(given, clusterUser);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("source", source);
        body.put("target", Map.of("latest", true));
        body.put("into", Map.of("dataDirectory", given.toString(), "port", freePort()));
        awaitArchived(source, Map.of("latest", true));
        JsonNode job = restoreAndAwait(body, restored);
        assertThat(Files.getOwner(given, java.nio.file.LinkOption.NOFOLLOW_LINKS))
                .isEqualTo(clusterUser);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(given)))
                .isEqualTo("rwx------");

        int port = job.get("result").get("port").asInt();
        assertThat(count(port, database, "customers WHERE name = 'late'", cluster.superuser(), cluster.password()))
                .isEqualTo(20);
        assertThat(count(port, database, "invoices", cluster.superuser(), cluster.password()))
                .isEqualTo(100);
    }

    /**
     * Issue #7 finding 11: Strata reads a few lines of the restored server's log, and a source configured to
     * speak German (lc_messages, which the base backup carries) used to break that. A time after the last
     * commit takes the path that depends on the log ("recovery ended before configured recovery target
     * was reached"): the restore must still succeed, with every row.
     */
    @Test
    void aSourceThatSpeaksGermanRestoresToATimeAfterItsLastCommit() throws Exception {
        var cluster = stack.newCluster(unique("pitrde"));
        try (Connection c = cluster.connect("postgres");
                Statement s = c.createStatement()) {
            s.execute("ALTER SYSTEM SET lc_messages = 'de_DE.UTF-8'");
            s.execute("SELECT pg_reload_conf()");
        } catch (SQLException e) {
            throw new AssertionError(
                    "the source cannot switch to German messages (" + e.getMessage() + "): generate the"
                            + " de_DE.UTF-8 locale (./strata test and .ci/run do it as root)",
                    e);
        }
        try (Connection c = cluster.connect("postgres");
                Statement s = c.createStatement()) {
            s.execute("SELECT 1/0");
            throw new AssertionError("1/0 did not fail");
        } catch (SQLException e) {
            assertThat(e.getMessage()).as("the server speaks German").contains("Division durch Null");
        }
        String database = "shopde";
        SampleDatabase.create(cluster, database, 40);
        String source = unique("pitrde").replace('_', '-');
        registerArchivedSource(cluster, database, source);
        physicalBackup(source);
        SampleDatabase.execute(cluster, database, "CREATE TABLE late (n int)");
        SampleDatabase.execute(cluster, database, "INSERT INTO late SELECT generate_series(1, 10)");
        Thread.sleep(1_200);
        Instant target = Instant.now().truncatedTo(ChronoUnit.SECONDS).plusSeconds(1); // after the last commit
        Thread.sleep(2_500);
        SampleDatabase.execute(cluster, database, "SELECT pg_switch_wal()");

        JsonNode job = restore(source, Map.of("time", target.toString()), cluster.superuser(), cluster.password());

        int port = job.get("result").get("port").asInt();
        assertThat(count(port, database, "late", cluster.superuser(), cluster.password()))
                .isEqualTo(10);
        assertThat(job.get("result").get("recoveryStop").asString()).contains("no transaction committed after");
    }

    @Test
    void partialSegmentsMakeASecondFiveSecondsAgoRestorable() throws Exception {
        String database = unique("pitrpartial");
        String source = registerArchivedSource(database, 50);
        physicalBackup(source);
        SampleDatabase.execute(sourceCluster, database, "CREATE TABLE ticks (at timestamptz PRIMARY KEY)");
        Instant end = Instant.now().plusSeconds(14);
        while (Instant.now().isBefore(end)) { // light, steady load: one tick per 100 ms, no WAL switch
            SampleDatabase.execute(sourceCluster, database, "INSERT INTO ticks VALUES (clock_timestamp())");
            Thread.sleep(100);
        }
        Instant target = Instant.now().minusSeconds(5).truncatedTo(ChronoUnit.SECONDS);
        // only partial segments can hold the last seconds: the segment is far from full
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> preview(source, Map.of("time", target.toString())).status() == 200);

        JsonNode job = restore(source, Map.of("time", target.toString()));

        int port = job.get("result").get("port").asInt();
        Instant newest = Instant.parse(query(
                port,
                database,
                "SELECT to_char(max(at) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') FROM ticks"));
        assertThat(newest).isBeforeOrEqualTo(target).isAfter(target.minusSeconds(1));
    }

    @Test
    void unreachableTargetsAreRefusedWithWhatCanBeReached() throws Exception {
        String database = unique("pitrrefuse");
        String source = registerArchivedSource(database, 20);
        Instant beforeBackup = Instant.now().minusSeconds(60);

        Api.Response noBackup = admin.post("/api/v1/restores", body(source, Map.of("latest", true), 5999));
        assertProblem(noBackup, 422);
        assertThat(noBackup.json().get("problemCode").asString()).isEqualTo("NO_BASE_BACKUP");

        physicalBackup(source);
        SampleDatabase.execute(sourceCluster, database, "SELECT pg_switch_wal()");

        Api.Response early =
                admin.post("/api/v1/restores", body(source, Map.of("time", beforeBackup.toString()), 5999));
        assertProblem(early, 422);
        assertThat(early.json().get("problemCode").asString()).isEqualTo("BEFORE_FIRST_BACKUP");
        assertThat(early.json().get("reachable").get("earliestTime")).isNotNull();

        awaitArchived(source, Map.of("latest", true));
        JsonNode wal = viewer.get("/api/v1/sources/" + source + "/wal").json();
        assertThat(Instant.parse(wal.get("oldestRecoverableTime").asString())).isAfter(beforeBackup);
        Instant future = Instant.now().plus(1, ChronoUnit.HOURS);
        Api.Response late = admin.post("/api/v1/restores", body(source, Map.of("time", future.toString()), 5999));
        assertProblem(late, 422);
        assertThat(late.json().get("problemCode").asString()).isEqualTo("AFTER_ARCHIVE_END");
        assertThat(late.json().get("reachable").get("latestTime")).isNotNull();
        assertThat(late.json().get("detail").asString()).contains("latest reachable time");

        Api.Response unknown =
                admin.post("/api/v1/restores", body(source, Map.of("restorePoint", "no-such-point"), 5999));
        assertProblem(unknown, 422);
        assertThat(unknown.json().get("problemCode").asString()).isEqualTo("UNKNOWN_RESTORE_POINT");

        Api.Response preview = preview(source, Map.of("latest", true));
        assertThat(preview.status()).as(preview.toString()).isEqualTo(200);
        assertThat(preview.json().get("walSegments").asInt()).isPositive();
        assertThat(preview.json().get("downloadBytes").asLong()).isPositive();
        assertThat(preview.json().get("estimatedSeconds").asLong()).isPositive();
        assertThat(viewer.get("/api/v1/jobs?source=" + source + "&kind=RESTORE").json())
                .isEmpty();
    }

    /** "Latest checkpoint location" of a stopped cluster, from pg_controldata (run as its owner). */
    private static String shutdownCheckpoint(Path dataDir) throws Exception {
        Process process = new ProcessBuilder(
                        "runuser",
                        "-u",
                        "postgres",
                        "--",
                        "/usr/lib/postgresql/15/bin/pg_controldata",
                        "-D",
                        dataDir.toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as(out).isZero();
        assertThat(out).contains("shut down");
        return out.lines()
                .filter(line -> line.startsWith("Latest checkpoint location:"))
                .map(line -> line.substring(line.indexOf(':') + 1).strip())
                .findFirst()
                .orElseThrow();
    }

    /** Waits until the archive reaches the physical backup's end and beyond, as a user would by previewing. */
    private void awaitArchived(String source, Map<String, Object> target) {
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    Api.Response preview = preview(source, target);
                    assertThat(preview.status()).as(preview.toString()).isEqualTo(200);
                });
    }

    private void physicalBackup(String source) {
        Api.Response backup = operator.post("/api/v1/backups", Map.of("source", source, "kind", "PHYSICAL"));
        assertThat(backup.status()).as(backup.toString()).isEqualTo(202);
        awaitSucceeded(backup.text("jobId"));
    }

    private Map<String, Object> body(String source, Map<String, Object> target, int port) {
        Path dir = stack.restoreRoot().resolve("restored-" + unique("pitr"));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("source", source);
        body.put("target", target);
        body.put("into", Map.of("dataDirectory", dir.toString(), "port", port));
        return body;
    }

    private Api.Response preview(String source, Map<String, Object> target) {
        return operator.post("/api/v1/restores/preview", body(source, target, 5999));
    }

    private JsonNode restore(String source, Map<String, Object> target) {
        return restore(source, target, sourceCluster.superuser(), sourceCluster.password());
    }

    private JsonNode restore(String source, Map<String, Object> target, String user, String password) {
        awaitArchived(source, target);
        Map<String, Object> body = body(source, target, freePort());
        @SuppressWarnings("unchecked")
        Map<String, Object> into = (Map<String, Object>) body.get("into");
        JsonNode job = restoreAndAwait(body, restored);
        assertThat(job.get("result").get("dataDirectory").asString()).isEqualTo(into.get("dataDirectory"));
        return job;
    }

    private static long count(int port, String database, String from, String user, String password)
            throws SQLException {
        return Long.parseLong(query(port, database, "SELECT count(*)::text FROM " + from, user, password));
    }

    private String query(int port, String database, String sql) throws SQLException {
        return query(port, database, sql, sourceCluster.superuser(), sourceCluster.password());
    }

    private static String query(int port, String database, String sql, String user, String password)
            throws SQLException {
        try (Connection c = DriverManager.getConnection(
                        "jdbc:postgresql://127.0.0.1:" + port + "/" + database, user, password);
                Statement s = c.createStatement();
                ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getString(1);
        }
    }
}

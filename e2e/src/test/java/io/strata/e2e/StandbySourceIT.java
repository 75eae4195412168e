package io.strata.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.strata.common.storage.ObjectStore;
import io.strata.common.storage.StorageLayout;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A standby as the source (backups taken off the primary, as many run them): WAL archived from the standby
 * through a slot of its own, a physical backup of it, and that backup restored. A backup of a standby holds
 * its {@code standby.signal}: before the restore removed it, the restored server stayed a standby and never
 * promoted (the job waited for its recovery deadline), and {@code GET /sources/{name}/wal} answered 502
 * because it asked a standby for {@code pg_current_wal_lsn()}. Then a failover: the standby promoted while its
 * chain is on the old timeline. Then an undo: a restore put in the source's place, archived on its new timeline.
 */
class StandbySourceIT extends StackTestSupport {
    private static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");
    private final List<Path> restored = new ArrayList<>();
    private Path standbyBase;
    /** A restored cluster started in the source's place (on its port): stopped after the archiver let it go. */
    private Path swappedIn;

    private int standbyPort;
    private String database;
    private String source;

    /** Each step on its own, so one failing leaves nothing else behind on the shared stack. */
    @AfterEach
    void cleanUp() {
        restored.forEach(stack::stopRestoredCluster);
        if (source != null) {
            quietly(
                    () -> { // the archiver's streamer and slot go first, while the standby still answers
                        admin.put("/api/v1/sources/" + source + "/wal-archiving", Map.of("enabled", false));
                        await().atMost(Duration.ofSeconds(60))
                                .pollInterval(Duration.ofMillis(500))
                                .until(() -> "0"
                                        .equals(scalar(
                                                standbyPort, "postgres", "SELECT count(*) FROM pg_replication_slots")));
                    });
        }
        if (swappedIn != null) {
            quietly(() -> stack.stopRestoredCluster(swappedIn));
        }
        if (standbyBase != null) {
            if (Files.exists(standbyBase.resolve("data").resolve("postmaster.pid"))) { // not stopped by the test
                quietly(() -> pgCtl(standbyBase.resolve("data"), "-m", "immediate", "-w", "stop"));
            }
            quietly(() -> run("rm", "-rf", standbyBase.toString()));
        }
        if (database != null) { // later physical backups of the shared cluster would copy it
            quietly(() -> SampleDatabase.execute(
                    sourceCluster, "postgres", "DROP DATABASE IF EXISTS " + database + " WITH (FORCE)"));
        }
    }

    @Test
    void aStandbysPhysicalBackupRestoresToTheLatestPointAndPromotes() throws Exception {
        registerStandbySource(2_000);

        Api.Response accepted = operator.post("/api/v1/backups", Map.of("source", source, "kind", "PHYSICAL"));
        assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
        awaitSucceeded(accepted.text("jobId"));

        // rows written on the primary after the backup reach the archive through the standby: the restore to the
        // latest point replays WAL past the backup (the standby's current segment ships as a partial)
        SampleDatabase.execute(sourceCluster, database, """
                INSERT INTO invoices(number, customer_id, amount, issued_at, status)
                SELECT 'AFTER-' || g, 1, 10, now(), 'open' FROM generate_series(1, 500) g""");
        String written = SampleDatabase.queryOne(sourceCluster, database, "SELECT pg_current_wal_lsn()::text");
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> "true"
                        .equals(scalar(
                                standbyPort,
                                "postgres",
                                "SELECT (pg_last_wal_replay_lsn() >= '" + written + "'::pg_lsn)::text")));
        io.strata.common.model.Lsn replayed = io.strata.common.model.Lsn.parse(
                scalar(standbyPort, "postgres", "SELECT pg_last_wal_replay_lsn()::text"));
        JsonNode wal = await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .until(
                        () -> viewer.get("/api/v1/sources/" + source + "/wal"),
                        r -> r.status() == 200
                                && !r.json().path("archivedLsn").isNull()
                                && io.strata.common.model.Lsn.parse(r.text("archivedLsn"))
                                                .compareTo(replayed)
                                        >= 0)
                .json();
        assertThat(wal.get("currentLsn").asString()).as("read on the standby").isNotBlank();

        Map<String, Object> body = new LinkedHashMap<>();
        body.put("source", source);
        body.put("target", Map.of("latest", true));
        Path dir = stack.restoreRoot().resolve("restored-" + unique("standby"));
        int restoredPort = freePort();
        body.put("into", Map.of("dataDirectory", dir.toString(), "port", restoredPort));
        awaitRestorable(body);
        JsonNode job = restoreAndAwait(body, restored);
        assertThat(job.get("status").asString()).isEqualTo("SUCCEEDED");

        assertThat(scalar(restoredPort, database, "SELECT pg_is_in_recovery()::text"))
                .as("promoted, not left a standby")
                .isEqualTo("false");
        assertThat(count(restoredPort, database, "invoices")).isEqualTo(2_500);
    }

    /**
     * A failover: the standby that is the source is promoted while its backups are on the old timeline. The
     * archive follows it onto timeline 2 (its history file stored and reported), so a restore point made on the
     * promoted server is reachable from the backup of the old timeline: recovery replays timeline 1's WAL up to
     * the switch, then timeline 2's (before, it stopped at the switch and the point could not be reached until a
     * backup of the new timeline existed). An INCREMENTAL asked for next is taken as FULL and says why (a parent
     * must be of the same timeline), and a restore to the latest point starts from that FULL.
     */
    @Test
    void aPromotedStandbysRestorePointIsReachedFromTheOldTimelinesBackupAndANewChainStarts() throws Exception {
        registerStandbySource(1_000);
        String before = backup("FULL").get("backupId").asString();

        pgCtl(standbyBase.resolve("data"), "-w", "-t", "60", "promote");
        assertThat(scalar(standbyPort, "postgres", "SELECT pg_is_in_recovery()::text"))
                .isEqualTo("false");
        insertOnStandby("PROMOTED-", 300);
        awaitHistory(2);

        restorePoint("after-failover", 2);
        insertOnStandby("AFTER-POINT-", 200);
        scalar(standbyPort, "postgres", "SELECT pg_switch_wal()::text");

        JsonNode atPoint = restoreAndAwait(previewed("after-failover", 2, before), restored);
        assertThat(atPoint.get("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(atPoint.get("result").get("backupId").asString())
                .as("the backup of the old timeline is the base")
                .isEqualTo(before);
        assertThat(atPoint.get("result").get("timeline").asInt())
                .as("recovery followed timeline 2, then promoted onto the next")
                .isEqualTo(3);
        assertThat(count(atPoint.get("result").get("port").asInt(), database, "invoices"))
                .as("the 1,000 rows of the old timeline and the new one's 300 up to the point")
                .isEqualTo(1_300);

        JsonNode after = backup("INCREMENTAL");
        assertThat(after.get("requestedType").asString()).isEqualTo("INCREMENTAL");
        assertThat(after.get("type").asString()).as(after.toString()).isEqualTo("FULL");
        assertThat(after.get("typeReason").asString()).contains("timeline 2");
        assertThat(after.path("parentBackupId").isNull()
                        || after.path("parentBackupId").isMissingNode())
                .as("no parent across the promotion: " + after)
                .isTrue();

        JsonNode latest = restore(Map.of("latest", true));
        assertThat(latest.get("result").get("backupId").asString())
                .as("the FULL of the new timeline is the base")
                .isEqualTo(after.get("backupId").asString());
        assertThat(count(latest.get("result").get("port").asInt(), database, "invoices"))
                .isEqualTo(1_500);
    }

    /**
     * "Undo to before the mistake", then carry on: a restore to a restore point made before rows were deleted
     * by mistake, and the restored cluster put in the source's place (stopped, started on the source's port, as a
     * container's volume is swapped). The archiver meets a server with the same system identifier on a new
     * timeline (3) and no slot: it makes its slot again and archives the new timeline with its history. A restore
     * to a point made after the swap starts from the backup taken before the mistake, replays timeline 2 up to
     * the undo's point only (the deleted rows and the writes after them, still in the archive, stay undone), then
     * timeline 3.
     */
    @Test
    void aRestoredClusterPutInTheSourcesPlaceIsArchivedOnItsNewTimelineAndRestoresAcrossTheUndo() throws Exception {
        registerStandbySource(1_000);
        pgCtl(standbyBase.resolve("data"), "-w", "-t", "60", "promote");
        awaitHistory(2);
        String full = backup("FULL").get("backupId").asString();
        insertOnStandby("GOOD-", 300);
        restorePoint("before-mistake", 2);
        scalar(
                standbyPort,
                database,
                "WITH gone AS (DELETE FROM invoices WHERE number LIKE 'GOOD-%' RETURNING 1) SELECT count(*) FROM gone");
        insertOnStandby("LOST-", 100);
        scalar(standbyPort, "postgres", "SELECT pg_switch_wal()::text");

        Map<String, Object> undoBody = restoreBody(Map.of("restorePoint", "before-mistake"));
        awaitRestorable(undoBody);
        JsonNode undo = restoreAndAwait(undoBody, restored);
        assertThat(undo.get("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(undo.get("result").get("timeline").asInt()).isEqualTo(3);
        @SuppressWarnings("unchecked")
        Path undone = Path.of(String.valueOf(((Map<String, Object>) undoBody.get("into")).get("dataDirectory")));

        // the swap: the old server stops, the restored one takes its port; it is stopped after the archiver let go
        restored.remove(undone);
        swappedIn = undone; // stopped by the clean-up after the archiver let go, whatever happens below
        pgCtl(standbyBase.resolve("data"), "-m", "fast", "-w", "stop");
        pgCtl(undone, "-m", "fast", "-w", "stop");
        Files.writeString(
                undone.resolve("postgresql.auto.conf"), "port = " + standbyPort + "\n", StandardOpenOption.APPEND);
        pgCtl(undone, "-l", standbyBase.resolve("swapped.log").toString(), "-w", "-t", "60", "start");
        assertThat(count(standbyPort, database, "invoices"))
                .as("the undone state")
                .isEqualTo(1_300);

        insertOnStandby("AFTER-UNDO-", 200);
        awaitHistory(3);
        restorePoint("after-undo", 3);
        scalar(standbyPort, "postgres", "SELECT pg_switch_wal()::text");

        JsonNode again = restoreAndAwait(previewed("after-undo", 3, full), restored);
        assertThat(again.get("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(again.get("result").get("backupId").asString()).isEqualTo(full);
        assertThat(again.get("result").get("timeline").asInt()).isEqualTo(4);
        int port = again.get("result").get("port").asInt();
        assertThat(count(port, database, "invoices"))
                .as("1,000 rows, the 300 the mistake deleted, the 200 written after the undo")
                .isEqualTo(1_500);
        assertThat(count(port, database, "invoices WHERE number LIKE 'LOST-%'"))
                .as("the writes after the mistake stay undone")
                .isZero();

        JsonNode wal = await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> viewer.get("/api/v1/sources/" + source + "/wal"), r -> r.status() == 200)
                .json();
        assertThat(wal.get("healthy").asBoolean()).as(wal.toString()).isTrue();

        JsonNode next = backup("INCREMENTAL");
        assertThat(next.get("type").asString()).as(next.toString()).isEqualTo("FULL");
        assertThat(next.get("typeReason").asString()).contains("timeline 3");
    }

    /** A point-in-time restore of the source to {@code target} into a new cluster; the job once it succeeded. */
    private JsonNode restore(Map<String, Object> target) {
        Map<String, Object> body = restoreBody(target);
        awaitRestorable(body);
        JsonNode job = restoreAndAwait(body, restored);
        assertThat(job.get("status").asString()).isEqualTo("SUCCEEDED");
        return job;
    }

    private Map<String, Object> restoreBody(Map<String, Object> target) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("source", source);
        body.put("target", target);
        Path dir = stack.restoreRoot().resolve("restored-" + unique("promoted"));
        body.put("into", Map.of("dataDirectory", dir.toString(), "port", freePort()));
        return body;
    }

    /**
     * A restore to restore point {@code point}, once the archive holds its WAL, after its preview said it ends on
     * {@code timeline} and starts from backup {@code base}.
     */
    private Map<String, Object> previewed(String point, int timeline, String base) {
        Map<String, Object> body = restoreBody(Map.of("restorePoint", point));
        awaitRestorable(body);
        JsonNode preview = operator.post("/api/v1/restores/preview", body).json();
        assertThat(preview.get("timeline").asInt()).as(preview.toString()).isEqualTo(timeline);
        assertThat(preview.get("backups").get(0).get("backupId").asString()).isEqualTo(base);
        return body;
    }

    /** Asks for a physical backup of {@code type} of the source and returns its view once the job succeeded. */
    private JsonNode backup(String type) {
        Api.Response accepted =
                operator.post("/api/v1/backups", Map.of("source", source, "kind", "PHYSICAL", "type", type));
        assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
        awaitSucceeded(accepted.text("jobId"));
        return viewer.get("/api/v1/backups/" + accepted.text("backupId")).json();
    }

    /** {@code rows} invoices written on the (promoted) standby itself. */
    private void insertOnStandby(String prefix, int rows) throws Exception {
        scalar(
                standbyPort,
                database,
                "WITH written AS (INSERT INTO invoices(number, customer_id, amount, issued_at,"
                        + " status) SELECT '" + prefix + "' || g, 1, 10, now(), 'open' FROM generate_series(1, " + rows
                        + ") g RETURNING 1) SELECT count(*) FROM written");
    }

    /** A database of {@code rows} invoices on the stack's source, a standby of it, registered (archived) as a source. */
    private void registerStandbySource(int rows) throws Exception {
        database = unique("standby_src");
        SampleDatabase.create(sourceCluster, database, rows);
        standbyPort = startStandby();
        source = database.replace('_', '-');
        Api.Response created = admin.post(
                "/api/v1/sources",
                Map.of(
                        "name",
                        source,
                        "host",
                        "127.0.0.1",
                        "port",
                        standbyPort,
                        "database",
                        database,
                        "username",
                        sourceCluster.superuser(),
                        "password",
                        sourceCluster.password(),
                        "walArchiving",
                        true));
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
    }

    @FunctionalInterface
    private interface Step {
        void run() throws Exception;
    }

    private static void quietly(Step step) {
        try {
            step.run();
        } catch (Exception | AssertionError e) {
            System.err.println("StandbySourceIT clean-up: " + e);
        }
    }

    /** A streaming standby of the stack's source cluster, on a free port; returns the port. */
    private int startStandby() throws Exception {
        standbyBase = Files.createTempDirectory("strata-standby-");
        run("chown", "postgres", standbyBase.toString());
        Path passfile = standbyBase.resolve("pgpass");
        Files.writeString(
                passfile,
                "*:*:*:" + sourceCluster.superuser() + ":" + sourceCluster.password() + "\n",
                StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(passfile, PosixFilePermissions.fromString("rw-------"));
        run("chown", "postgres", passfile.toString());
        Path data = standbyBase.resolve("data");
        asPostgres(
                "env",
                "PGPASSFILE=" + passfile,
                BIN.resolve("pg_basebackup").toString(),
                "-h",
                sourceCluster.host(),
                "-p",
                String.valueOf(sourceCluster.port()),
                "-U",
                sourceCluster.superuser(),
                "-D",
                data.toString(),
                "-R",
                "-X",
                "stream",
                "--checkpoint=fast");
        int port = freePort();
        Files.writeString(
                data.resolve("postgresql.auto.conf"),
                "port = " + port + "\nunix_socket_directories = ''\nlisten_addresses = '127.0.0.1'\n",
                StandardOpenOption.APPEND);
        pgCtl(data, "-l", standbyBase.resolve("standby.log").toString(), "-w", "-t", "60", "start");
        assertThat(scalar(port, "postgres", "SELECT pg_is_in_recovery()::text")).isEqualTo("true");
        return port;
    }

    /** {@code pg_ctl -D data args...} as postgres. */
    private static void pgCtl(Path data, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(BIN.resolve("pg_ctl").toString(), "-D", data.toString()));
        command.addAll(List.of(args));
        asPostgres(command.toArray(String[]::new));
    }

    /** Waits until the archive holds the history file of {@code timeline} of the source. */
    private void awaitHistory(int timeline) {
        ObjectStore store = objectStore();
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> store.stat(StorageLayout.walHistoryKey(source, timeline))
                        .isPresent());
    }

    /** Makes restore point {@code name} on the source and checks it records {@code timeline}. */
    private void restorePoint(String name, int timeline) {
        Api.Response point = operator.post("/api/v1/sources/" + source + "/restore-points", Map.of("name", name));
        assertThat(point.status()).as(point.toString()).isEqualTo(201);
        assertThat(point.json().get("timeline").asInt())
                .as("the timeline the point's WAL is on")
                .isEqualTo(timeline);
    }

    private static void asPostgres(String... command) throws IOException, InterruptedException {
        List<String> all = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
        all.addAll(List.of(command));
        run(all.toArray(String[]::new));
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as(String.join(" ", command) + ": " + out).isZero();
    }
}

package io.strata.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Issue #9, backup chains on the real stack: a FULL physical backup, then a DIFFERENTIAL and two
 * INCREMENTALs, each after changes of a different shape (contiguous and scattered updates, a new table, a
 * dropped one, a truncated one, a VACUUM FULL that gives a table a new file, a new database). Each backup of
 * the chain is restored into a new cluster, which pg_verifybackup proves byte for byte against PostgreSQL's
 * own manifest of that backup, and whose rows equal the source's at that backup's end.
 */
class BackupChainsIT extends StackTestSupport {
    private final List<Path> restored = new ArrayList<>();

    @AfterEach
    void stopRestoredClusters() {
        restored.forEach(stack::stopRestoredCluster);
    }

    @Test
    void eachBackupOfAFullDifferentialIncrementalChainRestoresExactly() throws Exception {
        String database = unique("chain");
        String source = registerArchivedSource(database, 3_000);
        SampleDatabase.execute(
                sourceCluster, database, "CREATE TABLE doomed AS SELECT g AS id FROM generate_series(1, 5000) g");
        SampleDatabase.execute(
                sourceCluster,
                database,
                "CREATE TABLE shrinking AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 20000) g");
        SampleDatabase.execute(
                sourceCluster, database, "CREATE TABLE emptied AS SELECT g AS id FROM generate_series(1, 8000) g");

        JsonNode full = backup(source, "FULL");
        assertThat(full.get("type").asString()).isEqualTo("FULL");
        Map<String, String> atFull = fingerprint(sourceCluster.port(), database);

        // contiguous and scattered page changes, a new table, a dropped one
        SampleDatabase.execute(sourceCluster, database, "UPDATE invoices SET amount = amount + 1 WHERE id <= 300");
        SampleDatabase.execute(sourceCluster, database, "UPDATE invoices SET status = 'void' WHERE id % 97 = 0");
        SampleDatabase.execute(
                sourceCluster, database, "CREATE TABLE fresh AS SELECT g AS id FROM generate_series(1, 1000) g");
        SampleDatabase.execute(sourceCluster, database, "DROP TABLE doomed");
        JsonNode differential = backup(source, "DIFFERENTIAL");
        Map<String, String> atDifferential = fingerprint(sourceCluster.port(), database);
        assertChild(differential, "DIFFERENTIAL", full, List.of(id(full), id(differential)));

        // a truncated table (a new empty file), a shrunk one, a VACUUM FULL (a new file for the same table)
        SampleDatabase.execute(sourceCluster, database, "TRUNCATE emptied");
        SampleDatabase.execute(sourceCluster, database, "DELETE FROM shrinking WHERE id > 100");
        SampleDatabase.execute(sourceCluster, database, "VACUUM shrinking");
        SampleDatabase.execute(sourceCluster, database, "VACUUM FULL customers");
        JsonNode incremental = backup(source, "INCREMENTAL");
        Map<String, String> atIncremental = fingerprint(sourceCluster.port(), database);
        assertChild(incremental, "INCREMENTAL", differential, List.of(id(full), id(differential), id(incremental)));

        // a new database, more rows
        String other = unique("chain_new");
        SampleDatabase.execute(sourceCluster, "postgres", "CREATE DATABASE " + other);
        SampleDatabase.execute(sourceCluster, other, "CREATE TABLE t AS SELECT g AS id FROM generate_series(1, 100) g");
        SampleDatabase.execute(
                sourceCluster, database, "INSERT INTO fresh SELECT g FROM generate_series(1001, 1500) g");
        JsonNode second = backup(source, "INCREMENTAL");
        Map<String, String> atSecond = fingerprint(sourceCluster.port(), database);
        assertChild(
                second, "INCREMENTAL", incremental, List.of(id(full), id(differential), id(incremental), id(second)));
        long changed = second.get("changedBytes").asLong();
        assertThat(changed)
                .as("an increment stores what changed, not the cluster")
                .isPositive()
                .isLessThan(second.get("readBytes").asLong() / 4);

        assertThat(fingerprint(restore(source, id(differential)), database)).isEqualTo(atDifferential);
        assertThat(fingerprint(restore(source, id(incremental)), database)).isEqualTo(atIncremental);
        int port = restore(source, id(second));
        assertThat(fingerprint(port, database)).isEqualTo(atSecond);
        assertThat(fingerprint(port, other))
                .containsEntry("t", fingerprint(sourceCluster.port(), other).get("t"));
        assertThat(atFull).isNotEqualTo(atSecond);
        SampleDatabase.execute(sourceCluster, "postgres", "DROP DATABASE " + other);
    }

    /**
     * A table past 1 GiB is stored by PostgreSQL as segment files ({@code <relfilenode>}, {@code .1}): an
     * INCREMENTAL after rows changed in both segments and the table grew restores byte-exact (pg_verifybackup)
     * with the same rows, and stores far less than the table.
     */
    @Test
    void aTablePastOneGigabyteRestoresExactlyFromAnIncremental() throws Exception {
        String database = unique("chainbig");
        String source = registerArchivedSource(database, 10);
        try {
            restoresTheGigabyteTableFromAnIncremental(database, source);
        } finally {
            // every later physical backup in the suite copies the whole source cluster: not this gigabyte
            SampleDatabase.execute(sourceCluster, database, "DROP TABLE IF EXISTS big");
        }
    }

    private void restoresTheGigabyteTableFromAnIncremental(String database, String source) throws Exception {
        // ~2.6 KB rows stored uncompressed: 3 per 8 KiB page, 400k rows = 133k pages, past the 131072 of a segment
        SampleDatabase.execute(sourceCluster, database, """
                CREATE TABLE big (id int PRIMARY KEY, pad text);
                ALTER TABLE big ALTER COLUMN pad SET STORAGE PLAIN;
                INSERT INTO big SELECT g, repeat(chr(65 + g % 26), 2600) FROM generate_series(1, 400000) g""");
        SampleDatabase.execute(sourceCluster, database, "VACUUM (FREEZE) big");
        // the freeze sets every page's hint bits now: the first read after a bulk load would otherwise rewrite
        // every page, and the INCREMENTAL would rightly store the whole table
        assertThat(count(
                        sourceCluster.port(),
                        database,
                        "pg_class WHERE relname = 'big'" + " AND pg_relation_size(oid) > 1024 * 1024 * 1024"))
                .as("the table spans two segment files")
                .isEqualTo(1);
        JsonNode full = backup(source, "FULL");
        SampleDatabase.execute(sourceCluster, database, """
                UPDATE big SET pad = repeat('z', 2600) WHERE id IN (7, 200000, 399990);
                INSERT INTO big SELECT g, repeat('n', 2600) FROM generate_series(400001, 400100) g""");
        String fingerprint = "count(*)::text || ':' || sum(hashtext(pad)::bigint + id)::text";
        String expected = scalar(sourceCluster.port(), database, "SELECT " + fingerprint + " FROM big");
        JsonNode incremental = backup(source, "INCREMENTAL");
        assertThat(incremental.get("parentBackupId").asString()).isEqualTo(id(full));
        assertThat(incremental.get("changedBytes").asLong())
                .as("a few pages in each segment and the new ones, not the gigabyte")
                .isLessThan(16L * 1024 * 1024);

        int port = restore(source, id(incremental));
        assertThat(scalar(port, database, "SELECT " + fingerprint + " FROM big"))
                .isEqualTo(expected);
    }

    /**
     * A point-in-time restore to a moment between two INCREMENTAL backups starts from the older one (so it
     * replays only the WAL after it): the preview lists its chain, FULL first, and the rows prove the target.
     */
    @Test
    void aPointInTimeRestoreBetweenTwoIncrementalsStartsFromTheOlderOne() throws Exception {
        String database = unique("chainpitr");
        String source = registerArchivedSource(database, 500);
        JsonNode full = backup(source, "FULL");
        SampleDatabase.execute(sourceCluster, database, "UPDATE invoices SET amount = amount + 1 WHERE id % 10 = 0");
        JsonNode incremental = backup(source, "INCREMENTAL");
        SampleDatabase.execute(sourceCluster, database, """
                INSERT INTO invoices(number, customer_id, amount, issued_at, status)
                SELECT 'BETWEEN-' || g, 1, 10, now(), 'open' FROM generate_series(1, 7) g""");
        Thread.sleep(1_200);
        java.time.Instant target = java.time.Instant.now().truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        Thread.sleep(1_500);
        SampleDatabase.execute(sourceCluster, database, """
                INSERT INTO invoices(number, customer_id, amount, issued_at, status)
                SELECT 'AFTER-' || g, 1, 10, now(), 'open' FROM generate_series(1, 5) g""");
        JsonNode later = backup(source, "INCREMENTAL");
        assertThat(later.get("parentBackupId").asString()).isEqualTo(id(incremental));
        SampleDatabase.execute(sourceCluster, database, "SELECT pg_switch_wal()");

        Map<String, Object> body = new LinkedHashMap<>();
        body.put("source", source);
        body.put("target", Map.of("time", target.toString()));
        Path dir = stack.restoreRoot().resolve("restored-" + unique("chainpitr"));
        body.put("into", Map.of("dataDirectory", dir.toString(), "port", freePort()));
        JsonNode preview = org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(60))
                .pollInterval(java.time.Duration.ofMillis(500))
                .until(() -> operator.post("/api/v1/restores/preview", body), r -> r.status() == 200)
                .json();
        List<String> chain = new ArrayList<>();
        preview.get("backups")
                .forEach(b -> chain.add(
                        b.get("backupId").asString() + ":" + b.get("type").asString()));
        assertThat(chain).containsExactly(id(full) + ":FULL", id(incremental) + ":INCREMENTAL");

        JsonNode job = restoreAndAwait(body, restored);
        assertThat(job.get("result").get("backupId").asString()).isEqualTo(id(incremental));
        int port = job.get("result").get("port").asInt();
        assertThat(count(port, database, "invoices WHERE number LIKE 'BETWEEN-%'"))
                .isEqualTo(7);
        assertThat(count(port, database, "invoices WHERE number LIKE 'AFTER-%'"))
                .isZero();
    }

    /**
     * VERIFY re-hashes a backup's whole chain. A flipped byte in the pack of a middle backup: a restore
     * through the chain fails before a cluster is started; verify names the object; from then on the middle
     * backup and every later one are shown not usable, with the reason, and the planner passes over them
     * (saying so) while the FULL backup still restores.
     */
    @Test
    void aCorruptPackFailsRestoresThroughItAndVerifyMarksItsChainsNotUsable() throws Exception {
        String database = unique("chaincorrupt");
        String source = registerArchivedSource(database, 300);
        JsonNode full = backup(source, "FULL");
        SampleDatabase.execute(sourceCluster, database, "UPDATE invoices SET amount = amount + 1");
        JsonNode middle = backup(source, "INCREMENTAL");
        SampleDatabase.execute(sourceCluster, database, "UPDATE customers SET name = name || '.'");
        JsonNode last = backup(source, "INCREMENTAL");

        JsonNode verified = verify(id(last));
        assertThat(verified.get("status").asString()).as(verified.toString()).isEqualTo("SUCCEEDED");
        assertThat(verified.get("result").get("objects").asInt()).isGreaterThanOrEqualTo(9); // 3 backups x 3 objects
        assertThat(viewer.get("/api/v1/backups/" + id(last)).json().has("verifiedAt"))
                .isTrue();

        String pack = source + "/backups/" + id(middle) + "/blocks.pack.zst";
        byte[] stored = objectStore().readAll(pack);
        stored[stored.length / 2] ^= 0x20;
        objectStore().put(pack, stored);

        Path dir = stack.restoreRoot().resolve("restored-" + unique("chaincorrupt"));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("source", source);
        body.put("backupId", id(last));
        body.put("into", Map.of("dataDirectory", dir.toString(), "port", freePort()));
        Api.Response accepted = admin.post("/api/v1/restores", body);
        assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
        JsonNode broken = awaitJob(accepted.text("jobId"));
        assertThat(broken.get("status").asString()).as(broken.toString()).isEqualTo("FAILED");
        assertThat(broken.get("error").get("code").asString()).isEqualTo("CHECKSUM_MISMATCH");
        assertThat(dir).doesNotExist();

        JsonNode failed = verify(id(last));
        assertThat(failed.get("status").asString()).as(failed.toString()).isEqualTo("FAILED");
        assertThat(failed.get("error").get("code").asString()).isEqualTo("CHECKSUM_MISMATCH");
        assertThat(failed.get("error").get("message").asString()).contains(pack).contains("corrupt");

        JsonNode middleNow = viewer.get("/api/v1/backups/" + id(middle)).json();
        assertThat(middleNow.get("usable").asBoolean()).as(middleNow.toString()).isFalse();
        assertThat(middleNow.get("corruption").asString()).contains(pack);
        JsonNode lastNow = viewer.get("/api/v1/backups/" + id(last)).json();
        assertThat(lastNow.get("usable").asBoolean()).isFalse();
        assertThat(lastNow.get("unusableReason").asString())
                .contains(id(middle))
                .contains("damaged");
        assertThat(viewer.get("/api/v1/backups/" + id(full))
                        .json()
                        .get("usable")
                        .asBoolean())
                .isTrue();

        // the planner passes over both, saying why, and starts from the FULL backup
        Map<String, Object> latest = new LinkedHashMap<>();
        latest.put("source", source);
        latest.put("target", Map.of("latest", true));
        latest.put("into", Map.of("dataDirectory", "preview-only", "port", freePort()));
        JsonNode preview = operator.post("/api/v1/restores/preview", latest).json();
        assertThat(preview.get("backups").get(0).get("backupId").asString())
                .as(preview.toString())
                .isEqualTo(id(full));
        List<String> skipped = new ArrayList<>();
        preview.get("skippedBackups").forEach(b -> skipped.add(b.get("backupId").asString()));
        assertThat(skipped).containsExactlyInAnyOrder(id(middle), id(last));
        Api.Response refused = admin.post("/api/v1/restores", body);
        assertProblem(refused, 422);
        assertThat(refused.body()).contains(id(middle));

        assertThat(count(restore(source, id(full)), database, "invoices")).isEqualTo(300);
    }

    /**
     * DELETE of a FULL backup that a DIFFERENTIAL and an INCREMENTAL are built on is a 409 listing them; with
     * cascade all three go, from the catalog and from storage. The WAL a restore point needs from an older
     * FULL backup is kept by WAL cleanup afterwards, and the point still verifies.
     */
    @Test
    void deletingAFullBackupNeedsCascadeForItsDependentsAndKeepsTheWalARestorePointNeeds() throws Exception {
        String database = unique("chaindelete");
        String source = registerArchivedSource(database, 200);
        JsonNode older = backup(source, "FULL");
        SampleDatabase.execute(sourceCluster, database, "UPDATE invoices SET amount = amount + 1 WHERE id <= 50");
        Api.Response point =
                operator.post("/api/v1/sources/" + source + "/restore-points", Map.of("name", "before-purge"));
        assertThat(point.status()).as(point.toString()).isEqualTo(201);
        SampleDatabase.execute(sourceCluster, database, "UPDATE invoices SET amount = amount + 1 WHERE id > 150");
        // the chain to delete: a FULL (forced: INCREMENTAL would build on the older FULL) and two on top
        JsonNode full = backup(source, "FULL");
        SampleDatabase.execute(sourceCluster, database, "UPDATE customers SET name = name || '!'");
        JsonNode differential = backup(source, "DIFFERENTIAL");
        SampleDatabase.execute(sourceCluster, database, "UPDATE invoices SET status = 'paid' WHERE id % 3 = 0");
        JsonNode incremental = backup(source, "INCREMENTAL");
        assertThat(differential.get("parentBackupId").asString()).isEqualTo(id(full));
        assertThat(incremental.get("parentBackupId").asString()).isEqualTo(id(differential));

        assertProblem(operator.delete("/api/v1/backups/" + id(full)), 403);
        Api.Response refused = admin.delete("/api/v1/backups/" + id(full));
        assertProblem(refused, 409);
        List<String> dependents = new ArrayList<>();
        refused.json().get("dependents").forEach(d -> dependents.add(d.asString()));
        assertThat(dependents).containsExactly(id(incremental), id(differential));
        assertThat(viewer.get("/api/v1/backups/" + id(full))
                        .json()
                        .get("status")
                        .asString())
                .isEqualTo("SUCCEEDED");

        Api.Response accepted = admin.delete("/api/v1/backups/" + id(full) + "?cascade=true");
        assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
        JsonNode job = awaitSucceeded(accepted.text("jobId"));
        assertThat(job.get("kind").asString()).isEqualTo("DELETE");
        List<String> deleted = new ArrayList<>();
        job.get("result").get("deletedBackupIds").forEach(d -> deleted.add(d.asString()));
        assertThat(deleted).containsExactly(id(incremental), id(differential), id(full));
        assertThat(job.get("result").get("objects").asInt()).isGreaterThanOrEqualTo(3 * 4); // 3 objects + manifest
        for (String gone : deleted) {
            assertThat(viewer.get("/api/v1/backups/" + gone)
                            .json()
                            .get("status")
                            .asString())
                    .isEqualTo("DELETED");
            assertThat(objectStore().list(source + "/backups/" + gone + "/")).isEmpty();
        }
        List<String> listed = new ArrayList<>();
        viewer.get("/api/v1/backups?source=" + source)
                .json()
                .forEach(b -> listed.add(b.get("backupId").asString()));
        assertThat(listed).containsExactly(id(older));

        // WAL cleanup of everything it may delete: the older FULL and the restore point keep theirs
        SampleDatabase.execute(sourceCluster, database, "SELECT pg_switch_wal()");
        Api.Response cleanup = admin.post("/api/v1/sources/" + source + "/wal/cleanup", Map.of("keepDays", 0));
        assertThat(cleanup.status()).as(cleanup.toString()).isEqualTo(202);
        awaitSucceeded(cleanup.text("jobId"));
        JsonNode verified = operator.post("/api/v1/sources/" + source + "/restore-points/before-purge/verify", Map.of())
                .json();
        assertThat(verified.get("restorable").asBoolean())
                .as(verified.toString())
                .isTrue();
        assertThat(verified.get("baseBackupId").asString()).isEqualTo(id(older));
    }

    private JsonNode verify(String backupId) {
        Api.Response accepted = operator.post("/api/v1/backups/" + backupId + "/verify", Map.of());
        assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
        return awaitJob(accepted.text("jobId"));
    }

    /** A differential or incremental backup with nothing to build on is taken as FULL and says why. */
    @Test
    void theFirstIncrementalOfASourceIsTakenAsFullAndSaysSo() throws Exception {
        String source = registerArchivedSource(unique("chainfirst"), 50);
        JsonNode first = backup(source, "INCREMENTAL");
        assertThat(first.get("type").asString()).isEqualTo("FULL");
        assertThat(first.get("requestedType").asString()).isEqualTo("INCREMENTAL");
        assertThat(first.get("typeReason").asString()).contains("no usable physical backup");
        assertThat(first.has("parentBackupId")).isFalse();

        Api.Response logical =
                operator.post("/api/v1/backups", Map.of("source", source, "kind", "LOGICAL", "type", "INCREMENTAL"));
        assertProblem(logical, 422);
        assertThat(logical.body()).contains("PHYSICAL");
    }

    private void assertChild(JsonNode child, String type, JsonNode parent, List<String> chain) {
        assertThat(child.get("type").asString()).as(child.toString()).isEqualTo(type);
        assertThat(child.get("parentBackupId").asString()).isEqualTo(id(parent));
        List<String> ids = new ArrayList<>();
        child.get("chain").forEach(n -> ids.add(n.asString()));
        assertThat(ids).isEqualTo(chain);
        assertThat(child.get("changedBytes").asLong())
                .isPositive()
                .isLessThan(child.get("readBytes").asLong());
        List<String> objects = new ArrayList<>();
        child.get("objects").forEach(o -> objects.add(o.get("key").asString()));
        assertThat(objects).anyMatch(k -> k.endsWith("/blocks.pack.zst"));
        assertThat(objects).noneMatch(k -> k.endsWith("/base.tar.zst"));
        String prefix = child.get("source").asString() + "/backups/" + id(child) + "/";
        try {
            assertThat(objectStore().stat(prefix + "blockmap.zst")).isPresent();
            assertThat(objectStore().stat(prefix + "base.tar.zst")).isEmpty();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static String id(JsonNode backup) {
        return backup.get("backupId").asString();
    }

    /** Takes a physical backup of {@code type} and returns the catalog's view of it. */
    private JsonNode backup(String source, String type) {
        Api.Response accepted =
                operator.post("/api/v1/backups", Map.of("source", source, "kind", "PHYSICAL", "type", type));
        assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
        JsonNode job = awaitSucceeded(accepted.text("jobId"));
        return viewer.get("/api/v1/backups/" + job.get("backupId").asString()).json();
    }

    /** Restores {@code backupId} into a new cluster (consistent at the backup's end); returns its port. */
    private int restore(String source, String backupId) {
        Path dir = stack.restoreRoot().resolve("restored-" + unique("chain"));
        int port = freePort();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("source", source);
        body.put("backupId", backupId);
        body.put("into", Map.of("dataDirectory", dir.toString(), "port", port));
        awaitRestorable(body); // a gigabyte of WAL after a big load
        JsonNode job = restoreAndAwait(body, restored);
        return job.get("result").get("port").asInt();
    }

    /** table -> "rows:md5 of all rows", for every base table of the public schema. */
    private Map<String, String> fingerprint(int port, String database) throws SQLException {
        Map<String, String> result = new TreeMap<>();
        try (Connection c = DriverManager.getConnection(
                "jdbc:postgresql://127.0.0.1:" + port + "/" + database,
                sourceCluster.superuser(),
                sourceCluster.password())) {
            List<String> tables = new ArrayList<>();
            try (Statement s = c.createStatement();
                    ResultSet r = s.executeQuery("SELECT table_name FROM information_schema.tables"
                            + " WHERE table_schema = 'public' AND table_type = 'BASE TABLE'")) {
                while (r.next()) {
                    tables.add(r.getString(1));
                }
            }
            for (String table : tables) {
                try (Statement s = c.createStatement();
                        ResultSet r = s.executeQuery("SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY"
                                + " t::text), '')) FROM " + table + " t")) {
                    r.next();
                    result.put(table, r.getLong(1) + ":" + r.getString(2));
                }
            }
        }
        return result;
    }
}

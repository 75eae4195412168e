package io.strata.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.strata.common.crypto.Keyring;
import io.strata.devstack.PgCluster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/**
 * Restoring an archive someone uploads ({@code POST /api/v1/uploads}, job kind UPLOAD_RESTORE): a pg_dump of a
 * database on another server is restored into a new database, or over the source's after a safety backup; an
 * archive whose SQL would run a program on the server when restored runs nothing; what is not a pg_dump archive
 * is refused before anything is stored. Nothing is left behind either way: no stored upload, no role.
 */
class UploadRestoreIT extends StackTestSupport {
    private static final String OCTETS = "application/octet-stream";

    @TempDir
    Path dir;

    /** Databases a test made besides its sources' (those go when the class ends). */
    private final List<String> made = new ArrayList<>();

    /** The confined roles on the source server before the test. */
    private Set<String> rolesBefore;

    @BeforeEach
    void noteRoles() throws Exception {
        rolesBefore = uploadRoles(false);
    }

    @AfterEach
    void dropWhatWasMade() throws Exception {
        for (String database : made) {
            SampleDatabase.execute(sourceCluster, "postgres", "DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
        }
        for (String role : uploadRoles(false)) { // a test's leftover would fail the next ones too
            if (!rolesBefore.contains(role)) {
                SampleDatabase.execute(sourceCluster, "postgres", "DROP ROLE IF EXISTS " + role);
            }
        }
    }

    @Test
    void anUploadedArchiveIsRestoredIntoANewDatabase() throws Exception {
        String database = unique("shop");
        String source = registerSampleSource(database, 800);
        Map<String, String> original = SampleDatabase.fingerprint(sourceCluster, database);
        byte[] dump = pgDump(database, "-Fc");
        String sha256 = sha256(dump);
        String target = made(unique("shop_uploaded"));

        Api.Response accepted = admin.postBytes(
                "/api/v1/uploads?source=" + source + "&database=" + target + "&filename=shop-20260201.dump&sha256="
                        + sha256,
                dump,
                OCTETS);

        assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
        JsonNode upload = accepted.json().get("upload");
        assertThat(upload.get("sha256").asString()).isEqualTo(sha256);
        assertThat(upload.get("sizeBytes").asLong()).isEqualTo(dump.length);
        assertThat(upload.get("format").asString()).isEqualTo("custom");
        JsonNode job = awaitSucceeded(accepted.text("jobId"));
        assertThat(job.get("kind").asString()).isEqualTo("UPLOAD_RESTORE");
        // the gateway stored it under its upload key, which the restore-worker holds; no key that reads backups
        Keyring gatewayKeys = Keyring.fromFile(stack.encryptionKeysFile("api-gateway"));
        assertThat(gatewayKeys.activeKey()).isPresent();
        assertThat(Keyring.fromFile(stack.encryptionKeysFile("restore-worker")).keyIds())
                .containsAll(gatewayKeys.keyIds());
        assertThat(gatewayKeys.keyIds())
                .doesNotContainAnyElementsOf(storageKeys().keyIds());
        JsonNode result = job.get("result");
        assertThat(result.get("database").asString()).isEqualTo(target);
        assertThat(result.get("filename").asString()).isEqualTo("shop-20260201.dump");
        assertThat(result.get("sha256").asString()).isEqualTo(sha256);
        assertThat(result.get("entries").asInt()).isGreaterThan(5);
        assertThat(result.get("securityDefinerFunctions")).isEmpty();

        assertThat(SampleDatabase.fingerprint(sourceCluster, target)).isEqualTo(original);
        String owner = result.get("owner").asString();
        assertThat(owner).startsWith("strata_upload_");
        assertThat(SampleDatabase.queryOne(
                        sourceCluster,
                        target,
                        "SELECT pg_get_userbyid(d.datdba) || ',' || pg_get_userbyid(c.relowner) FROM pg_database d,"
                                + " pg_class c WHERE d.datname = current_database() AND c.relname = 'invoices'"))
                .as("the database and its tables stay with the unprivileged role they were restored as")
                .isEqualTo(owner + "," + owner);
        assertThat(SampleDatabase.queryOne(
                        sourceCluster,
                        "postgres",
                        "SELECT rolcanlogin::text || ',' || (rolpassword IS NULL)::text || ',' || rolsuper::text"
                                + " FROM pg_authid WHERE rolname = '" + owner + "'"))
                .as("which can no longer log in, has no password and is no superuser")
                .isEqualTo("false,true,false");
        assertNothingLeft(source, Set.of(owner));
    }

    @Test
    void anArchiveThatWouldRunAProgramWhenRestoredRunsNothing() throws Exception {
        String database = unique("hostile");
        String source = registerEmptySource(database);
        Path marker = Path.of("/tmp", unique("strata-upload-ran") + ".txt");
        Files.deleteIfExists(marker);
        // restoring the materialized view's data runs its query, which runs a program on the server: only
        // where the database has another name than here, so making it runs nothing
        SampleDatabase.execute(sourceCluster, database, """
                CREATE FUNCTION public.touch() RETURNS int LANGUAGE plpgsql AS $f$
                BEGIN
                    IF current_database() <> '%s' THEN
                        EXECUTE format('COPY (SELECT 1) TO PROGRAM %%L', 'touch %s');
                    END IF;
                    RETURN 1;
                END $f$;
                CREATE MATERIALIZED VIEW public.innocent AS SELECT public.touch() AS one;
                CREATE TABLE public.notes AS SELECT g AS id FROM generate_series(1, 10) g;
                """.formatted(database, marker));
        byte[] dump = pgDump(database, "-Fc");
        assertThat(marker).as("dumping it ran nothing").doesNotExist();
        // the archive does what it should when a superuser restores it, so the check below can fail
        String control = unique("hostile_control");
        SampleDatabase.execute(sourceCluster, "postgres", "CREATE DATABASE " + control);
        try {
            pgRestoreAsSuperuser(control, dump);
            assertThat(marker)
                    .as("pg_restore as a superuser ran the archive's program")
                    .exists();
        } finally {
            Files.deleteIfExists(marker);
            SampleDatabase.execute(sourceCluster, "postgres", "DROP DATABASE " + control + " WITH (FORCE)");
        }

        String target = made(unique("hostile_uploaded"));
        String jobId = accept("source=" + source + "&database=" + target, dump);
        JsonNode job = awaitJob(jobId);

        assertThat(job.get("status").asString()).as(job.toString()).isEqualTo("FAILED");
        assertThat(job.get("error").get("code").asString()).isEqualTo("PG_RESTORE_FAILED");
        assertThat(job.get("error").get("message").asString()).contains("external program");
        assertThat(marker).as("the program did not run").doesNotExist();
        assertThat(SampleDatabase.exists(sourceCluster, target)).isFalse();
        assertNothingLeft(source, Set.of());
    }

    /**
     * The archive's owner role sets its database's search path to a schema of its own, holding a function named
     * like the catalog's pg_terminate_backend that runs a program: a superuser session in that database using the
     * database's settings would run it in place of the catalog's. Strata's own work in the restored database as
     * the source's user (handing it over, listing its functions) resets those settings and resolves names in
     * pg_catalog alone, so the trap, which the test shows is live, never fires.
     */
    @Test
    void settingsAndLookalikeFunctionsAnArchiveLeavesDoNotCatchTheSourcesUser() throws Exception {
        String database = unique("trap");
        String source = registerEmptySource(database);
        Path marker = Path.of("/tmp", unique("strata-upload-trap") + ".txt");
        Files.deleteIfExists(marker);
        SampleDatabase.execute(sourceCluster, database, """
                CREATE SCHEMA trap;
                CREATE FUNCTION trap.pg_terminate_backend(integer) RETURNS boolean LANGUAGE plpgsql AS $f$
                BEGIN
                    EXECUTE format('COPY (SELECT 1) TO PROGRAM %%L', 'touch %s');
                    RETURN true;
                END $f$;
                CREATE FUNCTION public.arm() RETURNS int LANGUAGE plpgsql AS $f$
                BEGIN
                    IF current_database() <> '%s' THEN
                        EXECUTE format('ALTER DATABASE %%I SET search_path = trap, pg_catalog', current_database());
                    END IF;
                    RETURN 1;
                END $f$;
                CREATE MATERIALIZED VIEW public.armed AS SELECT public.arm() AS one;
                """.formatted(marker, database));
        byte[] dump = pgDump(database, "-Fc");

        String target = made(unique("trap_uploaded"));
        String jobId = accept("source=" + source + "&database=" + target, dump);
        JsonNode result = awaitSucceeded(jobId).get("result");

        assertThat(marker).as("the look-alike did not run during the hand-over").doesNotExist();
        assertThat(SampleDatabase.queryOne(
                        sourceCluster,
                        "postgres",
                        "SELECT count(*) FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase"
                                + " WHERE d.datname = '" + target + "'"))
                .as("the settings the archive gave its database are gone")
                .isEqualTo("0");
        assertNothingLeft(source, Set.of(result.get("owner").asString()));
        // the trap itself was restored and is live: a superuser session with that search path runs it
        SampleDatabase.execute(
                sourceCluster,
                target,
                "SET search_path = trap, pg_catalog; SELECT pg_terminate_backend(0); RESET search_path");
        assertThat(marker)
                .as("the look-alike runs the program when called as the catalog's")
                .exists();
        Files.deleteIfExists(marker);
    }

    @Test
    void anUploadReplacesTheSourceDatabaseAfterASafetyBackup() throws Exception {
        String other = made(unique("gcp_copy"));
        SampleDatabase.create(sourceCluster, other, 300);
        Map<String, String> uploaded = SampleDatabase.fingerprint(sourceCluster, other);
        byte[] dump = pgDump(other, "-Ft");
        String database = unique("tickets");
        String source = registerSampleSource(database, 1_000);
        Map<String, String> before = SampleDatabase.fingerprint(sourceCluster, database);
        String app = unique("tickets_app");
        SampleDatabase.execute(sourceCluster, "postgres", "CREATE ROLE " + app + " NOLOGIN");

        Api.Response unconfirmed = admin.postBytes("/api/v1/uploads?source=" + source + "&replace=true", dump, OCTETS);
        assertProblem(unconfirmed, 400);
        assertThat(unconfirmed.json().get("detail").asString()).contains("confirm=true");

        Api.Response accepted = admin.postBytes(
                "/api/v1/uploads?source=" + source + "&replace=true&confirm=true&filename=tickets.tar&owner=" + app,
                dump,
                OCTETS);
        assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
        assertThat(accepted.json().get("upload").get("format").asString()).isEqualTo("tar");
        JsonNode result = awaitSucceeded(accepted.text("jobId")).get("result");

        assertThat(result.get("replaced").asBoolean()).isTrue();
        assertThat(result.get("owner").asString()).isEqualTo(app);
        assertThat(SampleDatabase.fingerprint(sourceCluster, database)).isEqualTo(uploaded);
        assertThat(SampleDatabase.queryOne(
                        sourceCluster,
                        database,
                        "SELECT pg_get_userbyid(d.datdba) || ',' || pg_get_userbyid(c.relowner) FROM pg_database d,"
                                + " pg_class c WHERE d.datname = current_database() AND c.relname = 'invoices'"))
                .as("the application's role owns the database and its tables")
                .isEqualTo(app + "," + app);
        assertThat(SampleDatabase.queryOne(
                        sourceCluster, "postgres", "SELECT count(*) FROM pg_database WHERE datname LIKE '%_retired_%'"))
                .as("the replaced database was dropped")
                .isEqualTo("0");
        String safety = result.get("safetyBackupId").asString();
        String check = made(unique("before_upload"));
        Api.Response restoreSafety = admin.post(
                "/api/v1/restores", Map.of("source", source, "backupId", safety, "into", Map.of("database", check)));
        awaitSucceeded(restoreSafety.text("jobId"));
        assertThat(SampleDatabase.fingerprint(sourceCluster, check))
                .as("the safety backup holds the database as it was before the upload replaced it")
                .isEqualTo(before);
        assertNothingLeft(source, Set.of());
    }

    /** Cancelled while pg_restore runs (the archive's view takes a minute to refresh): nothing is left. */
    @Test
    void anUploadRestoreCancelledWhileRestoringLeavesNothingBehind() throws Exception {
        String database = unique("slow");
        String source = registerEmptySource(database);
        SampleDatabase.execute(sourceCluster, database, """
                CREATE FUNCTION public.slow() RETURNS int LANGUAGE plpgsql AS $f$
                BEGIN
                    IF current_database() <> '%s' THEN
                        PERFORM pg_sleep(60);
                    END IF;
                    RETURN 1;
                END $f$;
                CREATE TABLE public.rows AS SELECT g AS id FROM generate_series(1, 1000) g;
                CREATE MATERIALIZED VIEW public.slow_view AS SELECT public.slow() AS one;
                """.formatted(database));
        byte[] dump = pgDump(database, "-Fc");
        String target = made(unique("slow_uploaded"));

        String jobId = accept("source=" + source + "&database=" + target, dump);
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(
                        () -> viewer.get("/api/v1/jobs/" + jobId)
                                .json()
                                .path("currentStep")
                                .asString(),
                        "restoring"::equals);
        await().atMost(Duration.ofSeconds(30)).until(() -> SampleDatabase.exists(sourceCluster, target));
        Api.Response cancel = operator.post("/api/v1/jobs/" + jobId + "/cancel", Map.of());
        assertThat(cancel.status()).as(cancel.toString()).isEqualTo(202);

        JsonNode job = awaitJob(jobId);
        assertThat(job.get("status").asString()).as(job.toString()).isEqualTo("CANCELLED");
        await().atMost(Duration.ofSeconds(15)).until(() -> !SampleDatabase.exists(sourceCluster, target));
        // within the dev stack's orphan-sweep grace (20 s after the job ended): the job's own cleanup, not the sweep's
        await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertNothingLeft(source, Set.of()));
    }

    @Test
    void whatCannotBeRestoredSafelyIsRefusedBeforeAnythingIsStored() throws Exception {
        String database = unique("refusals");
        String source = registerSampleSource(database, 50);
        byte[] custom = pgDump(database, "-Fc");
        String target = made(unique("never"));
        String query = "source=" + source + "&database=" + target;
        String path = "/api/v1/uploads?" + query;
        int uploadJobs = uploadJobCount(source);

        Api.Response script = admin.postBytes(path, pgDump(database, "-Fp"), OCTETS);
        assertProblem(script, 422);
        assertThat(script.json().get("detail").asString())
                .contains("plain SQL script")
                .contains("psql");

        Api.Response gzip = admin.postBytes(path, gzip(custom), OCTETS);
        assertProblem(gzip, 422);
        assertThat(gzip.json().get("detail").asString()).contains("gzip");

        Api.Response empty = admin.postBytes(path, new byte[0], OCTETS);
        assertProblem(empty, 422);

        Api.Response wrongHash = admin.postBytes(path + "&sha256=" + "ab".repeat(32), custom, OCTETS);
        assertProblem(wrongHash, 422);
        assertThat(wrongHash.json().get("detail").asString()).contains(sha256(custom));

        assertProblem(operator.postBytes(path, custom, OCTETS), 403);
        assertProblem(admin.postBytes(path.replace(target, database), custom, OCTETS), 409);
        assertProblem(admin.postBytes(path.replace(target, "Bad-Name"), custom, OCTETS), 400);
        assertProblem(admin.postBytes(path + "&replace=true&confirm=true", custom, OCTETS), 400);
        Api.Response form = admin.postBytes(path, custom, "multipart/form-data; boundary=x");
        assertProblem(form, 415);
        assertThat(form.json().get("detail").asString()).contains("--data-binary");
        // curl --data-binary without a Content-Type sends this one
        assertProblem(admin.postBytes(path, custom, "application/x-www-form-urlencoded"), 415);
        assertProblem(admin.postBytes(path + "&replce=true", custom, OCTETS), 400);
        assertProblem(admin.postBytes(path + "&database=" + target, custom, OCTETS), 400);
        assertProblem(admin.postBytes(path + "&owner=Not%20A%20Role", custom, OCTETS), 400);

        // the owner is checked on the source's server before anything is made there
        JsonNode refusedOwner = awaitJob(accept(query + "&owner=" + sourceCluster.superuser(), custom));
        assertThat(refusedOwner.get("status").asString()).isEqualTo("FAILED");
        assertThat(refusedOwner.get("error").get("code").asString()).isEqualTo("INVALID_TARGET");
        assertThat(refusedOwner.get("error").get("message").asString()).contains("SUPERUSER");
        uploadJobs++;

        assertThat(uploadJobCount(source)).isEqualTo(uploadJobs);
        assertThat(SampleDatabase.exists(sourceCluster, target)).isFalse();
        assertNothingLeft(source, Set.of());
    }

    /** Uploads {@code archive} with {@code query}; the job that restores it, accepted (202). */
    private String accept(String query, byte[] archive) {
        Api.Response accepted = admin.postBytes("/api/v1/uploads?" + query, archive, OCTETS);
        assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
        return accepted.text("jobId");
    }

    private String made(String database) {
        made.add(database);
        return database;
    }

    /**
     * No stored upload is left, and the confined roles made since the test began are {@code kept} (owners of a
     * restored database, locked out), no more.
     */
    private void assertNothingLeft(String source, Set<String> kept) throws Exception {
        assertThat(objectStore().list(source + "/uploads/"))
                .as("the stored upload is removed")
                .isEmpty();
        Set<String> fresh = new java.util.HashSet<>(uploadRoles(false));
        fresh.removeAll(rolesBefore);
        assertThat(fresh)
                .as("the roles archives were restored as: dropped, or kept as owners")
                .isEqualTo(kept);
        assertThat(uploadRoles(true))
                .as("no role an archive was restored as can log in")
                .isEmpty();
    }

    /** The confined roles on the source server ({@code loginOnly}: those that can log in). */
    private Set<String> uploadRoles(boolean loginOnly) throws Exception {
        try (java.sql.Connection c = sourceCluster.connect("postgres");
                java.sql.Statement statement = c.createStatement();
                java.sql.ResultSet rows = statement.executeQuery("SELECT rolname FROM pg_roles WHERE rolname LIKE"
                        + " 'strata\\_upload\\_%'" + (loginOnly ? " AND rolcanlogin" : ""))) {
            Set<String> roles = new java.util.HashSet<>();
            while (rows.next()) {
                roles.add(rows.getString(1));
            }
            return roles;
        }
    }

    private int uploadJobCount(String source) {
        return viewer.get("/api/v1/jobs?kind=UPLOAD_RESTORE&source=" + source)
                .json()
                .size();
    }

    /** pg_dump of {@code database} on the stack's source server, as a user runs it elsewhere. */
    private byte[] pgDump(String database, String format) throws Exception {
        Path out = dir.resolve(database + format + ".dump");
        run(List.of("pg_dump", format, "-f", out.toString(), "-d", database));
        return Files.readAllBytes(out);
    }

    private void pgRestoreAsSuperuser(String database, byte[] archive) throws Exception {
        Path file = dir.resolve(database + ".dump");
        Files.write(file, archive);
        run(List.of("pg_restore", "--no-owner", "-d", database, file.toString()));
    }

    private void run(List<String> tool) throws Exception {
        PgCluster cluster = sourceCluster;
        Path passfile = dir.resolve("pgpass");
        Files.writeString(
                passfile,
                cluster.host() + ":" + cluster.port() + ":*:" + cluster.superuser() + ":" + cluster.password() + "\n");
        Files.setPosixFilePermissions(passfile, PosixFilePermissions.fromString("rw-------"));
        List<String> command = new ArrayList<>(tool);
        command.set(
                0,
                Path.of(System.getenv().getOrDefault("STRATA_PG_BIN", "/usr/lib/postgresql/15/bin"))
                        .resolve(tool.get(0))
                        .toString());
        command.addAll(
                List.of("-h", cluster.host(), "-p", Integer.toString(cluster.port()), "-U", cluster.superuser(), "-w"));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("PGPASSFILE", passfile.toString());
        Process process = builder.start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(command + ": " + output).isZero();
    }

    private static byte[] gzip(byte[] bytes) throws IOException {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (GZIPOutputStream zip = new GZIPOutputStream(out)) {
            zip.write(bytes);
        }
        return out.toByteArray();
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}

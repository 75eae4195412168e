package io.strata.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.devstack.PgCluster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterEach;
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

    @AfterEach
    void dropWhatWasMade() throws Exception {
        for (String database : made) {
            SampleDatabase.execute(sourceCluster, "postgres", "DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
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
        JsonNode result = job.get("result");
        assertThat(result.get("database").asString()).isEqualTo(target);
        assertThat(result.get("filename").asString()).isEqualTo("shop-20260201.dump");
        assertThat(result.get("sha256").asString()).isEqualTo(sha256);
        assertThat(result.get("entries").asInt()).isGreaterThan(5);
        assertThat(result.get("securityDefinerFunctions")).isEmpty();

        assertThat(SampleDatabase.fingerprint(sourceCluster, target)).isEqualTo(original);
        assertThat(SampleDatabase.queryOne(
                        sourceCluster,
                        target,
                        "SELECT pg_get_userbyid(d.datdba) || ',' || pg_get_userbyid(c.relowner) FROM pg_database d,"
                                + " pg_class c WHERE d.datname = current_database() AND c.relname = 'invoices'"))
                .as("the database and its tables belong to the source's user, not to the role it was restored as")
                .isEqualTo(sourceCluster.superuser() + "," + sourceCluster.superuser());
        assertNothingLeft(source);
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
        Api.Response accepted =
                admin.postBytes("/api/v1/uploads?source=" + source + "&database=" + target, dump, OCTETS);
        assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
        JsonNode job = awaitJob(accepted.text("jobId"));

        assertThat(job.get("status").asString()).as(job.toString()).isEqualTo("FAILED");
        assertThat(job.get("error").get("code").asString()).isEqualTo("PG_RESTORE_FAILED");
        assertThat(job.get("error").get("message").asString()).contains("external program");
        assertThat(marker).as("the program did not run").doesNotExist();
        assertThat(SampleDatabase.exists(sourceCluster, target)).isFalse();
        assertNothingLeft(source);
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

        Api.Response unconfirmed = admin.postBytes("/api/v1/uploads?source=" + source + "&replace=true", dump, OCTETS);
        assertProblem(unconfirmed, 400);
        assertThat(unconfirmed.json().get("detail").asString()).contains("confirm=true");

        Api.Response accepted = admin.postBytes(
                "/api/v1/uploads?source=" + source + "&replace=true&confirm=true&filename=tickets.tar", dump, OCTETS);
        assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
        assertThat(accepted.json().get("upload").get("format").asString()).isEqualTo("tar");
        JsonNode result = awaitSucceeded(accepted.text("jobId")).get("result");

        assertThat(result.get("replaced").asBoolean()).isTrue();
        assertThat(SampleDatabase.fingerprint(sourceCluster, database)).isEqualTo(uploaded);
        String safety = result.get("safetyBackupId").asString();
        String check = made(unique("before_upload"));
        Api.Response restoreSafety = admin.post(
                "/api/v1/restores", Map.of("source", source, "backupId", safety, "into", Map.of("database", check)));
        awaitSucceeded(restoreSafety.text("jobId"));
        assertThat(SampleDatabase.fingerprint(sourceCluster, check))
                .as("the safety backup holds the database as it was before the upload replaced it")
                .isEqualTo(before);
        assertNothingLeft(source);
    }

    @Test
    void whatCannotBeRestoredSafelyIsRefusedBeforeAnythingIsStored() throws Exception {
        String database = unique("refusals");
        String source = registerSampleSource(database, 50);
        byte[] custom = pgDump(database, "-Fc");
        String target = made(unique("never"));
        String path = "/api/v1/uploads?source=" + source + "&database=" + target;
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

        assertThat(uploadJobCount(source)).isEqualTo(uploadJobs);
        assertThat(SampleDatabase.exists(sourceCluster, target)).isFalse();
        assertNothingLeft(source);
    }

    private String made(String database) {
        made.add(database);
        return database;
    }

    private void assertNothingLeft(String source) throws Exception {
        assertThat(objectStore().list(source + "/uploads/"))
                .as("the stored upload is removed")
                .isEmpty();
        assertThat(SampleDatabase.queryOne(
                        sourceCluster,
                        "postgres",
                        "SELECT count(*) FROM pg_roles WHERE rolname LIKE 'strata\\_upload\\_%'"))
                .as("the role the archive was restored as is dropped")
                .isEqualTo("0");
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

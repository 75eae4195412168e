package io.strata.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
 * because it asked a standby for {@code pg_current_wal_lsn()}.
 */
class StandbySourceIT extends StackTestSupport {
    private static final Path BIN = Path.of("/usr/lib/postgresql/15/bin");
    private final List<Path> restored = new ArrayList<>();
    private Path standbyBase;
    private String database;

    @AfterEach
    void stopClusters() throws Exception {
        restored.forEach(stack::stopRestoredCluster);
        if (standbyBase != null) {
            asPostgres(
                    BIN.resolve("pg_ctl").toString(),
                    "-D",
                    standbyBase.resolve("data").toString(),
                    "-m",
                    "immediate",
                    "-w",
                    "stop");
            run("rm", "-rf", standbyBase.toString());
        }
        if (database != null) { // later physical backups of the shared cluster would copy it
            SampleDatabase.execute(sourceCluster, "postgres", "DROP DATABASE IF EXISTS " + database);
        }
    }

    @Test
    void aStandbysPhysicalBackupRestoresAndPromotes() throws Exception {
        database = unique("standby_src");
        SampleDatabase.create(sourceCluster, database, 2_000);
        int port = startStandby();
        String source = database.replace('_', '-');
        Api.Response created = admin.post(
                "/api/v1/sources",
                Map.of(
                        "name",
                        source,
                        "host",
                        "127.0.0.1",
                        "port",
                        port,
                        "database",
                        database,
                        "username",
                        sourceCluster.superuser(),
                        "password",
                        sourceCluster.password(),
                        "walArchiving",
                        true));
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        try {
            Api.Response accepted = operator.post("/api/v1/backups", Map.of("source", source, "kind", "PHYSICAL"));
            assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
            awaitSucceeded(accepted.text("jobId"));

            Api.Response wal = viewer.get("/api/v1/sources/" + source + "/wal");
            assertThat(wal.status()).as(wal.toString()).isEqualTo(200);
            assertThat(wal.text("currentLsn")).isNotBlank();

            Map<String, Object> body = new LinkedHashMap<>();
            body.put("source", source);
            body.put("backupId", accepted.text("backupId"));
            Path dir = stack.restoreRoot().resolve("restored-" + unique("standby"));
            int restoredPort = freePort();
            body.put("into", Map.of("dataDirectory", dir.toString(), "port", restoredPort));
            awaitRestorable(body);
            JsonNode job = restoreAndAwait(body, restored);
            assertThat(job.get("status").asString()).isEqualTo("SUCCEEDED");

            assertThat(scalar(restoredPort, database, "SELECT pg_is_in_recovery()::text"))
                    .as("promoted, not left a standby")
                    .isEqualTo("false");
            assertThat(count(restoredPort, database, "invoices")).isEqualTo(2_000);
        } finally {
            // the archiver's streamer and slot go with archiving switched off, before the standby is stopped
            Api.Response off = admin.put("/api/v1/sources/" + source + "/wal-archiving", Map.of("enabled", false));
            assertThat(off.status()).as(off.toString()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> "0"
                            .equals(scalar(
                                    port, "postgres", "SELECT count(*) FROM pg_replication_slots" + " WHERE active")));
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
        asPostgres(
                BIN.resolve("pg_ctl").toString(),
                "-D",
                data.toString(),
                "-l",
                standbyBase.resolve("standby.log").toString(),
                "-w",
                "-t",
                "60",
                "start");
        assertThat(scalar(port, "postgres", "SELECT pg_is_in_recovery()::text")).isEqualTo("true");
        return port;
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

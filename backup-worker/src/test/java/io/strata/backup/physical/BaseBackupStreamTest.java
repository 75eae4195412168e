package io.strata.backup.physical;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.common.blocks.BlockApplier;
import io.strata.platform.catalog.CatalogApi.SourceConnection;
import io.strata.platform.catalog.CatalogApi.SourceTls;
import io.strata.platform.postgres.ReplicationConnection;
import io.strata.platform.postgres.SourceNetworks;
import io.strata.platform.testing.ThrowawayPostgres;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The worker's own BASE_BACKUP against a real PostgreSQL 15: the tar it yields, extracted, passes
 * {@code pg_verifybackup} against the manifest in it (every file's size and CRC, so the stream is the server's
 * backup byte for byte), and each way of logging in PostgreSQL offers over plain TCP works, or fails with the
 * server's words.
 */
class BaseBackupStreamTest {
    private static final Path VERIFY =
            Path.of(System.getenv().getOrDefault("STRATA_PG_BIN", "/usr/lib/postgresql/15/bin"), "pg_verifybackup");
    private static final SourceNetworks ANYWHERE = SourceNetworks.of(List.of("0.0.0.0/0", "::/0"));
    private static ThrowawayPostgres postgres;

    @TempDir
    static Path base;

    @BeforeAll
    static void start() throws Exception {
        postgres = ThrowawayPostgres.start(base);
        postgres.execute(
                "CREATE ROLE scram_user LOGIN REPLICATION PASSWORD 'scram secret'",
                "SET password_encryption = 'md5'",
                "CREATE ROLE md5_user LOGIN REPLICATION PASSWORD 'md5 secret'",
                "CREATE ROLE plain_user LOGIN REPLICATION PASSWORD 'plain secret'",
                "CREATE TABLE filler AS SELECT i, md5(i::text) AS v FROM generate_series(1, 200000) i");
        postgres.hba(
                "host all postgres 127.0.0.1/32 trust",
                "host replication postgres 127.0.0.1/32 trust",
                "host replication scram_user 127.0.0.1/32 scram-sha-256",
                "host replication md5_user 127.0.0.1/32 md5",
                "host replication plain_user 127.0.0.1/32 password");
    }

    @AfterAll
    static void stop() throws Exception {
        postgres.close();
    }

    @Test
    void theTarIsTheServersBackupAndItsManifestVerifies(@TempDir Path restored) throws Exception {
        long tarBytes;
        try (BaseBackupStream backup = new BaseBackupStream(login("scram_user", "scram secret"), 1_700_000_000L);
                BlockApplier applier = new BlockApplier(restored)) {
            tarBytes = applier.untar(inVaryingPieces(backup));
        }
        assertThat(tarBytes).isGreaterThan(10L << 20);
        assertThat(restored.resolve("backup_manifest")).exists();
        assertThat(restored.resolve("backup_label")).content().contains("LABEL: strata base backup");
        Process verify = new ProcessBuilder(VERIFY.toString(), "--no-parse-wal", restored.toString())
                .redirectErrorStream(true)
                .start();
        String output = new String(verify.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(verify.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(verify.exitValue()).as(output).isZero();
        assertThat(output).contains("successfully verified");
    }

    /** Reads of 1 byte to 3 KiB and whole buffers, in turn: both of the stream's read paths. */
    private static InputStream inVaryingPieces(InputStream in) {
        return new FilterInputStream(in) {
            private int turn;

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                turn++;
                int piece = turn % 3 == 0 ? len : Math.min(len, 1 + turn * 37 % 3072);
                return in.read(b, off, piece);
            }
        };
    }

    @Test
    void md5AndPasswordLoginsWork() throws Exception {
        try (ReplicationConnection md5 = login("md5_user", "md5 secret");
                ReplicationConnection plain = login("plain_user", "plain secret")) {
            assertThat(md5.serverVersion()).startsWith("15");
            assertThat(plain.serverVersion()).startsWith("15");
        }
    }

    @Test
    void aWrongPasswordIsTheServersOwnError() {
        assertThatThrownBy(() -> login("scram_user", "not it"))
                .isInstanceOf(ReplicationConnection.ServerError.class)
                .hasMessageContaining("password authentication failed for user \"scram_user\"");
        assertThatThrownBy(() -> login("md5_user", null))
                .isInstanceOf(ReplicationConnection.ServerError.class)
                .hasMessageContaining("no password supplied");
    }

    @Test
    void tlsIsLeftToLibpq() throws Exception {
        assertThat(ReplicationConnection.open(source("scram_user", "scram secret", "require"), ANYWHERE, "test"))
                .isEmpty();
        assertThat(ReplicationConnection.open(source("scram_user", "scram secret", "verify-full"), ANYWHERE, "test"))
                .isEmpty();
        // prefer, against a server without TLS: spoken here
        try (ReplicationConnection connection = ReplicationConnection.open(
                        source("scram_user", "scram secret", "prefer"), ANYWHERE, "test")
                .orElseThrow()) {
            assertThat(connection.serverVersion()).startsWith("15");
        }
    }

    @Test
    void aClusterWithATablespaceIsRefusedBeforeAnyDataIsRead(@TempDir Path spaceParent) throws Exception {
        Path space = Files.createDirectory(spaceParent.resolve("space"));
        chownToPostgres(spaceParent);
        chownToPostgres(space);
        postgres.execute("CREATE TABLESPACE elsewhere LOCATION '" + space + "'");
        try (BaseBackupStream backup = new BaseBackupStream(login("postgres", null), 0)) {
            assertThatThrownBy(() -> backup.read(new byte[8192]))
                    .isInstanceOf(BaseBackupStream.Refused.class)
                    .hasMessageContaining("1 tablespace(s) besides its data directory");
        } finally {
            postgres.execute("DROP TABLESPACE elsewhere");
        }
    }

    @Test
    void theMajorVersionIsReadFromServerVersion() {
        assertThat(TarSource.major("15.10 (Debian 15.10-0+deb12u1)")).isEqualTo(15);
        assertThat(TarSource.major("9.6.24")).isEqualTo(9);
        assertThat(TarSource.major("17devel")).isEqualTo(17);
        assertThat(TarSource.major("")).isZero();
    }

    private static ReplicationConnection login(String user, String password) throws IOException {
        Optional<ReplicationConnection> connection =
                ReplicationConnection.open(source(user, password, "disable"), ANYWHERE, "strata-test");
        return connection.orElseThrow();
    }

    private static SourceConnection source(String user, String password, String sslMode) {
        return new SourceConnection(
                "test",
                "127.0.0.1",
                postgres.port(),
                "postgres",
                user,
                password,
                new SourceTls(sslMode, null),
                null,
                null);
    }

    private static void chownToPostgres(Path path) throws Exception {
        Process chown = new ProcessBuilder("chown", "postgres", path.toString()).start();
        assertThat(chown.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(chown.exitValue()).isZero();
    }
}

package io.strata.backup.physical;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.common.blocks.BlockApplier;
import io.strata.common.model.FailureCode;
import io.strata.platform.catalog.CatalogApi.SourceConnection;
import io.strata.platform.catalog.CatalogApi.SourceTls;
import io.strata.platform.jobs.JobFailureException;
import io.strata.platform.postgres.PgTools;
import io.strata.platform.postgres.PostgresProperties;
import io.strata.platform.postgres.ReplicationConnection;
import io.strata.platform.postgres.SourceNetworks;
import io.strata.platform.testing.ThrowawayPostgres;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The worker's own BASE_BACKUP against a real PostgreSQL 15: the tar it yields, extracted, passes
 * {@code pg_verifybackup} against the manifest in it (every file's size and CRC, so the stream is the server's
 * backup byte for byte), each way of logging in works or fails with the server's words, and TLS follows libpq's
 * sslmode (the server has TLS on; one role may only come in over it).
 */
// on a thread of its own: a read blocked on the server's socket ignores the interrupt of the default mode
@org.junit.jupiter.api.Timeout(value = 120, threadMode = org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD)
class BaseBackupStreamTest {
    private static final Path VERIFY =
            Path.of(System.getenv().getOrDefault("STRATA_PG_BIN", "/usr/lib/postgresql/15/bin"), "pg_verifybackup");
    private static final SourceNetworks ANYWHERE = SourceNetworks.of(List.of("0.0.0.0/0", "::/0"));
    private static ThrowawayPostgres postgres;

    @TempDir
    static Path base;

    @TempDir
    static Path tls;

    private static String serverCertificate;
    private static String otherCertificate;

    @BeforeAll
    static void start() throws Exception {
        // a self-signed certificate for 127.0.0.1 (its own CA), and another that signed nothing here
        certificate("server", "subjectAltName=IP:127.0.0.1");
        certificate("other", "subjectAltName=IP:127.0.0.1");
        run("chown", "-R", "postgres", tls.toString());
        serverCertificate = Files.readString(tls.resolve("server.crt"));
        otherCertificate = Files.readString(tls.resolve("other.crt"));
        postgres = ThrowawayPostgres.start(
                base,
                "ssl = on",
                "ssl_cert_file = '" + tls.resolve("server.crt") + "'",
                "ssl_key_file = '" + tls.resolve("server.key") + "'");
        postgres.execute(
                "CREATE ROLE tls_user LOGIN REPLICATION PASSWORD 'tls secret'",
                "CREATE ROLE scram_user LOGIN REPLICATION PASSWORD 'scram secret'",
                "SET password_encryption = 'md5'",
                "CREATE ROLE md5_user LOGIN REPLICATION PASSWORD 'md5 secret'",
                "CREATE ROLE plain_user LOGIN REPLICATION PASSWORD 'plain secret'",
                "CREATE TABLE filler AS SELECT i, md5(i::text) AS v FROM generate_series(1, 200000) i");
        postgres.hba(
                "host all postgres 127.0.0.1/32 trust",
                "host replication postgres 127.0.0.1/32 trust",
                "hostssl replication tls_user 127.0.0.1/32 scram-sha-256",
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
        long estimated;
        long[] heard = {-1, -1}; // the estimate the listener got, and what estimatedBytes() said then
        try (BaseBackupStream backup = new BaseBackupStream(login("scram_user", "scram secret"), 1_700_000_000L);
                BlockApplier applier = new BlockApplier(restored)) {
            backup.onEstimate(bytes -> {
                heard[0] = bytes;
                heard[1] = backup.estimatedBytes();
            });
            assertThat(backup.estimatedBytes()).isZero();
            tarBytes = applier.untar(inVaryingPieces(backup));
            estimated = backup.estimatedBytes();
        }
        assertThat(heard).as("the listener heard the final estimate").containsExactly(estimated, estimated);
        assertThat(tarBytes).isGreaterThan(10L << 20);
        // the server's own estimate (PROGRESS): its files' sizes, without the tar's headers and the manifest
        assertThat(estimated).isBetween(tarBytes / 2, tarBytes);
        assertThat(restored.resolve("backup_label")).content().contains("LABEL: strata base backup");
        assertVerifies(restored);
    }

    /**
     * The server compresses the archive (zstd, two of its threads): the tar read is the same backup, decompressed
     * as it came, with its manifest; the bytes handed on as sent are the server's own compressed tar, without the
     * manifest (as pg_basebackup stores it beside one), and restore, with that manifest put beside them, to a
     * backup that verifies too.
     */
    @Test
    void aServerCompressedBackupReadsAsTheSameTarAndItsBytesAsSentRestore(@TempDir Path dir) throws Exception {
        java.io.ByteArrayOutputStream sent = new java.io.ByteArrayOutputStream();
        long tarBytes;
        long archiveBytes;
        try (BaseBackupStream backup = new BaseBackupStream(
                        login("scram_user", "scram secret"), 1_700_000_000L, new BaseBackupStream.ServerZstd(1, 2));
                BlockApplier applier = new BlockApplier(dir.resolve("read"))) {
            assertThat(backup.command()).contains("COMPRESSION 'zstd', COMPRESSION_DETAIL 'level=1,workers=2'");
            backup.copyCompressedTo(() -> sent);
            tarBytes = applier.untar(inVaryingPieces(backup));
            assertThat(backup.serverCompressed()).isTrue();
            assertThat(backup.uncompressedBecause()).isNull();
            assertThat(backup.compressedBytes()).isEqualTo(sent.size()).isLessThan(tarBytes / 2);
            archiveBytes = backup.archiveBytes();
        }
        assertVerifies(dir.resolve("read"));
        Path stored = dir.resolve("stored");
        try (InputStream tar = new com.github.luben.zstd.ZstdInputStream(
                        new java.io.ByteArrayInputStream(sent.toByteArray()));
                BlockApplier applier = new BlockApplier(stored)) {
            long untarred = applier.untar(tar);
            assertThat(untarred + tar.transferTo(java.io.OutputStream.nullOutputStream()))
                    .as("what the bytes as sent decompress to")
                    .isEqualTo(archiveBytes);
        }
        assertThat(stored.resolve("backup_manifest")).doesNotExist();
        Files.copy(dir.resolve("read/backup_manifest"), stored.resolve("backup_manifest"));
        assertVerifies(stored);
    }

    /**
     * A server whose zstd is missing (feature not supported) or cannot use threads refuses the compression
     * before its backup begins: the same backup is asked again uncompressed on the same session. Another error
     * fails the stream.
     */
    @Test
    void aServerThatRefusesToCompressIsAskedAgainUncompressed() throws Exception {
        for (List<String> refusal : List.of(
                List.of("0A000", "zstd compression is not supported by this build"),
                List.of("22023", "could not set compression worker count to 2: Unsupported parameter"),
                List.of(
                        "42601",
                        "invalid compression specification: compression algorithm \"zstd\" expects a compression"
                                + " level between 1 and 1"))) {
            byte[] script = concat(
                    loggedIn(),
                    message('E', error(refusal.get(0), refusal.get(1))),
                    message('Z', new byte[] {'I'}),
                    resultSets(),
                    copy(true),
                    message('c', new byte[0]),
                    message('T', new byte[2]),
                    message('D', new byte[2]),
                    message('C', cStrings("SELECT")),
                    message('C', cStrings("BASE_BACKUP")),
                    message('Z', new byte[] {'I'}));
            java.io.ByteArrayOutputStream sent = new java.io.ByteArrayOutputStream();
            String[] why = new String[1];
            String commands = readAllFrom(script, false, new BaseBackupStream.ServerZstd(1, 2), backup -> {
                backup.copyCompressedTo(() -> sent);
                byte[] tar = backup.readAllBytes();
                assertThat(backup.serverCompressed()).isFalse();
                why[0] = backup.uncompressedBecause();
                // the script's archive without its end, the manifest member, the tar's end: the same backup
                assertThat(tar)
                        .isEqualTo(concat(
                                BaseBackupStream.header("PG_VERSION", 3, 0),
                                "15\n".getBytes(),
                                new byte[509],
                                BaseBackupStream.header(ManifestCapture.MEMBER, 2, 0),
                                "{}".getBytes(),
                                new byte[510],
                                new byte[1024]));
                return tar;
            });
            assertThat(why[0]).contains(refusal.get(1));
            assertThat(sent.size()).as("nothing is handed on as compressed").isZero();
            int compressed = commands.indexOf("COMPRESSION 'zstd'");
            assertThat(compressed).isNotNegative();
            assertThat(commands.indexOf(BaseBackupStream.COMMAND, compressed))
                    .as("the same command without the compression, after the refusal")
                    .isGreaterThan(compressed);
        }
        byte[] other = concat(loggedIn(), message('E', error("42601", "syntax error")), message('Z', new byte[] {'I'}));
        assertThatThrownBy(() ->
                        readAllFrom(other, false, new BaseBackupStream.ServerZstd(1, 2), InputStream::readAllBytes))
                .isInstanceOf(ReplicationConnection.ServerError.class)
                .hasMessageContaining("syntax error");
    }

    /**
     * begin() asks for the backup at once: the server runs its checkpoint and starts the backup while the job
     * prepares, before anything is read; what is read later is still the whole backup.
     */
    @Test
    void beginStartsTheServersBackupBeforeAnythingIsRead(@TempDir Path restored) throws Exception {
        try (BaseBackupStream backup = new BaseBackupStream(login("scram_user", "scram secret"), 1_700_000_000L);
                BlockApplier applier = new BlockApplier(restored)) {
            // an earlier test's backup, cut off, may still be ending on the server
            assertThat(awaitBackupsRunning(0))
                    .as("base backups the server runs before begin()")
                    .isZero();
            backup.begin();
            assertThat(awaitBackupsRunning(1))
                    .as("base backups the server runs after begin()")
                    .isEqualTo(1);
            applier.untar(inVaryingPieces(backup));
        }
        assertVerifies(restored);
    }

    /** The server's running base backups, once they are {@code expected} or after 10 s. */
    private static int awaitBackupsRunning(int expected) throws Exception {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        int running = backupsRunning();
        while (running != expected && System.nanoTime() < deadline) {
            Thread.sleep(20);
            running = backupsRunning();
        }
        return running;
    }

    private static int backupsRunning() throws java.sql.SQLException {
        try (java.sql.Connection connection = postgres.connect();
                java.sql.ResultSet row =
                        connection.createStatement().executeQuery("select count(*) from pg_stat_progress_basebackup")) {
            row.next();
            return row.getInt(1);
        }
    }

    /** Both readers a job may use give a tar that verifies, and end it only once the server is done. */
    @ParameterizedTest
    @ValueSource(strings = {TarSource.BUILT_IN, TarSource.PG_BASEBACKUP})
    void eitherTarSourceGivesABackupThatVerifies(String client, @TempDir Path restored) throws Exception {
        try (TarSource tar =
                        TarSource.open(tools(), source("scram_user", "scram secret", 0), client, Clock.systemUTC());
                BlockApplier applier = new BlockApplier(restored)) {
            assertThat(applier.untar(tar.stream())).isGreaterThan(10L << 20);
            tar.requireSucceeded("copying");
        }
        assertVerifies(restored);
    }

    /** A refused login and a closed port read alike through both readers: the same codes and advice. */
    @ParameterizedTest
    @ValueSource(strings = {TarSource.BUILT_IN, TarSource.PG_BASEBACKUP})
    void eitherTarSourceFailsWithTheSameCodes(String client) throws Exception {
        assertThat(failure(client, source("scram_user", "not it", 0)))
                .satisfies(e -> assertThat(e.code()).isEqualTo(FailureCode.PG_BASEBACKUP_FAILED))
                .hasMessageContaining("password authentication failed")
                .hasMessageContaining("Check the username 'scram_user' and password");
        int closed;
        try (ServerSocket socket = new ServerSocket(0)) {
            closed = socket.getLocalPort();
        }
        assertThat(failure(client, source("scram_user", "scram secret", closed)))
                .satisfies(e -> assertThat(e.code()).isEqualTo(FailureCode.SOURCE_TIMEOUT))
                .hasMessageContaining("cannot connect to 127.0.0.1:" + closed);
    }

    private static JobFailureException failure(String client, SourceConnection source) {
        // pg_basebackup fails after it started: its exit is judged once its (empty) output has been read
        try (TarSource tar = TarSource.open(tools(), source, client, Clock.systemUTC())) {
            tar.stream().readAllBytes();
            tar.requireSucceeded("copying");
        } catch (JobFailureException e) {
            return e;
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        throw new AssertionError(client + " did not fail");
    }

    private static PgTools tools() {
        return new PgTools(new PostgresProperties(VERIFY.getParent()), ANYWHERE, "strata-test");
    }

    private static SourceConnection source(String user, String password, int port) {
        return new SourceConnection(
                "test",
                "127.0.0.1",
                port == 0 ? postgres.port() : port,
                "postgres",
                user,
                password,
                new SourceTls("disable", null),
                null,
                null);
    }

    private static void assertVerifies(Path restored) throws Exception {
        assertThat(restored.resolve("backup_manifest")).exists();
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
    void replicationCommandsAnswerInRows() throws Exception {
        try (ReplicationConnection session = login("scram_user", "scram secret")) {
            List<List<String>> system = session.rows("IDENTIFY_SYSTEM", 10);
            assertThat(system).hasSize(1);
            assertThat(system.get(0).get(0)).matches("[0-9]+"); // the system identifier
            assertThat(system.get(0).get(1)).isEqualTo("1"); // the timeline
            List<List<String>> missing = session.rows("READ_REPLICATION_SLOT \"no_such_slot\"", 10);
            assertThat(missing).hasSize(1);
            assertThat(missing.get(0)).containsOnlyNulls(); // no such slot: one row of NULLs
            // a slot holding WAL, named as only a quoted name can be (a digit first)
            session.rows("CREATE_REPLICATION_SLOT \"1strata_rows_test\" PHYSICAL RESERVE_WAL", 10);
            try {
                List<List<String>> held = session.rows("READ_REPLICATION_SLOT \"1strata_rows_test\"", 10);
                assertThat(held).hasSize(1);
                assertThat(held.get(0).get(0)).isEqualTo("physical");
                assertThat(held.get(0).get(1)).matches("[0-9A-F]+/[0-9A-F]+"); // its restart_lsn
            } finally {
                session.rows("DROP_REPLICATION_SLOT \"1strata_rows_test\"", 10);
            }
            assertThatThrownBy(() -> session.rows("NO_SUCH_COMMAND", 10))
                    .isInstanceOf(ReplicationConnection.ServerError.class);
        }
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
    void tlsIsSpokenAsLibpqsSslModesSay() throws Exception {
        // tls_user may only come in over TLS (hostssl): each login that works below was encrypted
        for (String mode : List.of("prefer", "require")) {
            try (ReplicationConnection connection = open("127.0.0.1", "tls_user", mode, null)) {
                assertThat(connection.serverVersion()).as(mode).startsWith("15");
            }
        }
        try (ReplicationConnection connection = open("127.0.0.1", "tls_user", "verify-full", serverCertificate);
                BaseBackupStream backup = new BaseBackupStream(connection, 0)) {
            assertThat(backup.read(new byte[65536]))
                    .as("a BASE_BACKUP streams over TLS")
                    .isPositive();
        }
        assertThatThrownBy(() -> open("127.0.0.1", "tls_user", "disable", null))
                .isInstanceOf(ReplicationConnection.ServerError.class)
                .hasMessageContaining("no pg_hba.conf entry");
        assertThatThrownBy(() -> open("127.0.0.1", "tls_user", "verify-ca", otherCertificate))
                .as("a certificate the registered CA did not sign")
                .isInstanceOf(SSLException.class);
        assertThatThrownBy(() -> open("127.0.0.1", "tls_user", "require", otherCertificate))
                .as("require checks the certificate when a CA is registered, as libpq does")
                .isInstanceOf(SSLException.class);
        assertThatThrownBy(() -> open("localhost", "tls_user", "verify-full", serverCertificate))
                .as("verify-full: the certificate names 127.0.0.1, not localhost")
                .isInstanceOf(SSLException.class);
        try (ReplicationConnection connection = open("localhost", "tls_user", "verify-ca", serverCertificate)) {
            assertThat(connection.serverVersion())
                    .as("verify-ca does not check the name")
                    .startsWith("15");
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

    /** A server (or something posing as one) that announces a 2 GiB error message is not believed. */
    @Test
    void aHugeMessageFromTheServerIsRefusedUnread() throws Exception {
        byte[] hugeError = {'E', 0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF}; // a length, and no message
        assertThatThrownBy(() -> readAllFrom(hugeError, false))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("the server sent a message of 2147483643 bytes");
    }

    /** The server reports a failure after the COPY (as a checksum failure is reported): never a whole tar. */
    @Test
    void anErrorAfterTheCopyFailsTheStreamInsteadOfEndingIt() throws Exception {
        byte[] script = concat(
                loggedIn(),
                resultSets(),
                copy(true),
                message('c', new byte[0]),
                message('E', error("XX001", "checksum verification failure during base backup")));
        assertThatThrownBy(() -> readAllFrom(script, false))
                .isInstanceOf(ReplicationConnection.ServerError.class)
                .hasMessageContaining("checksum verification failure");
    }

    @Test
    void aCopyWithoutTheManifestOrCutShortFails() throws Exception {
        byte[] noManifest = concat(loggedIn(), resultSets(), copy(false), message('c', new byte[0]));
        assertThatThrownBy(() -> readAllFrom(noManifest, false)).hasMessageContaining("one of each was expected");
        byte[] cut = concat(
                loggedIn(),
                resultSets(),
                message('H', new byte[3]),
                copyData('n', names()),
                java.util.Arrays.copyOf(copyData('d', new byte[4096]), 2000));
        assertThatThrownBy(() -> readAllFrom(cut, true)).isInstanceOf(java.io.EOFException.class);
    }

    @Test
    void aServerThatSaysReadyWithoutALoginOrStallsTheLoginIsRefused() throws Exception {
        assertThatThrownBy(() -> readAllFrom(message('Z', new byte[] {'I'}), false))
                .hasMessageContaining("ready before the login ended");
        long start = System.nanoTime();
        assertThatThrownBy(() -> readAllFrom(message('S', cStrings("server_version", "15.0")), false))
                .isInstanceOf(java.net.SocketTimeoutException.class);
        assertThat(java.time.Duration.ofNanos(System.nanoTime() - start)).isLessThan(java.time.Duration.ofSeconds(5));
    }

    /**
     * Logs in to a fake server that sends {@code script} (then hangs up, if {@code hangUp}, or waits for the
     * client to), then reads the base backup to its end.
     */
    private static void readAllFrom(byte[] script, boolean hangUp) throws Exception {
        readAllFrom(script, hangUp, null, backup -> {
            byte[] buffer = new byte[8192];
            while (backup.read(buffer) >= 0) {
                // to the end, or the failure
            }
            return null;
        });
    }

    /** A backup's reader, given the stream. */
    @FunctionalInterface
    private interface Reader {
        byte[] read(BaseBackupStream backup) throws Exception;
    }

    /** As above, with {@code zstd} asked of the server and read by {@code reader}; returns what the client sent. */
    private static String readAllFrom(byte[] script, boolean hangUp, BaseBackupStream.ServerZstd zstd, Reader reader)
            throws Exception {
        try (ServerSocket fake = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            java.io.ByteArrayOutputStream received = new java.io.ByteArrayOutputStream();
            Thread server = Thread.ofVirtual().start(() -> {
                try (java.net.Socket client = fake.accept()) {
                    java.io.DataInputStream in = new java.io.DataInputStream(client.getInputStream());
                    in.readNBytes(in.readInt() - 4); // the startup packet
                    client.getOutputStream().write(script);
                    client.getOutputStream().flush();
                    if (hangUp) {
                        client.shutdownOutput();
                    }
                    byte[] buffer = new byte[4096];
                    for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) { // until the client hangs up
                        synchronized (received) {
                            received.write(buffer, 0, n);
                        }
                    }
                } catch (IOException ignored) {
                    // the client closed first
                }
            });
            SourceConnection source = new SourceConnection(
                    "fake",
                    "127.0.0.1",
                    fake.getLocalPort(),
                    "postgres",
                    "u",
                    "p",
                    new SourceTls("disable", null),
                    new io.strata.platform.catalog.CatalogApi.SourceTimeouts(1, null),
                    null);
            try (BaseBackupStream backup =
                    new BaseBackupStream(ReplicationConnection.open(source, ANYWHERE, "strata-test"), 0, zstd)) {
                reader.read(backup);
            } finally {
                server.join(10_000);
                assertThat(server.isAlive()).as("the client hung up").isFalse();
            }
            synchronized (received) {
                return received.toString(StandardCharsets.UTF_8);
            }
        }
    }

    private static byte[] loggedIn() throws IOException {
        return concat(message('R', new byte[4]), message('Z', new byte[] {'I'}));
    }

    /** The start position, then one tablespace row (the data directory), each with its CommandComplete. */
    private static byte[] resultSets() throws IOException {
        return concat(
                message('T', new byte[2]),
                message('D', new byte[2]),
                message('C', cStrings("SELECT")),
                message('T', new byte[2]),
                message('D', new byte[2]),
                message('C', cStrings("SELECT")));
    }

    private static byte[] copy(boolean withManifest) throws IOException {
        byte[] archive =
                concat(BaseBackupStream.header("PG_VERSION", 3, 0), "15\n".getBytes(), new byte[509], new byte[1024]);
        byte[] body = concat(message('H', new byte[3]), copyData('n', names()), copyData('d', archive));
        return withManifest ? concat(body, copyData('m', new byte[0]), copyData('d', "{}".getBytes())) : body;
    }

    private static byte[] names() {
        return cStrings("base.tar", "");
    }

    private static byte[] copyData(char kind, byte[] payload) throws IOException {
        return message('d', concat(new byte[] {(byte) kind}, payload));
    }

    private static byte[] error(String sqlState, String text) {
        return concat(
                new byte[] {'S'},
                cStrings("ERROR"),
                new byte[] {'C'},
                cStrings(sqlState),
                new byte[] {'M'},
                cStrings(text),
                new byte[1]);
    }

    private static byte[] message(char type, byte[] payload) throws IOException {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        java.io.DataOutputStream out = new java.io.DataOutputStream(bytes);
        out.writeByte(type);
        out.writeInt(4 + payload.length);
        out.write(payload);
        return bytes.toByteArray();
    }

    private static byte[] cStrings(String... strings) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (String string : strings) {
            bytes.writeBytes(string.getBytes(StandardCharsets.UTF_8));
            bytes.write(0);
        }
        return bytes.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (byte[] part : parts) {
            bytes.writeBytes(part);
        }
        return bytes.toByteArray();
    }

    @Test
    void theMajorVersionIsReadFromServerVersion() {
        assertThat(TarSource.major("15.10 (Debian 15.10-0+deb12u1)")).isEqualTo(15);
        assertThat(TarSource.major("9.6.24")).isEqualTo(9);
        assertThat(TarSource.major("17devel")).isEqualTo(17);
        assertThat(TarSource.major("")).isZero();
    }

    private static ReplicationConnection login(String user, String password) throws IOException {
        return ReplicationConnection.open(source(user, password, 0), ANYWHERE, "strata-test");
    }

    private static ReplicationConnection open(String host, String user, String sslMode, String ca) throws IOException {
        SourceConnection source = new SourceConnection(
                "test", host, postgres.port(), "postgres", user, "tls secret", new SourceTls(sslMode, ca), null, null);
        return ReplicationConnection.open(source, ANYWHERE, "strata-test");
    }

    private static void certificate(String name, String extension) throws Exception {
        run(
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=" + name,
                "-addext",
                extension,
                "-keyout",
                tls.resolve(name + ".key").toString(),
                "-out",
                tls.resolve(name + ".crt").toString());
    }

    private static void run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue())
                .as(String.join(" ", command) + ": " + output)
                .isZero();
    }

    private static void chownToPostgres(Path path) throws Exception {
        run("chown", "postgres", path.toString());
    }
}

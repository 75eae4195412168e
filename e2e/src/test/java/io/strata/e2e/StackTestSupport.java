package io.strata.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.strata.common.crypto.Keyring;
import io.strata.common.crypto.ObjectEncryption;
import io.strata.common.storage.ObjectStore;
import io.strata.common.storage.S3ObjectStore;
import io.strata.devstack.DevStack;
import io.strata.devstack.PgCluster;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import tools.jackson.databind.JsonNode;

/** What every end-to-end test needs: the shared stack, API clients per role, and waiting for jobs. */
abstract class StackTestSupport {
    private static final AtomicInteger NAMES = new AtomicInteger();
    static final Set<String> TERMINAL = Set.of("SUCCEEDED", "FAILED", "CANCELLED");

    final DevStack stack = SharedStack.get();

    {
        Api.neverInAnswers(secrets(stack));
    }

    /** What must never appear in an answer, an event or a log: the source's password and every token. */
    static List<String> secrets(DevStack stack) {
        return List.of(
                stack.sourceCluster().password(),
                stack.adminToken(),
                stack.operatorToken(),
                stack.viewerToken(),
                stack.s3SecretKey(),
                stack.catalogToken("api-gateway"),
                stack.catalogToken("backup-worker"),
                stack.catalogToken("restore-worker"),
                stack.catalogToken("wal-archiver"),
                stack.catalogAdminToken());
    }

    final PgCluster sourceCluster = stack.sourceCluster();
    final Api admin = new Api(stack.gatewayUrl(), stack.adminToken());
    final Api operator = admin.as(stack.operatorToken());
    final Api viewer = admin.as(stack.viewerToken());
    final Api anonymous = admin.as(null);

    /** A name unique within this test JVM, usable as database and source name. */
    static String unique(String prefix) {
        return prefix + "_" + ProcessHandle.current().pid() + "_" + NAMES.incrementAndGet();
    }

    /** Creates a sample database and registers it as a source named like it (dashes for underscores). */
    String registerSampleSource(String database, int invoices) throws Exception {
        return registerSampleSource(database, invoices, false);
    }

    /** The same, with continuous WAL archiving switched on at registration. */
    String registerArchivedSource(String database, int invoices) throws Exception {
        return registerSampleSource(database, invoices, true);
    }

    /** Creates an empty database, registers it as a source named like it; it goes when the class ends. */
    String registerEmptySource(String database) throws Exception {
        SampleDatabase.execute(sourceCluster, "postgres", "CREATE DATABASE " + database);
        String source = database.replace('_', '-');
        MADE.add(new Made(database, source, false));
        return register(sourceCluster, database, source, false);
    }

    private String registerSampleSource(String database, int invoices, boolean walArchiving) throws Exception {
        SampleDatabase.create(sourceCluster, database, invoices);
        String source = database.replace('_', '-');
        MADE.add(new Made(database, source, walArchiving));
        return register(sourceCluster, database, source, walArchiving);
    }

    /** A database a test class made on the shared source cluster, and its source. */
    private record Made(String database, String source, boolean archived) {}

    private static final List<Made> MADE = new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * When a class ends, what it made on the shared source cluster goes: its sources' WAL archiving is
     * switched off ({@code PUT .../wal-archiving}; the archiver stops their streamers at its next look and
     * drops their slots; this waits for that, and drops a slot left inactive itself), and its databases are
     * dropped. Otherwise every later physical backup copies them, and every
     * archived source streams and stores all the WAL every later test writes (29 sources did, 2,828
     * segments, in one run). Best effort: what cannot be removed is reported and left.
     */
    @org.junit.jupiter.api.AfterAll
    static void retireWhatTheClassMade() {
        List<Made> made = List.copyOf(MADE);
        MADE.removeAll(made);
        if (made.isEmpty()) {
            return;
        }
        DevStack stack = SharedStack.get();
        List<String> archived =
                made.stream().filter(Made::archived).map(Made::source).toList();
        try {
            if (!archived.isEmpty()) {
                Api admin = new Api(stack.gatewayUrl(), stack.adminToken());
                for (String source : archived) {
                    Api.Response off =
                            admin.put("/api/v1/sources/" + source + "/wal-archiving", Map.of("enabled", false));
                    assertThat(off.status()).as(off.toString()).isEqualTo(200);
                }
                String[] slots = archived.stream()
                        .map(source -> io.strata.common.wal.SlotNames.forSource("strata_", source))
                        .toArray(String[]::new);
                await().atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(500))
                        .until(() -> dropInactiveSlots(stack.sourceCluster(), slots) == 0);
            }
            for (Made m : made) {
                SampleDatabase.execute(
                        stack.sourceCluster(), "postgres", "DROP DATABASE IF EXISTS " + m.database() + " WITH (FORCE)");
            }
        } catch (Exception | AssertionError e) {
            System.err.println("could not retire what the class made (" + made + "): " + e);
        }
    }

    /** Drops those of {@code slots} no walsender uses; how many are left. */
    private static int dropInactiveSlots(PgCluster cluster, String[] slots) throws java.sql.SQLException {
        try (java.sql.Connection c = cluster.connect("postgres");
                java.sql.PreparedStatement drop = c.prepareStatement("SELECT pg_drop_replication_slot(slot_name)"
                        + " FROM pg_replication_slots WHERE slot_name = ANY (?) AND NOT active");
                java.sql.PreparedStatement left =
                        c.prepareStatement("SELECT count(*) FROM pg_replication_slots WHERE slot_name = ANY (?)")) {
            drop.setArray(1, c.createArrayOf("text", slots));
            drop.execute();
            left.setArray(1, c.createArrayOf("text", slots));
            try (java.sql.ResultSet rows = left.executeQuery()) {
                rows.next();
                return rows.getInt(1);
            }
        }
    }

    /** How many replication slots named {@code name} the stack's source cluster has (0 or 1). */
    int replicationSlots(String name) throws java.sql.SQLException {
        try (java.sql.Connection c = sourceCluster.connect("postgres");
                java.sql.PreparedStatement s =
                        c.prepareStatement("SELECT count(*) FROM pg_replication_slots WHERE slot_name = ?")) {
            s.setString(1, name);
            try (java.sql.ResultSet r = s.executeQuery()) {
                r.next();
                return r.getInt(1);
            }
        }
    }

    /** Registers {@code database} of another cluster as source {@code source}, WAL archived. */
    String registerArchivedSource(PgCluster cluster, String database, String source) {
        return register(cluster, database, source, true);
    }

    private String register(PgCluster cluster, String database, String source, boolean walArchiving) {
        Api.Response created = admin.post(
                "/api/v1/sources",
                Map.of(
                        "name", source,
                        "host", cluster.host(),
                        "port", cluster.port(),
                        "database", database,
                        "username", cluster.superuser(),
                        "password", cluster.password(),
                        "walArchiving", walArchiving));
        assertThat(created.status()).as(created.toString()).isEqualTo(201);
        assertThat(created.body()).doesNotContain(cluster.password());
        return source;
    }

    /** Requests a logical backup and returns the accepted answer (202). */
    Api.Response requestBackup(String source) {
        Api.Response accepted = operator.post("/api/v1/backups", Api.backupOf(source));
        assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
        assertThat(accepted.text("status")).isEqualTo("QUEUED");
        return accepted;
    }

    JsonNode awaitJob(String jobId) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(Duration.ofMinutes(3))
                .pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> {
                    Api.Response job = viewer.get("/api/v1/jobs/" + jobId);
                    assertThat(job.status()).as(job.toString()).isEqualTo(200);
                    last[0] = job.json();
                    assertThat(last[0].get("status").asString()).isIn(TERMINAL);
                });
        return last[0];
    }

    JsonNode awaitSucceeded(String jobId) {
        JsonNode job = awaitJob(jobId);
        assertThat(job.get("status").asString()).as(job.toString()).isEqualTo("SUCCEEDED");
        return job;
    }

    /**
     * Waits until a physical restore {@code body} would be accepted: the archive must hold the WAL from the
     * backup's start to its end (and to the target), which the archiver writes a moment after the backup
     * ends. A user previews first; the test does the same instead of racing the archiver.
     */
    void awaitRestorable(Map<String, Object> body) {
        await().atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> operator.post("/api/v1/restores/preview", body), r -> r.status() == 200);
    }

    /** Holds an ACCESS EXCLUSIVE lock on {@code invoices} until the connection rolls back: pg_dump waits on it. */
    static void holdLock(java.sql.Connection connection) throws java.sql.SQLException {
        connection.setAutoCommit(false);
        try (java.sql.Statement statement = connection.createStatement()) {
            statement.execute("LOCK TABLE invoices IN ACCESS EXCLUSIVE MODE");
        }
    }

    /** Waits until the job runs and its step contains {@code step}; its view then. */
    JsonNode awaitStep(String jobId, String step) {
        return await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(
                        () -> viewer.get("/api/v1/jobs/" + jobId).json(),
                        job -> "RUNNING".equals(job.get("status").asString())
                                && job.path("currentStep").asString().contains(step));
    }

    /**
     * Restores {@code backupId} of {@code source} into a new database and checks it equals {@code before}
     * (a {@link SampleDatabase#fingerprint}); returns the new database's name.
     */
    String assertRestoresEqual(String source, String backupId, Map<String, String> before) throws Exception {
        String copy = unique("restored_copy");
        Api.Response restore = admin.post(
                "/api/v1/restores", Map.of("source", source, "backupId", backupId, "into", Map.of("database", copy)));
        assertThat(restore.status()).as(restore.toString()).isEqualTo(202);
        awaitSucceeded(restore.text("jobId"));
        assertThat(SampleDatabase.fingerprint(sourceCluster, copy)).isEqualTo(before);
        return copy;
    }

    /** The backup's manifest exists and lists objects that all exist and hash, as stored, to what it says. */
    void assertComplete(ObjectStore store, String source, io.strata.common.model.BackupId backupId) throws IOException {
        io.strata.common.storage.BackupManifest manifest = io.strata.common.messaging.Json.read(
                readPlain(store, io.strata.common.storage.StorageLayout.manifestKey(source, backupId)),
                io.strata.common.storage.BackupManifest.class);
        assertThat(manifest.objects()).isNotEmpty();
        for (io.strata.common.storage.BackupManifest.StoredObject object : manifest.objects()) {
            assertThat(storedSha256(store, object.key())).as(object.key()).isEqualTo(object.sha256());
        }
    }

    /** The SHA-256 of an object's bytes as stored. */
    static String storedSha256(ObjectStore store, String key) throws IOException {
        try (InputStream stored = store.open(key);
                io.strata.common.storage.HashingInputStream hashing =
                        new io.strata.common.storage.HashingInputStream(stored)) {
            hashing.transferTo(java.io.OutputStream.nullOutputStream());
            return hashing.sha256Hex();
        }
    }

    /** Backs up {@code source} and returns the backup id once the job succeeded. */
    String backupAndWait(String source) {
        Api.Response accepted = requestBackup(source);
        awaitSucceeded(accepted.text("jobId"));
        return accepted.text("backupId");
    }

    /**
     * Asks for the restore {@code body} describes, remembers its {@code into.dataDirectory} in {@code restored}
     * (for the test's clean-up) and waits for the job to succeed.
     */
    JsonNode restoreAndAwait(Map<String, Object> body, List<java.nio.file.Path> restored) {
        Api.Response accepted = admin.post("/api/v1/restores", body);
        assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
        @SuppressWarnings("unchecked")
        Map<String, Object> into = (Map<String, Object>) body.get("into");
        restored.add(java.nio.file.Path.of(String.valueOf(into.get("dataDirectory"))));
        return awaitSucceeded(accepted.text("jobId"));
    }

    /** The first column of the first row {@code sql} answers in {@code database} of the cluster on {@code port}. */
    String scalar(int port, String database, String sql) throws java.sql.SQLException {
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(
                        "jdbc:postgresql://127.0.0.1:" + port + "/" + database,
                        sourceCluster.superuser(),
                        sourceCluster.password());
                java.sql.Statement s = c.createStatement();
                java.sql.ResultSet r = s.executeQuery(sql)) {
            r.next();
            return r.getString(1);
        }
    }

    /** {@code SELECT count(*) FROM <from>} in {@code database} of the cluster on {@code port}. */
    long count(int port, String database, String from) throws java.sql.SQLException {
        return Long.parseLong(scalar(port, database, "SELECT count(*) FROM " + from));
    }

    /** A free TCP port on the loopback interface (for a restored cluster). */
    static int freePort() {
        try (java.net.ServerSocket socket =
                new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    ObjectStore objectStore() {
        return new S3ObjectStore(s3Client(), stack.s3Bucket(), 5 * 1024 * 1024, 1, S3ObjectStore.defaultRetry());
    }

    /** The S3 API of the stack, as the services reach it. */
    S3Client s3Client() {
        return S3Client.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .endpointOverride(stack.s3Endpoint())
                .region(Region.US_EAST_1)
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(stack.s3AccessKey(), stack.s3SecretKey())))
                .build();
    }

    /**
     * The keys the stack's services encrypt stored objects with (the backup-worker's keyring file, which
     * holds every key the tests ever made active).
     */
    Keyring storageKeys() throws IOException {
        return Keyring.fromFile(stack.encryptionKeysFile("backup-worker"));
    }

    /** The plaintext of a stored object, as the services read it. */
    byte[] readPlain(ObjectStore store, String key) throws IOException {
        return ObjectEncryption.decrypt(store.readAll(key), storageKeys());
    }

    /** A stored object's plaintext as a stream; {@code stored} sees the stored bytes go by (to hash them). */
    InputStream openPlain(InputStream stored) throws IOException {
        return ObjectEncryption.decryptIfNeeded(stored, storageKeys());
    }

    static void assertProblem(Api.Response response, int status) {
        assertThat(response.status()).as(response.toString()).isEqualTo(status);
        assertThat(response.contentType()).as(response.toString()).startsWith("application/problem+json");
        JsonNode problem = response.json();
        assertThat(problem.get("status").asInt()).isEqualTo(status);
        assertThat(problem.get("title")).as("title in " + response).isNotNull();
        assertThat(problem.get("detail").asString()).as("detail in " + response).isNotBlank();
    }
}

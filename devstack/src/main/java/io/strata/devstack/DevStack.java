package io.strata.devstack;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Strata's whole runtime on one machine, without Docker: a KRaft Kafka broker and an S3 API inside
 * this JVM, two PostgreSQL 15 clusters (the catalog's, and a "source" playing the user's database
 * server), and the five services as separate JVMs (the workers as several instances when {@link
 * DevStackOptions#backupWorkers()} or {@link DevStackOptions#restoreWorkers()} say so). Everything listens on
 * 127.0.0.1 on free ports.
 */
public final class DevStack implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(DevStack.class);
    static final String CATALOG_DATABASE = "strata_catalog";
    /**
     * The catalog's clients and the variables its application.yml reads their tokens from (each with its
     * scopes there); "admin" is the operator's, for secrets rotation.
     */
    private static final Map<String, String> CATALOG_CLIENTS =
            Collections.unmodifiableSortedMap(new TreeMap<>(Map.ofEntries(
                    Map.entry(StrataServices.GATEWAY, "STRATA_CATALOG_TOKEN_GATEWAY"),
                    Map.entry("backup-worker", "STRATA_CATALOG_TOKEN_BACKUP"),
                    Map.entry("restore-worker", "STRATA_CATALOG_TOKEN_RESTORE"),
                    Map.entry("wal-archiver", "STRATA_CATALOG_TOKEN_WAL"),
                    Map.entry("admin", "STRATA_CATALOG_TOKEN_ADMIN"))));

    /**
     * The services that store or read backup objects, each with its own keyring file; the gateway stores uploaded
     * archives (POST /api/v1/uploads) under an upload key only the restore-worker shares.
     */
    private static final List<String> ENCRYPTING_SERVICES =
            List.of("api-gateway", "backup-worker", "restore-worker", "wal-archiver");

    private final DevStackOptions options;
    /** Every service instance and its port, whether or not the services run. */
    private final List<StrataServices.Instance> instancePlan;

    private final Map<String, String> tokens = new LinkedHashMap<>();
    private final Map<String, String> catalogTokens = new LinkedHashMap<>();
    private final List<AutoCloseable> started = new ArrayList<>();
    private AlertReceiver alerts;
    private final Thread shutdownHook = new Thread(this::close, "devstack-shutdown");
    private PgCluster catalogCluster;
    private PgCluster sourceCluster;
    private KafkaBroker kafka;
    private PgCommands pg;
    private Path pgBase;
    private S3Server s3;
    private S3FaultProxy s3Faults;
    private StrataServices services;
    private boolean closed;

    private DevStack(DevStackOptions options, List<StrataServices.Instance> instancePlan) {
        this.options = options;
        this.instancePlan = instancePlan;
        for (String role : List.of("admin", "operator", "viewer")) {
            tokens.put(role, Secrets.token(role));
        }
        for (String client : CATALOG_CLIENTS.keySet()) {
            catalogTokens.put(client, Secrets.token("catalog-" + client));
        }
    }

    /** Starts everything and returns once every component answers (services: {@code /actuator/health} UP). */
    public static DevStack start(DevStackOptions options) throws Exception {
        return start(options, false);
    }

    /**
     * As {@link #start(DevStackOptions)}; {@code preferDefaultPorts} gives services 8080..8084 where free (the
     * first instance of each; further worker instances take free ports).
     */
    static DevStack start(DevStackOptions options, boolean preferDefaultPorts) throws Exception {
        Path stateDir = options.stateDir();
        StackFiles.livePid(stateDir)
                .filter(p -> p.pid() != ProcessHandle.current().pid())
                .ifPresent(p -> {
                    throw new DevStackException("a dev stack (pid " + p.pid() + ") already runs in " + stateDir
                            + ": stop it with ./strata down");
                });
        if (options.withServices()) {
            StrataServices.requireJars(options.repoRoot());
        }
        Files.createDirectories(stateDir);
        StackFiles.clearPrevious(stateDir);
        DevStack stack = new DevStack(
                options,
                StrataServices.plan(
                        StrataServices.counts(options.backupWorkers(), options.restoreWorkers()), preferDefaultPorts));
        Runtime.getRuntime().addShutdownHook(stack.shutdownHook);
        try {
            stack.startInfrastructure();
            if (options.withServices()) {
                stack.startServices();
            }
            stack.writeStackFiles();
            return stack;
        } catch (Exception | Error e) {
            stack.close();
            throw e;
        }
    }

    private void startInfrastructure() throws Exception {
        pg = new PgCommands(PgCommands.defaultBinDir());
        pgBase = postgresBaseDir(pg);
        pg.createPrivateDir(pgBase);
        Path stateDir = options.stateDir();
        try (ExecutorService starters = Executors.newFixedThreadPool(4)) {
            Future<PgCluster> catalog = starters.submit(track(() -> PgCluster.create("catalog", pgBase, pg)));
            Future<PgCluster> source = starters.submit(track(() -> PgCluster.create("source", pgBase, pg)));
            Future<KafkaBroker> broker = starters.submit(track(() -> KafkaBroker.start(stateDir.resolve("kafka"))));
            Future<S3Server> objects = starters.submit(track(() -> S3Server.start(stateDir.resolve("s3"))));
            catalogCluster = await(catalog);
            sourceCluster = await(source);
            kafka = await(broker);
            s3 = await(objects);
        }
        // the services reach S3 through a proxy that injects faults when a test asks for them (off by default)
        s3Faults = S3FaultProxy.start(s3.endpoint());
        alerts = AlertReceiver.start();
        synchronized (started) {
            started.add(s3Faults);
            started.add(alerts);
        }
        catalogCluster.createDatabase(CATALOG_DATABASE);
        log.info(
                "infrastructure up: Kafka {}, S3 {}, {}, {}",
                kafka.bootstrap(),
                s3.endpoint(),
                catalogCluster,
                sourceCluster);
    }

    /** Remembers each component as soon as it is up, so a failure of another still stops it. */
    private <T extends AutoCloseable> Callable<T> track(Callable<T> starter) {
        return () -> {
            T component = starter.call();
            synchronized (started) {
                started.add(component);
            }
            return component;
        };
    }

    /**
     * PostgreSQL runs as the postgres user, which must be able to reach its data directory; when the
     * state directory is private to root (a temp dir, /root/...), the data goes to /tmp instead.
     */
    private Path postgresBaseDir(PgCommands pg) throws IOException {
        Path inState = options.stateDir().resolve("pg");
        // a restore-worker running as root refuses a data root (beside the clusters' base) that anyone but
        // root could rename: a state directory in a user's home, used through sudo, sends the data outside
        boolean rootOnly = !pg.runsAsRoot()
                || io.strata.common.files.RootOnly.whyNot(options.stateDir().toRealPath())
                        .isEmpty();
        if (pg.canTraverse(options.stateDir()) && rootOnly) {
            return inState;
        }
        // the clusters' base inside a directory of the stack's own (root's, 0755), beside the restore root:
        // a restore-worker running as root refuses a data root inside a directory of the postgres user's
        Path outside = Path.of(
                System.getProperty("java.io.tmpdir"),
                "strata-pg-" + Secrets.random(10).toLowerCase());
        Files.createDirectory(outside);
        Files.setPosixFilePermissions(outside, PosixFilePermissions.fromString("rwxr-xr-x")); // whatever the umask
        Files.writeString(options.stateDir().resolve(StackFiles.PG_LOCATION), outside + "\n");
        return outside.resolve("pg");
    }

    private void startServices() throws Exception {
        Map<String, String> shared = new LinkedHashMap<>();
        shared.put("STRATA_KAFKA_BOOTSTRAP", kafka.bootstrap());
        shared.put("STRATA_CATALOG_URL", catalogUrl().toString());
        // the stack's S3 API, unless the caller's environment says STRATA_STORAGE_TYPE=local: the services
        // then store in <stateDir>/storage (bench/backup-chains.sh compares with pgBackRest writing to disk)
        shared.put("STRATA_STORAGE_TYPE", storageType());
        shared.put("STRATA_S3_ENDPOINT", s3Faults.endpoint().toString());
        shared.put("STRATA_S3_BUCKET", S3Server.BUCKET);
        shared.put("STRATA_S3_ACCESS_KEY", s3.accessKey());
        shared.put("STRATA_S3_SECRET_KEY", s3.secretKey());
        shared.put("STRATA_S3_CREATE_BUCKET", "true");
        shared.put("STRATA_STORAGE_ROOT", storageRoot().toString());
        shared.put("STRATA_PG_BIN", PgCommands.defaultBinDir().toString());
        // point-in-time restores write only here (the gateway checks requests against it too)
        shared.put("STRATA_RESTORE_DATA_ROOTS", restoreRoot().toString());
        shared.put("STRATA_RESTORE_STATE_DIR", pgBase.resolve("restore-worker").toString());
        // job leases: a killed worker's job is taken back within seconds, not half a minute (heartbeats every
        // 2 s, so three fit in a lease; the catalog looks for expired leases every second). The caller's
        // environment may set the production defaults (30s, 5s), as bench/job-runtime.sh does to measure them.
        shared.put("STRATA_WORKER_LEASE", System.getenv().getOrDefault("STRATA_WORKER_LEASE", "6s"));
        shared.put(
                "STRATA_CATALOG_LEASE_SWEEP_INTERVAL",
                System.getenv().getOrDefault("STRATA_CATALOG_LEASE_SWEEP_INTERVAL", "1s"));
        // the orphan sweep runs often and waits little, so a killed backup's leftovers go within a minute
        shared.put("STRATA_ORPHAN_SWEEP_INTERVAL", "10s");
        shared.put("STRATA_ORPHAN_SWEEP_GRACE", "20s");
        // every dev stack source is on this host: sources elsewhere (169.254.169.254 included) are refused,
        // unless the caller's environment says otherwise (empty allows any address)
        shared.put(
                "STRATA_SOURCES_ALLOWED_NETWORKS",
                System.getenv().getOrDefault("STRATA_SOURCES_ALLOWED_NETWORKS", "127.0.0.0/8,::1/128"));
        Map<String, Map<String, String>> own = Map.of(
                StrataServices.CATALOG,
                        Map.of(
                                "STRATA_CATALOG_DB_URL",
                                catalogCluster.jdbcUrl(CATALOG_DATABASE),
                                "STRATA_CATALOG_DB_USER",
                                catalogCluster.superuser(),
                                "STRATA_CATALOG_DB_PASSWORD",
                                catalogCluster.password(),
                                // a short grace, so the demo and the tests see an archiver outage alerted
                                "STRATA_ALERT_ARCHIVING_STOPPED_AFTER",
                                "20s",
                                // and a WAL gap within seconds of the WAL after it
                                "STRATA_ALERT_GAP_CHECK_EVERY",
                                "5s",
                                // schedules are looked at every second (unless the caller's environment sets
                                // the production 5s, as bench/schedule-fanout.sh does), and a source's slots
                                // wait at most 5 s
                                "STRATA_SCHEDULER_TICK",
                                System.getenv().getOrDefault("STRATA_SCHEDULER_TICK", "1s"),
                                "STRATA_SCHEDULER_SPREAD",
                                "5s",
                                // every alert goes to the stack's own receiver (logged; tests read it)
                                "STRATA_ALERTS_WEBHOOK_URL",
                                alerts.url().toString()),
                StrataServices.GATEWAY,
                        Map.of(
                                "STRATA_ADMIN_TOKEN", adminToken(),
                                "STRATA_OPERATOR_TOKEN", operatorToken(),
                                "STRATA_VIEWER_TOKEN", viewerToken()),
                // archiving switched on starts within a second, not up to five (the demo waits for it)
                StrataServices.WAL_ARCHIVER,
                        Map.of(
                                "STRATA_WAL_POLL_INTERVAL",
                                System.getenv().getOrDefault("STRATA_WAL_POLL_INTERVAL", "1s")));
        services = StrataServices.prepare(
                options.repoRoot(),
                instancePlan,
                shared,
                withCatalogCredentials(own),
                options.stateDir().resolve("logs"));
        services.startAll();
    }

    /**
     * {@code own} plus each service's own catalog token as its STRATA_CATALOG_TOKEN (what its platform
     * client presents), and for the catalog every client's token and the key for source passwords.
     */
    private Map<String, Map<String, String>> withCatalogCredentials(Map<String, Map<String, String>> own)
            throws IOException {
        Map<String, Map<String, String>> env = new LinkedHashMap<>();
        for (String name : StrataServices.NAMES) {
            Map<String, String> service = new LinkedHashMap<>(own.getOrDefault(name, Map.of()));
            if (!name.equals(StrataServices.CATALOG)) { // the catalog takes its clients' tokens, below
                service.put("STRATA_CATALOG_TOKEN", catalogToken(name));
            }
            env.put(name, service);
        }
        Map<String, String> catalog = env.get(StrataServices.CATALOG);
        CATALOG_CLIENTS.forEach((client, variable) -> catalog.put(variable, catalogToken(client)));
        Path keyFile = options.stateDir().resolve(StackFiles.CATALOG_SECRETS_KEYS);
        StackFiles.writeSecret(keyFile, Secrets.keyringLine("devstack-1") + "\n");
        catalog.put("STRATA_CATALOG_SECRETS_KEY_FILE", keyFile.toString());
        // client-side encryption of everything stored: on in every dev stack, so the demo and the tests
        // exercise it; one file per service so a test can take a key from one service only
        String storageKey = Secrets.keyringLine("devstack-storage-1") + "\n";
        // the gateway stores uploaded archives under a key of their own, which the restore-worker also holds (its
        // storage key last, so active): the internet-facing gateway holds no key that reads backups or WAL
        String uploadKey = Secrets.keyringLine("devstack-upload-1") + "\n";
        Files.createDirectories(options.stateDir().resolve(StackFiles.ENCRYPTION_KEYS));
        for (String service : ENCRYPTING_SERVICES) {
            String keys = switch (service) {
                case "api-gateway" -> uploadKey;
                case "restore-worker" -> uploadKey + storageKey;
                default -> storageKey;
            };
            StackFiles.writeSecret(encryptionKeysFile(service), keys);
            env.get(service)
                    .put(
                            "STRATA_ENCRYPTION_KEYS_FILE",
                            encryptionKeysFile(service).toString());
        }
        return env;
    }

    /** The directory the services store in when {@link #storageType()} is {@code local}. */
    private Path storageRoot() {
        return options.stateDir().resolve("storage");
    }

    /** Where the services store: {@code s3} (the stack's S3 API, the default) or {@code local}. */
    static String storageType() {
        String type = System.getenv().getOrDefault("STRATA_STORAGE_TYPE", "s3");
        if (!type.equals("s3") && !type.equals("local")) {
            throw new DevStackException("STRATA_STORAGE_TYPE is '" + type + "'; the dev stack stores in s3 (its S3"
                    + " API, the default) or local (the directory <state dir>/storage). Unset it or set one of them.");
        }
        return type;
    }

    private void writeStackFiles() throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("STRATA_GATEWAY_URL", gatewayUrl().toString());
        env.put("STRATA_ADMIN_TOKEN", adminToken());
        env.put("STRATA_OPERATOR_TOKEN", operatorToken());
        env.put("STRATA_VIEWER_TOKEN", viewerToken());
        env.put("STRATA_SOURCE_PG_HOST", sourceCluster.host());
        env.put("STRATA_SOURCE_PG_PORT", String.valueOf(sourceCluster.port()));
        env.put("STRATA_SOURCE_PG_USER", sourceCluster.superuser());
        env.put("STRATA_SOURCE_PG_PASSWORD", sourceCluster.password());
        env.put("STRATA_CATALOG_URL", catalogUrl().toString());
        CATALOG_CLIENTS.forEach((client, variable) -> env.put(variable, catalogToken(client)));
        env.put("STRATA_KAFKA_BOOTSTRAP", kafkaBootstrap());
        env.put("STRATA_S3_ENDPOINT", s3Endpoint().toString());
        env.put("STRATA_S3_ACCESS_KEY", s3AccessKey());
        env.put("STRATA_S3_SECRET_KEY", s3SecretKey());
        env.put("STRATA_S3_BUCKET", s3Bucket());
        env.put("STRATA_STORAGE_TYPE", storageType());
        env.put("STRATA_STORAGE_ROOT", storageRoot().toString());
        env.putAll(StrataServices.stackEnv(instancePlan));
        StackFiles.writeSecret(options.stateDir().resolve(StackFiles.ADMIN_TOKEN), adminToken() + "\n");
        StackFiles.writeSecret(options.stateDir().resolve(StackFiles.STACK_ENV), StackFiles.format(env));
    }

    static <T> T await(Future<T> future) throws Exception {
        try {
            return future.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw e;
        }
    }

    public String kafkaBootstrap() {
        return kafka.bootstrap();
    }

    /**
     * Restarts the Kafka broker (down for {@code down}), keeping its ports, topics, offsets and share-group
     * state; for fault tests. Returns once it answers again.
     */
    public void restartKafka(java.time.Duration down) throws InterruptedException {
        kafka.restart(down);
    }

    /** The S3 API itself (the services go through {@link #s3Faults()}). */
    /** The stack's alert webhook: what the catalog POSTed to it. */
    public AlertReceiver alertWebhook() {
        return alerts;
    }

    public URI s3Endpoint() {
        return s3.endpoint();
    }

    /** The proxy between the services and the S3 API: a test sets its fault rate. */
    public S3FaultProxy s3Faults() {
        return s3Faults;
    }

    public String s3Bucket() {
        return S3Server.BUCKET;
    }

    public String s3AccessKey() {
        return s3.accessKey();
    }

    public String s3SecretKey() {
        return s3.secretKey();
    }

    public PgCluster catalogCluster() {
        return catalogCluster;
    }

    /**
     * A further PostgreSQL cluster (its own server, like the source's), stopped with the stack; for tests
     * that must shut a source down or load it without disturbing the shared one.
     */
    public PgCluster newCluster(String name) throws IOException {
        PgCluster cluster = PgCluster.create(name, pgBase, pg);
        synchronized (started) {
            started.add(cluster);
        }
        return cluster;
    }

    /** A directory the postgres user can reach, for data directories of restored clusters. */
    public Path postgresDir() {
        return pgBase;
    }

    /**
     * The data root point-in-time restores write into: reachable by the postgres user, beside (not inside)
     * the clusters' base, which that user owns. A restore-worker running as root refuses a data root that
     * anyone but root could rename or replace.
     */
    public Path restoreRoot() {
        return pgBase.resolveSibling("restores");
    }

    /** Stops (immediately) a cluster Strata restored into {@code dataDir}, if it runs. */
    public void stopRestoredCluster(Path dataDir) {
        new RestoredClusters(pg).stop(dataDir);
    }

    public PgCluster sourceCluster() {
        return sourceCluster;
    }

    /**
     * The keyring file (mode 0600, {@code <id>:<base64>} lines, the last key active) through which {@code
     * service} (backup-worker, restore-worker or wal-archiver) encrypts and decrypts stored objects; the
     * service re-reads it when it changes.
     */
    public Path encryptionKeysFile(String service) {
        if (!ENCRYPTING_SERVICES.contains(service)) {
            throw new IllegalArgumentException(
                    "no keyring for " + service + "; services with one are " + ENCRYPTING_SERVICES);
        }
        return options.stateDir().resolve(StackFiles.ENCRYPTION_KEYS).resolve(service + ".keys");
    }

    public URI gatewayUrl() {
        return URI.create("http://127.0.0.1:" + firstPort(StrataServices.GATEWAY));
    }

    public URI catalogUrl() {
        return URI.create("http://127.0.0.1:" + firstPort(StrataServices.CATALOG));
    }

    private int firstPort(String service) {
        return instancePlan.stream()
                .filter(i -> i.service().equals(service))
                .findFirst()
                .orElseThrow()
                .port();
    }

    /**
     * The catalog token of {@code client}: a service name ({@code api-gateway}, {@code backup-worker},
     * {@code restore-worker}, {@code wal-archiver}) or {@code admin} (catalog:read, audit:read, secrets:rotate, invalid-events:read).
     */
    public String catalogToken(String client) {
        String token = catalogTokens.get(client);
        if (token == null) {
            throw new IllegalArgumentException(
                    "no catalog client " + client + "; clients are " + CATALOG_CLIENTS.keySet());
        }
        return token;
    }

    /** The operator's catalog token: catalog:read, audit:read, secrets:rotate and invalid-events:read. */
    public String catalogAdminToken() {
        return catalogToken("admin");
    }

    public String adminToken() {
        return tokens.get("admin");
    }

    public String operatorToken() {
        return tokens.get("operator");
    }

    public String viewerToken() {
        return tokens.get("viewer");
    }

    public Path stateDir() {
        return options.stateDir();
    }

    /**
     * An instance by name ({@code backup-worker-2}), or by the name of a service ({@code api-gateway,
     * catalog-service, backup-worker, restore-worker, wal-archiver}): its only instance, or its first
     * ({@code backup-worker-1}) when several run.
     */
    public ManagedService service(String name) {
        return requireServices().get(name);
    }

    /**
     * The instances of {@code service}, in order: one, or {@code backup-worker-1} … {@code backup-worker-N};
     * e.g. to find the instance that runs a job (the job's owner starts with the instance name) and kill it.
     */
    public List<ManagedService> instances(String service) {
        return requireServices().instances(service);
    }

    /**
     * The names of every service instance, in contract order ({@code api-gateway, catalog-service,
     * backup-worker-1, backup-worker-2, restore-worker, wal-archiver} with two backup workers).
     */
    public List<String> instanceNames() {
        return instancePlan.stream().map(StrataServices.Instance::name).toList();
    }

    private StrataServices requireServices() {
        if (services == null) {
            throw new IllegalStateException("this dev stack was started without services (withServices=false)");
        }
        return services;
    }

    /** Stops services (SIGTERM, 10 s grace), then S3, Kafka and PostgreSQL; removes the state unless keepData. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException e) {
                // the JVM is already shutting down; the hook may run, and will find us closed
            }
        }
        if (services != null) {
            services.stopAll();
        }
        List<AutoCloseable> components;
        synchronized (started) {
            components = new ArrayList<>(started);
        }
        // reverse start order: nothing keeps writing to a component that is already gone
        for (AutoCloseable component : components.reversed()) {
            quietly(component);
        }
        if (!options.keepData()) {
            deleteState();
        }
    }

    /** How long one component may take to stop before the stack stops waiting for it (and goes on). */
    private static final java.time.Duration COMPONENT_STOP = java.time.Duration.ofSeconds(10);

    /**
     * Closes {@code component}, waiting at most {@link #COMPONENT_STOP}: an in-process Kafka broker restarted
     * during a test was seen to hang in its shutdown for more than half a minute, holding up the JVM's exit.
     */
    private static void quietly(AutoCloseable component) {
        Thread closer = Thread.ofPlatform().daemon().name("devstack-stop").start(() -> {
            try {
                component.close();
            } catch (Exception e) {
                log.warn("stopping {} failed: {}", component, e.getMessage(), e);
            }
        });
        try {
            if (!closer.join(COMPONENT_STOP)) {
                log.warn("{} did not stop within {}; going on without it", component, COMPONENT_STOP);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void deleteState() {
        try {
            StackFiles.clearPrevious(options.stateDir());
            Files.deleteIfExists(options.stateDir().resolve(StackFiles.PID));
            try (var left = Files.list(options.stateDir())) {
                if (left.findAny().isEmpty()) {
                    Files.delete(options.stateDir());
                }
            }
        } catch (IOException e) {
            log.warn("could not remove the dev stack state {}: {}", options.stateDir(), e.getMessage());
        }
    }
}

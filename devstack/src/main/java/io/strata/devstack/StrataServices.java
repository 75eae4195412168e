package io.strata.devstack;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntSupplier;
import java.util.function.IntUnaryOperator;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The five Strata services of a dev stack: their instances, ports, environments and start order. A
 * service runs once under its own name, except the workers, which may run as several instances
 * ({@code backup-worker-1} … {@code backup-worker-N}), each a process with its own port and logs.
 */
final class StrataServices {
    private static final Logger log = LoggerFactory.getLogger(StrataServices.class);
    static final String GATEWAY = "api-gateway";
    static final String CATALOG = "catalog-service";
    static final String BACKUP_WORKER = "backup-worker";
    static final String RESTORE_WORKER = "restore-worker";
    static final String WAL_ARCHIVER = "wal-archiver";
    /** In contract order, so the default ports are 8080 + index. */
    static final List<String> NAMES = List.of(GATEWAY, CATALOG, BACKUP_WORKER, RESTORE_WORKER, WAL_ARCHIVER);
    /** The services that may run as several instances. */
    static final Set<String> SCALABLE = Set.of(BACKUP_WORKER, RESTORE_WORKER);

    private static final String VERSION = "0.1.0-SNAPSHOT";
    private static final int PORT_ATTEMPTS = 100;

    /**
     * One process of a service.
     *
     * @param service the service it is an instance of (its jar, heap and environment)
     * @param name the service's name when it runs once, else {@code <service>-<n>} from 1
     * @param port its HTTP port
     */
    record Instance(String service, String name, int port) {}

    /** Every instance by name, in contract order. */
    private final Map<String, ManagedService> instances = new LinkedHashMap<>();
    /** How each service is launched (shared by its instances). */
    private final Map<String, ServiceLaunch> launches = new LinkedHashMap<>();

    private StrataServices() {}

    /** How many instances of each service: the given worker counts, one of everything else. */
    static Map<String, Integer> counts(int backupWorkers, int restoreWorkers) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String service : NAMES) {
            counts.put(service, 1);
        }
        counts.put(BACKUP_WORKER, backupWorkers);
        counts.put(RESTORE_WORKER, restoreWorkers);
        return counts;
    }

    /** {@code service} alone when {@code count} is 1, else {@code service-1} … {@code service-count}. */
    static List<String> instanceNames(String service, int count) {
        if (count < 1) {
            throw new IllegalArgumentException(service + " needs at least one instance, not " + count);
        }
        if (count == 1) {
            return List.of(service);
        }
        if (!SCALABLE.contains(service)) {
            throw new IllegalArgumentException(
                    "only " + SCALABLE.stream().sorted().toList() + " may run several instances, not " + service);
        }
        return IntStream.rangeClosed(1, count).mapToObj(i -> service + "-" + i).toList();
    }

    /**
     * The instances to run and their ports: the first instance of each service the contract default
     * (8080 + index) when asked and free, every other one any free port.
     */
    static List<Instance> plan(Map<String, Integer> counts, boolean preferDefaults) {
        return plan(counts, preferDefaults ? Ports::preferOrFree : preferred -> Ports.free(), Ports::free);
    }

    /**
     * As {@link #plan(Map, boolean)}, with the ports from {@code firstPort} (given the service's default
     * port) for the first instance of each service and from {@code otherPort} for the rest; a port handed
     * out twice is replaced by another from {@code otherPort}, so every instance has its own.
     */
    static List<Instance> plan(Map<String, Integer> counts, IntUnaryOperator firstPort, IntSupplier otherPort) {
        for (String service : counts.keySet()) {
            if (!NAMES.contains(service)) {
                throw new IllegalArgumentException("no service " + service + "; services are " + NAMES);
            }
        }
        List<Instance> plan = new ArrayList<>();
        Set<Integer> taken = new HashSet<>();
        for (int i = 0; i < NAMES.size(); i++) {
            String service = NAMES.get(i);
            List<String> names = instanceNames(service, counts.getOrDefault(service, 1));
            for (int n = 0; n < names.size(); n++) {
                int port = n == 0 ? firstPort.applyAsInt(8080 + i) : otherPort.getAsInt();
                for (int attempt = 0; taken.contains(port); attempt++) {
                    if (attempt == PORT_ATTEMPTS) {
                        throw new DevStackException("no free port for " + names.get(n) + " after " + PORT_ATTEMPTS
                                + " attempts (all taken by other instances)");
                    }
                    port = otherPort.getAsInt();
                }
                taken.add(port);
                plan.add(new Instance(service, names.get(n), port));
            }
        }
        return List.copyOf(plan);
    }

    /** {@code STRATA_<NAME>_PORT}, e.g. {@code STRATA_BACKUP_WORKER_2_PORT} for {@code backup-worker-2}. */
    static String portVariable(String serviceOrInstance) {
        return "STRATA_" + serviceOrInstance.toUpperCase(Locale.ROOT).replace('-', '_') + "_PORT";
    }

    /**
     * The ports for {@code stack.env}: {@code STRATA_<SERVICE>_PORT} of each service's first instance (what
     * scripts read when a service runs once), {@code STRATA_<INSTANCE>_PORT} of every instance, and {@code
     * STRATA_INSTANCES}, every instance's name, comma-separated.
     */
    static Map<String, String> stackEnv(List<Instance> plan) {
        Map<String, String> env = new LinkedHashMap<>();
        for (Instance instance : plan) {
            env.putIfAbsent(portVariable(instance.service()), String.valueOf(instance.port()));
            env.put(portVariable(instance.name()), String.valueOf(instance.port()));
        }
        env.put(
                "STRATA_INSTANCES",
                String.join(",", plan.stream().map(Instance::name).toList()));
        return env;
    }

    static Path jar(Path repoRoot, String name) {
        return repoRoot.resolve(name).resolve("target").resolve(name + "-" + VERSION + ".jar");
    }

    static void requireJars(Path repoRoot) {
        List<String> missing = NAMES.stream()
                .filter(n -> !Files.isRegularFile(jar(repoRoot, n)))
                .toList();
        if (!missing.isEmpty()) {
            throw new DevStackException("no service jar for " + missing + " (looked for "
                    + jar(repoRoot, missing.getFirst()) + "): build first: ./mvnw -DskipTests install");
        }
    }

    /**
     * Prepares the instances of {@code plan} without starting them; fails at once when a jar is missing.
     * Each instance gets {@code sharedEnv}, its service's {@code ownEnv}, its own {@code SERVER_PORT}, log
     * files ({@code <logDir>/<instance>.json} and {@code .out}) and {@code STRATA_INSTANCE} (its name).
     */
    static StrataServices prepare(
            Path repoRoot,
            List<Instance> plan,
            Map<String, String> sharedEnv,
            Map<String, Map<String, String>> ownEnv,
            Path logDir) {
        requireJars(repoRoot);
        StrataServices result = new StrataServices();
        for (String service : NAMES) {
            result.launches.put(service, new ServiceLaunch(service, jar(repoRoot, service)));
        }
        for (Instance instance : plan) {
            String name = instance.name();
            Map<String, String> env = new HashMap<>(sharedEnv);
            env.putAll(ownEnv.getOrDefault(instance.service(), Map.of()));
            env.put("SERVER_PORT", String.valueOf(instance.port()));
            env.put("LOGGING_FILE_NAME", logDir.resolve(name + ".json").toString());
            env.put("STRATA_INSTANCE", name);
            ManagedService previous = result.instances.put(
                    name,
                    new ManagedService(
                            name,
                            instance.service(),
                            result.launches.get(instance.service()),
                            instance.port(),
                            env,
                            logDir.resolve(name + ".out")));
            if (previous != null) {
                throw new IllegalArgumentException("two instances named " + name);
            }
        }
        return result;
    }

    /**
     * Extracts the jars and, where a service has no ahead-of-time cache for this build yet, trains one
     * (see {@link ServiceLaunch}); then starts the catalog first, since every other service calls it, and
     * every other instance at once.
     */
    void startAll() throws Exception {
        for (ServiceLaunch launch : launches.values()) {
            launch.prepare(ManagedService.javaBinary());
        }
        List<ManagedService> trainees = NAMES.stream()
                .map(this::instances)
                .filter(i -> !i.isEmpty() && i.getFirst().needsTraining())
                .map(List::getFirst)
                .toList();
        if (!trainees.isEmpty()) {
            log.info(
                    "first start of this build: training the ahead-of-time caches of {} (once; later starts take"
                            + " about a third of the CPU)",
                    trainees.stream().map(ManagedService::service).toList());
            List<ManagedService> trained = new CopyOnWriteArrayList<>();
            startInOrder(trainees, service -> {
                if (service.train()) {
                    trained.add(service);
                }
            });
            endTrainings(trained);
        }
        startInOrder(List.copyOf(instances.values()), service -> {
            service.start();
            service.awaitHealthy();
        });
    }

    /** What starts one instance and waits until it is healthy. */
    @FunctionalInterface
    private interface Starter {
        void start(ManagedService service) throws Exception;
    }

    /** The catalog's instances first, one by one; then the others at once. */
    private static void startInOrder(List<ManagedService> services, Starter starter) throws Exception {
        for (ManagedService service : services) {
            if (service.service().equals(CATALOG)) {
                starter.start(service);
            }
        }
        try (ExecutorService starters = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> started = new ArrayList<>();
            for (ManagedService service : services) {
                if (!service.service().equals(CATALOG)) {
                    started.add(starters.submit(() -> {
                        starter.start(service);
                        return null;
                    }));
                }
            }
            for (Future<?> f : started) {
                DevStack.await(f);
            }
        }
    }

    /** Stops every training run at once (their JVMs write the caches as they exit). */
    private static void endTrainings(List<ManagedService> trainees) throws Exception {
        try (ExecutorService stoppers = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> stopped = new ArrayList<>();
            for (ManagedService trainee : trainees) {
                stopped.add(stoppers.submit(() -> {
                    trainee.endTraining();
                    return null;
                }));
            }
            for (Future<?> f : stopped) {
                DevStack.await(f);
            }
        }
    }

    /** The instance {@code name}, or, given a service's name, its only instance or else its first. */
    ManagedService get(String name) {
        ManagedService instance = instances.get(name);
        if (instance != null) {
            return instance;
        }
        if (NAMES.contains(name) && !instances(name).isEmpty()) {
            return instances(name).getFirst();
        }
        throw new IllegalArgumentException("no service or instance " + name + "; instances are " + instanceNames());
    }

    /** The instances of {@code service}, in order ({@code backup-worker-1} first). */
    List<ManagedService> instances(String service) {
        if (!NAMES.contains(service)) {
            throw new IllegalArgumentException("no service " + service + "; services are " + NAMES);
        }
        return instances.values().stream()
                .filter(s -> s.service().equals(service))
                .toList();
    }

    /** Every instance's name, in contract order. */
    List<String> instanceNames() {
        return List.copyOf(instances.keySet());
    }

    /** SIGTERM to all instances at once, then up to 10 s each before SIGKILL. */
    void stopAll() {
        List<Thread> stoppers = new ArrayList<>();
        for (ManagedService service : instances.values()) {
            stoppers.add(Thread.ofVirtual().start(() -> service.stop(ManagedService.STOP_GRACE)));
        }
        for (Thread t : stoppers) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}

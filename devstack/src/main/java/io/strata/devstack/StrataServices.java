package io.strata.devstack;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** The five Strata services of a dev stack: their ports, environments and start order. */
final class StrataServices {
    static final String GATEWAY = "api-gateway";
    static final String CATALOG = "catalog-service";
    /** In contract order, so the default ports are 8080 + index. */
    static final List<String> NAMES = List.of(GATEWAY, CATALOG, "backup-worker", "restore-worker", "wal-archiver");

    private static final String VERSION = "0.1.0-SNAPSHOT";

    private final Map<String, ManagedService> services = new LinkedHashMap<>();

    private StrataServices() {}

    /** Ports for every service: the contract defaults when asked and free, else any free port. */
    static Map<String, Integer> ports(boolean preferDefaults) {
        Map<String, Integer> ports = new LinkedHashMap<>();
        for (int i = 0; i < NAMES.size(); i++) {
            ports.put(NAMES.get(i), preferDefaults ? Ports.preferOrFree(8080 + i) : Ports.free());
        }
        return ports;
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

    /** Prepares the services without starting them; fails at once when a jar is missing. */
    static StrataServices prepare(
            Path repoRoot,
            Map<String, Integer> ports,
            Map<String, String> sharedEnv,
            Map<String, Map<String, String>> ownEnv,
            Path logDir) {
        requireJars(repoRoot);
        StrataServices result = new StrataServices();
        for (String name : NAMES) {
            Map<String, String> env = new HashMap<>(sharedEnv);
            env.putAll(ownEnv.getOrDefault(name, Map.of()));
            env.put("SERVER_PORT", String.valueOf(ports.get(name)));
            env.put("LOGGING_FILE_NAME", logDir.resolve(name + ".json").toString());
            result.services.put(
                    name,
                    new ManagedService(name, jar(repoRoot, name), ports.get(name), env, logDir.resolve(name + ".out")));
        }
        return result;
    }

    /** The catalog first, since every other service calls it; then the rest at once. */
    void startAll() throws Exception {
        ManagedService catalog = services.get(CATALOG);
        catalog.start();
        catalog.awaitHealthy();
        List<ManagedService> rest =
                services.values().stream().filter(s -> s != catalog).toList();
        for (ManagedService service : rest) {
            service.start();
        }
        try (ExecutorService waiters = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> health = new ArrayList<>();
            for (ManagedService service : rest) {
                health.add(waiters.submit(() -> {
                    service.awaitHealthy();
                    return null;
                }));
            }
            for (Future<?> f : health) {
                DevStack.await(f);
            }
        }
    }

    ManagedService get(String name) {
        ManagedService service = services.get(name);
        if (service == null) {
            throw new IllegalArgumentException("no service " + name + "; services are " + NAMES);
        }
        return service;
    }

    /** SIGTERM to all at once, then up to 10 s each before SIGKILL. */
    void stopAll() {
        List<Thread> stoppers = new ArrayList<>();
        for (ManagedService service : services.values()) {
            stoppers.add(Thread.ofVirtual().start(() -> service.stop(java.time.Duration.ofSeconds(10))));
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

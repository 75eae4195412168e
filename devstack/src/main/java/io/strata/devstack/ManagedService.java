package io.strata.devstack;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One instance of a Strata service running as its own JVM, launched from the service's executable jar.
 * Its stdout and stderr go to {@code <stateDir>/logs/<name>.out}, its structured log to {@code
 * <stateDir>/logs/<name>.json}; {@code name} is the service's own when it runs once, else {@code
 * <service>-<n>}.
 */
public final class ManagedService {
    private static final Logger log = LoggerFactory.getLogger(ManagedService.class);
    /**
     * How long a start may take before the stack gives up. A start takes 5-15 s; the first one after a build
     * trains the ahead-of-time cache of all five services at once, and on two busy cores one of them was seen
     * to need more than 120 s. A longer wait only delays a start that is stuck anyway.
     */
    static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(240);

    static final Duration STOP_GRACE = Duration.ofSeconds(10);
    /** A training run's JVM writes its cache as it exits: 15 s alone on two cores, longer with others. */
    static final Duration TRAINING_EXIT = Duration.ofMinutes(3);

    private static final int LOG_TAIL_LINES = 30;
    /** The JVM's lines about its ahead-of-time cache (unified logging's {@code [aot]} and the cache assembly). */
    private static final Pattern AOT_LINE = Pattern.compile(
            "^\\[[0-9.]+s\\]\\[\\w+\\s*\\]\\[aot|AOTConfiguration|AOTCache|JAVA_TOOL_OPTIONS|AOT cache|AOT configuration");

    private final String name;
    private final String service;
    private final ServiceLaunch launch;
    private final int port;
    private final Map<String, String> env;
    private final Path logFile;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private Process process;

    ManagedService(String name, String service, ServiceLaunch launch, int port, Map<String, String> env, Path logFile) {
        this.name = name;
        this.service = service;
        this.launch = launch;
        this.port = port;
        this.env = Map.copyOf(env);
        this.logFile = logFile;
    }

    /** This instance's name: {@code backup-worker}, or {@code backup-worker-2} when several run. */
    public String name() {
        return name;
    }

    /** The service this is an instance of ({@code backup-worker} for {@code backup-worker-2}). */
    public String service() {
        return service;
    }

    /** The environment it runs with (besides the inherited one), for tests. */
    Map<String, String> env() {
        return env;
    }

    public int port() {
        return port;
    }

    public URI baseUrl() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** The running JVM's process id; after {@link #kill()} the id of the process that was killed. */
    public synchronized long pid() {
        if (process == null) {
            throw new IllegalStateException(name + " was never started");
        }
        return process.pid();
    }

    public synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** The service's stdout and stderr. */
    public Path logFile() {
        return logFile;
    }

    /** SIGKILL, as a crash or an OOM kill would end it; returns once the process is gone. */
    public synchronized void kill() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            waitFor(process, Duration.ofSeconds(30));
        }
    }

    /**
     * Every service's heap (-Xmx). The wal-archiver spools the segments it fills to disk, so its heap no longer
     * holds a segment per source (the e2e suite archives about twenty; it needed 768m when it did).
     */
    static final String HEAP = "256m";

    /**
     * Stops the instance if it runs (as {@link #stop()}), starts it again on the same port with the same
     * environment and waits until it is healthy.
     */
    public void restart() throws Exception {
        stop();
        start();
        awaitHealthy();
    }

    synchronized void start() throws IOException {
        start(launch.options());
    }

    /**
     * A training run for the service's ahead-of-time cache (see {@link ServiceLaunch}): starts, becomes
     * healthy, stops gracefully with time for the JVM to write the cache, which later starts then use. Only
     * when this instance is not running. Returns false, the run stopped and its output discarded, when it
     * did not become healthy.
     */
    boolean train() throws Exception {
        synchronized (this) {
            start(launch.trainingOptions());
        }
        try {
            awaitHealthy();
            return true;
        } catch (DevStackException e) {
            // The cache only saves CPU: a training run that failed (all five train at once on two busy cores)
            // must not fail the stack. The plain start that follows says what is wrong if it fails too.
            log.warn(
                    "the training run of {} failed; it starts without an ahead-of-time cache: {}",
                    name,
                    e.getMessage());
            killWithDescendants(); // no graceful stop: the JVM would start assembling a cache nobody takes
            launch.discardTraining();
            return false;
        }
    }

    /** SIGKILL to the instance and to what it started (a JVM that exits may start one to write its cache). */
    private synchronized void killWithDescendants() {
        if (process != null) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
        }
        kill();
    }

    /** Ends a {@link #train()}ing run: SIGTERM, time for the JVM to write its cache, then the cache is taken. */
    void endTraining() throws IOException {
        stop(TRAINING_EXIT);
        launch.commitTraining();
    }

    boolean needsTraining() {
        return launch.needsTraining();
    }

    private void start(List<String> javaOptions) throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is already running as pid " + process.pid());
        }
        Files.createDirectories(logFile.getParent());
        ProcessBuilder builder = new ProcessBuilder(command(javaOptions))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        // the caller's own STRATA_*/SPRING_* settings must not leak into a service of this stack
        builder.environment()
                .keySet()
                .removeIf(k -> k.startsWith("STRATA_") || k.startsWith("SPRING_") || k.equals("SERVER_PORT"));
        // Native threads (zstd workers, one set per backup) otherwise each get a glibc malloc arena that is
        // never returned, and the worker's RSS creeps up backup after backup; two arenas keep it flat.
        builder.environment().put("MALLOC_ARENA_MAX", "2");
        builder.environment().putAll(env);
        process = builder.start();
    }

    /**
     * A graceful stop, as an operator's or an orchestrator's: SIGTERM, then SIGKILL when it has not exited
     * within 10 s; returns once the process is gone. Nothing happens when it does not run.
     */
    public void stop() {
        stop(STOP_GRACE);
    }

    /** The command line: this JVM's java, the service's heap, {@code javaOptions} and its launch jar. */
    List<String> command(List<String> javaOptions) {
        List<String> command = new ArrayList<>(List.of(javaBinary(), "-Xmx" + HEAP, "-XX:+UseSerialGC"));
        command.addAll(javaOptions);
        command.addAll(List.of("-jar", launch.application().toString()));
        return command;
    }

    /** SIGTERM, then SIGKILL when the service has not exited within {@code grace}. */
    synchronized void stop(Duration grace) {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!waitFor(process, grace)) {
                process.destroyForcibly();
                waitFor(process, Duration.ofSeconds(30));
            }
        }
    }

    /** Waits until {@code GET /actuator/health} answers 200 UP; fails early if the process exits. */
    void awaitHealthy() throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(HEALTH_TIMEOUT);
        HttpRequest request = HttpRequest.newBuilder(baseUrl().resolve("/actuator/health"))
                .timeout(Duration.ofSeconds(5))
                .build();
        while (Instant.now().isBefore(deadline)) {
            Process current;
            synchronized (this) {
                current = process;
            }
            if (current == null || !current.isAlive()) {
                throw new DevStackException(name + " exited with code " + (current == null ? "?" : current.exitValue())
                        + " before it became healthy; last lines of " + logFile + ":\n" + tail());
            }
            if (isUp(request)) {
                return;
            }
            Thread.sleep(250);
        }
        throw new DevStackException(name + " on port " + port + " was not healthy within " + HEALTH_TIMEOUT
                + "; last lines of " + logFile + ":\n" + tail());
    }

    private boolean isUp(HttpRequest request) throws InterruptedException {
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200
                    && response.body().replace(" ", "").contains("\"status\":\"UP\"");
        } catch (IOException e) {
            return false; // not listening yet
        }
    }

    /**
     * The log's last lines, without the JVM's own lines about its ahead-of-time cache: a JVM that trains one
     * writes it as it exits, also after a failed start, and its dozens of lines would hide why it failed.
     */
    String tail() {
        try {
            List<String> lines = Files.readAllLines(logFile).stream()
                    .filter(line -> !AOT_LINE.matcher(line).find())
                    .toList();
            return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private static boolean waitFor(Process process, Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The JVM running this code, so services run on the same Java as the stack (and the tests). */
    static String javaBinary() {
        return ProcessHandle.current()
                .info()
                .command()
                .filter(c -> c.endsWith("/java"))
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    @Override
    public String toString() {
        return name + " on " + baseUrl();
    }
}

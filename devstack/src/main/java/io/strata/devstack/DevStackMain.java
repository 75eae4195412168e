package io.strata.devstack;

import io.strata.devstack.demo.Demo;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * {@code up [--state-dir D] [--repo-root R] [--random-ports]} runs a dev stack until SIGTERM (services on
 * 8080..8084 where free, unless {@code --random-ports}), with {@code STRATA_BACKUP_WORKERS} and {@code
 * STRATA_RESTORE_WORKERS} instances of the workers (1 to 8 each, default 1), and carries out {@code ./strata
 * kill|stop|start <instance>} requests meanwhile ({@link ControlChannel});
 * {@code demo [--state-dir D]} runs the backup-and-restore demo against a running one.
 */
public final class DevStackMain {
    private static final PrintStream out = System.out;
    static final String BACKUP_WORKERS = "STRATA_BACKUP_WORKERS";
    static final String RESTORE_WORKERS = "STRATA_RESTORE_WORKERS";
    /** The most instances of a worker {@code up} starts: each is a JVM of its own. */
    static final int MAX_WORKERS = 8;

    private DevStackMain() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 0 || !(args[0].equals("up") || args[0].equals("demo"))) {
            System.err.println(
                    "usage: devstack up [--state-dir DIR] [--repo-root DIR] [--random-ports] | demo [--state-dir DIR]\n"
                            + "  up starts STRATA_BACKUP_WORKERS and STRATA_RESTORE_WORKERS instances of the workers"
                            + " (1 to " + MAX_WORKERS + ", default 1)");
            System.exit(2);
        }
        Path stateDir = Path.of(option(args, "--state-dir", defaultStateDir()));
        boolean defaultPorts = !java.util.Arrays.asList(args).contains("--random-ports");
        int exit = args[0].equals("up")
                ? up(stateDir, Path.of(option(args, "--repo-root", defaultRepoRoot())), defaultPorts)
                : Demo.run(stateDir, out);
        System.exit(exit);
    }

    /**
     * The instance count {@code variable} asks for in {@code env}: 1 when unset or empty, else a whole number
     * from 1 to {@value #MAX_WORKERS}; anything else is an {@link IllegalArgumentException} saying so.
     */
    static int workerCount(Map<String, String> env, String variable) {
        String value = env.get(variable);
        if (value == null || value.isBlank()) {
            return 1;
        }
        int count;
        try {
            count = Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            count = -1;
        }
        if (count < 1 || count > MAX_WORKERS) {
            throw new IllegalArgumentException(
                    variable + " must be a whole number from 1 to " + MAX_WORKERS + ", not '" + value + "'");
        }
        return count;
    }

    private static int up(Path stateDir, Path repoRoot, boolean defaultPorts) throws Exception {
        int backupWorkers;
        int restoreWorkers;
        try {
            backupWorkers = workerCount(System.getenv(), BACKUP_WORKERS);
            restoreWorkers = workerCount(System.getenv(), RESTORE_WORKERS);
        } catch (IllegalArgumentException e) {
            System.err.println("The dev stack did not start: " + e.getMessage());
            return 2;
        }
        var running = StackFiles.livePid(stateDir);
        if (running.isPresent()) {
            System.err.println("A dev stack already runs in " + stateDir + " (pid "
                    + running.get().pid() + "); stop it with ./strata down");
            return 1;
        }
        Files.createDirectories(stateDir);
        Path pidFile = stateDir.resolve(StackFiles.PID);
        Files.writeString(pidFile, ProcessHandle.current().pid() + "\n");
        DevStack stack;
        try {
            stack = DevStack.start(
                    new DevStackOptions(stateDir, repoRoot, true, true).withWorkers(backupWorkers, restoreWorkers),
                    defaultPorts);
        } catch (Exception e) {
            System.err.println("The dev stack did not start: " + e.getMessage());
            e.printStackTrace();
            Files.deleteIfExists(pidFile);
            return 1;
        }
        ControlChannel control;
        try {
            control = ControlChannel.watch(stateDir.resolve(StackFiles.CONTROL), stack);
        } catch (IOException e) {
            System.err.println(
                    "The dev stack could not watch for ./strata kill|stop|start requests: " + e.getMessage());
            stack.close();
            removeRunningStackFiles(stateDir);
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            out.println("Stopping the dev stack...");
            control.close();
            stack.close();
            removeRunningStackFiles(stateDir);
            out.println("Dev stack stopped; data and logs kept in " + stateDir);
            stopped.countDown();
        }));
        printSummary(stack);
        stopped.await(); // until SIGTERM: the hook closes the stack, then the JVM exits
        return 0;
    }

    /** These describe a running stack; data and logs stay for a look after the fact. */
    private static void removeRunningStackFiles(Path stateDir) {
        for (String name : new String[] {StackFiles.PID, StackFiles.STACK_ENV, StackFiles.ADMIN_TOKEN}) {
            Path file = stateDir.resolve(name);
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                System.err.println("could not remove " + file + ": " + e.getMessage());
            }
        }
    }

    private static void printSummary(DevStack stack) {
        Path tokenFile = stack.stateDir().resolve(StackFiles.ADMIN_TOKEN);
        out.printf(
                """
                Strata dev stack is up (pid %d, state in %s)
                  API gateway      %s
                  catalog-service  %s
                  instances        %s
                  Kafka            %s
                  S3 API           %s  (bucket %s)
                  source Postgres  %s:%d  user %s  (password in %s)
                  admin token      %s
                  token file       %s
                  logs             %s
                Try:  curl -H "Authorization: Bearer $(cat %s)" %s/api/v1/sources
                Kill, stop or start an instance: ./strata kill|stop|start <instance>
                Stop: ./strata down
                """,
                ProcessHandle.current().pid(),
                stack.stateDir(),
                stack.gatewayUrl(),
                stack.catalogUrl(),
                String.join(", ", stack.instanceNames()),
                stack.kafkaBootstrap(),
                stack.s3Endpoint(),
                stack.s3Bucket(),
                stack.sourceCluster().host(),
                stack.sourceCluster().port(),
                stack.sourceCluster().superuser(),
                stack.stateDir().resolve(StackFiles.STACK_ENV),
                stack.adminToken(),
                tokenFile,
                stack.stateDir().resolve("logs"),
                tokenFile,
                stack.gatewayUrl());
        out.flush();
    }

    private static String option(String[] args, String name, String fallback) {
        for (int i = 1; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return fallback;
    }

    private static String defaultStateDir() {
        String configured = System.getenv("STRATA_STATE_DIR");
        return configured == null || configured.isBlank() ? ".strata/stack" : configured;
    }

    /** The repository this jar was built in ({@code <root>/devstack/target/devstack.jar}), else the working directory. */
    private static String defaultRepoRoot() {
        String classPath = System.getProperty("java.class.path", "");
        if (classPath.endsWith(".jar") && !classPath.contains(java.io.File.pathSeparator)) {
            Path target = Path.of(classPath).toAbsolutePath().getParent();
            if (target != null && target.getFileName().toString().equals("target")) {
                return target.getParent().getParent().toString();
            }
        }
        return System.getProperty("user.dir");
    }
}

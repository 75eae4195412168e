package io.strata.devstack;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lets {@code ./strata kill|stop|start <instance>} drive the service instances of a running dev stack:
 * only the stack's JVM owns their processes and holds their environments (tokens and keys included).
 *
 * <p>The CLI writes {@code <verb> <instance>} into {@code <stateDir>/control/<id>.request} (under another
 * name first, then renamed, so a request is never read half-written) and waits for {@code <id>.done}:
 * its first line is {@code ok} or {@code error: <message>}, further lines say more. The watcher polls the
 * directory every 300 ms, deletes each request as it reads it, and only ever calls {@link
 * ManagedService#kill()}, {@link ManagedService#stop()} or start-and-wait-until-healthy on an instance of
 * this stack; nothing from a request reaches a shell or a path.
 */
final class ControlChannel implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ControlChannel.class);
    static final Duration POLL = Duration.ofMillis(300);
    static final String REQUEST_SUFFIX = ".request";
    static final String DONE_SUFFIX = ".done";
    /** What an instance name may look like (as the services accept in {@code STRATA_INSTANCE}). */
    static final Pattern INSTANCE_NAME = Pattern.compile("[a-z][a-z0-9-]{0,62}");

    private static final Pattern REQUEST_FILE = Pattern.compile("([A-Za-z0-9_-]{1,64})\\.request");
    private static final long MAX_REQUEST_BYTES = 1024;
    private static final int MAX_SHOWN = 64;

    enum Verb {
        KILL,
        STOP,
        START;

        String word() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** {@code <verb> <instance>}, checked: the verb known, the instance one of the stack's. */
    record Request(Verb verb, String instance) {}

    private final Path dir;
    private final Map<String, ManagedService> instances;
    private final Executor handlers;
    /** Held while an instance is started, and to close: no instance starts after {@link #close()}. */
    private final Object lifecycle = new Object();

    private volatile boolean closed;
    private volatile Thread watcher;

    /**
     * @param dir the control directory (created private to the owner, emptied)
     * @param instances the stack's instances by name
     * @param handlers runs each request (one may take two minutes: a start waits until healthy)
     */
    ControlChannel(Path dir, Map<String, ManagedService> instances, Executor handlers) throws IOException {
        this.dir = dir;
        this.instances = new LinkedHashMap<>(instances);
        this.handlers = handlers;
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        // requests from an earlier stack in this state directory were meant for other processes
        try (Stream<Path> left = Files.list(dir)) {
            for (Path file : left.toList()) {
                Files.deleteIfExists(file);
            }
        }
    }

    /** Watches {@code dir} for requests about {@code stack}'s instances, on a daemon thread, until closed. */
    static ControlChannel watch(Path dir, DevStack stack) throws IOException {
        Map<String, ManagedService> instances = new LinkedHashMap<>();
        for (String name : stack.instanceNames()) {
            instances.put(name, stack.service(name));
        }
        ControlChannel channel = new ControlChannel(
                dir,
                instances,
                task -> Thread.ofVirtual().name("devstack-control-request").start(task));
        channel.watcher = Thread.ofPlatform().daemon().name("devstack-control").start(channel::run);
        log.info("watching {} for ./strata kill|stop|start requests", dir);
        return channel;
    }

    private void run() {
        while (!closed) {
            try {
                pollOnce();
            } catch (IOException | RuntimeException e) {
                log.warn("reading control requests in {} failed: {}", dir, e.getMessage(), e);
            }
            try {
                Thread.sleep(POLL);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Takes every waiting request out of the directory and hands it to the handlers. */
    void pollOnce() throws IOException {
        List<Path> requests = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + REQUEST_SUFFIX)) {
            files.forEach(requests::add);
        }
        requests.sort(null);
        for (Path file : requests) {
            Matcher name = REQUEST_FILE.matcher(file.getFileName().toString());
            if (!name.matches()) {
                log.warn("ignoring control file {}: not named <id>{}", file, REQUEST_SUFFIX);
                discard(file);
                continue;
            }
            String id = name.group(1);
            String content;
            try {
                content = read(file);
            } catch (NoSuchFileException e) {
                continue; // taken back by the CLI that gave up waiting
            } catch (IllegalArgumentException e) {
                reply(id, error(e.getMessage()));
                continue;
            } finally {
                discard(file);
            }
            Request request;
            try {
                request = parse(content, instances.keySet());
            } catch (IllegalArgumentException e) {
                log.warn("refused control request {}: {}", id, e.getMessage());
                reply(id, error(e.getMessage()));
                continue;
            }
            log.info("control request {}: {} {}", id, request.verb().word(), request.instance());
            handlers.execute(() -> {
                String answer = handle(request);
                log.info(
                        "control request {}: {}", id, answer.lines().findFirst().orElse(""));
                try {
                    reply(id, answer);
                } catch (IOException e) {
                    log.warn("could not answer control request {}: {}", id, e.getMessage());
                }
            });
        }
    }

    private static void discard(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log.warn("could not remove control file {}: {}", file, e.getMessage());
        }
    }

    private static String read(Path file) throws IOException {
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                throw new NoSuchFileException(file.toString());
            }
            throw new IllegalArgumentException("a request must be a plain file");
        }
        if (Files.size(file) > MAX_REQUEST_BYTES) {
            throw new IllegalArgumentException("request longer than " + MAX_REQUEST_BYTES + " bytes");
        }
        try {
            return Files.readString(file);
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException("request is not UTF-8 text");
        }
    }

    /**
     * Checks a request's text: one line {@code <kill|stop|start> <instance>}, the instance among {@code
     * known}; anything else is an {@link IllegalArgumentException} saying what is wrong.
     */
    static Request parse(String content, Collection<String> known) {
        String line = content == null ? "" : content.strip();
        if (line.isEmpty()) {
            throw new IllegalArgumentException("empty request; expected '<kill|stop|start> <instance>'");
        }
        String[] words = line.split("\\s+");
        if (words.length != 2) {
            throw new IllegalArgumentException("expected '<kill|stop|start> <instance>', not '" + shown(line) + "'");
        }
        Verb verb = switch (words[0]) {
            case "kill" -> Verb.KILL;
            case "stop" -> Verb.STOP;
            case "start" -> Verb.START;
            default ->
                throw new IllegalArgumentException(
                        "unknown verb '" + shown(words[0]) + "'; verbs are kill, stop, start");
        };
        String instance = words[1];
        if (!INSTANCE_NAME.matcher(instance).matches()) {
            throw new IllegalArgumentException("'" + shown(instance)
                    + "' is not an instance name (a lower-case letter, then letters, digits and '-')");
        }
        if (!known.contains(instance)) {
            throw new IllegalArgumentException(
                    "no instance " + instance + " in this dev stack; instances are " + String.join(", ", known));
        }
        return new Request(verb, instance);
    }

    /** Carries out a checked request; the answer as written to the {@code .done} file. */
    String handle(Request request) {
        ManagedService instance = instances.get(request.instance());
        String name = instance.name();
        try {
            switch (request.verb()) {
                case KILL -> {
                    if (!instance.isAlive()) {
                        return ok(name + " was not running");
                    }
                    long pid = instance.pid();
                    instance.kill();
                    return ok("killed " + name + " (pid " + pid + ", SIGKILL)");
                }
                case STOP -> {
                    if (!instance.isAlive()) {
                        return ok(name + " was not running");
                    }
                    long pid = instance.pid();
                    instance.stop();
                    return ok("stopped " + name + " (pid " + pid + ", SIGTERM)");
                }
                case START -> {
                    synchronized (lifecycle) {
                        if (closed) {
                            return error("the dev stack is stopping; " + name + " is not started");
                        }
                        if (instance.isAlive()) {
                            return error(name + " is already running as pid " + instance.pid());
                        }
                        instance.start();
                    }
                    instance.awaitHealthy();
                    return ok("started " + name + " (pid " + instance.pid() + ") on " + instance.baseUrl());
                }
                default -> throw new IllegalStateException("unhandled verb " + request.verb());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return error(request.verb().word() + " " + name + " was interrupted");
        } catch (Exception e) {
            return error(request.verb().word() + " " + name + " failed: " + e.getMessage());
        }
    }

    /** Writes {@code <id>.done} whole: under a temporary name first, then renamed. */
    private void reply(String id, String answer) throws IOException {
        Path done = dir.resolve(id + DONE_SUFFIX);
        Path temp = dir.resolve(id + DONE_SUFFIX + ".tmp");
        Files.writeString(temp, answer);
        Files.move(temp, done, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    static String ok(String message) {
        return "ok\n" + message + "\n";
    }

    /** {@code error: <first line>}, then any further lines of {@code message} (a log tail, say). */
    static String error(String message) {
        String text = message == null || message.isBlank() ? "unknown error" : message.strip();
        return "error: " + text + "\n";
    }

    /** User input echoed in a message: printable, one line, short. */
    private static String shown(String text) {
        String printable = text.codePoints()
                .map(c -> Character.isISOControl(c) ? '?' : c)
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
                .toString();
        return printable.length() > MAX_SHOWN ? printable.substring(0, MAX_SHOWN) + "…" : printable;
    }

    /** Stops watching; a start requested before still finishes, none begins after this returns. */
    @Override
    public void close() {
        synchronized (lifecycle) {
            closed = true;
        }
        Thread current = watcher;
        if (current != null) {
            current.interrupt();
        }
    }
}

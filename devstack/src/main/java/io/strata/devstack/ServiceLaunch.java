package io.strata.devstack;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a service's JVM is launched, made cheap to start again and again: the stack kills, stops and starts
 * services all the time (the tests and operators through {@code ./strata kill|start}), and on two cores a
 * Spring Boot start from the executable jar costs about 24 CPU-seconds.
 *
 * <ul>
 *   <li>The executable jar is extracted once (Spring Boot's {@code -Djarmode=tools extract}: the
 *       application jar and its libraries as plain jars) into {@code <module>/target/launch/<service>/},
 *       again only when the jar changes.
 *   <li>On Java 25 or newer, an ahead-of-time cache (JEP 483/514) holds the classes a start loads and links,
 *       so a later start skips that work: measured on this machine, a backup-worker start went from 15.3 s
 *       and 24 CPU-s (executable jar) and 11.6 s and 17.7 CPU-s (extracted) to 5.2 s and 8.7 CPU-s. The
 *       cache is made by a training run ({@link #trainingOptions()}): the service starts as usual, becomes
 *       healthy and is stopped gracefully, and the JVM writes the cache as it exits. A cache the JVM
 *       finds stale is ignored by it with a warning (the default {@code -XX:AOTMode=auto}), never fatal.
 * </ul>
 *
 * The launch directory sits next to the jar, so {@code mvn clean} removes it with the jar.
 * {@code STRATA_AOT_CACHE=off} turns the cache off (the first start after a build then skips the training
 * run, about 85 s on two cores, and every start costs its full CPU).
 */
final class ServiceLaunch {
    private static final Logger log = LoggerFactory.getLogger(ServiceLaunch.class);
    private static final int AOT_JAVA = 25;
    private static final Duration EXTRACT_TIMEOUT = Duration.ofMinutes(2);
    /** {@code STRATA_AOT_CACHE=off} starts services without a cache and never trains one. */
    private static final boolean AOT_ENABLED =
            !"off".equalsIgnoreCase(System.getenv().getOrDefault("STRATA_AOT_CACHE", "on"));

    private final String service;
    private final Path jar;
    private final Path dir;
    private final Path cache;
    private String fingerprint; // of the jar the extraction is from; null until prepared

    /** The launch of {@code service} from its executable {@code jar}; it runs the jar itself until prepared. */
    ServiceLaunch(String service, Path jar) {
        this.service = service;
        this.jar = jar.toAbsolutePath();
        this.dir = this.jar.getParent().resolve("launch").resolve(service);
        this.cache = dir.resolve(service + ".aot");
    }

    /**
     * Extracts the jar unless it was, from this build of the jar (several stacks may prepare at once: a
     * file lock keeps them apart).
     */
    synchronized void prepare(String javaBinary) throws IOException {
        Path launchRoot = dir.getParent();
        Files.createDirectories(launchRoot);
        String current = fingerprint(jar);
        try (FileChannel lockFile = FileChannel.open(
                        launchRoot.resolve(service + ".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock ignored = lockFile.lock()) {
            Path stamp = dir.resolve("source");
            boolean extracted = Files.isRegularFile(stamp)
                    && Files.readString(stamp).equals(current)
                    && Files.isRegularFile(dir.resolve(jar.getFileName()));
            if (!extracted) {
                extract(jar, dir, javaBinary);
                Files.writeString(stamp, current);
            }
        }
        fingerprint = current;
    }

    /** The jar a start runs with {@code -jar}: the extracted application jar once prepared, its libraries beside it. */
    synchronized Path application() {
        return fingerprint == null ? jar : dir.resolve(jar.getFileName());
    }

    /** Options that make a start use the ahead-of-time cache, when one was made for this build and Java. */
    synchronized List<String> options() {
        return hasCache() ? List.of("-XX:AOTCache=" + cache) : List.of();
    }

    /** Whether a training run would make a cache: Java 25 or newer and no cache for this build yet. */
    synchronized boolean needsTraining() {
        return fingerprint != null && AOT_ENABLED && Runtime.version().feature() >= AOT_JAVA && !hasCache();
    }

    /** Options for a training run: the JVM writes the cache to a file of its own when it exits normally. */
    List<String> trainingOptions() {
        return List.of("-XX:AOTCacheOutput=" + trainingOutput());
    }

    /**
     * After a training run has exited: the cache it wrote becomes the one later starts use. Returns false
     * (and the service simply starts without a cache) when the run wrote none.
     */
    synchronized boolean commitTraining() throws IOException {
        Path output = trainingOutput();
        if (!Files.isRegularFile(output) || Files.size(output) == 0) {
            log.warn("the training run of {} wrote no ahead-of-time cache; it starts without one", service);
            return false;
        }
        try {
            Files.move(output, cache, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(output, cache, StandardCopyOption.REPLACE_EXISTING);
        }
        Files.writeString(dir.resolve(service + ".aot.source"), fingerprint + "java=" + Runtime.version() + "\n");
        return true;
    }

    /** After a training run that failed: whatever it wrote is deleted, and the service has no cache yet. */
    synchronized void discardTraining() throws IOException {
        Files.deleteIfExists(trainingOutput());
        Files.deleteIfExists(trainingOutput().resolveSibling(trainingOutput().getFileName() + ".config"));
    }

    private boolean hasCache() {
        Path stamp = dir.resolve(service + ".aot.source");
        try {
            return fingerprint != null
                    && AOT_ENABLED
                    && Runtime.version().feature() >= AOT_JAVA
                    && Files.isRegularFile(cache)
                    && Files.isRegularFile(stamp)
                    && Files.readString(stamp).equals(fingerprint + "java=" + Runtime.version() + "\n");
        } catch (IOException e) {
            return false;
        }
    }

    private Path trainingOutput() {
        return dir.resolve(service + ".aot.training-" + ProcessHandle.current().pid());
    }

    /** Size and modification time of the jar: a rebuild changes at least the time. */
    private static String fingerprint(Path jar) throws IOException {
        BasicFileAttributes attributes = Files.readAttributes(jar, BasicFileAttributes.class);
        return "jar=" + jar.toAbsolutePath() + " size=" + attributes.size() + " modified="
                + attributes.lastModifiedTime().toMillis() + "\n";
    }

    private static void extract(Path jar, Path dir, String javaBinary) throws IOException {
        Path staging = Files.createTempDirectory(dir.getParent(), dir.getFileName() + ".extract-");
        try {
            Commands.run(
                    List.of(
                            javaBinary,
                            "-Djarmode=tools",
                            "-jar",
                            jar.toString(),
                            "extract",
                            "--destination",
                            staging.resolve("out").toString()),
                    Map.of(),
                    EXTRACT_TIMEOUT);
            deleteTree(dir); // the old extraction and its cache, which belonged to the old jar
            Files.move(staging.resolve("out"), dir);
        } finally {
            deleteTree(staging);
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}

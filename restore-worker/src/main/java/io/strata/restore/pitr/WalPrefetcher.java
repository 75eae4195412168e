package io.strata.restore.pitr;

import io.strata.common.storage.ObjectStore;
import io.strata.platform.catalog.CatalogApi.PlannedSegment;
import io.strata.platform.storage.StorageEncryption;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches archived WAL ahead of recovery, several segments at once, into a spool directory that
 * PostgreSQL's {@code restore_command} (the fixed {@link RestoreProgram}) reads from: recovery
 * never waits for one download per segment, and no process is started to download anything.
 *
 * <p>Each segment is fetched and checked by a {@link SegmentFetcher}. At most {@code ahead} fetched segments wait in the spool; a segment PostgreSQL has taken leaves a
 * {@code .done} marker and frees a place. Only the segments recovery needs to reach its target (the plan's
 * estimate) are fetched ahead; one beyond them is fetched when recovery asks for it (its {@link #WANTED}
 * marker), and from then on the rest of the plan too, since the estimate fell short. So a segment past the
 * target that cannot be fetched fails nothing: recovery never asked for it. A segment outside the plan is
 * answered "not archived" at once, which is how recovery learns the archive ends. If a fetch fails the script makes recovery abort (exit
 * 126) rather than end early at the wrong point.
 */
final class WalPrefetcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WalPrefetcher.class);
    private static final long POLL_MILLIS = 50;
    static final String PLANNED = "PLANNED";
    static final String FAILED = "FAILED";
    /** The marker {@link RestoreProgram} leaves for the segment recovery waits for. */
    static final String WANTED = ".want";
    /** How long {@link #close} waits for the fetches under way before it leaves them to finish on their own. */
    static final Duration STOP_WAIT = Duration.ofSeconds(10);

    private final SegmentFetcher fetcher;
    private volatile ClusterFiles.Staging files;
    private final Path spool;
    private final List<PlannedSegment> segments;
    private final List<PlannedSegment> histories;
    private final int needed;
    private final int ahead;
    private final ExecutorService fetchers;
    private final Thread coordinator;
    private volatile int consumed;
    private volatile String failure;
    private volatile boolean closed;
    private final Duration stopWait;

    /**
     * @param refresh the catalog's current record of a segment by name, for the archive's newest segment,
     *     whose partial may be replaced while recovery runs
     * @param needed how many of {@code segments}, from the first, recovery needs to reach its target
     * @param histories the timeline history files of the plan, fetched before recovery starts and handed over
     *     each time PostgreSQL asks for one
     * @param stopWait how long {@link #close} waits for the fetches under way ({@link #STOP_WAIT})
     */
    WalPrefetcher(
            ObjectStore store,
            StorageEncryption encryption,
            boolean requireEncrypted,
            Function<String, Optional<PlannedSegment>> refresh,
            Path spool,
            List<PlannedSegment> segments,
            int needed,
            List<PlannedSegment> histories,
            long segmentSize,
            int fetchers,
            int ahead,
            Duration stopWait) {
        this.stopWait = stopWait;
        this.fetcher = new SegmentFetcher(store, encryption, requireEncrypted, refresh, spool, segmentSize);
        this.spool = spool;
        this.segments = List.copyOf(segments);
        this.histories = List.copyOf(histories);
        this.needed = Math.max(0, Math.min(needed, segments.size()));
        this.ahead = ahead;
        this.fetchers = Executors.newFixedThreadPool(
                fetchers, Thread.ofPlatform().name("wal-fetch-", 0).daemon().factory());
        this.coordinator = Thread.ofPlatform().name("wal-prefetch").daemon().unstarted(this::coordinate);
    }

    /**
     * Opens the spool's staging directory while the spool is still the worker's alone ({@link
     * ClusterFiles.Staging}), writes the plan for {@link RestoreProgram} to read, and hands the spool to the
     * cluster's user.
     */
    void prepare(OsUser user) throws IOException {
        files = ClusterFiles.Staging.open(spool);
        fetcher.handTo(user, files);
        StringBuilder names = new StringBuilder();
        histories.forEach(h -> names.append(h.segment()).append('\n'));
        segments.forEach(s -> names.append(s.segment()).append('\n'));
        fetcher.write(PLANNED, names.toString());
        user.give(spool);
    }

    /** Fetches the timeline history files (small: recovery reads them first, or last), then starts fetching WAL. */
    void start() throws IOException {
        for (PlannedSegment history : histories) {
            fetcher.fetch(history);
        }
        coordinator.start();
    }

    /** WAL segments PostgreSQL has taken from the spool. */
    int consumed() {
        return consumed;
    }

    long fetchedBytes() {
        return fetcher.fetchedBytes();
    }

    /** Why fetching stopped, or null while it is fine. */
    String failure() {
        return failure;
    }

    /**
     * Stops fetching and waits for the fetches under way (up to {@code stopWait}, {@link #STOP_WAIT} in a
     * restore), so the spool can be removed after. The spool's staging directory is closed only once no fetch can still use it: when a fetch
     * is still stuck in a read past the wait, a thread of its own closes it as soon as the last fetch ends, so
     * its descriptors never outlive the fetches. A cancelled job arrives interrupted: the waits here clear
     * that and set it again at the end.
     */
    @Override
    public void close() {
        closed = true;
        boolean interrupted = Thread.interrupted();
        coordinator.interrupt();
        fetchers.shutdownNow();
        boolean stopped = false;
        try {
            coordinator.join(5_000);
            stopped = fetchers.awaitTermination(stopWait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            interrupted = true;
        }
        ClusterFiles.Staging staging = files;
        if (staging != null) {
            if (stopped) {
                closeStaging(staging);
            } else {
                log.warn(
                        "WAL fetches into {} still run after {} ms; their staging directory is closed when they"
                                + " end",
                        spool,
                        stopWait.toMillis());
                Thread.ofVirtual().name("wal-fetch-drain").start(() -> {
                    boolean ended = false;
                    while (!ended) {
                        try {
                            ended = fetchers.awaitTermination(1, TimeUnit.MINUTES);
                        } catch (InterruptedException e) {
                            // nothing interrupts this thread but a shutdown; the fetches still hold the directory
                        }
                    }
                    closeStaging(staging);
                });
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private void closeStaging(ClusterFiles.Staging staging) {
        try {
            staging.close();
        } catch (IOException e) {
            log.warn("cannot remove the staging directory in {}: {}", spool, e.toString());
        }
    }

    private void coordinate() {
        List<Future<?>> submitted = new ArrayList<>();
        Map<String, Integer> positions = new HashMap<>();
        for (int i = 0; i < segments.size(); i++) {
            positions.put(segments.get(i).segment(), i);
        }
        Set<Integer> early = new HashSet<>(); // fetched out of order because recovery asked for them
        int limit = needed; // fetched ahead up to here
        int next = 0;
        try {
            while (!closed && consumed < segments.size()) {
                int taken = consumed;
                while (taken < next
                        && Files.exists(spool.resolve(segments.get(taken).segment() + ".done"))) {
                    taken++;
                }
                consumed = taken;
                // Recovery reads the checkpoint record of the base backup first, then goes back to its redo
                // point: on a busy server that record may lie beyond the window, so a segment recovery waits
                // for is fetched whatever the window.
                for (int wanted : wanted(positions)) {
                    if (wanted >= limit) {
                        limit = segments.size(); // recovery goes past the estimate: the rest is needed too
                    }
                    if (wanted >= next && early.add(wanted)) {
                        submitted.add(submit(segments.get(wanted)));
                    }
                }
                while (next < limit && next - taken < ahead) {
                    int position = next++;
                    if (!early.contains(position)) {
                        submitted.add(submit(segments.get(position)));
                    }
                }
                for (Future<?> future : submitted) {
                    if (future.isDone()) {
                        future.get(); // throws what the fetch threw
                    }
                }
                submitted.removeIf(Future::isDone);
                Thread.sleep(POLL_MILLIS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            fail(SegmentFetcher.describe(e.getCause()));
        } catch (RuntimeException | IOException e) {
            fail(SegmentFetcher.describe(e));
        }
    }

    private Future<?> submit(PlannedSegment segment) {
        return fetchers.submit(() -> {
            fetcher.fetch(segment);
            return null;
        });
    }

    /** Positions in the plan of the segments recovery waits for (their {@link #WANTED} markers). */
    private List<Integer> wanted(Map<String, Integer> positions) throws IOException {
        List<Integer> wanted = new ArrayList<>();
        try (DirectoryStream<Path> markers = Files.newDirectoryStream(spool, "*" + WANTED)) {
            for (Path marker : markers) {
                String name = marker.getFileName().toString();
                Integer position = positions.get(name.substring(0, name.length() - WANTED.length()));
                if (position != null) {
                    wanted.add(position);
                }
            }
        }
        return wanted;
    }

    private void fail(String why) {
        if (closed) {
            return; // the restore ended (or was cancelled): a fetch cut short is no failure of it
        }
        failure = why;
        log.warn("WAL prefetch failed: {}", why);
        try {
            fetcher.write(FAILED, "strata: " + why + "\n");
        } catch (IOException | RuntimeException e) {
            log.warn("cannot write {}: {}", spool.resolve(FAILED), e.toString());
        }
    }
}

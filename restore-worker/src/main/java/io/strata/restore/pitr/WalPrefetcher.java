package io.strata.restore.pitr;

import com.github.luben.zstd.ZstdInputStream;
import io.strata.common.crypto.EncryptedObjectException;
import io.strata.common.storage.HashingInputStream;
import io.strata.common.storage.NoSuchObjectException;
import io.strata.common.storage.ObjectStore;
import io.strata.platform.catalog.CatalogApi.PlannedSegment;
import io.strata.platform.storage.StorageEncryption;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
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
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches archived WAL ahead of recovery, several segments at once, into a spool directory that
 * PostgreSQL's {@code restore_command} (the fixed {@link RestoreProgram}) reads from: recovery
 * never waits for one download per segment, and no process is started to download anything.
 *
 * <p>Each segment is checked against its archived SHA-256, decrypted (when encrypted), decompressed, and (a partial segment, the
 * archive's newest WAL) padded with zeros to the segment size, which PostgreSQL reads as the end of WAL.
 * At most {@code ahead} fetched segments wait in the spool; a segment PostgreSQL has taken leaves a
 * {@code .done} marker and frees a place. A segment outside the plan is answered "not archived" at once,
 * which is how recovery learns the archive ends. If a fetch fails the script makes recovery abort (exit
 * 126) rather than end early at the wrong point.
 */
final class WalPrefetcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WalPrefetcher.class);
    /** Fetches of a partial segment that keeps being replaced while it is read (not retries of a request). */
    private static final int ATTEMPTS = 3;

    private static final long POLL_MILLIS = 50;
    private static final int REFRESH_LOOKS = 10;
    private static final long REFRESH_PAUSE_MILLIS = 300;
    static final String PLANNED = "PLANNED";
    static final String FAILED = "FAILED";
    /** The marker {@link RestoreProgram} leaves for the segment recovery waits for. */
    static final String WANTED = ".want";
    /**
     * How the worker (root, when it switches users) creates files in the spool, a directory the cluster's user
     * owns: never through a link planted there, never over a file that exists, readable by its owner alone;
     * the file is then given to the cluster's user without following links ({@link OsUser#give}).
     */
    private static final Set<OpenOption> CREATE =
            Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);

    private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    private final ObjectStore store;
    private final StorageEncryption encryption;
    private final boolean requireEncrypted;
    private final Function<String, Optional<PlannedSegment>> refresh;
    private final Path spool;
    private final List<PlannedSegment> segments;
    private final long segmentSize;
    private final int ahead;
    private final ExecutorService fetchers;
    private final Thread coordinator;
    private final AtomicLong fetchedBytes = new AtomicLong();
    private volatile int consumed;
    private volatile String failure;
    private volatile boolean closed;
    private volatile OsUser user;

    /**
     * @param refresh the catalog's current record of a segment by name, for the archive's newest segment,
     *     whose partial may be replaced while recovery runs
     */
    WalPrefetcher(
            ObjectStore store,
            StorageEncryption encryption,
            boolean requireEncrypted,
            Function<String, Optional<PlannedSegment>> refresh,
            Path spool,
            List<PlannedSegment> segments,
            long segmentSize,
            int fetchers,
            int ahead) {
        this.store = store;
        this.encryption = encryption;
        this.requireEncrypted = requireEncrypted;
        this.refresh = refresh;
        this.spool = spool;
        this.segments = List.copyOf(segments);
        this.segmentSize = segmentSize;
        this.ahead = ahead;
        this.fetchers = Executors.newFixedThreadPool(
                fetchers, Thread.ofPlatform().name("wal-fetch-", 0).daemon().factory());
        this.coordinator = Thread.ofPlatform().name("wal-prefetch").daemon().unstarted(this::coordinate);
    }

    /** Writes the plan into the spool (which the cluster's user owns), for {@link RestoreProgram} to read. */
    void prepare(OsUser user) throws IOException {
        this.user = user;
        StringBuilder names = new StringBuilder();
        segments.forEach(s -> names.append(s.segment()).append('\n'));
        write(spool.resolve(PLANNED), names.toString());
    }

    /** Creates {@code file} in the spool with {@code text}, for the cluster's user (see {@link #CREATE}). */
    private void write(Path file, String text) throws IOException {
        try (OutputStream out = Channels.newOutputStream(Files.newByteChannel(file, CREATE, OWNER_ONLY))) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        }
        user.give(file);
    }

    void start() {
        coordinator.start();
    }

    /** Segments PostgreSQL has taken from the spool. */
    int consumed() {
        return consumed;
    }

    long fetchedBytes() {
        return fetchedBytes.get();
    }

    /** Why fetching stopped, or null while it is fine. */
    String failure() {
        return failure;
    }

    /** Stops fetching and waits for the fetches under way, so the spool can be removed after. */
    @Override
    public void close() {
        closed = true;
        coordinator.interrupt();
        fetchers.shutdownNow();
        try {
            coordinator.join(5_000);
            if (!fetchers.awaitTermination(10, TimeUnit.SECONDS)) {
                log.warn("WAL fetches into {} still run after 10 s", spool);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void coordinate() {
        List<Future<?>> submitted = new ArrayList<>();
        Map<String, Integer> positions = new HashMap<>();
        for (int i = 0; i < segments.size(); i++) {
            positions.put(segments.get(i).segment(), i);
        }
        Set<Integer> early = new HashSet<>(); // fetched out of order because recovery asked for them
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
                    if (wanted >= next && early.add(wanted)) {
                        submitted.add(submit(segments.get(wanted)));
                    }
                }
                while (next < segments.size() && next - taken < ahead) {
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
            fail(describe(e.getCause()));
        } catch (RuntimeException | IOException e) {
            fail(describe(e));
        }
    }

    private Future<?> submit(PlannedSegment segment) {
        return fetchers.submit(() -> {
            fetch(segment);
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

    private static String describe(Throwable e) {
        return e.getMessage() == null || e.getMessage().isBlank() ? e.toString() : e.getMessage();
    }

    private void fail(String why) {
        if (closed) {
            return; // the restore ended (or was cancelled): a fetch cut short is no failure of it
        }
        failure = why;
        log.warn("WAL prefetch failed: {}", why);
        try {
            write(spool.resolve(FAILED), "strata: " + why + "\n");
        } catch (IOException | RuntimeException e) {
            log.warn("cannot write {}: {}", spool.resolve(FAILED), e.toString());
        }
    }

    private void fetch(PlannedSegment planned) throws IOException {
        PlannedSegment segment = planned;
        IOException last = null;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try {
                fetchOnce(segment);
                return;
            } catch (EncryptedObjectException e) {
                // a key this worker lacks, or bytes that fail authentication: fetching again cannot help
                throw new IOException(encryption.unreadable(segment.key(), e).getMessage(), e);
            } catch (NoSuchObjectException | CorruptSegmentException e) {
                if (!segment.partial()) {
                    throw e instanceof NoSuchObjectException
                            ? new IOException(
                                    "WAL segment " + segment.segment() + " (" + segment.key() + ") is gone from "
                                            + store.describe(),
                                    e)
                            : e;
                }
                // The archive's newest segment grows while we read it: its partial was replaced by a longer
                // one (same key) or by the complete segment. Either holds all we planned for, and more.
                last = e;
                segment = newer(segment);
            } catch (IOException | RuntimeException e) {
                // any other failure ends the fetch: the object store retried the request and resumed the body
                // already (one retry layer per remote call)
                throw new IOException(
                        "cannot fetch WAL segment " + segment.segment() + " (" + segment.key() + ") from "
                                + store.describe() + " into " + spool + ": " + describe(e)
                                + ". Check the object store and the free space of the restore's data root.",
                        e);
            }
        }
        throw new IOException(
                "cannot fetch WAL segment " + planned.segment() + " from " + store.describe() + ": "
                        + last.getMessage(),
                last);
    }

    /** The catalog's current record of a segment whose partial changed under us (waits for the event). */
    private PlannedSegment newer(PlannedSegment stale) throws IOException {
        for (int look = 0; look < REFRESH_LOOKS; look++) {
            Optional<PlannedSegment> current = refresh.apply(stale.segment());
            if (current.isPresent() && !current.get().sha256().equals(stale.sha256())) {
                return current.get();
            }
            try {
                Thread.sleep(REFRESH_PAUSE_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while waiting for a newer " + stale.segment());
            }
        }
        return stale;
    }

    private void fetchOnce(PlannedSegment segment) throws IOException {
        Path partialFile = spool.resolve(segment.segment() + ".tmp");
        Files.deleteIfExists(partialFile); // an earlier attempt's, or anything else there: removed, never followed
        boolean moved = false;
        try {
            long raw;
            String actual;
            long stored;
            try (InputStream in = store.open(segment.key());
                    HashingInputStream hashing = new HashingInputStream(in)) {
                InputStream plain = encryption.plaintext(hashing, requireEncrypted); // leaves the rest to be hashed
                try (InputStream zstd = new ZstdInputStream(StorageEncryption.keepOpen(plain));
                        OutputStream out =
                                Channels.newOutputStream(Files.newByteChannel(partialFile, CREATE, OWNER_ONLY))) {
                    raw = copyAtMost(zstd, out, segmentSize + 1); // never more than a segment on disk
                    if (raw > segmentSize) {
                        throw new CorruptSegmentException(
                                "archived WAL segment " + segment.segment() + " (" + segment.key()
                                        + ") is corrupt: it holds more than a segment (" + segmentSize + " bytes)");
                    }
                    plain.transferTo(OutputStream.nullOutputStream()); // authenticates up to the final chunk
                    if (raw < segmentSize) {
                        if (!segment.partial()) {
                            // zeros would read as the end of WAL: recovery would stop early, silently
                            throw new CorruptSegmentException("archived WAL segment " + segment.segment() + " ("
                                    + segment.key() + ") is corrupt: it holds " + raw + " bytes, not a whole segment ("
                                    + segmentSize + ")");
                        }
                        pad(out, segmentSize - raw); // a partial segment: zeros are where WAL ends
                    }
                }
                hashing.transferTo(OutputStream.nullOutputStream());
                actual = hashing.sha256Hex();
                stored = hashing.count();
            }
            fetchedBytes.addAndGet(stored);
            if (!actual.equalsIgnoreCase(segment.sha256())) {
                throw new CorruptSegmentException("archived WAL segment " + segment.segment() + " is corrupt: SHA-256 "
                        + actual + ", archived as " + segment.sha256());
            }
            user.give(partialFile);
            // a rename replaces whatever is at the name, a link included, and follows nothing
            Files.move(partialFile, spool.resolve(segment.segment()), StandardCopyOption.ATOMIC_MOVE);
            moved = true;
        } finally {
            if (!moved) {
                Files.deleteIfExists(partialFile);
            }
        }
    }

    /** Copies {@code in} to {@code out} up to {@code limit} bytes; returns how many were copied. */
    private static long copyAtMost(InputStream in, OutputStream out, long limit) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        long copied = 0;
        int n;
        while (copied < limit && (n = in.read(buffer, 0, (int) Math.min(buffer.length, limit - copied))) >= 0) {
            out.write(buffer, 0, n);
            copied += n;
        }
        return copied;
    }

    private static void pad(OutputStream out, long zeros) throws IOException {
        byte[] block = new byte[64 * 1024];
        for (long left = zeros; left > 0; left -= block.length) {
            out.write(block, 0, (int) Math.min(block.length, left));
        }
    }

    static final class CorruptSegmentException extends IOException {
        CorruptSegmentException(String message) {
            super(message);
        }
    }
}

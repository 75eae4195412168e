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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
        List<String> names = segments.stream().map(PlannedSegment::segment).toList();
        Path planned = Files.write(spool.resolve(PLANNED), names, StandardCharsets.UTF_8);
        user.own(planned, "rw-r--r--");
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

    @Override
    public void close() {
        closed = true;
        coordinator.interrupt();
        fetchers.shutdownNow();
        try {
            coordinator.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void coordinate() {
        List<Future<?>> submitted = new ArrayList<>();
        int next = 0;
        try {
            while (!closed && consumed < segments.size()) {
                int taken = consumed;
                while (taken < next
                        && Files.exists(spool.resolve(segments.get(taken).segment() + ".done"))) {
                    taken++;
                }
                consumed = taken;
                while (next < segments.size() && next - taken < ahead) {
                    PlannedSegment segment = segments.get(next++);
                    submitted.add(fetchers.submit(() -> {
                        fetch(segment);
                        return null;
                    }));
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
            fail(e.getCause().getMessage());
        } catch (RuntimeException e) {
            fail(e.toString());
        }
    }

    private void fail(String why) {
        failure = why;
        log.warn("WAL prefetch failed: {}", why);
        try {
            Files.writeString(spool.resolve(FAILED), "strata: " + why + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
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
            }
            // any other IOException ends the fetch: the object store retried the request and resumed the body
            // already (one retry layer per remote call)
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
        long raw;
        String actual;
        long stored;
        try (InputStream in = store.open(segment.key());
                HashingInputStream hashing = new HashingInputStream(in)) {
            InputStream plain = encryption.plaintext(hashing, requireEncrypted); // leaves the rest to be hashed
            try (InputStream zstd = new ZstdInputStream(StorageEncryption.keepOpen(plain));
                    OutputStream out = Files.newOutputStream(partialFile)) {
                raw = zstd.transferTo(out);
                plain.transferTo(OutputStream.nullOutputStream()); // authenticates up to the final chunk
                if (raw < segmentSize) {
                    pad(out, segmentSize - raw); // a partial segment: zeros are where WAL ends
                }
            } catch (EncryptedObjectException e) {
                Files.deleteIfExists(partialFile);
                throw e;
            }
            hashing.transferTo(OutputStream.nullOutputStream());
            actual = hashing.sha256Hex();
            stored = hashing.count();
        }
        fetchedBytes.addAndGet(stored);
        if (!actual.equalsIgnoreCase(segment.sha256()) || raw > segmentSize) {
            Files.deleteIfExists(partialFile);
            throw new CorruptSegmentException("archived WAL segment " + segment.segment() + " is corrupt: SHA-256 "
                    + actual + ", archived as " + segment.sha256());
        }
        Files.setPosixFilePermissions(partialFile, PosixFilePermissions.fromString("rw-r--r--"));
        Files.move(partialFile, spool.resolve(segment.segment()), StandardCopyOption.ATOMIC_MOVE);
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

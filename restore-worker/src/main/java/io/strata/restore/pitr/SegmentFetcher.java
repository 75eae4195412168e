package io.strata.restore.pitr;

import com.github.luben.zstd.ZstdInputStream;
import io.strata.common.crypto.EncryptedObjectException;
import io.strata.common.storage.HashingInputStream;
import io.strata.common.storage.NoSuchObjectException;
import io.strata.common.storage.ObjectStore;
import io.strata.platform.catalog.CatalogApi.PlannedSegment;
import io.strata.platform.catalog.CatalogApi.RecoveryPlan;
import io.strata.platform.storage.StorageEncryption;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Fetches one archived WAL segment into a restore's spool for {@link WalPrefetcher}: checked against its
 * archived SHA-256, decrypted (when encrypted), decompressed, and (a partial segment, the archive's newest
 * WAL) padded with zeros to the segment size, which PostgreSQL reads as the end of WAL. A complete segment
 * must be exactly a segment; a timeline history file ({@code 00000002.history}) is taken as it is. The spool belongs to the cluster's user, so files reach it only through
 * {@link ClusterFiles#replace}: made and handed over where that user cannot reach, then renamed in.
 */
final class SegmentFetcher {
    /** Fetches of a partial segment that keeps being replaced while it is read (not retries of a request). */
    private static final int ATTEMPTS = 3;

    private static final int REFRESH_LOOKS = 10;
    private static final long REFRESH_PAUSE_MILLIS = 300;

    private final ObjectStore store;
    private final StorageEncryption encryption;
    private final boolean requireEncrypted;
    private final Function<String, Optional<PlannedSegment>> refresh;
    private final Path spool;
    private final long segmentSize;
    private final AtomicLong fetchedBytes = new AtomicLong();
    private volatile OsUser user;
    private volatile ClusterFiles.Staging files;

    SegmentFetcher(
            ObjectStore store,
            StorageEncryption encryption,
            boolean requireEncrypted,
            Function<String, Optional<PlannedSegment>> refresh,
            Path spool,
            long segmentSize) {
        this.store = store;
        this.encryption = encryption;
        this.requireEncrypted = requireEncrypted;
        this.refresh = refresh;
        this.spool = spool;
        this.segmentSize = segmentSize;
    }

    /** The cluster's user, who gets every file this fetcher creates, and the spool's staging directory. */
    void handTo(OsUser user, ClusterFiles.Staging files) {
        this.user = user;
        this.files = files;
    }

    long fetchedBytes() {
        return fetchedBytes.get();
    }

    /** Puts {@code text} at {@code name} in the spool, for the cluster's user. */
    void write(String name, String text) throws IOException {
        files.replace(name, text.getBytes(StandardCharsets.UTF_8), user);
    }

    /** A failure's message, or what it is when it has none. */
    static String describe(Throwable e) {
        return e.getMessage() == null || e.getMessage().isBlank() ? e.toString() : e.getMessage();
    }

    /** Fetches {@code planned} into the spool, checked, under its own name; throws saying what failed. */
    void fetch(PlannedSegment planned) throws IOException {
        PlannedSegment segment = planned;
        IOException last = null;
        boolean storedAgain = false;
        for (int attempt = 1; attempt <= ATTEMPTS; attempt++) {
            try {
                fetchOnce(segment);
                return;
            } catch (EncryptedObjectException e) {
                // a key this worker lacks, or bytes that fail authentication: fetching again cannot help
                throw new IOException(encryption.unreadable(segment.key(), e).getMessage(), e);
            } catch (NoSuchObjectException | CorruptSegmentException e) {
                if (!segment.partial()) {
                    Optional<PlannedSegment> stored = e instanceof CorruptSegmentException && !storedAgain
                            ? refresh.apply(segment.segment())
                                    .filter(current -> !current.partial())
                                    .filter(current -> !current.sha256().equalsIgnoreCase(planned.sha256()))
                            : Optional.empty();
                    if (stored.isPresent()) {
                        // the archiver stored the segment again since the plan (it found the object damaged): the
                        // catalog records the new one, which is checked as every fetch is
                        storedAgain = true;
                        last = e;
                        segment = stored.get();
                        continue;
                    }
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
        // written where nothing of the cluster's user can reach it, handed over there, renamed into the spool
        // only once checked: a rename replaces whatever is at the name, a link included, and follows nothing
        files.replace(segment.segment(), user, out -> {
            long raw;
            String actual;
            long stored;
            try (InputStream in = store.open(segment.key());
                    HashingInputStream hashing = new HashingInputStream(in)) {
                InputStream plain = encryption.plaintext(hashing, requireEncrypted); // leaves the rest to be hashed
                try (InputStream zstd = new ZstdInputStream(StorageEncryption.keepOpen(plain))) {
                    raw = copyAtMost(zstd, out, segmentSize + 1); // at most a byte past a segment on disk
                    if (raw > segmentSize) {
                        throw new CorruptSegmentException(
                                "archived WAL segment " + segment.segment() + " (" + segment.key()
                                        + ") is corrupt: it holds more than a segment (" + segmentSize + " bytes)");
                    }
                    plain.transferTo(OutputStream.nullOutputStream()); // authenticates up to the final chunk
                    if (raw < segmentSize && !RecoveryPlan.isHistory(segment)) {
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
        });
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

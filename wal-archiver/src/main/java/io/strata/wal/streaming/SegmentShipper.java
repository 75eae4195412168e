package io.strata.wal.streaming;

import com.github.luben.zstd.ZstdInputStream;
import io.strata.common.crypto.EncryptedObjectException;
import io.strata.common.crypto.Keyring;
import io.strata.common.crypto.ObjectEncryption;
import io.strata.common.messaging.Topics;
import io.strata.common.model.Lsn;
import io.strata.common.storage.HashingInputStream;
import io.strata.common.storage.NoSuchObjectException;
import io.strata.common.storage.ObjectStore;
import io.strata.common.storage.StorageLayout;
import io.strata.common.wal.TimelineHistory;
import io.strata.common.wal.WalEvent;
import io.strata.common.wal.WalSegmentArchived;
import io.strata.common.wal.WalSegmentName;
import io.strata.common.wal.WalTimelineArchived;
import io.strata.platform.jobs.JobFailureException;
import io.strata.platform.messaging.MessagePublisher;
import io.strata.platform.storage.StorageEncryption;
import io.strata.wal.streaming.SegmentAccumulator.WalBytes;
import io.strata.wal.streaming.SegmentCompressor.CompressedWal;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts one source's WAL into the object store (zstd level 3, then encrypted when this service has a key
 * and the source does not turn encryption off) and announces it on
 * {@code strata.wal.events}. Each method returns only once the object is stored and Kafka
 * acknowledged the event, so the caller may then tell PostgreSQL the WAL is safe. A segment's compressed form
 * ({@link SegmentCompressor}, in a spool file) is encrypted and hashed as it streams into another spool file
 * ({@link WalSpool}), which the store then reads; without encryption the store reads the compressor's file. The
 * heap holds buffers only, whatever the segment size and however many sources ship at once.
 */
final class SegmentShipper {
    private static final Logger log = LoggerFactory.getLogger(SegmentShipper.class);
    static final int ZSTD_LEVEL = 3;
    private static final int SPOOL_BUFFER = 256 * 1024;
    private static final Pattern COMPLETE_SEGMENT = Pattern.compile("[0-9A-F]{24}\\.zst");
    private final String source;
    private final ObjectStore store;
    private final StorageEncryption encryption;
    private final MessagePublisher publisher;
    private final Clock clock;
    private final Path spoolDirectory;
    private final Semaphore uploads;
    private volatile Boolean encrypt;
    /** The segment whose stored partial this shipper knows the length of, and that length (bytes of WAL). */
    private WalSegmentName partialSegment;

    private long partialLength;

    /**
     * @param uploads shared by every source's shipper: the permits bound how many uploads, of all sources, are in
     *     flight at once (connections to the store, and spool files being read)
     */
    SegmentShipper(
            String source,
            ObjectStore store,
            StorageEncryption encryption,
            MessagePublisher publisher,
            Clock clock,
            Path spoolDirectory,
            Semaphore uploads) {
        this.spoolDirectory = spoolDirectory;
        this.uploads = uploads;
        this.source = source;
        this.store = store;
        this.encryption = encryption;
        this.publisher = publisher;
        this.clock = clock;
    }

    /**
     * The source's {@code encrypt} setting as the catalog has it now (read at each session's start). Keys are
     * looked up per shipment, so a key added to the keyring file is used from the next segment on.
     */
    void encrypt(Boolean setting) {
        this.encrypt = setting;
    }

    /** Fails (before anything is stored) when the source requires encryption and this service has no key. */
    void requireKeys() {
        keys();
    }

    private Keyring keys() {
        try {
            return encryption.forWriting(source, encrypt);
        } catch (JobFailureException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    /**
     * Ships a whole segment; it replaces the segment's partial, which is deleted. A complete segment already
     * stored that holds the same WAL (an earlier session stored it, and ended before the server heard) is kept
     * and announced as it is: a restore planned with its SHA-256 may be reading it, and the same WAL compresses
     * (and encrypts) to other bytes each time.
     */
    WalSegmentArchived shipComplete(WalSegmentName segment, WalBytes content, WalCoverage coverage) throws IOException {
        if (content.length() != segment.segmentSize()) {
            throw new IllegalArgumentException("segment " + segment + " is " + segment.segmentSize()
                    + " bytes; shipping it whole with " + content.length() + " would archive a torn segment");
        }
        String key = StorageLayout.walSegmentKey(source, segment.timeline(), segment.toString());
        Optional<WalSegmentArchived> kept = keepStored(segment, content, key, coverage);
        WalSegmentArchived event = kept.isPresent() ? kept.get() : store(segment, content, key, false, coverage);
        // deleted unconditionally: after a restart this process cannot know whether an earlier one shipped it
        store.delete(StorageLayout.walPartialKey(source, segment.timeline(), segment.toString()));
        return event;
    }

    /**
     * Ships the bytes so far of the current segment as its partial, unless the stored partial already holds as
     * many or more: a new session streams the segment again from its first byte, and may be asked to ship before
     * it has caught up with what an earlier one stored. Empty when nothing was shipped.
     */
    Optional<WalSegmentArchived> shipPartial(WalSegmentName segment, WalBytes content, WalCoverage coverage)
            throws IOException {
        String key = StorageLayout.walPartialKey(source, segment.timeline(), segment.toString());
        long stored = storedPartialLength(segment, key, content);
        if (content.length() <= stored) {
            log.debug(
                    "the stored partial of {} of {} holds {} bytes; not replacing it with {}",
                    segment,
                    source,
                    stored,
                    content.length());
            return Optional.empty();
        }
        WalSegmentArchived event = store(segment, content, key, true, coverage);
        partialSegment = segment;
        partialLength = content.length();
        return Optional.of(event);
    }

    /**
     * How many bytes of WAL the stored partial of {@code segment} holds: known once this archiver shipped one, else
     * read from the store (once a segment). 0 when there is none, when it cannot be read here (or is in clear for a
     * source that requires encryption), or when it does not begin with the bytes of {@code content} (other WAL):
     * then it is replaced.
     */
    private long storedPartialLength(WalSegmentName segment, String key, WalBytes content) throws IOException {
        if (segment.equals(partialSegment)) {
            return partialLength;
        }
        long length = 0;
        if (store.stat(key).isPresent()) {
            try (InputStream in = unreadableAsSuch(store.open(key));
                    InputStream plain = encryption.plaintext(in, Boolean.TRUE.equals(encrypt));
                    InputStream unpacked = new ZstdInputStream(StorageEncryption.keepOpen(plain));
                    InputStream mine = unreadableAsSuch(content.open())) {
                length = sameWalLength(unpacked, mine, content.length());
                if (length < 0) {
                    log.warn("the stored partial of {} of {} holds other WAL; replacing it", segment, source);
                    length = 0;
                }
            } catch (NoSuchObjectException e) {
                length = 0; // deleted meanwhile: the segment was completed
            } catch (IOException | RuntimeException e) {
                Optional<ReadFailure> failure = ReadFailure.in(e);
                if (failure.isPresent()) {
                    throw failure.get().failure();
                }
                log.warn(
                        "cannot read the stored partial of {} of {} ({}); replacing it", segment, source, e.toString());
                length = 0;
            }
        }
        partialSegment = segment;
        partialLength = length;
        return length;
    }

    /**
     * How many bytes {@code stored} holds when they begin as the {@code length} bytes of {@code mine} do, as far as
     * both go; -1 when they differ.
     */
    private static long sameWalLength(InputStream stored, InputStream mine, long length) throws IOException {
        byte[] theirs = new byte[WalSpool.MAX_IO];
        byte[] ours = new byte[WalSpool.MAX_IO];
        long count = 0;
        int n;
        while ((n = stored.readNBytes(theirs, 0, theirs.length)) > 0) {
            int overlap = (int) Math.max(0, Math.min(n, length - count));
            if (overlap > 0
                    && (mine.readNBytes(ours, 0, overlap) != overlap
                            || !Arrays.equals(ours, 0, overlap, theirs, 0, overlap))) {
                return -1;
            }
            count += n;
        }
        return count;
    }

    /**
     * Stores a timeline history file ({@code 00000002.history}) so recovery can follow the timeline, and reports
     * it with its entries, at every start on the timeline. A stored file with the same content is kept as it is
     * (a restore planned with its SHA-256 may be reading it), and so is one this archiver cannot decrypt (a key
     * since removed: a server never changes a timeline's history); one that differs or is damaged is replaced.
     * What is reported is what is stored. Content that does not read as a history is stored but not reported:
     * recovery plans then do not cross into this timeline.
     */
    Optional<WalTimelineArchived> shipHistory(int timeline, byte[] content) throws IOException {
        String key = StorageLayout.walHistoryKey(source, timeline);
        byte[] stored;
        try {
            stored = store.readAll(key);
        } catch (NoSuchObjectException e) {
            stored = null;
        }
        Optional<Boolean> same = stored == null
                ? Optional.of(false)
                : holds(
                        new ByteArrayInputStream(stored),
                        new ByteArrayInputStream(content),
                        content.length,
                        Boolean.TRUE.equals(encrypt));
        if (same.isEmpty()) {
            // written with a key this archiver no longer has: a server never changes a timeline's history
            log.warn("cannot read the stored history of timeline {} of {} to compare it; keeping it", timeline, source);
        } else if (!same.get()) {
            if (stored != null) {
                log.warn(
                        "the stored history of timeline {} of {} differs from the server's; storing the server's",
                        timeline,
                        source);
            }
            ByteArrayOutputStream compressed = new ByteArrayOutputStream();
            SegmentCompressor.compress(new ByteArrayInputStream(content), content.length, ZSTD_LEVEL, compressed);
            stored = ObjectEncryption.encrypt(compressed.toByteArray(), keys());
            store.put(key, stored);
        }
        List<WalTimelineArchived.Switch> history;
        try {
            history = TimelineHistory.parse(timeline, content);
        } catch (IllegalArgumentException e) {
            log.warn(
                    "stored the history of timeline {} of {} as {} but cannot read it: {}",
                    timeline,
                    source,
                    key,
                    e.getMessage());
            return Optional.empty();
        }
        WalTimelineArchived event = new WalTimelineArchived(
                WalEvent.SCHEMA_VERSION,
                source,
                timeline,
                history,
                key,
                stored.length,
                sha256Hex(stored),
                clock.instant());
        publisher.publish(Topics.WAL_EVENTS, event);
        return Optional.of(event);
    }

    /**
     * Announces the complete segment stored at {@code key} when it holds {@code content}, or when this archiver
     * cannot decrypt it (a key since removed: the server's WAL of a segment never changes). Empty when there is
     * none, or when it holds other WAL, does not decode (damaged), or is stored in clear for a source that requires
     * encryption: then it is stored again. A failure to read it from the store (or the spool) fails the shipment
     * rather than replacing what may be sound.
     */
    private Optional<WalSegmentArchived> keepStored(
            WalSegmentName segment, WalBytes content, String key, WalCoverage coverage) throws IOException {
        if (store.stat(key).isEmpty()) {
            return Optional.empty();
        }
        try (HashingInputStream stored = new HashingInputStream(unreadableAsSuch(store.open(key)));
                InputStream plain = unreadableAsSuch(content.open())) {
            Optional<Boolean> same = holds(stored, plain, content.length(), Boolean.TRUE.equals(encrypt));
            if (same.isPresent() && !same.get()) {
                log.warn(
                        "the stored segment {} of {} is damaged or does not hold the server's WAL; storing it again",
                        segment,
                        source);
                return Optional.empty();
            }
            if (same.isEmpty()) {
                log.warn("cannot decrypt the stored segment {} of {} to compare it; keeping it", segment, source);
            }
            stored.transferTo(OutputStream.nullOutputStream()); // the rest, for the hash
            log.info(
                    "segment {} of {} was stored already (by an earlier session); announcing it again",
                    segment,
                    source);
            return Optional.of(
                    announce(segment, segment.endLsn(), false, key, stored.count(), stored.sha256Hex(), coverage));
        } catch (NoSuchObjectException e) {
            return Optional.empty();
        } catch (ReadFailure e) {
            throw e.failure();
        }
    }

    /** An {@link IOException} of a stream read for a comparison, as opposed to one of the decoders reading it. */
    private static final class ReadFailure extends IOException {
        ReadFailure(IOException failure) {
            super(failure.getMessage(), failure);
        }

        IOException failure() {
            return (IOException) getCause();
        }

        /** The failure among {@code thrown} and its causes, if any. */
        static Optional<ReadFailure> in(Throwable thrown) {
            for (Throwable cause = thrown; cause != null; cause = cause.getCause()) {
                if (cause instanceof ReadFailure failure) {
                    return Optional.of(failure);
                }
            }
            return Optional.empty();
        }
    }

    /** {@code in}, its read failures marked as {@link ReadFailure}: they say nothing of what the bytes hold. */
    private static InputStream unreadableAsSuch(InputStream in) {
        return new FilterInputStream(in) {
            @Override
            public int read() throws IOException {
                try {
                    return super.read();
                } catch (ReadFailure e) {
                    throw e;
                } catch (IOException e) {
                    throw new ReadFailure(e);
                }
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                try {
                    return super.read(b, off, len);
                } catch (ReadFailure e) {
                    throw e;
                } catch (IOException e) {
                    throw new ReadFailure(e);
                }
            }
        };
    }

    /** The newest complete segment already in the archive for {@code timeline}, to measure a gap against. */
    Optional<WalSegmentName> lastArchivedSegment(int timeline, long segmentSize) throws IOException {
        return store.list(StorageLayout.walPrefix(source, timeline)).stream()
                .map(info -> info.key().substring(info.key().lastIndexOf('/') + 1))
                .filter(name -> COMPLETE_SEGMENT.matcher(name).matches())
                .map(name -> WalSegmentName.parse(name.substring(0, 24), segmentSize))
                .max(Comparator.naturalOrder());
    }

    /**
     * Stores the compressed form of {@code content} at {@code key} and announces it. Without encryption the store
     * reads the compressed form as it is, whose SHA-256 the compressor keeps as it writes; with it, it is encrypted
     * into a spool file of its own first, hashed on the way.
     */
    private WalSegmentArchived store(
            WalSegmentName segment, WalBytes content, String key, boolean partial, WalCoverage coverage)
            throws IOException {
        Keyring keys = keys();
        Lsn end = new Lsn(segment.startLsn().value() + content.length());
        CompressedWal compressed = content.compressed();
        if (keys.activeKey().isEmpty()) {
            upload(key, compressed.length(), compressed::open);
            return announce(segment, end, partial, key, compressed.length(), compressed.sha256(), coverage);
        }
        try (WalSpool stored = WalSpool.open(spoolDirectory)) {
            MessageDigest sha256 = sha256();
            try (InputStream zstd = compressed.open();
                    OutputStream sink = ObjectEncryption.encrypt(
                            new DigestOutputStream(new BufferedOutputStream(stored.appender(), SPOOL_BUFFER), sha256),
                            keys)) {
                copy(zstd, compressed.length(), sink);
            }
            long storedBytes = stored.size();
            upload(key, storedBytes, () -> stored.read(storedBytes));
            return announce(
                    segment, end, partial, key, storedBytes, HexFormat.of().formatHex(sha256.digest()), coverage);
        }
    }

    /** Puts {@code length} bytes at {@code key}, holding one of the shared upload permits meanwhile. */
    private void upload(String key, long length, ObjectStore.Content body) throws IOException {
        try {
            uploads.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting to upload " + key);
        }
        try {
            store.put(key, length, body);
        } finally {
            uploads.release();
        }
    }

    private WalSegmentArchived announce(
            WalSegmentName segment,
            Lsn end,
            boolean partial,
            String key,
            long storedBytes,
            String sha256,
            WalCoverage coverage) {
        WalSegmentArchived event = new WalSegmentArchived(
                WalEvent.SCHEMA_VERSION,
                source,
                segment.timeline(),
                segment.toString(),
                segment.segmentSize(),
                segment.startLsn(),
                end,
                partial,
                key,
                storedBytes,
                sha256,
                clock.instant(),
                coverage.coveredUntil(end));
        publisher.publish(Topics.WAL_EVENTS, event);
        return event;
    }

    /**
     * Whether the stored object read from {@code stored} decompresses to the {@code length} bytes of {@code
     * content}; empty when it cannot be decrypted here (a key this archiver lacks). An object in clear is not the
     * same when {@code requireEncrypted}. Reads {@code stored} to the end of its encryption only when it holds the
     * bytes, so that every chunk is authenticated.
     *
     * @throws ReadFailure when a stream being compared fails (found among the causes of what the decoders threw)
     */
    private Optional<Boolean> holds(InputStream stored, InputStream content, long length, boolean requireEncrypted)
            throws ReadFailure {
        try {
            InputStream plain;
            try {
                plain = encryption.plaintext(stored, requireEncrypted);
            } catch (EncryptedObjectException e) {
                return e.reason() == EncryptedObjectException.Reason.NO_KEY_CONFIGURED
                                || e.reason() == EncryptedObjectException.Reason.UNKNOWN_KEY
                        ? Optional.empty()
                        : Optional.of(false);
            }
            try (InputStream unpacked = new ZstdInputStream(StorageEncryption.keepOpen(plain))) {
                if (sameWalLength(unpacked, content, length) != length) {
                    return Optional.of(false); // other WAL, or shorter or longer than it
                }
                plain.transferTo(OutputStream.nullOutputStream()); // authenticates up to the final chunk
                return Optional.of(true);
            }
        } catch (IOException | RuntimeException e) {
            Optional<ReadFailure> failure = ReadFailure.in(e);
            if (failure.isPresent()) {
                throw failure.get();
            }
            return Optional.of(false); // not zstd, cut short, or failing authentication: damaged, so replaced
        }
    }

    /** Copies exactly {@code length} bytes. */
    private static void copy(InputStream in, long length, OutputStream out) throws IOException {
        byte[] buffer = new byte[WalSpool.MAX_IO];
        for (long left = length; left > 0; ) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
            if (n < 0) {
                throw new EOFException("the compressed WAL ended " + left + " bytes before its " + length);
            }
            out.write(buffer, 0, n);
            left -= n;
        }
    }

    static String sha256Hex(byte[] bytes) {
        return HexFormat.of().formatHex(sha256().digest(bytes));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM ships SHA-256", e);
        }
    }
}

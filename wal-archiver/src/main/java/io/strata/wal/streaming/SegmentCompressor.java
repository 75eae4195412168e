package io.strata.wal.streaming;

import com.github.luben.zstd.EndDirective;
import com.github.luben.zstd.ZstdCompressCtx;
import com.github.luben.zstd.ZstdException;
import io.strata.wal.streaming.SegmentAccumulator.WalBytes;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The segment being filled, compressed as it ships, each new byte once, instead of from its first byte at every
 * shipment.
 * A busy source ships its growing segment every second; compressing each partial whole cost the archiver most of
 * its CPU (a segment filled in n seconds was compressed about n/2 times). Here each byte is compressed once.
 *
 * <p>The compressed bytes go to a spool file ({@link WalSpool}) as one zstd frame, kept open across shipments
 * by a zstd context that flushes at each one. A flushed frame lacks only its end, so a partial is the file's bytes
 * followed by an empty last block: a complete frame that any zstd decoder reads. That holds because the frame's
 * header promises neither a content size nor a checksum (both switched off), so the end is that block alone. A
 * complete segment ends the frame itself: one frame, compressed with the whole segment as its context, as a
 * one-shot compression would make it.
 *
 * <p>A context holds about 3 MiB of native memory for the level used. A source that has gone quiet ({@link
 * #rest()}) ends its frame and frees it; WAL arriving later starts a second frame (zstd decoders read
 * concatenated frames), and the complete segment is then compressed again from its first byte as one frame, so
 * a stored segment is always one frame whatever happened on the way. So a segment costs one compression while
 * its source stays busy, and at most two when it rested.
 *
 * <p>Not thread-safe: the source's streaming thread is its only user.
 */
final class SegmentCompressor implements AutoCloseable {
    /** A raw block of no bytes marked last (block header: last = 1, type raw = 0, size 0). */
    private static final byte[] EMPTY_LAST_BLOCK = {1, 0, 0};

    private final int level;
    private final WalSpool frames;
    private ZstdCompressCtx open;
    private int frameCount;
    private long covered;
    /** The file may hold bytes of no use (a failure part way, or an earlier segment): empty it before writing. */
    private boolean stale;
    /** The SHA-256 of the file's bytes so far. */
    private final MessageDigest digest = sha256();

    /** The stored form of some of a segment's bytes: one or more whole zstd frames. */
    interface CompressedWal {
        long length();

        InputStream open() throws IOException;

        /** The SHA-256 (hex) of the bytes {@link #open()} gives. */
        String sha256();
    }

    SegmentCompressor(Path spoolDirectory, int level) throws IOException {
        this.level = level;
        this.frames = WalSpool.open(spoolDirectory);
    }

    /**
     * The first {@code wal.length()} bytes of the segment compressed, {@code wal} holding the same bytes as
     * earlier calls since {@link #reset()} and at least as many (and at least one). When {@code whole}, the
     * segment is complete: the result is then one frame, and nothing more may be added before {@link #reset()}.
     * The result reads this compressor's file: it is valid until the next call. A failure part way leaves the
     * compressor to start the segment again at the next call.
     */
    CompressedWal compress(WalBytes wal, boolean whole) throws IOException {
        long length = wal.length();
        if (length == 0) {
            throw new IllegalArgumentException("no WAL to compress: a zstd frame is written with its first byte");
        }
        if (length < covered) {
            throw new IllegalStateException(
                    "asked to compress " + length + " bytes of a segment already compressed up to " + covered);
        }
        if (whole && (frameCount > 1 || (frameCount == 1 && open == null && covered < length))) {
            forget(); // more than one frame: a complete segment is stored as one, so compress it again
        }
        if (stale) {
            frames.truncate();
            digest.reset();
            stale = false;
        }
        if (covered < length || (whole && open != null)) {
            if (open == null) {
                open = context(whole && covered == 0 ? length : -1);
                frameCount++;
            }
            try (InputStream in = wal.open()) {
                in.skipNBytes(covered);
                append(in, length - covered, whole ? EndDirective.END : EndDirective.FLUSH);
            } catch (IOException | RuntimeException e) {
                forget(); // what the file holds is no longer known to be whole
                throw e;
            }
            covered = length;
            if (whole) {
                free();
            }
        }
        long size = frames.size();
        boolean unended = open != null;
        String sha256 = hashWith(unended ? EMPTY_LAST_BLOCK : new byte[0]);
        return new CompressedWal() {
            @Override
            public long length() {
                return size + (unended ? EMPTY_LAST_BLOCK.length : 0);
            }

            @Override
            public InputStream open() {
                InputStream file = frames.read(size);
                return unended ? new SequenceInputStream(file, new ByteArrayInputStream(EMPTY_LAST_BLOCK)) : file;
            }

            @Override
            public String sha256() {
                return sha256;
            }
        };
    }

    /** The SHA-256 of the file's bytes followed by {@code end}. */
    private String hashWith(byte[] end) {
        try {
            MessageDigest copy = (MessageDigest) digest.clone();
            copy.update(end);
            return HexFormat.of().formatHex(copy.digest());
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("the JDK's SHA-256 can be cloned", e);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM ships SHA-256", e);
        }
    }

    /**
     * Ends the open frame, if any, and frees its context: the source is quiet. Should that fail, the segment is
     * compressed again from its first byte at the next call.
     */
    void rest() throws IOException {
        if (open != null) {
            try {
                append(InputStream.nullInputStream(), 0, EndDirective.END);
            } catch (IOException | RuntimeException e) {
                forget();
                throw e;
            }
            free();
        }
    }

    /** Forgets the segment: the next one starts from its first byte. */
    void reset() {
        forget();
    }

    /** Whether a zstd context is held (a frame is open). */
    boolean holdsContext() {
        return open != null;
    }

    @Override
    public void close() throws IOException {
        try (WalSpool file = frames) {
            free();
        }
    }

    private void forget() {
        free();
        frameCount = 0;
        covered = 0;
        stale = true;
    }

    /** A context for a new frame that promises neither a size nor a checksum; {@code size} is pledged if known. */
    private ZstdCompressCtx context(long size) {
        ZstdCompressCtx zstd = new ZstdCompressCtx();
        try {
            zstd.setLevel(level).setChecksum(false).setContentSize(false);
            if (size >= 0) {
                zstd.setPledgedSrcSize(size); // tunes zstd to the size, as a one-shot compression would
            }
            return zstd;
        } catch (RuntimeException e) {
            zstd.close();
            throw e;
        }
    }

    private void free() {
        if (open != null) {
            open.close();
            open = null;
        }
    }

    /** Compresses exactly {@code length} bytes of {@code plain} into the open frame, then {@code end}s. */
    private void append(InputStream plain, long length, EndDirective end) throws IOException {
        try (OutputStream sink = new DigestOutputStream(frames.appender(), digest)) {
            feed(open, plain, length, end, sink);
        }
    }

    /**
     * Compresses exactly {@code length} bytes of {@code plain} into one zstd frame written to {@code sink}. The
     * size is pledged, so zstd tunes itself to it as a one-shot compression would (streaming without it cost a
     * fifth more CPU on WAL) and fails should the bytes read not match it.
     */
    static void compress(InputStream plain, long length, int level, OutputStream sink) throws IOException {
        try (ZstdCompressCtx zstd = new ZstdCompressCtx()) {
            zstd.setLevel(level);
            zstd.setPledgedSrcSize(length);
            feed(zstd, plain, length, EndDirective.END, sink);
        }
    }

    /** Gives {@code zstd} exactly {@code length} bytes of {@code plain}, then {@code end}s, writing to {@code sink}. */
    private static void feed(ZstdCompressCtx zstd, InputStream plain, long length, EndDirective end, OutputStream sink)
            throws IOException {
        try {
            byte[] in = new byte[WalSpool.MAX_IO];
            ByteBuffer out = ByteBuffer.allocate(WalSpool.MAX_IO);
            long read = 0;
            while (true) {
                int n = plain.readNBytes(in, 0, (int) Math.min(in.length, length - read));
                if (n == 0 && read < length) {
                    throw new EOFException("the WAL to store ended after " + read + " of its " + length + " bytes");
                }
                read += n;
                boolean last = read == length;
                ByteBuffer source = ByteBuffer.wrap(in, 0, n);
                boolean done;
                do {
                    done = zstd.compressByteBufferStream(out, source, last ? end : EndDirective.CONTINUE);
                    sink.write(out.array(), 0, out.position());
                    out.clear();
                } while (last ? !done : source.hasRemaining());
                if (last) {
                    return;
                }
            }
        } catch (ZstdException e) {
            throw new IOException("zstd could not compress WAL: " + e.getMessage(), e);
        }
    }
}

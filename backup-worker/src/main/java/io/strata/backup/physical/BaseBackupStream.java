package io.strata.backup.physical;

import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import io.strata.common.files.BulkInputStream;
import io.strata.platform.postgres.ReplicationConnection;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tar {@code pg_basebackup -D - -Ft -X none --checkpoint=fast} writes, read by the worker itself from a
 * replication session (PostgreSQL 15's BASE_BACKUP with {@code TARGET 'client'}): the archive's bytes as the
 * server sends them, less its end marker, then PostgreSQL's {@code backup_manifest} as a last member, then the
 * two zero blocks that end a tar. One process fewer on the path: the bytes go from the socket straight to the reader.
 *
 * <p>The command is a constant. The server's two result sets come first (the start position, then the
 * tablespaces: a source with tablespaces besides its data directory is refused, as {@code pg_basebackup} to
 * stdout refuses it), then one COPY whose messages name the archive, carry its data, report progress and
 * announce the manifest. The tar's end is given only once the server has reported the backup's end, so a
 * stream that ends is a whole backup; anything else is thrown from {@link #read}: {@link
 * ReplicationConnection.ServerError} with the server's words, {@link Refused} for what is not supported, any
 * other {@link IOException} for a lost connection.
 *
 * <p>With {@link ServerZstd} the server compresses the archive itself (BASE_BACKUP's {@code COMPRESSION}): far
 * fewer bytes cross the network, and the worker need not compress them again. What is read here is the same
 * tar, decompressed as it arrives, the manifest appended as ever; the server's compressed bytes are handed to
 * {@link #copyCompressedTo} as they arrive, untouched: the server's own tar, its end marker inside its frame and
 * without the manifest (as {@code pg_basebackup --compress=server-zstd} writes {@code base.tar.zst} beside a
 * {@code backup_manifest} file). A server built without zstd refuses the command before its backup begins, one
 * whose zstd cannot use threads once it began (after its checkpoint); the backup is then asked again uncompressed
 * on the same session, and {@link #serverCompressed()} says so.
 */
final class BaseBackupStream extends BulkInputStream {
    /** PROGRESS: the server adds up the files' sizes first and reports them (the job's progress estimate). */
    static final String COMMAND = "BASE_BACKUP (LABEL 'strata base backup', CHECKPOINT 'fast', TABLESPACE_MAP,"
            + " MANIFEST 'yes', TARGET 'client', PROGRESS)";
    /** The oldest server whose BASE_BACKUP speaks the COPY sub-protocol read here. */
    static final int MIN_SERVER_VERSION = 15;

    private static final int MAX_MANIFEST_BYTES = 256 * 1024 * 1024;
    private static final int BLOCK = 512;
    /** Bytes held back from the reader: a tar's end marker, two zero blocks. */
    private static final int HELD = 2 * BLOCK;

    private static final int SMALL_BUFFER = 64 * 1024;
    private static final Logger log = LoggerFactory.getLogger(BaseBackupStream.class);

    /**
     * zstd compression of the archive by the server, at {@code level} (negative: zstd's fast levels) on {@code
     * workers} threads of the server's own (0: in its WAL sender).
     */
    record ServerZstd(int level, int workers) {
        ServerZstd {
            if (level < -7 || level > 19 || workers < 0 || workers > 64) {
                throw new IllegalArgumentException(
                        "server zstd level " + level + " and workers " + workers + ": levels -7..19, 0..64 workers");
            }
        }

        /** The command's options; numbers only, never text from outside. */
        String options() {
            // zstd's level 0 is its default, 3
            return ", COMPRESSION 'zstd', COMPRESSION_DETAIL 'level=" + (level == 0 ? 3 : level)
                    + (workers > 0 ? ",workers=" + workers : "") + "'";
        }
    }

    private enum Phase {
        COMMAND_NOT_SENT,
        RESULTS,
        COPY,
        DONE
    }

    private final ReplicationConnection connection;
    private final DataInputStream in;
    private final long mtime;
    /** The server's compression asked for; null once the server refused it, or when none was asked. */
    private ServerZstd zstd;

    private String uncompressedBecause;
    private Supplier<OutputStream> compressedCopy;
    private OutputStream copy;
    /** The archive decompressed (server compression only), from its first message on; closed by either thread. */
    private volatile ZstdInputStreamNoFinalizer decompressed;

    private boolean archiveDone;
    private long compressedBytes;
    private long archiveBytes;
    private Phase phase = Phase.COMMAND_NOT_SENT;
    private int resultSets;
    private int tablespaceRows;
    private long summedBytes;
    private volatile long estimatedBytes;
    private LongConsumer onEstimate = bytes -> {};
    private int archives;
    private long dataLeft;
    private final byte[] held = new byte[HELD];
    private int heldLength;
    private byte[] small;
    private int smallAt;
    private int smallLength;
    private ByteArrayOutputStream manifest;
    private byte[] trailer;
    private int trailerAt;

    /** Sends nothing yet: {@link #begin()} or the first read sends the command. */
    BaseBackupStream(ReplicationConnection connection, long mtimeSeconds) {
        this(connection, mtimeSeconds, null);
    }

    /** As above, with the archive compressed by the server ({@code zstd}; null: not). */
    BaseBackupStream(ReplicationConnection connection, long mtimeSeconds, ServerZstd zstd) {
        this.connection = connection;
        this.in = connection.in();
        this.mtime = mtimeSeconds;
        this.zstd = zstd;
    }

    /**
     * Where the server's compressed bytes go as they arrive, when the server compresses: {@code target} is asked
     * for the stream once, as the archive begins (on the reading thread), and never when the server sends the
     * archive uncompressed. Set it before the first read.
     */
    void copyCompressedTo(Supplier<OutputStream> target) {
        this.compressedCopy = target;
    }

    /** Whether the server compresses the archive: known once its data began (the first byte read). */
    boolean serverCompressed() {
        return zstd != null;
    }

    /** Why the server sends the archive uncompressed though compression was asked (its error); null otherwise. */
    String uncompressedBecause() {
        return uncompressedBecause;
    }

    /** The compressed bytes the server sent (server compression only). */
    long compressedBytes() {
        return compressedBytes;
    }

    /** What the server's compressed bytes decompress to: its own tar, end marker included (server compression only). */
    long archiveBytes() {
        return archiveBytes;
    }

    /** Refused: what the server would back up is not something this stream can carry. */
    static final class Refused extends IOException {
        Refused(String message) {
            super(message);
        }
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (true) {
            if (smallAt < smallLength) {
                int n = Math.min(len, smallLength - smallAt);
                System.arraycopy(small, smallAt, b, off, n);
                smallAt += n;
                return n;
            }
            if (archiveReadable()) {
                if (len > HELD) {
                    int n = readData(b, off, len);
                    if (n > 0) {
                        return n;
                    }
                } else { // a small read: through a buffer of our own
                    small = small == null ? new byte[SMALL_BUFFER] : small;
                    smallAt = 0;
                    smallLength = readData(small, 0, small.length);
                }
                continue;
            }
            if (trailer != null) {
                if (trailerAt == trailer.length) {
                    return -1;
                }
                int n = Math.min(len, trailer.length - trailerAt);
                System.arraycopy(trailer, trailerAt, b, off, n);
                trailerAt += n;
                return n;
            }
            advance();
        }
    }

    /**
     * Reads archive data into {@code b} behind the bytes held back, and holds back the newest {@link #HELD}:
     * the last two blocks of the archive are the server's end marker, which must not reach the reader before
     * the manifest. Returns how many bytes of {@code b} are the reader's (none when all were held).
     */
    private int readData(byte[] b, int off, int len) throws IOException {
        int n;
        if (decompressed != null) {
            n = decompressed.read(b, off + heldLength, len - heldLength);
            if (n < 0) { // the server's frame ended with its archive
                archiveDone = true;
                decompressed.close();
                return 0;
            }
            archiveBytes += n;
        } else {
            n = in.read(b, off + heldLength, (int) Math.min(len - heldLength, dataLeft));
            if (n < 0) {
                throw new EOFException("the server closed the connection in the middle of the backup");
            }
            dataLeft -= n;
        }
        System.arraycopy(held, 0, b, off, heldLength);
        int total = heldLength + n;
        int keep = Math.min(HELD, total);
        System.arraycopy(b, off + total - keep, held, 0, keep);
        heldLength = keep;
        return total - keep;
    }

    /** Whether archive data is next: the server's bytes as they are, or decompressed. */
    private boolean archiveReadable() {
        return decompressed != null ? !archiveDone : dataLeft > 0;
    }

    /**
     * The server's compressed archive, as its messages carry it, to its end (the manifest's announcement), each
     * byte also handed to the copy: what the decompressor reads.
     */
    private final class CompressedArchive extends BulkInputStream {
        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            while (dataLeft == 0) {
                if (phase != Phase.COPY || manifest != null) {
                    return -1; // the archive ended: the manifest follows
                }
                advance();
            }
            int n = in.read(b, off, (int) Math.min(len, dataLeft));
            if (n < 0) {
                throw new EOFException("the server closed the connection in the middle of the backup");
            }
            dataLeft -= n;
            compressedBytes += n;
            if (copy != null) {
                copy.write(b, off, n);
            }
            return n;
        }

        @Override
        public void close() {
            // the session is the stream's to close
        }
    }

    /**
     * Sends the command now, without waiting for an answer: the server's checkpoint then runs while the caller
     * prepares (the first read waits for it). Reading without calling this sends it too.
     */
    void begin() throws IOException {
        if (phase == Phase.COMMAND_NOT_SENT) {
            connection.query(command());
            phase = Phase.RESULTS;
        }
    }

    /** BASE_BACKUP with its options: {@link #COMMAND}, with the server's compression when asked. */
    String command() {
        return zstd == null ? COMMAND : COMMAND.substring(0, COMMAND.length() - 1) + zstd.options() + ")";
    }

    /** Reads messages until archive data or the tar's end is next. */
    private void advance() throws IOException {
        begin();
        int type;
        try {
            type = connection.next();
        } catch (ReplicationConnection.ServerError e) {
            if (phase == Phase.RESULTS && resultSets == 0 && zstd != null && compressionRefused(e)) {
                askUncompressed(e);
                return;
            }
            throw e;
        }
        int length = connection.length();
        if (phase == Phase.RESULTS) {
            beforeCopy(type, length);
        } else if (phase == Phase.COPY) {
            inCopy(type, length);
        } else {
            throw new IOException("unexpected message '" + (char) type + "' after the backup ended");
        }
    }

    /**
     * Whether the server refused the compression itself, before its backup's data began: zstd missing from its
     * build (feature not supported; a build without it also rejects any level but 1 as an invalid compression
     * specification), or its zstd unable to use worker threads (an invalid parameter, about compression: raised
     * once the server's backup began, after its checkpoint, and aborted with it).
     */
    static boolean compressionRefused(ReplicationConnection.ServerError e) {
        String state = e.sqlState();
        boolean aboutCompression =
                e.getMessage().toLowerCase(java.util.Locale.ROOT).contains("compression");
        return "0A000".equals(state) || (("22023".equals(state) || "42601".equals(state)) && aboutCompression);
    }

    /** After the server's refusal: the session is ready again once it says so; the same backup, uncompressed. */
    private void askUncompressed(ReplicationConnection.ServerError refusal) throws IOException {
        int type;
        while ((type = connection.next()) != 'Z') {
            connection.skip(connection.length());
            if (type != 'C' && type != 'T' && type != 'D') {
                throw unexpected(type);
            }
        }
        connection.skip(connection.length());
        log.warn(
                "the source refused to compress its base backup ({}); it is read uncompressed and compressed here",
                refusal.getMessage());
        uncompressedBecause = refusal.getMessage();
        zstd = null;
        connection.query(COMMAND);
    }

    private void beforeCopy(int type, int length) throws IOException {
        switch (type) {
            case 'D' -> {
                if (resultSets == 1) {
                    tablespaceRows++;
                    summedBytes += sizeKiB(connection.payload()) * 1024;
                } else {
                    connection.skip(length);
                }
            }
            case 'C' -> {
                connection.skip(length);
                resultSets++;
            }
            case 'H' -> {
                connection.skip(length);
                if (tablespaceRows > 1) {
                    throw new Refused("the source has " + (tablespaceRows - 1) + " tablespace(s) besides its data"
                            + " directory; physical backups of clusters with tablespaces are not supported");
                }
                phase = Phase.COPY;
                estimatedBytes = summedBytes;
                onEstimate.accept(summedBytes);
            }
            case 'T' -> connection.skip(length);
            default -> throw unexpected(type);
        }
    }

    /** A tablespace row's third column, its size in KiB (0 when the row lacks it or it is NULL). */
    private static long sizeKiB(byte[] row) throws IOException {
        List<String> columns = ReplicationConnection.dataRow(row);
        if (columns.size() < 3 || columns.get(2) == null) {
            return 0;
        }
        try {
            return Math.max(0, Long.parseLong(columns.get(2)));
        } catch (NumberFormatException e) {
            throw new IOException("the server gave a tablespace size that is not a number", e);
        }
    }

    /**
     * What the server said it will send (its files' sizes added up before the data began); 0 until the data
     * began.
     */
    long estimatedBytes() {
        return estimatedBytes;
    }

    /**
     * Calls {@code listener} with {@link #estimatedBytes()} once it is known, as the data begins (on the
     * reading thread, before the first byte of the tar is returned).
     */
    void onEstimate(LongConsumer listener) {
        this.onEstimate = listener;
    }

    private void inCopy(int type, int length) throws IOException {
        if (type == 'c') {
            connection.skip(length);
            if (archives != 1 || manifest == null) {
                throw new IOException("the server ended the backup's stream after " + archives + " archive(s) and "
                        + (manifest == null ? "no" : "a") + " manifest; one of each was expected");
            }
            if (decompressed != null && !archiveDone) {
                throw new IOException("the server ended the backup's stream inside its compressed archive");
            }
            awaitEnd();
            trailer = trailer();
            manifest = null;
            phase = Phase.DONE;
            return;
        }
        if (type != 'd' || length < 1) {
            throw unexpected(type);
        }
        int kind = in.readUnsignedByte();
        int rest = length - 1;
        switch (kind) {
            case 'n' -> {
                byte[] names = connection.bytes(rest);
                if (++archives > 1) {
                    throw new Refused("the server sent a second archive ("
                            + String.join(" for ", ReplicationConnection.cStrings(names))
                            + "): tablespaces are not supported");
                }
                if (zstd != null) {
                    copy = compressedCopy == null ? null : compressedCopy.get();
                    decompressed = new ZstdInputStreamNoFinalizer(new CompressedArchive());
                }
            }
            case 'd' -> {
                if (manifest == null) {
                    dataLeft = rest;
                } else if (manifest.size() + (long) rest > MAX_MANIFEST_BYTES) {
                    throw new Refused("PostgreSQL's backup_manifest is larger than " + (MAX_MANIFEST_BYTES >> 20)
                            + " MiB, more than a worker keeps in memory");
                } else {
                    byte[] chunk = new byte[rest];
                    in.readFully(chunk);
                    manifest.write(chunk);
                }
            }
            case 'm' -> {
                connection.skip(rest);
                manifest = new ByteArrayOutputStream();
            }
            case 'p' -> connection.skip(rest); // progress: the reader counts bytes itself
            default -> throw new IOException("unknown BASE_BACKUP message '" + (char) kind + "'");
        }
    }

    /** After the COPY: the end position's result set, the command's completion, ready for the next query. */
    private void awaitEnd() throws IOException {
        while (true) {
            int type = connection.next();
            connection.skip(connection.length());
            switch (type) {
                case 'Z' -> {
                    return;
                }
                case 'T', 'D', 'C' -> {
                    // the end position: PostgreSQL's manifest has it too
                }
                default -> throw unexpected(type);
            }
        }
    }

    /**
     * The archive's last bytes unless they are its end marker (PostgreSQL 15 on sends one; older servers did
     * not), the manifest as a tar member (if the server sent one), then the two zero blocks that end a tar.
     */
    private byte[] trailer() {
        int kept = endMarkerHeld() ? 0 : heldLength;
        byte[] content = manifest == null ? new byte[0] : manifest.toByteArray();
        int member = manifest == null ? 0 : BLOCK + (content.length + BLOCK - 1) / BLOCK * BLOCK;
        byte[] tail = new byte[kept + member + 2 * BLOCK];
        System.arraycopy(held, 0, tail, 0, kept);
        if (manifest != null) {
            System.arraycopy(header(ManifestCapture.MEMBER, content.length, mtime), 0, tail, kept, BLOCK);
            System.arraycopy(content, 0, tail, kept + BLOCK, content.length);
        }
        return tail;
    }

    private boolean endMarkerHeld() {
        if (heldLength < HELD) {
            return false;
        }
        for (byte b : held) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    /** A ustar header of a regular file, mode 0600, as PostgreSQL writes one. */
    static byte[] header(String name, long size, long mtime) {
        byte[] header = new byte[BLOCK];
        put(header, 0, name);
        put(header, 100, "0000600");
        put(header, 108, "0004000");
        put(header, 116, "0002000");
        put(header, 124, octal(size, 11));
        put(header, 136, octal(mtime, 11));
        header[156] = '0';
        put(header, 257, "ustar");
        put(header, 263, "00");
        put(header, 265, "postgres");
        put(header, 297, "postgres");
        Arrays.fill(header, 148, 156, (byte) ' ');
        long sum = 0;
        for (byte b : header) {
            sum += b & 0xFF;
        }
        put(header, 148, octal(sum, 6));
        header[154] = 0;
        header[155] = ' ';
        return header;
    }

    private static String octal(long value, int digits) {
        String text = Long.toOctalString(value);
        return "0".repeat(Math.max(0, digits - text.length())) + text;
    }

    private static void put(byte[] header, int offset, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(bytes, 0, header, offset, bytes.length);
    }

    private static IOException unexpected(int type) {
        return new IOException("unexpected message '" + (char) type + "' from the server during BASE_BACKUP");
    }

    /** Ends the session: a server still sending stops at once. Then frees the decompressor, if any. */
    @Override
    public void close() throws IOException {
        try {
            connection.close();
        } finally {
            if (decompressed != null) {
                decompressed.close(); // after a read still in it ends: the closed session ends that read
            }
        }
    }
}

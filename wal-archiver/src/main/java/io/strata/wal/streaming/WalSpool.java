package io.strata.wal.streaming;

import io.strata.common.files.BulkInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * A file of the archiver's own that holds WAL (or a stored object being made from it) instead of the heap, so
 * the archiver's heap holds no segment per archived source. The file is removed from its directory as
 * it is opened ({@link StandardOpenOption#DELETE_ON_CLOSE}: unlinked at once on Linux) and lives only as long as
 * this open channel: a killed archiver leaves nothing behind. Nothing here has to be durable: WAL is let go on
 * the server only once it is stored. The name is random, never a source's.
 */
final class WalSpool implements AutoCloseable {
    private final FileChannel channel;

    /** The most one read or write moves at once: the JDK copies through a direct buffer this big per thread. */
    static final int MAX_IO = 256 * 1024;

    private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

    private WalSpool(FileChannel channel) {
        this.channel = channel;
    }

    /**
     * A new empty spool file in {@code directory}, readable by this process's user only (it holds WAL in the
     * clear, whatever the stored objects' encryption), made new (never an existing file or link).
     */
    static WalSpool open(Path directory) throws IOException {
        Path file = directory.resolve("strata-wal-" + UUID.randomUUID() + ".spool");
        return new WalSpool(FileChannel.open(
                file,
                Set.of(
                        StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.READ,
                        StandardOpenOption.WRITE,
                        StandardOpenOption.DELETE_ON_CLOSE),
                OWNER_ONLY));
    }

    /** Writes all of {@code data} at {@code position}. */
    void write(ByteBuffer data, long position) throws IOException {
        long at = position;
        while (data.hasRemaining()) {
            ByteBuffer piece = data.slice(data.position(), Math.min(data.remaining(), MAX_IO));
            int written = channel.write(piece, at);
            data.position(data.position() + written);
            at += written;
        }
    }

    /** Empties the file. */
    void truncate() throws IOException {
        channel.truncate(0);
    }

    /** The file's size in bytes. */
    long size() throws IOException {
        return channel.size();
    }

    /** A stream that appends to the file from its current end; closing it leaves the file open. */
    OutputStream appender() throws IOException {
        long start = channel.size();
        return new OutputStream() {
            private long position = start;

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                Objects.checkFromIndexSize(off, len, b.length);
                WalSpool.this.write(ByteBuffer.wrap(b, off, len), position);
                position += len;
            }
        };
    }

    /** The first {@code length} bytes, read from the start; any number of these may be open at once. */
    InputStream read(long length) {
        return new BulkInputStream() {
            private long position;

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                Objects.checkFromIndexSize(off, len, b.length);
                if (len == 0) {
                    return 0;
                }
                if (position >= length) {
                    return -1;
                }
                int wanted = (int) Math.min(Math.min(len, MAX_IO), length - position);
                int count = channel.read(ByteBuffer.wrap(b, off, wanted), position);
                if (count < 0) {
                    throw new IOException(
                            "the spool file ended at " + position + " bytes, before the " + length + " it should hold");
                }
                position += count;
                return count;
            }

            @Override
            public long skip(long n) {
                long skipped = Math.max(0, Math.min(n, length - position));
                position += skipped;
                return skipped;
            }
        };
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}

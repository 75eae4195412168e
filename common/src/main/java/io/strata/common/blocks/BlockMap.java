package io.strata.common.blocks;

import com.dynatrace.hash4j.hashing.Hasher64;
import com.dynatrace.hash4j.hashing.Hashing;
import io.strata.common.storage.MalformedContentException;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UTFDataFormatException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A physical backup's block map: every member of the base backup's tar (files, directories, links) in
 * tar order, and for each file its size and one 64-bit XXH3 hash per {@value #BLOCK_SIZE}-byte block (a
 * PostgreSQL page, so scattered page changes cost what changed, and a 1 GiB segment's map is 1 MiB). A
 * child backup compares each block with its parent's block at the same position; a restore uses the map to
 * give every file its size and to find the files that no longer exist.
 *
 * <p>Format (version 1), big-endian: the magic line, then per member a kind byte ({@code f}, {@code d},
 * {@code l}), the path (modified UTF-8), the mode, and for a file its size, the block count and the
 * hashes, for a link its target; then {@code E}, the member count and the file bytes. A map cut short is
 * an error, never a shorter map.
 */
public final class BlockMap {
    public static final int BLOCK_SIZE = 8192;
    private static final byte[] MAGIC = "STRATA-BLOCKMAP/1\n".getBytes(StandardCharsets.US_ASCII);
    private static final Hasher64 XXH3 = Hashing.xxh3_64();

    private BlockMap() {}

    /** The hash a block is compared by. */
    public static long hash(byte[] block, int offset, int length) {
        return XXH3.hashBytesToLong(block, offset, length);
    }

    /**
     * The largest file a map holds, 64 GiB, so one file's hashes (held while it passes) stay under 64 MiB;
     * PostgreSQL writes relations in 1 GiB segments (1 MiB of hashes). A larger size is refused as content
     * Strata does not store, not met with an allocation the worker's memory cannot take.
     */
    public static final long MAX_FILE_BYTES = 64L << 30;

    /** {@code size} as the size of a file Strata stores, or why not. */
    static long requireFileSize(long size, String path) throws MalformedContentException {
        if (size < 0 || size > MAX_FILE_BYTES) {
            throw new MalformedContentException(
                    path + " is " + size + " bytes; Strata stores files of 0 to " + MAX_FILE_BYTES + " bytes");
        }
        return size;
    }

    /** How many blocks a file of {@code size} bytes has. */
    public static int blocks(long size) {
        return Math.toIntExact((size + BLOCK_SIZE - 1) / BLOCK_SIZE);
    }

    /**
     * One member: a file ({@code hashes} per block; null in a {@link TargetLayout}, which keeps the layout
     * only), a directory or a symbolic link.
     */
    public record Entry(char kind, String path, int mode, long size, long[] hashes, String linkTarget) {
        public static final char FILE = 'f';
        public static final char DIRECTORY = 'd';
        public static final char LINK = 'l';

        public boolean isFile() {
            return kind == FILE;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Entry e
                    && kind == e.kind
                    && path.equals(e.path)
                    && mode == e.mode
                    && size == e.size
                    && Arrays.equals(hashes, e.hashes)
                    && java.util.Objects.equals(linkTarget, e.linkTarget);
        }

        @Override
        public int hashCode() {
            return path.hashCode();
        }

        @Override
        public String toString() {
            return kind + " " + path + " " + size + " bytes";
        }
    }

    /** Writes a map, entry by entry; {@link #finish()} writes the end marker. */
    public static final class Writer {
        private final DataOutputStream out;
        private long entries;
        private long fileBytes;

        public Writer(OutputStream out) throws IOException {
            this.out = new DataOutputStream(out);
            this.out.write(MAGIC);
        }

        public void add(Entry entry) throws IOException {
            out.writeByte(entry.kind());
            out.writeUTF(entry.path());
            out.writeInt(entry.mode());
            switch (entry.kind()) {
                case Entry.FILE -> {
                    if (entry.hashes().length != blocks(entry.size())) {
                        throw new IllegalArgumentException(
                                entry.path() + ": " + entry.hashes().length + " hashes for " + entry.size() + " bytes");
                    }
                    out.writeLong(entry.size());
                    out.writeInt(entry.hashes().length);
                    for (long hash : entry.hashes()) {
                        out.writeLong(hash);
                    }
                    fileBytes += entry.size();
                }
                case Entry.LINK -> out.writeUTF(entry.linkTarget());
                case Entry.DIRECTORY -> {}
                default -> throw new IllegalArgumentException("unknown map entry kind " + entry.kind());
            }
            entries++;
        }

        public void finish() throws IOException {
            out.writeByte('E');
            out.writeLong(entries);
            out.writeLong(fileBytes);
            out.flush();
        }

        public long entries() {
            return entries;
        }
    }

    /** Reads a map written by {@link Writer}, entry by entry. */
    public static final class Reader {
        private final DataInputStream in;
        private final String name;
        private long read;
        private boolean done;

        /** @param name what the map is, for errors (its object key) */
        public Reader(InputStream in, String name) throws IOException {
            this.in = new DataInputStream(in);
            this.name = name;
            byte[] magic = new byte[MAGIC.length];
            try {
                this.in.readFully(magic);
            } catch (EOFException e) {
                throw new MalformedContentException(name + " is not a block map (too short)", e);
            }
            if (!Arrays.equals(magic, MAGIC)) {
                throw new MalformedContentException(name + " is not a block map of a version this Strata reads");
            }
        }

        /** The next entry, or null after the last (checked against the end marker). */
        public Entry next() throws IOException {
            if (done) {
                return null;
            }
            try {
                byte kind = in.readByte();
                if (kind == 'E') {
                    long count = in.readLong();
                    in.readLong();
                    if (count != read) {
                        throw new MalformedContentException(
                                name + " says it has " + count + " entries, but " + read + " were read");
                    }
                    done = true;
                    return null;
                }
                String path = in.readUTF();
                int mode = in.readInt();
                read++;
                return switch ((char) kind) {
                    case Entry.FILE -> {
                        long size = requireFileSize(in.readLong(), name + ": " + path);
                        int count = in.readInt();
                        if (count != blocks(size)) {
                            throw new MalformedContentException(
                                    name + ": " + path + " has " + count + " hashes for " + size + " bytes");
                        }
                        long[] hashes = new long[count];
                        for (int i = 0; i < count; i++) {
                            hashes[i] = in.readLong();
                        }
                        yield new Entry(Entry.FILE, path, mode, size, hashes, null);
                    }
                    case Entry.DIRECTORY -> new Entry(Entry.DIRECTORY, path, mode, 0, new long[0], null);
                    case Entry.LINK -> new Entry(Entry.LINK, path, mode, 0, new long[0], in.readUTF());
                    default -> throw new MalformedContentException(name + " has an entry of unknown kind " + kind);
                };
            } catch (EOFException e) {
                throw new MalformedContentException(name + " ends before its end marker (cut short?)", e);
            } catch (UTFDataFormatException e) {
                throw new MalformedContentException(name + " has a path or link that is not modified UTF-8", e);
            }
        }
    }
}

package io.strata.common.blocks;

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
 * The changed blocks of a differential or incremental backup, packed into one stream (stored as one
 * compressed, encrypted object, uploaded in parts: never an object per block). Blocks are grouped by file
 * in tar order: a file header, then each changed block's index, length and bytes.
 *
 * <p>Format (version 1), big-endian: the magic line; per file {@code F}, its path (modified UTF-8), then
 * per block its index and length (1 to {@value BlockMap#BLOCK_SIZE}) and the bytes, and {@code -1} after
 * the file's last block; then {@code E}, the file and block counts.
 */
public final class BlockPack {
    private static final byte[] MAGIC = "STRATA-BLOCKPACK/1\n".getBytes(StandardCharsets.US_ASCII);

    private BlockPack() {}

    /** Writes a pack: {@link #block} after {@link #file}, {@link #finish()} at the end. */
    public static final class Writer {
        private final DataOutputStream out;
        private boolean inFile;
        private long files;
        private long blocks;
        private long blockBytes;

        public Writer(OutputStream out) throws IOException {
            this.out = new DataOutputStream(out);
            this.out.write(MAGIC);
        }

        public void file(String path) throws IOException {
            endFile();
            out.writeByte('F');
            out.writeUTF(path);
            inFile = true;
            files++;
        }

        public void block(int index, byte[] bytes, int offset, int length) throws IOException {
            if (!inFile) {
                throw new IllegalStateException("a block outside a file");
            }
            if (index < 0 || length < 1 || length > BlockMap.BLOCK_SIZE) {
                throw new IllegalArgumentException("block " + index + " of " + length + " bytes");
            }
            out.writeInt(index);
            out.writeInt(length);
            out.write(bytes, offset, length);
            blocks++;
            blockBytes += length;
        }

        public void finish() throws IOException {
            endFile();
            out.writeByte('E');
            out.writeLong(files);
            out.writeLong(blocks);
            out.flush();
        }

        public long blocks() {
            return blocks;
        }

        public long blockBytes() {
            return blockBytes;
        }

        private void endFile() throws IOException {
            if (inFile) {
                out.writeInt(-1);
                inFile = false;
            }
        }
    }

    /** Told each packed block, in the order written. */
    public interface BlockSink {
        void file(String path) throws IOException;

        void block(int index, byte[] bytes, int length) throws IOException;

        /** After the pack's last block, once its end marker was read and checked. */
        default void end() throws IOException {}
    }

    /** Reads a whole pack into {@code sink}; a pack cut short or malformed is an error. */
    public static void read(InputStream stream, String name, BlockSink sink) throws IOException {
        DataInputStream in = new DataInputStream(stream);
        byte[] magic = new byte[MAGIC.length];
        byte[] block = new byte[BlockMap.BLOCK_SIZE];
        long files = 0;
        long blocks = 0;
        try {
            in.readFully(magic);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new MalformedContentException(name + " is not a block pack of a version this Strata reads");
            }
            while (true) {
                byte marker = in.readByte();
                if (marker == 'E') {
                    long expectedFiles = in.readLong();
                    long expectedBlocks = in.readLong();
                    if (expectedFiles != files || expectedBlocks != blocks) {
                        throw new MalformedContentException(name + " says it holds " + expectedFiles + " files and "
                                + expectedBlocks + " blocks, but " + files + " and " + blocks + " were read");
                    }
                    sink.end();
                    return;
                }
                if (marker != 'F') {
                    throw new MalformedContentException(name + " is malformed (marker " + marker + ")");
                }
                sink.file(in.readUTF());
                files++;
                while (true) {
                    int index = in.readInt();
                    if (index == -1) {
                        break;
                    }
                    int length = in.readInt();
                    if (index < 0 || length < 1 || length > BlockMap.BLOCK_SIZE) {
                        throw new MalformedContentException(
                                name + " is malformed (block " + index + " of " + length + " bytes)");
                    }
                    in.readFully(block, 0, length);
                    sink.block(index, block, length);
                    blocks++;
                }
            }
        } catch (EOFException e) {
            throw new MalformedContentException(name + " ends before its end marker (cut short?)", e);
        } catch (UTFDataFormatException e) {
            throw new MalformedContentException(name + " has a path that is not modified UTF-8", e);
        }
    }
}

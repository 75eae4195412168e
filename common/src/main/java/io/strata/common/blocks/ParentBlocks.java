package io.strata.common.blocks;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;

/**
 * A parent backup's block hashes, looked up by path while a child backup's tar streams by. The parent's
 * map is read once into a local file of raw hashes (8 bytes per 8 KiB block: 1/1024 of the data), and
 * only an index of paths is held in memory, so memory grows with the number of files, not their size.
 */
public final class ParentBlocks implements AutoCloseable {
    private final Path file;
    private final FileChannel channel;
    private final Map<String, long[]> index;

    private ParentBlocks(Path file, Map<String, long[]> index) throws IOException {
        this.file = file;
        this.index = index;
        this.channel = FileChannel.open(file, StandardOpenOption.READ);
    }

    /** Reads the parent's map ({@code name} for errors) into a file under {@code scratch}. */
    public static ParentBlocks load(InputStream map, String name, Path scratch) throws IOException {
        Path file = Files.createTempFile(scratch, "parent-", ".hashes");
        Map<String, long[]> index = new HashMap<>();
        try {
            try (OutputStream raw = Files.newOutputStream(file);
                    DataOutputStream out = new DataOutputStream(new BufferedOutputStream(raw, 1 << 16))) {
                BlockMap.Reader reader = new BlockMap.Reader(map, name);
                long offset = 0;
                for (BlockMap.Entry entry = reader.next(); entry != null; entry = reader.next()) {
                    if (!entry.isFile()) {
                        continue;
                    }
                    index.put(entry.path(), new long[] {offset, entry.hashes().length});
                    for (long hash : entry.hashes()) {
                        out.writeLong(hash);
                    }
                    offset += 8L * entry.hashes().length;
                }
            }
            return new ParentBlocks(file, index); // opening it for reading may fail too: the file goes then
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
    }

    /** The parent's hashes of {@code path}, one per block; null when the parent had no such file. */
    public long[] hashes(String path) throws IOException {
        long[] at = index.get(path);
        if (at == null) {
            return null;
        }
        ByteBuffer buffer = ByteBuffer.allocate(Math.toIntExact(at[1] * 8));
        long position = at[0];
        while (buffer.hasRemaining()) {
            int n = channel.read(buffer, position + buffer.position());
            if (n < 0) {
                throw new IOException("the parent's hashes in " + file + " end early");
            }
        }
        buffer.flip();
        long[] hashes = new long[(int) at[1]];
        buffer.asLongBuffer().get(hashes);
        return hashes;
    }

    /** Files the parent has. */
    public int files() {
        return index.size();
    }

    @Override
    public void close() throws IOException {
        channel.close();
        Files.deleteIfExists(file);
    }
}

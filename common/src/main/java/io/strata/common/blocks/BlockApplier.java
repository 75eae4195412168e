package io.strata.common.blocks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Rebuilds a data directory from a backup chain: after the chain's full backup is unpacked, each later
 * backup's {@link BlockPack} is applied in chain order (every block written where it belongs, so each file
 * ends with the newest block of each position), then {@link #shape} gives the directory the exact shape of
 * the backup being restored: its directories, every file at its size, and nothing it does not have.
 *
 * <p>Paths come from stored objects and are treated as hostile: a path that is absolute, climbs out with
 * {@code ..}, or leads through a symbolic link is refused.
 */
public final class BlockApplier implements BlockPack.BlockSink, AutoCloseable {
    private final Path root;
    private FileChannel open;
    private String openPath;
    private long blocks;
    private long bytes;

    public BlockApplier(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    @Override
    public void file(String path) throws IOException {
        closeOpen();
        Path target = resolve(root, path);
        Files.createDirectories(target.getParent());
        open = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        openPath = path;
    }

    @Override
    public void block(int index, byte[] bytes, int length) throws IOException {
        if (open == null) {
            throw new IOException("a block before its file");
        }
        ByteBuffer buffer = ByteBuffer.wrap(bytes, 0, length);
        long position = (long) index * BlockMap.BLOCK_SIZE;
        while (buffer.hasRemaining()) {
            position += open.write(buffer, position);
        }
        blocks++;
        this.bytes += length;
    }

    public long blocks() {
        return blocks;
    }

    public long bytes() {
        return bytes;
    }

    @Override
    public void close() throws IOException {
        closeOpen();
    }

    private void closeOpen() throws IOException {
        if (open != null) {
            FileChannel closing = open;
            open = null;
            openPath = null;
            closing.close();
        }
    }

    /** What {@link #shape} did. */
    public record Shaped(long files, long bytes, long removed) {}

    /**
     * Makes {@code root} exactly the backup whose map {@code target} reads: its directories exist, each of
     * its files has its size (a file shrunk since the full backup is cut, one the chain never wrote is made
     * empty first), and every file or directory it lacks is removed, except those under {@code kept} (paths
     * relative to the root, e.g. {@code pg_wal} and {@code backup_manifest}).
     */
    public static Shaped shape(Path root, BlockMap.Reader target, Set<String> kept) throws IOException {
        Path base = root.toAbsolutePath().normalize();
        Set<Path> wanted = new HashSet<>();
        long files = 0;
        long bytes = 0;
        for (BlockMap.Entry entry = target.next(); entry != null; entry = target.next()) {
            Path path = resolve(base, entry.path());
            for (Path step = path; step != null && !step.equals(base); step = step.getParent()) {
                wanted.add(step); // a file's directories are the backup's too, listed or not
            }
            switch (entry.kind()) {
                case BlockMap.Entry.DIRECTORY -> Files.createDirectories(path);
                case BlockMap.Entry.FILE -> {
                    Files.createDirectories(path.getParent());
                    try (FileChannel channel =
                            FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                        if (channel.size() > entry.size()) {
                            channel.truncate(entry.size());
                        } else if (channel.size() < entry.size()) {
                            // the chain wrote every block of this size; a shorter file means a lost block
                            throw new IOException(entry.path() + " is " + channel.size() + " bytes after the chain was"
                                    + " applied, but the backup has " + entry.size());
                        }
                    }
                    files++;
                    bytes += entry.size();
                }
                case BlockMap.Entry.LINK -> {
                    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
                        throw new IOException(entry.path() + " is a link to " + entry.linkTarget()
                                + " (a tablespace): restoring tablespaces is not supported");
                    }
                }
                default -> throw new IOException("unknown map entry " + entry);
            }
        }
        Set<Path> keep = new HashSet<>();
        for (String path : kept) {
            keep.add(resolve(base, path));
        }
        List<Path> extra = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(base)) {
            walk.filter(p -> !p.equals(base))
                    .filter(p -> !wanted.contains(p))
                    .filter(p -> keep.stream().noneMatch(p::startsWith))
                    .forEach(extra::add);
        }
        extra.sort(Comparator.comparingInt(Path::getNameCount).reversed());
        for (Path path : extra) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot remove " + path + ", which the backup does not have", e);
            }
        }
        return new Shaped(files, bytes, extra.size());
    }

    /** {@code path} under {@code root}, refusing one that is absolute, climbs out or passes a link. */
    static Path resolve(Path root, String path) throws IOException {
        if (path.isEmpty() || path.startsWith("/") || path.contains("\0")) {
            throw new IOException("refusing the stored path '" + path + "'");
        }
        Path resolved = root.resolve(path).normalize();
        if (!resolved.startsWith(root) || resolved.equals(root)) {
            throw new IOException("refusing the stored path '" + path + "': it leaves the data directory");
        }
        for (Path step = resolved.getParent(); step != null && !step.equals(root); step = step.getParent()) {
            if (Files.isSymbolicLink(step)) {
                throw new IOException("refusing the stored path '" + path + "': it passes the link " + step);
            }
        }
        return resolved;
    }
}

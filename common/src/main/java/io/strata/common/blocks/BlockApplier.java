package io.strata.common.blocks;

import io.strata.common.storage.MalformedContentException;
import io.strata.common.storage.ReadAbandoned;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Rebuilds a data directory from a backup chain, writing every block once: the chain's full backup tar
 * ({@link #untar}) and the later backups' {@link BlockPack}s ({@link #packs}, newest first) are written at
 * the same time, from two threads, and each block position ends with the block of the newest backup that
 * holds it. A pack's block is claimed, then written, unless a newer pack already claimed that position; a
 * tar byte is written unless a pack claimed its block (a pack that claims it later writes after it). Then
 * {@link #shape} gives the directory the exact shape of the backup being restored: its directories, every
 * file at its size, and nothing it does not have. Given a {@link TargetLayout}, the tar does not write what that
 * backup no longer has: dropped files, and bytes past a file's size there.
 *
 * <p>Memory: per file a pack wrote to, one bit per block up to the highest written (16 KiB for a 1 GiB
 * segment), one small entry per file of the tar, and a 1 MiB buffer per thread (the tar is read, and a
 * pack's consecutive blocks written, up to 1 MiB at a time).
 *
 * <p>Paths come from stored objects and are treated as hostile: a path that is absolute, climbs out with
 * {@code ..}, or leads through a symbolic link is refused, files are opened without following a link, and
 * links in the tar (tablespaces) are refused. Files are created {@code rw-------}, directories
 * {@code rwx------}, as PostgreSQL keeps them.
 */
public final class BlockApplier implements AutoCloseable {
    private static final FileAttribute<Set<PosixFilePermission>> FILE_MODE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));
    private static final FileAttribute<Set<PosixFilePermission>> DIRECTORY_MODE =
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));
    private static final Set<OpenOption> OPEN =
            Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);

    /** The largest write: tar data read at once, or a run of a pack's consecutive blocks. */
    private static final int WRITE_BATCH = 1 << 20;

    private final Path root;
    private final ConcurrentHashMap<String, Claims> files = new ConcurrentHashMap<>();
    private final AtomicLong tarBytes = new AtomicLong();
    private final AtomicLong packBytes = new AtomicLong();
    private final AtomicLong packBlocks = new AtomicLong();
    private final AtomicLong skippedBytes = new AtomicLong();
    private final List<Writer> writers = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final TargetLayout plan;
    private volatile boolean stopped;

    /** Which blocks of one file packs wrote; guarded by itself, held while a write checks and lands. */
    private static final class Claims {
        private final BitSet packed = new BitSet();
    }

    /** Thrown by a write after {@link #stop()}: the other half of the chain failed. */
    public static final class StoppedException extends ReadAbandoned {
        StoppedException() {
            super("stopped: another part of the backup chain failed");
        }
    }

    public BlockApplier(Path root) {
        this(root, null);
    }

    /** @param plan what of the tar the restored backup still has ({@link TargetLayout}); null writes all of it */
    public BlockApplier(Path root, TargetLayout plan) {
        this.root = root.toAbsolutePath().normalize();
        this.plan = plan;
    }

    /**
     * Writes the full backup's tar stream, to its end (the two zero blocks), skipping the blocks packs hold.
     *
     * @return the tar's bytes
     */
    public long untar(InputStream tar) throws IOException {
        TarFollower follower = new TarFollower(tar, register(new TarWriter()));
        long bytes = 0;
        // large reads: each file's bytes reach the disk in few large writes (a header that does not parse
        // throws MalformedContentException)
        byte[] buffer = new byte[WRITE_BATCH];
        for (int n = follower.read(buffer); n >= 0; n = follower.read(buffer)) {
            bytes += n;
        }
        if (!follower.ended()) {
            throw new MalformedContentException("the base backup's tar ends before its end marker (cut short?)");
        }
        return bytes;
    }

    /** Where the packs go, newest backup first, from one thread at a time. */
    public BlockPack.BlockSink packs() {
        return register(new PackWriter());
    }

    /** Makes every later write fail with {@link StoppedException}. */
    public void stop() {
        stopped = true;
    }

    /** Bytes of the tar's files written. */
    public long tarBytes() {
        return tarBytes.get();
    }

    /** Bytes of the packs' blocks written (a block a newer pack wrote first is not counted). */
    public long packBytes() {
        return packBytes.get();
    }

    public long packBlocks() {
        return packBlocks.get();
    }

    /** Bytes not written because a newer backup's block was (or was to be) written there. */
    public long skippedBytes() {
        return skippedBytes.get();
    }

    /** Stops every write and closes the files still open (after a failure, some are). */
    @Override
    public void close() throws IOException {
        stopped = true;
        IOException failure = null;
        for (Writer writer : writers) {
            try {
                writer.closeOpen();
            } catch (IOException e) {
                failure = e;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private <W extends Writer> W register(W writer) {
        writers.add(writer);
        return writer;
    }

    /** One thread's open file. */
    private abstract static class Writer {
        FileChannel channel;
        Claims claims;

        final synchronized void closeOpen() throws IOException {
            if (channel != null) {
                FileChannel closing = channel;
                channel = null;
                claims = null;
                closing.close();
            }
        }
    }

    private Claims claims(String path) {
        return files.computeIfAbsent(path, p -> new Claims());
    }

    private FileChannel open(String path) throws IOException {
        if (stopped) {
            throw new StoppedException();
        }
        Path target = resolve(root, path);
        Files.createDirectories(target.getParent(), DIRECTORY_MODE);
        return FileChannel.open(target, OPEN, FILE_MODE);
    }

    private static void write(FileChannel channel, byte[] bytes, int offset, int length, long position)
            throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes, offset, length);
        long at = position;
        while (buffer.hasRemaining()) {
            at += channel.write(buffer, at);
        }
    }

    /** The tar's members: directories made, files written but for the blocks packs claimed. */
    private final class TarWriter extends Writer implements TarFollower.Listener {
        private long position;
        /** The bytes of the current file to write (its size in the restored backup); -1: none. */
        private long limit = Long.MAX_VALUE;

        @Override
        public void member(TarFollower.Member member) throws IOException {
            switch (member.type()) {
                case FILE -> {
                    position = 0;
                    limit = plan == null ? Long.MAX_VALUE : plan.limit(member.name());
                    if (limit >= 0) {
                        claims = claims(member.name());
                        channel = open(member.name());
                    }
                }
                case DIRECTORY -> {
                    String name = member.name().endsWith("/")
                            ? member.name().substring(0, member.name().length() - 1)
                            : member.name();
                    Files.createDirectories(resolve(root, name), DIRECTORY_MODE);
                }
                case SYMLINK ->
                    throw new MalformedContentException(member.name() + " is a link to " + member.linkTarget()
                            + " (a tablespace): restoring tablespaces is not supported");
                case OTHER ->
                    throw new MalformedContentException(
                            "the base backup holds " + member.name() + ", neither a file, a directory nor a link");
            }
        }

        @Override
        public void data(byte[] bytes, int offset, int length) throws IOException {
            if (stopped) {
                throw new StoppedException();
            }
            long end = Math.min(position + length, Math.max(limit, position));
            if (end < position + length) { // a dropped file, or bytes past its restored size
                skippedBytes.addAndGet(position + length - end);
            }
            if (end == position) {
                position += length;
                return;
            }
            if (channel == null) {
                throw new MalformedContentException("file data outside a file");
            }
            synchronized (claims) {
                BitSet packed = claims.packed;
                long at = position;
                while (at < end) {
                    int block = Math.toIntExact(at / BlockMap.BLOCK_SIZE);
                    long blockEnd = Math.min(end, (long) (block + 1) * BlockMap.BLOCK_SIZE);
                    if (packed.get(block)) {
                        skippedBytes.addAndGet(blockEnd - at);
                        at = blockEnd;
                        continue;
                    }
                    // a run of unclaimed blocks, written at once
                    int next = packed.nextSetBit(block);
                    long runEnd = next < 0 ? end : Math.min(end, (long) next * BlockMap.BLOCK_SIZE);
                    int from = offset + (int) (at - position);
                    write(channel, bytes, from, (int) (runEnd - at), at);
                    tarBytes.addAndGet(runEnd - at);
                    at = runEnd;
                }
            }
            position += length;
        }

        @Override
        public void memberEnd(TarFollower.Member member) throws IOException {
            limit = Long.MAX_VALUE;
            closeOpen();
        }
    }

    /**
     * The packs' blocks, newest backup first: a position a newer pack claimed is left alone. A block is
     * claimed under its file's lock (the tar then skips it), and consecutive claimed blocks are written
     * together, after the lock: nothing older can land on a claimed block.
     */
    private final class PackWriter extends Writer implements BlockPack.BlockSink {
        private final byte[] run = new byte[WRITE_BATCH];
        private int runFirst = -1;
        private int runBlocks;
        private int runBytes;

        @Override
        public void file(String path) throws IOException {
            flush();
            closeOpen();
            claims = claims(path);
            channel = open(path);
        }

        @Override
        public void block(int index, byte[] bytes, int length) throws IOException {
            if (channel == null) {
                throw new MalformedContentException("a block before its file");
            }
            if (stopped) {
                throw new StoppedException();
            }
            synchronized (claims) {
                if (claims.packed.get(index)) {
                    skippedBytes.addAndGet(length);
                    return;
                }
                claims.packed.set(index);
            }
            boolean follows = runFirst >= 0
                    && index == runFirst + runBlocks
                    && runBytes == runBlocks * BlockMap.BLOCK_SIZE // no short block before it
                    && runBytes + length <= run.length;
            if (!follows) {
                flush();
                runFirst = index;
            }
            System.arraycopy(bytes, 0, run, runBytes, length);
            runBlocks++;
            runBytes += length;
            packBlocks.incrementAndGet();
            packBytes.addAndGet(length);
        }

        @Override
        public void end() throws IOException {
            flush();
            closeOpen();
        }

        private void flush() throws IOException {
            if (runBlocks > 0) {
                write(channel, run, 0, runBytes, (long) runFirst * BlockMap.BLOCK_SIZE);
            }
            runFirst = -1;
            runBlocks = 0;
            runBytes = 0;
        }
    }

    /** What {@link #shape} did. */
    public record Shaped(long files, long bytes, long removed) {}

    /**
     * Makes {@code root} exactly the backup whose layout is {@code target}: its directories exist, each of
     * its files has its size (a file shrunk since the full backup is cut, one the chain never wrote is made
     * empty first), and every file or directory it lacks is removed, except those under {@code kept} (paths
     * relative to the root, e.g. {@code pg_wal} and {@code backup_manifest}).
     */
    public static Shaped shape(Path root, TargetLayout target, Set<String> kept) throws IOException {
        Path base = root.toAbsolutePath().normalize();
        Set<Path> wanted = new HashSet<>();
        long files = 0;
        long bytes = 0;
        for (BlockMap.Entry entry : target.entries()) {
            Path path = resolve(base, entry.path());
            for (Path step = path; step != null && !step.equals(base); step = step.getParent()) {
                wanted.add(step); // a file's directories are the backup's too, listed or not
            }
            switch (entry.kind()) {
                // made as the chain's writes make them (rwx------ / rw-------, no link followed)
                case BlockMap.Entry.DIRECTORY -> Files.createDirectories(path, DIRECTORY_MODE);
                case BlockMap.Entry.FILE -> {
                    Files.createDirectories(path.getParent(), DIRECTORY_MODE);
                    try (FileChannel channel = FileChannel.open(path, OPEN, FILE_MODE)) {
                        if (channel.size() > entry.size()) {
                            channel.truncate(entry.size());
                        } else if (channel.size() < entry.size()) {
                            // the chain wrote every block of this size; a shorter file means a lost block
                            throw new MalformedContentException(entry.path() + " is " + channel.size()
                                    + " bytes after the chain was" + " applied, but the backup has " + entry.size());
                        }
                    }
                    files++;
                    bytes += entry.size();
                }
                case BlockMap.Entry.LINK -> {
                    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
                        throw new MalformedContentException(entry.path() + " is a link to " + entry.linkTarget()
                                + " (a tablespace): restoring tablespaces is not supported");
                    }
                }
                default -> throw new MalformedContentException("unknown map entry " + entry);
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
            throw new MalformedContentException("refusing the stored path '" + path + "'");
        }
        Path resolved = root.resolve(path).normalize();
        if (!resolved.startsWith(root) || resolved.equals(root)) {
            throw new MalformedContentException(
                    "refusing the stored path '" + path + "': it leaves the data directory");
        }
        for (Path step = resolved.getParent(); step != null && !step.equals(root); step = step.getParent()) {
            if (Files.isSymbolicLink(step)) {
                throw new MalformedContentException(
                        "refusing the stored path '" + path + "': it passes the link " + step);
            }
        }
        return resolved;
    }
}

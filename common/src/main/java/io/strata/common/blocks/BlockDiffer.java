package io.strata.common.blocks;

import io.strata.common.storage.MalformedContentException;
import java.io.IOException;
import java.util.Set;

/**
 * Follows a base backup's tar ({@link TarFollower}) and splits every file into {@value BlockMap#BLOCK_SIZE}-byte
 * blocks: each block's hash goes to the backup's {@link BlockMap}, and, for a differential or incremental
 * backup, each block whose hash differs from the parent's block at the same position (or that the parent
 * lacks) goes to the {@link BlockPack}. Directories and links are mapped too. Memory: one block and one
 * file's hashes (1 MiB for a 1 GiB segment).
 */
public final class BlockDiffer implements TarFollower.Listener {
    private final BlockMap.Writer map;
    private final ParentBlocks parent;
    private final BlockPack.Writer pack;
    private final Set<String> skipped;
    private final byte[] block = new byte[BlockMap.BLOCK_SIZE];
    private int filled;
    private TarFollower.Member file;
    private long[] hashes;
    private long[] parentHashes;
    private int nextBlock;
    private boolean packed;
    private long readBytes;
    private long changedBytes;
    private long files;
    private long changedFiles;

    /**
     * @param parent the parent's hashes, or null for a full backup (nothing is packed)
     * @param pack where changed blocks go; null for a full backup
     * @param skipped members left out of the map (PostgreSQL's backup_manifest, stored on its own)
     */
    public BlockDiffer(BlockMap.Writer map, ParentBlocks parent, BlockPack.Writer pack, Set<String> skipped) {
        if ((parent == null) != (pack == null)) {
            throw new IllegalArgumentException("a parent needs a pack, and a pack a parent");
        }
        this.map = map;
        this.parent = parent;
        this.pack = pack;
        this.skipped = Set.copyOf(skipped);
    }

    @Override
    public void member(TarFollower.Member member) throws IOException {
        if (skipped.contains(member.name())) {
            return;
        }
        switch (member.type()) {
            case FILE -> {
                file = member;
                hashes = new long[BlockMap.blocks(BlockMap.requireFileSize(member.size(), member.name()))];
                parentHashes = parent == null ? null : parent.hashes(member.name());
                nextBlock = 0;
                filled = 0;
                packed = false;
                files++;
            }
            case DIRECTORY ->
                map.add(new BlockMap.Entry(
                        BlockMap.Entry.DIRECTORY, stripSlash(member.name()), member.mode(), 0, new long[0], null));
            case SYMLINK ->
                // PostgreSQL sends links only for tablespaces (pg_tblspc), which a restore cannot rebuild: a
                // backup holding one would be kept and never restore
                throw new MalformedContentException("the base backup holds " + member.name() + ", a link to "
                        + member.linkTarget() + " (a tablespace); Strata does not back up tablespaces");
            case OTHER ->
                throw new MalformedContentException("the base backup holds " + member.name()
                        + ", neither a file, a directory nor a link; Strata cannot store it block by block");
        }
    }

    @Override
    public void data(byte[] bytes, int offset, int length) throws IOException {
        if (file == null) {
            return;
        }
        int i = offset;
        int end = offset + length;
        while (i < end) {
            if (filled == 0 && end - i >= BlockMap.BLOCK_SIZE) {
                blockDone(bytes, i, BlockMap.BLOCK_SIZE); // whole blocks straight from the stream
                i += BlockMap.BLOCK_SIZE;
                continue;
            }
            int take = Math.min(BlockMap.BLOCK_SIZE - filled, end - i);
            System.arraycopy(bytes, i, block, filled, take);
            filled += take;
            i += take;
            if (filled == BlockMap.BLOCK_SIZE) {
                blockDone(block, 0, filled);
                filled = 0;
            }
        }
    }

    @Override
    public void memberEnd(TarFollower.Member member) throws IOException {
        if (file == null || member != file) {
            return;
        }
        if (filled > 0) {
            blockDone(block, 0, filled);
            filled = 0;
        }
        if (nextBlock != hashes.length) {
            throw new MalformedContentException(
                    member.name() + " ended after " + nextBlock + " of " + hashes.length + " blocks");
        }
        map.add(new BlockMap.Entry(BlockMap.Entry.FILE, member.name(), member.mode(), member.size(), hashes, null));
        if (packed) {
            changedFiles++;
        }
        file = null;
        hashes = null;
        parentHashes = null;
    }

    private void blockDone(byte[] bytes, int offset, int length) throws IOException {
        long hash = BlockMap.hash(bytes, offset, length);
        int index = nextBlock++;
        hashes[index] = hash;
        readBytes += length;
        if (pack == null) {
            return;
        }
        boolean same = parentHashes != null && index < parentHashes.length && parentHashes[index] == hash;
        if (!same) {
            if (!packed) {
                pack.file(file.name());
                packed = true;
            }
            pack.block(index, bytes, offset, length);
            changedBytes += length;
        }
    }

    private static String stripSlash(String name) {
        return name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
    }

    /** Bytes of every file's blocks read. */
    public long readBytes() {
        return readBytes;
    }

    /** Bytes of the blocks that differed from the parent (all of them stored). */
    public long changedBytes() {
        return changedBytes;
    }

    public long files() {
        return files;
    }

    public long changedFiles() {
        return changedFiles;
    }
}

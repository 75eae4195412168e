package io.strata.common.blocks;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The restored backup's layout, from its block map without the hashes: its directories, files and sizes.
 * The chain restore reads that map once and uses this twice: while the full backup's tar is written
 * ({@link #limit}: nothing of a file the restored backup no longer has, so a table dropped since the full
 * backup is not written only to be removed and needs no room on the way, and nothing past the size a file
 * has there), and then to give the directory that backup's exact shape ({@link BlockApplier#shape}).
 *
 * <p>Tried and measured worse on 2026-12-03, so not done: leaving to the packs every block whose hash
 * differs (the tar then wrote around holes that the packs filled page by page, which cost this machine's
 * kernel about 1.7 times as much per page as overwriting), and making the packs wait until the tar had
 * written a file (a 640 MiB table then held the packs back until it was whole).
 *
 * <p>Memory: the restored backup's paths and sizes (not its hashes, which are most of the map).
 */
public final class TargetLayout {
    private final List<BlockMap.Entry> entries;
    private final Map<String, Long> fileSizes;

    private TargetLayout(List<BlockMap.Entry> entries, Map<String, Long> fileSizes) {
        this.entries = entries;
        this.fileSizes = fileSizes;
    }

    /** From the restored backup's map, read to its end. */
    public static TargetLayout of(BlockMap.Reader target) throws IOException {
        List<BlockMap.Entry> entries = new ArrayList<>();
        Map<String, Long> fileSizes = new HashMap<>();
        for (BlockMap.Entry entry = target.next(); entry != null; entry = target.next()) {
            entries.add(new BlockMap.Entry(
                    entry.kind(), entry.path(), entry.mode(), entry.size(), null, entry.linkTarget()));
            if (entry.isFile()) {
                fileSizes.put(entry.path(), entry.size());
            }
        }
        return new TargetLayout(List.copyOf(entries), fileSizes);
    }

    /** Its entries in the map's order, without hashes. */
    List<BlockMap.Entry> entries() {
        return entries;
    }

    /**
     * How many bytes of the tar's member {@code path} to write: its size in the restored backup, or -1 for a
     * file that backup no longer has.
     */
    long limit(String path) {
        Long size = fileSizes.get(path);
        return size == null ? -1 : size;
    }
}

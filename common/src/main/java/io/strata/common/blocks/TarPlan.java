package io.strata.common.blocks;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * What a chain restore takes from the full backup's tar, from the restored backup's map: nothing of a file
 * that backup no longer has (a table dropped since the full backup is not written only to be removed, and
 * needs no room on the way), and nothing past the size a file has there.
 *
 * <p>Tried and measured worse on 2026-12-03, so not done: leaving to the packs every block whose hash
 * differs (the tar then wrote around holes that the packs filled page by page, which cost this machine's
 * kernel about 1.7 times as much per page as overwriting), and making the packs wait until the tar had
 * written a file (a 640 MiB table then held the packs back until it was whole).
 *
 * <p>Memory: the restored backup's paths and sizes.
 */
public final class TarPlan {
    private final Map<String, Long> targetSizes;

    private TarPlan(Map<String, Long> targetSizes) {
        this.targetSizes = targetSizes;
    }

    /** From the restored backup's map, read to its end. */
    public static TarPlan of(BlockMap.Reader target) throws IOException {
        Map<String, Long> targetSizes = new HashMap<>();
        for (BlockMap.Entry entry = target.next(); entry != null; entry = target.next()) {
            if (entry.isFile()) {
                targetSizes.put(entry.path(), entry.size());
            }
        }
        return new TarPlan(targetSizes);
    }

    /**
     * How many bytes of the tar's member {@code path} to write: its size in the restored backup, or -1 for a
     * file that backup no longer has.
     */
    long limit(String path) {
        Long size = targetSizes.get(path);
        return size == null ? -1 : size;
    }
}

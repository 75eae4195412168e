package io.strata.common.storage;

import io.strata.common.model.BackupId;
import io.strata.common.model.JobId;
import io.strata.common.wal.TimelineHistory;

/** The storage keys of the contract; the same in S3 and in a local directory. */
public final class StorageLayout {
    public static final String MANIFEST = "manifest.json";

    private StorageLayout() {}

    public static String backupPrefix(String source, BackupId backupId) {
        return source + "/backups/" + backupId + "/";
    }

    public static String manifestKey(String source, BackupId backupId) {
        return backupPrefix(source, backupId) + MANIFEST;
    }

    public static String backupObjectKey(String source, BackupId backupId, String name) {
        return backupPrefix(source, backupId) + name;
    }

    public static String walSegmentKey(String source, int timeline, String segment) {
        return walPrefix(source, timeline) + segment + ".zst";
    }

    /** The current segment shipped before it is full; the complete segment replaces it. */
    public static String walPartialKey(String source, int timeline, String segment) {
        return walPrefix(source, timeline) + segment + ".partial.zst";
    }

    /** A timeline history file ({@code 00000002.history}). */
    public static String walHistoryKey(String source, int timeline) {
        return walPrefix(source, timeline) + TimelineHistory.fileName(timeline) + ".zst";
    }

    public static String walPrefix(String source, int timeline) {
        return source + "/wal/" + String.format("%08X", timeline) + "/";
    }

    /**
     * An archive uploaded to be restored (UPLOAD_RESTORE), named by the job that restores it: the file as
     * uploaded, compressed with zstd and encrypted like a backup's objects. It is removed when that job ends.
     */
    public static String uploadKey(String source, JobId jobId) {
        return uploadPrefix(source) + jobId + "/archive.zst";
    }

    public static String uploadPrefix(String source) {
        return source + "/uploads/";
    }

    public static String chunkKey(String sha256Hex) {
        return "chunks/" + sha256Hex.substring(0, 2) + "/" + sha256Hex;
    }
}

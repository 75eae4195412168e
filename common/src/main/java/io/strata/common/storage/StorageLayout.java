package io.strata.common.storage;

import io.strata.common.model.BackupId;

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
        return source + "/wal/" + String.format("%08X", timeline) + "/" + segment + ".zst";
    }

    public static String chunkKey(String sha256Hex) {
        return "chunks/" + sha256Hex.substring(0, 2) + "/" + sha256Hex;
    }
}

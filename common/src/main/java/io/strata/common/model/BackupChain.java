package io.strata.common.model;

import java.util.List;

/**
 * Where a physical backup stands in its chain: the type asked for and the type taken (a differential or
 * incremental with no usable parent is taken as full, and {@code typeReason} says why), its parent, every
 * backup a restore of it needs from the full one on ({@code backupIds}, ending with itself), the cluster it
 * belongs to, and what the backup read from the server and found changed since its parent.
 */
public record BackupChain(
        BackupType requestedType,
        String typeReason,
        String parentBackupId,
        List<String> backupIds,
        String systemIdentifier,
        long readBytes,
        long changedBytes) {
    private static final int MAX_REASON = 1000;
    private static final int MAX_CHAIN = 1000;

    /** Checked where it is read (a job event is hostile input): ids, sizes and lengths. */
    public BackupChain {
        backupIds = backupIds == null ? List.of() : List.copyOf(backupIds);
        if (backupIds.size() > MAX_CHAIN || backupIds.stream().anyMatch(id -> !BackupId.isValid(id))) {
            throw new IllegalArgumentException("a chain lists at most " + MAX_CHAIN + " valid backup ids");
        }
        if (parentBackupId != null && !BackupId.isValid(parentBackupId)) {
            throw new IllegalArgumentException("parentBackupId is not a backup id");
        }
        if (typeReason != null && typeReason.length() > MAX_REASON) {
            throw new IllegalArgumentException("typeReason is longer than " + MAX_REASON + " characters");
        }
        if (systemIdentifier != null && !systemIdentifier.matches("[0-9]{1,20}")) {
            throw new IllegalArgumentException("systemIdentifier is a number of at most 20 digits");
        }
        if (readBytes < 0 || changedBytes < 0) {
            throw new IllegalArgumentException("readBytes and changedBytes are not negative");
        }
    }
}

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
    public BackupChain {
        backupIds = backupIds == null ? List.of() : List.copyOf(backupIds);
    }
}

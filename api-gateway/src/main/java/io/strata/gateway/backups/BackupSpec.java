package io.strata.gateway.backups;

import io.strata.common.model.BackupKind;
import io.strata.common.model.BackupType;

/**
 * What to back up, with the contract's defaults applied: whether it came over REST or as a
 * {@code BackupRequest} on Kafka, it is checked and submitted the same way.
 */
record BackupSpec(String source, BackupKind kind, BackupType type, boolean schemaOnly, String description) {
    static final int MAX_DESCRIPTION = 1000;

    static BackupSpec withDefaults(
            String source, BackupKind kind, BackupType type, Boolean schemaOnly, String description) {
        return new BackupSpec(
                source,
                kind == null ? BackupKind.LOGICAL : kind,
                type == null ? BackupType.FULL : type,
                Boolean.TRUE.equals(schemaOnly),
                description);
    }
}

package io.strata.common.model;

/** What a backup holds relative to earlier ones. */
public enum BackupType {
    FULL,
    DIFFERENTIAL,
    INCREMENTAL
}

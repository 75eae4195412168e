package io.strata.common.model;

/** How a backup reads the database: pg_dump (logical) or the data files (physical). */
public enum BackupKind {
    LOGICAL,
    PHYSICAL
}

package io.strata.catalog.backups;

import io.strata.common.model.BackupKind;

/** The optional filters of {@code GET /api/v1/backups}; null means any. */
record BackupFilter(String source, BackupKind kind, String status, int limit) {}

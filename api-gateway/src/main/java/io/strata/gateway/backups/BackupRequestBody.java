package io.strata.gateway.backups;

import io.strata.common.model.BackupKind;
import io.strata.common.model.BackupType;
import io.strata.gateway.web.PlainLine;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

/** {@code POST /api/v1/backups}. Omitted kind, type and schemaOnly mean LOGICAL, FULL, false. */
record BackupRequestBody(
        @NotBlank(message = "is required") @PlainLine(maxBytes = 63)
        String source,

        BackupKind kind,
        BackupType type,
        Boolean schemaOnly,

        @Size(max = BackupSpec.MAX_DESCRIPTION, message = "must be at most {max} characters")
        String description) {

    BackupSpec toSpec() {
        return BackupSpec.withDefaults(source, kind, type, schemaOnly, description);
    }
}

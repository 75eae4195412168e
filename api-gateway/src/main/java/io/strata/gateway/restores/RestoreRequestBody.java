package io.strata.gateway.restores;

import io.strata.gateway.validation.DatabaseName;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;

/**
 * {@code POST /api/v1/restores}. {@code into} is exactly one of {@code {"database": "new_name"}} (a new
 * database on the source's server) or {@code {"replace": true}} (overwrite the source database, which
 * needs {@code "confirm": true}). {@code target} and {@code into.dataDirectory/port} belong to
 * point-in-time restore and are refused until it exists.
 */
record RestoreRequestBody(
        @NotBlank(message = "is required") String source,
        String backupId,
        Target target,

        @NotNull(message = "is required: {\"database\": \"new_name\"} or {\"replace\": true}") @Valid
        Into into,

        Boolean confirm) {

    boolean confirmed() {
        return Boolean.TRUE.equals(confirm);
    }

    record Into(@DatabaseName String database, Boolean replace, String dataDirectory, Integer port) {
        boolean replaces() {
            return Boolean.TRUE.equals(replace);
        }

        boolean isPhysical() {
            return dataDirectory != null || port != null;
        }
    }

    /** A point in time to recover to; any of these fields asks for PITR. */
    record Target(String time, String restorePoint, String lsn, String xid, Boolean latest) {}
}

package io.strata.gateway.restores;

import io.strata.common.command.RecoveryTarget;
import io.strata.common.model.Lsn;
import io.strata.gateway.validation.DatabaseName;
import io.strata.gateway.web.PlainLine;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.util.List;

/**
 * {@code POST /api/v1/restores} (and {@code /restores/preview}). {@code into} is exactly one of
 * {@code {"database": "new_name"}} (a logical backup into a new database on the source's server),
 * {@code {"replace": true}} (over the source database, which needs {@code "confirm": true}), or
 * {@code {"dataDirectory": "/abs/path", "port": 5433}}: a point-in-time restore into a new cluster on the
 * restore-worker's host, to {@code target} (one of time, restorePoint, lsn, xid, latest) or, without a
 * target, to the end of the physical backup named by {@code backupId}.
 */
record RestoreRequestBody(
        @NotBlank(message = "is required") @PlainLine(maxBytes = 63)
        String source,

        @PlainLine(maxBytes = 64) String backupId,
        @Valid Target target,

        @NotNull(
                message = "is required: {\"database\": \"new_name\"}, {\"replace\": true} or"
                        + " {\"dataDirectory\": \"/path\", \"port\": 5433}")
        @Valid
        Into into,

        Boolean confirm) {

    boolean confirmed() {
        return Boolean.TRUE.equals(confirm);
    }

    /** A point-in-time restore: a target, or a new cluster as the destination. */
    boolean pointInTime() {
        return target != null || into.isCluster();
    }

    record Into(@DatabaseName String database, Boolean replace, String dataDirectory, Integer port) {
        boolean replaces() {
            return Boolean.TRUE.equals(replace);
        }

        boolean isCluster() {
            return dataDirectory != null || port != null;
        }
    }

    /**
     * Where point-in-time recovery stops: exactly one of {@code time} (RFC 3339 with a zone, second
     * precision or finer), {@code restorePoint} (a name from GET /sources/{name}/restore-points),
     * {@code lsn} ("0/3000060"), {@code xid} (a transaction id) or {@code latest: true}.
     */
    record Target(
            @PlainLine(maxBytes = 64) String time,
            @PlainLine(maxBytes = 63) String restorePoint,
            @PlainLine(maxBytes = 32) String lsn,
            @PlainLine(maxBytes = 16) String xid,
            Boolean latest) {
        /** The names of the fields that are set; a valid target has exactly one. */
        List<String> fieldsSet() {
            return RecoveryTarget.fieldsSet(time, restorePoint, lsn, xid, latest, null);
        }

        /** @throws IllegalArgumentException when {@code lsn} is not an LSN */
        RecoveryTarget toRecoveryTarget() {
            return new RecoveryTarget(time, restorePoint, lsn == null ? null : Lsn.parse(lsn), xid, latest, null);
        }
    }
}

package io.strata.gateway.restores;

import io.strata.common.command.RestoreBackup.RestoreInto;
import io.strata.common.model.BackupId;
import io.strata.common.model.BackupKind;
import io.strata.gateway.problem.ApiException;
import io.strata.gateway.problem.FieldProblem;
import io.strata.gateway.restores.RestoreRequestBody.Into;
import io.strata.gateway.sources.RegisteredSources;
import io.strata.platform.catalog.CatalogApi.BackupView;
import io.strata.platform.catalog.CatalogApi.SourceView;
import io.strata.platform.catalog.CatalogClient;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * Everything a restore must pass before a job exists: the request's shape first (400), then what it
 * names (422 for an unknown source or backup, 409 for a database that is already there). Restores
 * overwrite or create databases, so the gateway refuses rather than guesses.
 */
@Component
class RestoreChecks {
    static final String SUCCEEDED = "SUCCEEDED";
    private final RegisteredSources sources;
    private final CatalogClient catalog;
    private final SourceDatabases databases;

    RestoreChecks(RegisteredSources sources, CatalogClient catalog, SourceDatabases databases) {
        this.sources = sources;
        this.catalog = catalog;
        this.databases = databases;
    }

    /** Returns where the restore goes once every check has passed. */
    RestoreInto check(RestoreRequestBody body) {
        RestoreInto into = shape(body);
        SourceView source = sources.require(body.source());
        if (into.replace() && !body.confirmed()) {
            String detail = "replace overwrites database '" + source.database() + "' of source '" + source.name()
                    + "': send \"confirm\": true to proceed (a safety backup is taken first)";
            throw ApiException.badRequest(
                    detail, new FieldProblem("confirm", "must be true when into.replace is true"));
        }
        requireRestorable(body.source(), body.backupId());
        if (!into.replace() && databases.exists(body.source(), into.database())) {
            String detail = "database '" + into.database()
                    + "' already exists on the source server; choose another name or use into.replace";
            throw ApiException.conflict(detail, new FieldProblem("into.database", detail));
        }
        return into;
    }

    /** The checks that need nothing but the request itself; {@code confirm} is checked once the source is known. */
    static RestoreInto shape(RestoreRequestBody body) {
        Into into = body.into();
        if (body.target() != null || into.isPhysical()) {
            String field = body.target() != null ? "target" : "into";
            String detail = "point-in-time restore is not available yet; restore a backup by backupId into"
                    + " {\"database\": \"new_name\"} or {\"replace\": true}";
            throw ApiException.unprocessable(detail, new FieldProblem(field, detail));
        }
        if (body.backupId() == null || body.backupId().isBlank()) {
            throw ApiException.badRequest(
                    "backupId is required: name the backup to restore (see GET /api/v1/backups)",
                    new FieldProblem("backupId", "is required"));
        }
        boolean hasDatabase = into.database() != null;
        if (hasDatabase == into.replaces()) {
            throw ApiException.badRequest(
                    "into needs exactly one of {\"database\": \"new_name\"} or {\"replace\": true}",
                    new FieldProblem("into", "must name either database or replace, not both or neither"));
        }
        return hasDatabase ? RestoreInto.newDatabase(into.database()) : RestoreInto.replaceSource();
    }

    private void requireRestorable(String source, String backupId) {
        String notFound = "backup '" + backupId + "' not found for source '" + source + "'";
        Optional<BackupView> found = BackupId.isValid(backupId) ? catalog.backup(backupId) : Optional.empty();
        BackupView backup = found.filter(view -> source.equals(view.source()))
                .orElseThrow(() -> ApiException.unprocessable(notFound, new FieldProblem("backupId", notFound)));
        if (!SUCCEEDED.equals(backup.status())) {
            String detail = "backup " + backupId + " is not restorable: status " + backup.status();
            throw ApiException.unprocessable(detail, new FieldProblem("backupId", detail));
        }
        if (backup.kind() == BackupKind.PHYSICAL) {
            String detail = "backup " + backupId + " is PHYSICAL; restoring physical backups is not available yet";
            throw ApiException.unprocessable(detail, new FieldProblem("backupId", detail));
        }
    }
}

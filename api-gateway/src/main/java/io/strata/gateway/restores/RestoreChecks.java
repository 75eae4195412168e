package io.strata.gateway.restores;

import io.strata.common.command.RecoveryTarget;
import io.strata.common.command.RestoreBackup.RestoreInto;
import io.strata.common.model.BackupId;
import io.strata.common.model.BackupKind;
import io.strata.gateway.problem.ApiException;
import io.strata.gateway.problem.FieldProblem;
import io.strata.gateway.restores.RestoreRequestBody.Into;
import io.strata.gateway.restores.RestoreRequestBody.Target;
import io.strata.gateway.sources.RegisteredSources;
import io.strata.platform.catalog.CatalogApi.BackupView;
import io.strata.platform.catalog.CatalogApi.RecoveryPlan;
import io.strata.platform.catalog.CatalogApi.RecoveryPlanRequest;
import io.strata.platform.catalog.CatalogApi.SourceView;
import io.strata.platform.catalog.CatalogClient;
import java.util.List;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * Everything a restore must pass before a job exists: the request's shape first (400), then what it
 * names (422 for an unknown source or backup, or a point in time the archive cannot reach; 409 for a
 * database that is already there). Restores overwrite or create databases, so the gateway refuses rather
 * than guesses.
 */
@Component
class RestoreChecks {
    static final String SUCCEEDED = "SUCCEEDED";
    private final RegisteredSources sources;
    private final CatalogClient catalog;
    private final SourceDatabases databases;
    private final RestoreDataRoots dataRoots;

    RestoreChecks(
            RegisteredSources sources, CatalogClient catalog, SourceDatabases databases, RestoreDataRoots dataRoots) {
        this.dataRoots = dataRoots;
        this.sources = sources;
        this.catalog = catalog;
        this.databases = databases;
    }

    /** A request that passed every check: what the restore job is given. */
    record CheckedRestore(
            BackupId backupId, RestoreInto into, RecoveryTarget target, RecoveryPlan plan, BackupView backup) {
        boolean pointInTime() {
            return plan != null;
        }
    }

    /**
     * Returns what the restore does once every check has passed. A preview skips what only matters for
     * running it ({@code confirm}, whether the new database exists).
     */
    CheckedRestore check(RestoreRequestBody body, boolean preview) {
        if (body.pointInTime()) {
            return pointInTime(body);
        }
        RestoreInto into = shape(body);
        SourceView source = sources.require(body.source());
        if (into.replace() && !body.confirmed() && !preview) {
            String detail = "replace overwrites database '" + source.database() + "' of source '" + source.name()
                    + "': send \"confirm\": true to proceed (a safety backup is taken first)";
            throw ApiException.badRequest(
                    detail, new FieldProblem("confirm", "must be true when into.replace is true"));
        }
        BackupView backup = requireLogical(body.source(), body.backupId());
        if (!preview && !into.replace() && databases.exists(body.source(), into.database())) {
            String detail = "database '" + into.database()
                    + "' already exists on the source server; choose another name or use into.replace";
            throw ApiException.conflict(detail, new FieldProblem("into.database", detail));
        }
        return new CheckedRestore(BackupId.parse(body.backupId()), into, null, null, backup);
    }

    /** The checks of a logical restore that need nothing but the request itself. */
    static RestoreInto shape(RestoreRequestBody body) {
        Into into = body.into();
        if (body.backupId() == null || body.backupId().isBlank()) {
            throw ApiException.badRequest(
                    "backupId is required: name the backup to restore (see GET /api/v1/backups)",
                    new FieldProblem("backupId", "is required"));
        }
        boolean hasDatabase = into.database() != null;
        if (hasDatabase == into.replaces()) {
            throw ApiException.badRequest(
                    "into needs exactly one of {\"database\": \"new_name\"}, {\"replace\": true} or"
                            + " {\"dataDirectory\": \"/path\", \"port\": 5433}",
                    new FieldProblem("into", "must name either database or replace, not both or neither"));
        }
        return hasDatabase ? RestoreInto.newDatabase(into.database()) : RestoreInto.replaceSource();
    }

    private CheckedRestore pointInTime(RestoreRequestBody body) {
        RestoreInto into = clusterShape(body.into(), dataRoots);
        RecoveryTarget target = targetShape(body.target(), body.backupId());
        sources.require(body.source());
        String backupId = body.backupId();
        if (backupId != null) {
            BackupView backup = requireSucceeded(body.source(), backupId);
            if (backup.kind() != BackupKind.PHYSICAL) {
                String detail = "backup " + backupId + " is " + backup.kind() + "; a point-in-time restore starts"
                        + " from a PHYSICAL backup (leave backupId out to use the newest one before the target),"
                        + " and a logical backup restores into {\"database\": \"new_name\"}";
                throw ApiException.unprocessable(detail, new FieldProblem("backupId", detail));
            }
        }
        RecoveryPlan plan = catalog.planRecovery(body.source(), new RecoveryPlanRequest(target, backupId));
        if (!plan.possible()) {
            throw ApiException.unprocessable(plan.problem(), new FieldProblem("target", plan.problem()))
                    .with("problemCode", plan.problemCode())
                    .with("reachable", plan.reachable())
                    .with("missingSegments", plan.missingSegments().isEmpty() ? null : plan.missingSegments());
        }
        return new CheckedRestore(BackupId.parse(plan.base().backupId()), into, target, plan, null);
    }

    /** A new cluster: an absolute data directory and a port, nothing else. */
    static RestoreInto clusterShape(Into into, RestoreDataRoots roots) {
        if (into.database() != null || into.replace() != null) {
            throw ApiException.badRequest(
                    "a point-in-time restore builds a new cluster: into is {\"dataDirectory\": \"/path\", \"port\":"
                            + " 5433} (database and replace are for logical backups)",
                    new FieldProblem("into", "must be {dataDirectory, port} for a point-in-time restore"));
        }
        String dir = roots.check(into.dataDirectory());
        if (into.port() == null || into.port() < 1024 || into.port() > 65535) {
            throw ApiException.badRequest(
                    "into.port must be a free TCP port from 1024 to 65535 for the restored cluster; got " + into.port(),
                    new FieldProblem("into.port", "must be between 1024 and 65535"));
        }
        return RestoreInto.newCluster(dir, into.port());
    }

    /** Exactly one well-formed target; none means "the end of the named physical backup". */
    static RecoveryTarget targetShape(Target body, String backupId) {
        if (body == null) {
            if (backupId == null || backupId.isBlank()) {
                throw ApiException.badRequest(
                        "a restore into a new cluster needs a target (time, restorePoint, lsn, xid or latest) or the"
                                + " backupId of a physical backup to restore as it was",
                        new FieldProblem("target", "is required without backupId"));
            }
            return RecoveryTarget.immediateTarget();
        }
        List<String> set = body.fieldsSet();
        if (set.size() != 1) {
            String detail = "target needs exactly one of time, restorePoint, lsn, xid or latest: true; got "
                    + (set.isEmpty() ? "none" : String.join(", ", set));
            throw ApiException.badRequest(detail, new FieldProblem("target", detail));
        }
        try {
            RecoveryTarget target = body.toRecoveryTarget(); // the lsn is parsed here
            switch (target.kind()) {
                case TIME -> RecoveryTarget.parseTime(target.time());
                case XID -> RecoveryTarget.parseXid(target.xid());
                case RESTORE_POINT -> {
                    if (target.restorePoint().isBlank() || target.restorePoint().length() > 63) {
                        throw new IllegalArgumentException("a restore point name has 1 to 63 characters");
                    }
                }
                default -> {}
            }
            return target;
        } catch (IllegalArgumentException e) {
            String field = "target." + set.getFirst();
            throw ApiException.badRequest(field + ": " + e.getMessage(), new FieldProblem(field, e.getMessage()));
        }
    }

    private BackupView requireLogical(String source, String backupId) {
        BackupView backup = requireSucceeded(source, backupId);
        if (backup.kind() == BackupKind.PHYSICAL) {
            String detail = "backup " + backupId + " is PHYSICAL: it restores into a new cluster, into"
                    + " {\"dataDirectory\": \"/path\", \"port\": 5433}, optionally to a target";
            throw ApiException.unprocessable(detail, new FieldProblem("backupId", detail));
        }
        return backup;
    }

    private BackupView requireSucceeded(String source, String backupId) {
        String notFound = "backup '" + backupId + "' not found for source '" + source + "'";
        Optional<BackupView> found = BackupId.isValid(backupId) ? catalog.backup(backupId) : Optional.empty();
        BackupView backup = found.filter(view -> source.equals(view.source()))
                .orElseThrow(() -> ApiException.unprocessable(notFound, new FieldProblem("backupId", notFound)));
        if (!SUCCEEDED.equals(backup.status())) {
            String detail = "backup " + backupId + " is not restorable: status " + backup.status();
            throw ApiException.unprocessable(detail, new FieldProblem("backupId", detail));
        }
        return backup;
    }
}

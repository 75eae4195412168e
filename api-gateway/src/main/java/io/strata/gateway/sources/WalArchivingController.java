package io.strata.gateway.sources;

import io.strata.common.model.Lsn;
import io.strata.gateway.catalog.CatalogProxy;
import io.strata.gateway.problem.ApiException;
import io.strata.gateway.problem.FieldProblem;
import io.strata.platform.catalog.CatalogApi.SourceView;
import io.strata.platform.catalog.CatalogApi.WalArchiveSummary;
import io.strata.platform.catalog.CatalogApi.WalGap;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/** Switching a source's continuous WAL archiving and watching how far behind it is. */
@RestController
class WalArchivingController {
    /** Longer than the archiver's partial-segment interval (10 s) with room for a slow upload. */
    static final Duration MAX_HEALTHY_LAG = Duration.ofSeconds(60);

    private final CatalogProxy catalog;
    private final RegisteredSources sources;
    private final WalReadiness readiness;
    private final SourceSql sql;
    private final Clock clock;

    WalArchivingController(
            CatalogProxy catalog, RegisteredSources sources, WalReadiness readiness, SourceSql sql, Clock clock) {
        this.catalog = catalog;
        this.sources = sources;
        this.readiness = readiness;
        this.sql = sql;
        this.clock = clock;
    }

    @PutMapping("/api/v1/sources/{name}/wal-archiving")
    SourceView switchArchiving(@PathVariable String name, @RequestBody WalArchivingRequest request) {
        if (request.enabled() == null) {
            throw ApiException.badRequest(
                    "send {\"enabled\": true} or {\"enabled\": false}", new FieldProblem("enabled", "is required"));
        }
        requireRegistered(name);
        if (request.enabled()) {
            readiness.requireReady(name, sources.connection(name));
        }
        return catalog.switchWalArchiving(name, request.enabled()).orElseThrow(() -> notRegistered(name));
    }

    @GetMapping("/api/v1/sources/{name}/wal")
    WalStatus status(@PathVariable String name) {
        requireRegistered(name);
        WalArchiveSummary archive = catalog.walArchive(name).orElseThrow(() -> notRegistered(name));
        return WalStatus.of(name, archive, currentLsn(name), clock.instant(), MAX_HEALTHY_LAG);
    }

    private Lsn currentLsn(String name) {
        return sql.run(name, "read its current WAL position", (connection, server) -> {
            try (Statement statement = connection.createStatement();
                    // a standby has no WAL of its own to write: what it received (or replayed) is what its
                    // archiving can reach
                    ResultSet row = statement.executeQuery("select case when pg_is_in_recovery()"
                            + " then greatest(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn())"
                            + " else pg_current_wal_lsn() end::text")) {
                row.next();
                return Lsn.parse(row.getString(1));
            }
        });
    }

    private void requireRegistered(String name) {
        if (catalog.source(name).isEmpty()) {
            throw notRegistered(name);
        }
    }

    private static ApiException notRegistered(String name) {
        return ApiException.notFound("source '" + name + "' is not registered");
    }

    /** {@code PUT .../wal-archiving} body. */
    record WalArchivingRequest(Boolean enabled) {}

    /**
     * {@code GET /api/v1/sources/{name}/wal}. Not healthy while archiving is off, WAL is missing between the newest
     * usable physical backup and the newest archived WAL ({@code gap}, given while the catalog's WAL_GAP alert is
     * open: the latest point cannot be restored until a new physical backup), nothing is archived yet, or
     * archiving is behind for longer than the limit.
     */
    record WalStatus(
            String source,
            boolean enabled,
            boolean healthy,
            String reason,
            Lsn currentLsn,
            Lsn archivedLsn,
            long lagBytes,
            Long lagSeconds,
            long segments,
            long totalBytes,
            Integer timeline,
            Instant lastArchivedAt,
            Instant oldestRecoverableTime,
            WalGap gap) {

        static WalStatus of(String source, WalArchiveSummary archive, Lsn current, Instant now, Duration maxLag) {
            boolean enabled = archive.enabled();
            Lsn archived = archive.archivedLsn();
            Instant lastArchivedAt = archive.lastArchivedAt();
            long lagBytes = archived == null ? current.value() : Math.max(0, current.value() - archived.value());
            // caught up: no lag in time; behind: how long since anything new became durable
            Long lagSeconds = lagBytes == 0
                    ? Long.valueOf(0)
                    : lastArchivedAt == null
                            ? null
                            : Duration.between(lastArchivedAt, now).toSeconds();
            String reason = unhealthyBecause(source, archive, lagBytes, lagSeconds, maxLag);
            return new WalStatus(
                    source,
                    enabled,
                    reason == null,
                    reason,
                    current,
                    archived,
                    lagBytes,
                    lagSeconds,
                    archive.segments(),
                    archive.totalBytes(),
                    archive.timeline(),
                    lastArchivedAt,
                    archive.oldestRecoverableTime(),
                    archive.gap());
        }

        /** Why the archive is not healthy, the first of these that holds; null when it is. */
        private static String unhealthyBecause(
                String source, WalArchiveSummary archive, long lagBytes, Long lagSeconds, Duration maxLag) {
            if (!archive.enabled()) {
                return "WAL archiving is disabled; enable it with PUT /api/v1/sources/" + source
                        + "/wal-archiving {\"enabled\": true}";
            }
            if (archive.gap() != null) {
                return "WAL is missing from the archive: " + archive.gap().message();
            }
            if (archive.archivedLsn() == null) {
                return "nothing archived yet";
            }
            if (lagSeconds != null && lagSeconds > maxLag.toSeconds()) {
                return "archiving is " + lagSeconds + " s behind (" + lagBytes + " bytes); check the wal-archiver";
            }
            return null;
        }
    }
}

package io.strata.catalog.recovery;

import io.strata.catalog.backups.BaseBackups;
import io.strata.catalog.recovery.RecoveryPlanner.Base;
import io.strata.catalog.recovery.RecoveryPlanner.Records;
import io.strata.catalog.recovery.RecoveryPlanner.Timeline;
import io.strata.catalog.wal.WalSegmentRows;
import io.strata.catalog.wal.WalTimelineStore;
import io.strata.catalog.web.InvalidRequestException;
import io.strata.catalog.web.ResourceNotFoundException;
import io.strata.common.command.RecoveryTarget;
import io.strata.common.model.Lsn;
import io.strata.common.wal.TimelineHistory;
import io.strata.platform.catalog.CatalogApi.ChainLink;
import io.strata.platform.catalog.CatalogApi.PlannedSegment;
import io.strata.platform.catalog.CatalogApi.RecoveryPlan;
import io.strata.platform.catalog.CatalogApi.RecoveryPlanRequest;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * Recovery plans for a source ({@link RecoveryPlanner}): the gateway asks before it accepts a
 * point-in-time restore (and for its preview and restore-point verification), the restore-worker asks again
 * when the job runs, so WAL archived in between is used.
 */
@RestController
class RecoveryPlanController {
    private static final int NAMES_LISTED = 5;
    private final JdbcClient jdbc;
    private final BaseBackups baseBackups;

    RecoveryPlanController(JdbcClient jdbc, BaseBackups baseBackups) {
        this.jdbc = jdbc;
        this.baseBackups = baseBackups;
    }

    @PostMapping("/api/v1/sources/{source}/recovery-plans")
    @Transactional(readOnly = true)
    RecoveryPlan plan(@PathVariable String source, @RequestBody RecoveryPlanRequest request) {
        RecoveryTarget target = request.target() == null ? RecoveryTarget.latestTarget() : request.target();
        try {
            target.kind();
            return RecoveryPlanner.plan(target, request.backupId(), records(source, target));
        } catch (IllegalStateException | IllegalArgumentException e) {
            throw new InvalidRequestException("target", e.getMessage());
        }
    }

    /** The plan to a named restore point; 404 when the source has no such point. */
    @GetMapping("/api/v1/sources/{source}/restore-points/{name}/recovery-plan")
    @Transactional(readOnly = true)
    RecoveryPlan restorePointPlan(@PathVariable String source, @PathVariable String name) {
        RecoveryTarget target = new RecoveryTarget(null, name, null, null, null, null);
        Records records = records(source, target);
        if (records.restorePointLsn().isEmpty()) {
            throw new ResourceNotFoundException("restore point", source + "/" + name);
        }
        return RecoveryPlanner.plan(target, null, records);
    }

    private Records records(String source, RecoveryTarget target) {
        BaseBackups.Assessment assessment = baseBackups.assess(source);
        List<BaseBackups.BaseBackup> usable = assessment.usable();
        java.util.Map<String, BaseBackups.BaseBackup> byId = new java.util.HashMap<>();
        usable.forEach(b -> byId.put(b.backupId(), b));
        List<Base> bases = usable.stream()
                .map(b -> {
                    List<ChainLink> chain = b.chain().stream()
                            .map(byId::get)
                            .map(link -> new ChainLink(
                                    link.backupId(),
                                    link.type(),
                                    link.startLsn(),
                                    link.endLsn(),
                                    link.finishedAt(),
                                    link.storedBytes(),
                                    link.sizeBytes()))
                            .toList();
                    return new Base(
                            b.backupId(),
                            b.startLsn(),
                            b.endLsn(),
                            b.timeline(),
                            b.finishedAt(),
                            // a restore downloads the whole chain: the FULL backup and every later link
                            chain.stream().mapToLong(ChainLink::storedBytes).sum(),
                            b.sizeBytes(),
                            b.manifestKey(),
                            chain);
                })
                .toList();
        Optional<Lsn> pointLsn = Optional.empty();
        Optional<Integer> pointTimeline = Optional.empty();
        String serverName = null;
        List<String> names = List.of();
        if (target.restorePoint() != null) {
            Optional<String[]> point = jdbc.sql("""
                            SELECT lsn::text AS lsn, server_name, timeline FROM restore_point
                            WHERE source = ? AND name = ?""")
                    .params(source, target.restorePoint())
                    .query((rs, row) ->
                            new String[] {rs.getString("lsn"), rs.getString("server_name"), rs.getString("timeline")})
                    .optional();
            pointLsn = point.map(p -> Lsn.parse(p[0]));
            pointTimeline = point.filter(p -> p[2] != null).map(p -> Integer.parseInt(p[2]));
            serverName = point.map(p -> p[1]).orElse(null);
            names = jdbc.sql("SELECT name FROM restore_point WHERE source = ? ORDER BY created_at DESC LIMIT ?")
                    .params(source, NAMES_LISTED)
                    .query(String.class)
                    .list();
        }
        Long segmentSize = jdbc.sql("SELECT max(segment_size) FROM wal_segment WHERE source = ?")
                .param(source)
                .query(Long.class)
                .optional()
                .orElse(null);
        return new Records(
                source,
                bases,
                pointLsn,
                serverName,
                names,
                segmentSize,
                List.copyOf(assessment.unusable().values()),
                (timeline, first) -> segments(source, timeline, first),
                pointTimeline,
                timelines(source));
    }

    /** The timelines the source moved onto, with their history files as recovery reads them. */
    private List<Timeline> timelines(String source) {
        return jdbc.sql("""
                        SELECT timeline, history, object_key, stored_bytes, sha256, archived_at FROM wal_timeline
                        WHERE source = ? ORDER BY timeline""")
                .param(source)
                .query((rs, row) -> new Timeline(
                        rs.getInt("timeline"),
                        WalTimelineStore.read(rs.getString("history")),
                        new PlannedSegment(
                                TimelineHistory.fileName(rs.getInt("timeline")),
                                rs.getString("object_key"),
                                rs.getString("sha256"),
                                false,
                                null,
                                rs.getLong("stored_bytes"),
                                // a history covers no time: never taken for the segment a time target is in
                                Instant.EPOCH)))
                .list();
    }

    private List<PlannedSegment> segments(String source, int timeline, String firstSegment) {
        return jdbc.sql(WalSegmentRows.PLANNING)
                .params(source, timeline, firstSegment)
                .query(WalSegmentRows::planned)
                .list();
    }
}

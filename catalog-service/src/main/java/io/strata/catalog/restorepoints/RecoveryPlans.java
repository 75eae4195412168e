package io.strata.catalog.restorepoints;

import io.strata.catalog.web.ResourceNotFoundException;
import io.strata.common.model.Lsn;
import io.strata.common.wal.WalSegmentName;
import io.strata.platform.catalog.CatalogApi.PlannedSegment;
import io.strata.platform.catalog.CatalogApi.RecoveryPlan;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/**
 * Plans recovery to a restore point from the catalog's records: a base backup ending before the point,
 * then an unbroken run of archived WAL segments from the backup's start to the segment holding the
 * point. The gateway checks the stored objects against the checksums in the plan.
 */
@RestController
class RecoveryPlans {
    private final JdbcClient jdbc;

    RecoveryPlans(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    @GetMapping("/api/v1/sources/{source}/restore-points/{name}/recovery-plan")
    RecoveryPlan plan(@PathVariable String source, @PathVariable String name) {
        Point point = jdbc.sql("SELECT lsn::text AS lsn, timeline FROM restore_point WHERE source = ? AND name = ?")
                .params(source, name)
                .query((rs, row) -> new Point(Lsn.parse(rs.getString("lsn")), rs.getInt("timeline")))
                .optional()
                .orElseThrow(() -> new ResourceNotFoundException("restore point", source + "/" + name));
        List<Base> bases = jdbc.sql("""
                        SELECT backup_id, start_lsn::text AS start_lsn, end_lsn::text AS end_lsn FROM backup
                        WHERE source = ? AND kind = 'PHYSICAL' AND status = 'SUCCEEDED' AND end_lsn <= ?::pg_lsn
                        ORDER BY end_lsn DESC LIMIT 1""")
                .params(source, point.lsn().toString())
                .query((rs, row) -> new Base(
                        rs.getString("backup_id"),
                        Lsn.parse(rs.getString("start_lsn")),
                        Lsn.parse(rs.getString("end_lsn"))))
                .list();
        if (bases.isEmpty()) {
            return problem(
                    name,
                    point,
                    null,
                    "no physical base backup of source '" + source + "' ends before restore"
                            + " point '" + name + "' (" + point.lsn() + "); take one with POST /api/v1/backups"
                            + " {\"kind\":\"PHYSICAL\"} before creating restore points");
        }
        Base base = bases.getFirst();
        Long segmentSize = jdbc.sql("SELECT max(segment_size) FROM wal_segment WHERE source = ?")
                .param(source)
                .query(Long.class)
                .single();
        if (segmentSize == null) {
            return problem(
                    name,
                    point,
                    base,
                    "no WAL of source '" + source + "' is archived; enable archiving with" + " PUT /api/v1/sources/"
                            + source + "/wal-archiving");
        }
        return walPlan(source, name, point, base, segmentSize);
    }

    private RecoveryPlan walPlan(String source, String name, Point point, Base base, long segmentSize) {
        WalSegmentName first = WalSegmentName.of(point.timeline(), base.startLsn(), segmentSize);
        WalSegmentName last = WalSegmentName.of(point.timeline(), point.lsn(), segmentSize);
        Map<String, PlannedSegment> archived = jdbc
                .sql("""
                        SELECT segment, object_key, sha256, partial, end_lsn::text AS end_lsn FROM wal_segment
                        WHERE source = ? AND timeline = ? AND segment BETWEEN ? AND ?""")
                .params(source, point.timeline(), first.toString(), last.toString())
                .query((rs, row) -> new PlannedSegment(
                        rs.getString("segment"),
                        rs.getString("object_key"),
                        rs.getString("sha256"),
                        rs.getBoolean("partial"),
                        rs.getString("end_lsn")))
                .list()
                .stream()
                .collect(Collectors.toMap(PlannedSegment::segment, Function.identity()));
        List<PlannedSegment> segments = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (WalSegmentName segment = first; segment.compareTo(last) <= 0; segment = segment.next()) {
            PlannedSegment found = archived.get(segment.toString());
            boolean reachesPoint = found != null
                    && (!found.partial()
                            || (segment.equals(last)
                                    && Lsn.parse(found.endLsn()).compareTo(point.lsn()) > 0));
            if (reachesPoint) {
                segments.add(found);
            } else {
                missing.add(segment.toString());
            }
        }
        String problem = missing.isEmpty()
                ? null
                : "WAL needed from base backup " + base.id() + " to restore point '" + name + "' is not archived: "
                        + String.join(", ", missing) + " (a gap, or archiving is behind)";
        return new RecoveryPlan(
                name,
                point.lsn().toString(),
                base.id(),
                base.startLsn().toString(),
                base.endLsn().toString(),
                segments,
                missing,
                problem);
    }

    private static RecoveryPlan problem(String name, Point point, Base base, String why) {
        return new RecoveryPlan(
                name,
                point.lsn().toString(),
                base == null ? null : base.id(),
                base == null ? null : base.startLsn().toString(),
                base == null ? null : base.endLsn().toString(),
                List.of(),
                List.of(),
                why);
    }

    private record Point(Lsn lsn, int timeline) {}

    private record Base(String id, Lsn startLsn, Lsn endLsn) {}
}

package io.strata.catalog.restorepoints;

import io.strata.catalog.support.SqlLsn;
import io.strata.catalog.support.SqlTime;
import io.strata.catalog.web.ConflictException;
import io.strata.catalog.web.InvalidRequestException;
import io.strata.catalog.web.ResourceNotFoundException;
import io.strata.platform.catalog.CatalogApi.RestorePointView;
import java.net.URI;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * Restore points of a source. The gateway creates them on the source first and records them here;
 * whether one is archived is derived from the WAL archive, never stored.
 */
@RestController
class RestorePointController {
    private static final String COLUMNS = """
            rp.name, rp.lsn::text AS lsn, rp.timeline, rp.created_at, rp.description, rp.server_name,
            coalesce((SELECT max(w.end_lsn) FROM wal_segment w
                      WHERE w.source = rp.source AND w.timeline = rp.timeline) >= rp.lsn, false) AS archived""";
    private final JdbcClient jdbc;

    RestorePointController(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    @PostMapping("/api/v1/sources/{source}/restore-points")
    ResponseEntity<RestorePointView> record(@PathVariable String source, @RequestBody RestorePointView point) {
        requireSource(source);
        if (point == null || point.name() == null || point.lsn() == null || point.createdAt() == null) {
            throw new InvalidRequestException("name", "name, lsn, timeline and createdAt are required");
        }
        if (point.serverName() == null || !point.serverName().startsWith("strata/")) {
            throw new InvalidRequestException(
                    "serverName", "is required: the unique name written into the WAL (strata/<name>/<random>)");
        }
        int inserted = jdbc.sql("""
                        INSERT INTO restore_point (source, name, lsn, timeline, created_at, description, server_name)
                        VALUES (?, ?, ?::pg_lsn, ?, ?, ?, ?) ON CONFLICT (source, name) DO NOTHING""")
                .params(
                        source,
                        point.name(),
                        SqlLsn.bind(point.lsn()),
                        point.timeline(),
                        SqlTime.bind(point.createdAt()),
                        point.description(),
                        point.serverName())
                .update();
        if (inserted == 0) {
            throw new ConflictException("restore point '" + point.name() + "' already exists for source '" + source
                    + "'; restore point names are unique per source");
        }
        return ResponseEntity.created(URI.create("/api/v1/sources/" + source + "/restore-points/" + point.name()))
                .body(find(source, point.name()));
    }

    @GetMapping("/api/v1/sources/{source}/restore-points")
    List<RestorePointView> list(@PathVariable String source) {
        requireSource(source);
        return jdbc.sql("SELECT " + COLUMNS
                        + " FROM restore_point rp WHERE rp.source = ? ORDER BY rp.created_at DESC, rp.lsn DESC")
                .param(source)
                .query(RestorePointController::view)
                .list();
    }

    @GetMapping("/api/v1/sources/{source}/restore-points/{name}")
    RestorePointView one(@PathVariable String source, @PathVariable String name) {
        requireSource(source);
        return find(source, name);
    }

    private RestorePointView find(String source, String name) {
        return jdbc.sql("SELECT " + COLUMNS + " FROM restore_point rp WHERE rp.source = ? AND rp.name = ?")
                .params(source, name)
                .query(RestorePointController::view)
                .optional()
                .orElseThrow(() -> new ResourceNotFoundException("restore point", source + "/" + name));
    }

    private void requireSource(String source) {
        if (jdbc.sql("SELECT 1 FROM source WHERE name = ?")
                .param(source)
                .query(Integer.class)
                .optional()
                .isEmpty()) {
            throw new ResourceNotFoundException("source", source);
        }
    }

    private static RestorePointView view(ResultSet rs, int row) throws SQLException {
        return new RestorePointView(
                rs.getString("name"),
                SqlLsn.read(rs, "lsn"),
                rs.getInt("timeline"),
                SqlTime.read(rs, "created_at"),
                rs.getString("description"),
                rs.getBoolean("archived"),
                rs.getString("server_name"));
    }
}

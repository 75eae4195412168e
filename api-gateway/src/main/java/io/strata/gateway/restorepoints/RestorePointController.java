package io.strata.gateway.restorepoints;

import io.strata.common.model.Lsn;
import io.strata.gateway.audit.AuditAttributes;
import io.strata.gateway.catalog.CatalogProxy;
import io.strata.gateway.problem.ApiException;
import io.strata.gateway.problem.FieldProblem;
import io.strata.gateway.sources.SourceSql;
import io.strata.platform.catalog.CatalogApi.RestorePointView;
import io.strata.platform.catalog.CatalogApi.SourceConnection;
import jakarta.validation.Valid;
import java.net.URI;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.HttpClientErrorException;

/** Named restore points: a marker in the source's WAL to restore to, e.g. just before a risky upgrade. */
@RestController
class RestorePointController {
    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();
    /**
     * The point's timeline is that of the WAL file its record went to: the last checkpoint's would name the
     * old timeline for minutes after a promotion (until the promotion's spread checkpoint ends).
     */
    private static final String CREATE = """
            with point as (select pg_create_restore_point(?) as lsn)
            select lsn::text as lsn,
                   ('x' || substr(pg_walfile_name(lsn), 1, 8))::bit(32)::int as timeline,
                   clock_timestamp() as created_at
            from point""";

    private final CatalogProxy catalog;
    private final SourceSql sql;

    RestorePointController(CatalogProxy catalog, SourceSql sql) {
        this.catalog = catalog;
        this.sql = sql;
    }

    @PostMapping("/api/v1/sources/{source}/restore-points")
    ResponseEntity<RestorePointView> create(
            @PathVariable String source, @Valid @RequestBody RestorePointRequest request) {
        AuditAttributes.target(source + "/" + request.name());
        for (RestorePointView point : list(source)) {
            if (request.name().equals(point.name())) {
                throw taken(source, request.name(), point);
            }
        }
        RestorePointView created = sql.run(
                source,
                "create restore point '" + request.name() + "'",
                (connection, server) -> createOnSource(source, server, connection, request));
        try {
            RestorePointView recorded = catalog.recordRestorePoint(source, created);
            return ResponseEntity.created(URI.create("/api/v1/sources/" + source + "/restore-points/" + request.name()))
                    .body(recorded);
        } catch (HttpClientErrorException.Conflict e) {
            throw taken(source, request.name(), null);
        }
    }

    @GetMapping("/api/v1/sources/{source}/restore-points")
    List<RestorePointView> list(@PathVariable String source) {
        if (catalog.source(source).isEmpty()) {
            throw ApiException.notFound("source '" + source + "' is not registered");
        }
        return catalog.restorePoints(source);
    }

    private static RestorePointView createOnSource(
            String source, SourceConnection server, Connection connection, RestorePointRequest request) {
        String serverName = serverName(request.name());
        try (PreparedStatement create = connection.prepareStatement(CREATE)) {
            create.setString(1, serverName);
            try (ResultSet row = create.executeQuery()) {
                row.next();
                return new RestorePointView(
                        request.name(),
                        Lsn.parse(row.getString("lsn")),
                        row.getInt("timeline"),
                        row.getObject("created_at", java.time.OffsetDateTime.class)
                                .toInstant(),
                        request.description(),
                        null,
                        serverName);
            }
        } catch (SQLException e) {
            throw refusal(source, server, e);
        }
    }

    /**
     * The name written into the WAL: unique, because every source of a server shares its WAL and recovery
     * stops at the first record of a name (a second source's point of the same name, or an earlier attempt
     * of this one whose catalog write failed, must never be mistaken for it). PostgreSQL keeps 63 bytes:
     * "strata/" + up to 39 bytes of the user's name (ASCII by its rules) + "/" + 16 random characters.
     */
    static String serverName(String name) {
        String shown = name.length() > 39 ? name.substring(0, 39) : name;
        return "strata/" + shown + "/" + randomSuffix(16);
    }

    private static String randomSuffix(int length) {
        String alphabet = "abcdefghijklmnopqrstuvwxyz234567";
        StringBuilder out = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            out.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        }
        return out.toString();
    }

    private static ApiException refusal(String source, SourceConnection server, SQLException e) {
        String state = e.getSQLState() == null ? "" : e.getSQLState();
        if (state.equals("42501")) { // insufficient_privilege
            String what = "role '" + server.username() + "' may not create restore points: run GRANT EXECUTE ON"
                    + " FUNCTION pg_create_restore_point(text) TO " + server.username() + " on the source";
            return ApiException.conflict(what);
        }
        if (state.equals("55000")) { // object_not_in_prerequisite_state: wal_level minimal, or in recovery
            return ApiException.conflict("source '" + source + "' cannot create restore points now: " + e.getMessage()
                    + " (it needs wal_level = replica or higher and a primary, not a standby)");
        }
        return SourceSql.unreachable(source, server, "create the restore point", e);
    }

    /**
     * A name already taken. A client that retries after a lost answer learns from the detail whether the
     * existing point is the one its first attempt made (its time and LSN); a retry never writes a second
     * record, and never silently hands back an older point as if it were new.
     */
    private static ApiException taken(String source, String name, RestorePointView existing) {
        String when = existing == null ? "" : " (created " + existing.createdAt() + " at LSN " + existing.lsn() + ")";
        String detail = "restore point '" + name + "' already exists for source '" + source + "'" + when
                + "; pick another name";
        return ApiException.conflict(detail, new FieldProblem("name", detail));
    }
}

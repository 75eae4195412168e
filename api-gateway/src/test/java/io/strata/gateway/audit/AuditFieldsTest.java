package io.strata.gateway.audit;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.common.audit.AuditOutcome;
import io.strata.gateway.audit.RouteTemplates.Route;
import io.strata.gateway.audit.RouteTemplates.RouteMatch;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class AuditFieldsTest {
    private static final UUID FRESH = UUID.fromString("0b7e4b4c-1f0e-4a43-9a4b-2f6f3c1d9e11");
    private static final RouteTemplates ROUTES = RouteTemplates.of(List.of(
            Route.of("POST", "/api/v1/sources/{source}/restore-points"),
            Route.of("POST", "/api/v1/sources/{source}/restore-points/{name}/verify"),
            Route.of("POST", "/api/v1/restores"),
            Route.of("POST", "/api/v1/restores/preview"),
            Route.of("DELETE", "/api/v1/backups/{backupId}"),
            Route.of("GET", "/api/v1/backups/{backupId}")));

    @Test
    void keepsASafeRequestIdAndReplacesAnyOtherWithAFreshOne() {
        assertThat(AuditFields.requestId("req-7.a_B", () -> FRESH)).isEqualTo("req-7.a_B");
        assertThat(AuditFields.requestId("a".repeat(64), () -> FRESH)).isEqualTo("a".repeat(64));
        assertThat(AuditFields.requestId("a".repeat(65), () -> FRESH)).isEqualTo(FRESH.toString());
        assertThat(AuditFields.requestId("id\r\nX-Admin: yes", () -> FRESH)).isEqualTo(FRESH.toString());
        assertThat(AuditFields.requestId("id with space", () -> FRESH)).isEqualTo(FRESH.toString());
        assertThat(AuditFields.requestId("", () -> FRESH)).isEqualTo(FRESH.toString());
        assertThat(AuditFields.requestId(null, () -> FRESH)).isEqualTo(FRESH.toString());
    }

    @Test
    void actionNamesTheMostSpecificRoutePatternForTheMethod() {
        assertThat(action("POST", "/api/v1/sources/shop/restore-points"))
                .isEqualTo("POST /api/v1/sources/{source}/restore-points");
        assertThat(action("POST", "/api/v1/sources/shop/restore-points/before-upgrade/verify"))
                .isEqualTo("POST /api/v1/sources/{source}/restore-points/{name}/verify");
        assertThat(action("POST", "/api/v1/restores/preview")).isEqualTo("POST /api/v1/restores/preview");
        assertThat(action("DELETE", "/api/v1/backups/20261122T153000Z-3fa2c1"))
                .isEqualTo("DELETE /api/v1/backups/{backupId}");
    }

    @Test
    void actionFallsBackToTheRawPathWithoutControlCharactersAndAtMost300Long() {
        assertThat(action("PUT", "/api/v1/backups/x")).isEqualTo("PUT /api/v1/backups/x");
        assertThat(action("POST", "/api/v1/no\u0000where\u001b[31m\u202e")).isEqualTo("POST /api/v1/nowhere[31m");
        String longPath = "/api/v1/" + "x".repeat(400);
        assertThat(action("POST", longPath)).isEqualTo("POST " + longPath.substring(0, 300));
    }

    @Test
    void targetIsWhatTheControllerNamedElseTheFirstPathVariable() {
        Optional<RouteMatch> verify = ROUTES.match("POST", "/api/v1/sources/shop/restore-points/rp1/verify");
        assertThat(AuditFields.target(null, verify)).isEqualTo("shop");
        assertThat(AuditFields.target(null, ROUTES.match("DELETE", "/api/v1/backups/20261122T153000Z-3fa2c1")))
                .isEqualTo("20261122T153000Z-3fa2c1");
        assertThat(AuditFields.target(FRESH.toString(), ROUTES.match("POST", "/api/v1/restores")))
                .isEqualTo(FRESH.toString());
        assertThat(AuditFields.target(null, ROUTES.match("POST", "/api/v1/restores")))
                .isNull();
        assertThat(AuditFields.target(null, Optional.empty())).isNull();
    }

    @Test
    void targetFromAnEncodedPathIsDecodedAndCleaned() {
        assertThat(AuditFields.target(null, ROUTES.match("DELETE", "/api/v1/backups/a%0Ab%1B")))
                .isEqualTo("ab");
    }

    @Test
    void queryParameterNamesKeepNamesNeverValues() {
        assertThat(AuditFields.queryParameterNames("cascade=true&token=s3cret&cascade=false&flag&%74ype=x&=v&a%0Ab=1"))
                .containsExactly("cascade", "token", "flag", "type", "ab")
                .noneMatch(name -> name.contains("s3cret") || name.contains("true"));
        assertThat(AuditFields.queryParameterNames(null)).isEmpty();
        assertThat(AuditFields.queryParameterNames("bad%zz=1")).containsExactly("bad%zz");
    }

    @Test
    void onlyWritesAreAudited() {
        assertThat(List.of("POST", "PUT", "PATCH", "DELETE")).allMatch(AuditFields::isMutating);
        assertThat(List.of("GET", "HEAD", "OPTIONS", "TRACE")).noneMatch(AuditFields::isMutating);
    }

    @Test
    void statusMapsToOutcome() {
        assertThat(AuditOutcome.of(200)).isEqualTo(AuditOutcome.SUCCEEDED);
        assertThat(AuditOutcome.of(201)).isEqualTo(AuditOutcome.SUCCEEDED);
        assertThat(AuditOutcome.of(202)).isEqualTo(AuditOutcome.SUCCEEDED);
        assertThat(AuditOutcome.of(304)).isEqualTo(AuditOutcome.SUCCEEDED);
        for (int refused : new int[] {400, 401, 403, 404, 409, 422, 499}) {
            assertThat(AuditOutcome.of(refused)).as("%d", refused).isEqualTo(AuditOutcome.REFUSED);
        }
        for (int failed : new int[] {500, 502, 503, 599}) {
            assertThat(AuditOutcome.of(failed)).as("%d", failed).isEqualTo(AuditOutcome.FAILED);
        }
    }

    private static String action(String method, String path) {
        return AuditFields.action(method, ROUTES.match(method, path), path);
    }
}

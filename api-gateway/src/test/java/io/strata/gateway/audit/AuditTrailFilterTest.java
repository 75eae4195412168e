package io.strata.gateway.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.common.audit.AuditOutcome;
import io.strata.common.audit.AuditRecorded;
import io.strata.common.messaging.Json;
import io.strata.gateway.audit.RouteTemplates.Route;
import io.strata.gateway.security.Role;
import io.strata.gateway.security.SecurityProperties;
import io.strata.gateway.security.SecurityProperties.ApiToken;
import io.strata.gateway.security.TokenAuthenticator;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

class AuditTrailFilterTest {
    private static final String ADMIN_TOKEN = "admin-secret-token-0123";
    private static final String VIEWER_TOKEN = "viewer-secret-token-0123";
    private static final Instant NOW = Instant.parse("2026-11-22T15:30:00Z");
    private final List<AuditRecorded> published = new ArrayList<>();
    private final AuditTrailFilter filter = new AuditTrailFilter(
            new TokenAuthenticator(new SecurityProperties(List.of(
                    new ApiToken("admin", Role.ADMIN, ADMIN_TOKEN),
                    new ApiToken("viewer", Role.VIEWER, VIEWER_TOKEN)))),
            RouteTemplates.of(
                    List.of(Route.of("DELETE", "/api/v1/backups/{backupId}"), Route.of("POST", "/api/v1/backups"))),
            published::add,
            Clock.fixed(NOW, ZoneOffset.UTC));

    @Test
    void recordsAWriteWithItsRouteCallerAndOutcomeButNoSecret() throws Exception {
        MockHttpServletRequest request = request("DELETE", "/api/v1/backups/20261122T153000Z-3fa2c1");
        request.addHeader("Authorization", "Bearer " + ADMIN_TOKEN);
        request.addHeader("X-Request-Id", "client-42");
        request.setQueryString("cascade=true&password=hunter2");
        request.setContent("{\"password\":\"hunter2\"}".getBytes(StandardCharsets.UTF_8));
        request.setRemoteAddr("192.0.2.7");
        MockHttpServletResponse response = new MockHttpServletResponse();

        filter.doFilter(request, response, answering(409));

        assertThat(response.getHeader("X-Request-Id")).isEqualTo("client-42");
        assertThat(published).singleElement().satisfies(record -> {
            assertThat(record.actor()).isEqualTo("admin");
            assertThat(record.role()).isEqualTo("admin");
            assertThat(record.action()).isEqualTo("DELETE /api/v1/backups/{backupId}");
            assertThat(record.target()).isEqualTo("20261122T153000Z-3fa2c1");
            assertThat(record.status()).isEqualTo(409);
            assertThat(record.outcome()).isEqualTo(AuditOutcome.REFUSED);
            assertThat(record.requestId()).isEqualTo("client-42");
            assertThat(record.clientAddress()).isEqualTo("192.0.2.7");
            assertThat(record.queryParameterNames()).containsExactly("cascade", "password");
            assertThat(record.occurredAt()).isEqualTo(NOW);
            assertThat(record.auditId()).isNotNull();
            assertThat(record.kafkaKey()).isEqualTo("admin");
            assertThat(Json.write(record)).doesNotContain("hunter2", ADMIN_TOKEN, "Bearer", "true");
        });
    }

    @Test
    void aCallWithoutAValidTokenIsAnonymous() throws Exception {
        for (String authorization : new String[] {null, "Bearer wrong-token", "Basic YWRtaW46YWRtaW4=", "Bearer "}) {
            MockHttpServletRequest request = request("POST", "/api/v1/backups");
            if (authorization != null) {
                request.addHeader("Authorization", authorization);
            }
            filter.doFilter(request, new MockHttpServletResponse(), answering(401));
        }
        assertThat(published).hasSize(4).allSatisfy(record -> {
            assertThat(record.actor()).isEqualTo(AuditRecorded.ANONYMOUS);
            assertThat(record.role()).isNull();
            assertThat(record.action()).isEqualTo("POST /api/v1/backups");
            assertThat(record.outcome()).isEqualTo(AuditOutcome.REFUSED);
        });
    }

    @Test
    void aKnownTokenWithTooWeakARoleIsRecordedAsThatCaller() throws Exception {
        MockHttpServletRequest request = request("POST", "/api/v1/backups");
        request.addHeader("Authorization", "bearer " + VIEWER_TOKEN);
        filter.doFilter(request, new MockHttpServletResponse(), answering(403));
        assertThat(published).singleElement().satisfies(record -> {
            assertThat(record.actor()).isEqualTo("viewer");
            assertThat(record.role()).isEqualTo("viewer");
            assertThat(record.status()).isEqualTo(403);
        });
    }

    @Test
    void readsGetARequestIdButNoRecord() throws Exception {
        MockHttpServletRequest request = request("GET", "/api/v1/backups");
        request.addHeader("X-Request-Id", "not safe!");
        MockHttpServletResponse response = new MockHttpServletResponse();
        filter.doFilter(request, response, answering(200));
        assertThat(response.getHeader("X-Request-Id")).matches("[0-9a-f-]{36}");
        assertThat(request.getAttribute(AuditAttributes.REQUEST_ID)).isEqualTo(response.getHeader("X-Request-Id"));
        assertThat(published).isEmpty();
    }

    @Test
    void pathsOutsideTheApiAreLeftAlone() throws Exception {
        MockHttpServletResponse response = new MockHttpServletResponse();
        filter.doFilter(request("POST", "/actuator/refresh"), response, answering(404));
        assertThat(response.getHeader("X-Request-Id")).isNull();
        assertThat(published).isEmpty();
    }

    @Test
    void theTargetAControllerNamesWinsOverThePath() throws Exception {
        MockHttpServletRequest request = request("POST", "/api/v1/backups");
        MockFilterChain chain = chain((req, res) -> {
            AuditAttributes.target(req, "0b7e4b4c-1f0e-4a43-9a4b-2f6f3c1d9e11");
            res.setStatus(202);
        });
        filter.doFilter(request, new MockHttpServletResponse(), chain);
        assertThat(published).singleElement().satisfies(record -> {
            assertThat(record.target()).isEqualTo("0b7e4b4c-1f0e-4a43-9a4b-2f6f3c1d9e11");
            assertThat(record.outcome()).isEqualTo(AuditOutcome.SUCCEEDED);
        });
    }

    @Test
    void anExceptionLeavingTheChainIsRecordedAsA500AndStillThrown() {
        MockHttpServletRequest request = request("POST", "/api/v1/backups");
        MockFilterChain chain = chain((req, res) -> {
            throw new ServletException("boom");
        });
        assertThatThrownBy(() -> filter.doFilter(request, new MockHttpServletResponse(), chain))
                .hasMessage("boom");
        assertThat(published).singleElement().satisfies(record -> {
            assertThat(record.status()).isEqualTo(500);
            assertThat(record.outcome()).isEqualTo(AuditOutcome.FAILED);
        });
    }

    @Test
    void aBrokenPublisherNeverFailsTheCall() throws Exception {
        AuditTrailFilter failing = new AuditTrailFilter(
                new TokenAuthenticator(new SecurityProperties(List.of(new ApiToken("admin", Role.ADMIN, ADMIN_TOKEN)))),
                RouteTemplates.of(List.of()),
                record -> {
                    throw new IllegalStateException("publisher broken");
                },
                Clock.fixed(NOW, ZoneOffset.UTC));
        MockHttpServletResponse response = new MockHttpServletResponse();
        failing.doFilter(request("POST", "/api/v1/backups"), response, answering(202));
        assertThat(response.getStatus()).isEqualTo(202);
    }

    private static MockHttpServletRequest request(String method, String path) {
        MockHttpServletRequest request = new MockHttpServletRequest(method, path);
        request.setRemoteAddr("127.0.0.1");
        return request;
    }

    private static MockFilterChain answering(int status) {
        return chain((req, res) -> res.setStatus(status));
    }

    /** A chain ending in a servlet that does what the test says. */
    private static MockFilterChain chain(Handler handler) {
        return new MockFilterChain(new HttpServlet() {
            @Override
            protected void service(HttpServletRequest req, HttpServletResponse res) throws ServletException {
                handler.handle(req, res);
            }
        });
    }

    private interface Handler {
        void handle(HttpServletRequest request, HttpServletResponse response) throws ServletException;
    }
}

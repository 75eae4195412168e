package io.strata.gateway.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.argThat;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.timeout;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.strata.common.audit.AuditOutcome;
import io.strata.common.audit.AuditRecorded;
import io.strata.common.messaging.Message;
import io.strata.common.messaging.Topics;
import io.strata.gateway.GatewaySliceTest;
import io.strata.gateway.GatewayWebMvcTest;
import io.strata.platform.catalog.CatalogApi.AuditView;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** The audit filter and endpoint in the gateway's real security and MVC set-up. */
@GatewayWebMvcTest(AuditController.class)
// the probe is imported: nested classes of tests are not scanned
@Import({AuditConfiguration.class, AuditApiTest.Meters.class, AuditApiTest.VerifyProbe.class})
class AuditApiTest extends GatewaySliceTest {
    private static final String BACKUP = "20261122T153000Z-3fa2c1";

    @Test
    void aCallWithoutTokenIsAuditedAsAnonymousAndRefused() throws Exception {
        mvc.perform(post("/api/v1/backups/" + BACKUP + "/verify?force=yes").header("X-Request-Id", "probe-1"))
                .andExpect(status().isUnauthorized())
                .andExpect(header().string("X-Request-Id", "probe-1"));
        AuditRecorded record = published();
        assertThat(record.actor()).isEqualTo(AuditRecorded.ANONYMOUS);
        assertThat(record.action()).isEqualTo("POST /api/v1/backups/{backupId}/verify");
        assertThat(record.target()).isEqualTo(BACKUP);
        assertThat(record.status()).isEqualTo(401);
        assertThat(record.outcome()).isEqualTo(AuditOutcome.REFUSED);
        assertThat(record.requestId()).isEqualTo("probe-1");
        assertThat(record.queryParameterNames()).containsExactly("force");
    }

    @Test
    void aCallWithTooWeakATokenIsAuditedWithItsCaller() throws Exception {
        mvc.perform(post("/api/v1/backups/" + BACKUP + "/verify").header("Authorization", bearer(VIEWER)))
                .andExpect(status().isForbidden());
        AuditRecorded record = published();
        assertThat(record.actor()).isEqualTo("viewer");
        assertThat(record.role()).isEqualTo("viewer");
        assertThat(record.status()).isEqualTo(403);
    }

    @Test
    void anAcceptedCallIsAuditedWithTheTargetItsControllerNamed() throws Exception {
        mvc.perform(post("/api/v1/backups/" + BACKUP + "/verify").header("Authorization", bearer(ADMIN)))
                .andExpect(status().isAccepted())
                .andExpect(header().string("X-Request-Id", org.hamcrest.Matchers.matchesPattern("[0-9a-f-]{36}")));
        AuditRecorded record = published();
        assertThat(record.actor()).isEqualTo("admin");
        assertThat(record.target()).isEqualTo("job-of-" + BACKUP);
        assertThat(record.outcome()).isEqualTo(AuditOutcome.SUCCEEDED);
        assertThat(record.occurredAt()).isEqualTo(NOW);
    }

    @Test
    void aWriteToNoRouteIsAuditedWithItsRawPath() throws Exception {
        mvc.perform(post("/api/v1/nothing-here").header("Authorization", bearer(ADMIN)))
                .andExpect(status().isNotFound());
        assertThat(published().action()).isEqualTo("POST /api/v1/nothing-here");
    }

    @Test
    void onlyAdminsReadTheAuditTrail() throws Exception {
        mvc.perform(get("/api/v1/audit").header("Authorization", bearer(OPERATOR)))
                .andExpect(status().isForbidden())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON));
        verifyNoInteractions(catalogProxy);
    }

    @Test
    void theTrailIsReadFromTheCatalogWithSinceInUtc() throws Exception {
        when(catalogProxy.audit(any()))
                .thenReturn(List.of(new AuditView(
                        "0b7e4b4c-1f0e-4a43-9a4b-2f6f3c1d9e11",
                        NOW,
                        "admin",
                        "admin",
                        "POST /api/v1/sources",
                        "shop",
                        201,
                        AuditOutcome.SUCCEEDED,
                        null,
                        "127.0.0.1",
                        List.of(),
                        12)));
        mvc.perform(get("/api/v1/audit")
                        .param("since", "2026-11-22T16:29:00+01:00")
                        .param("actor", "admin")
                        .param("limit", "500")
                        .header("Authorization", bearer(ADMIN)))
                .andExpect(status().isOk())
                .andExpect(jsonPath("$[0].actor").value("admin"))
                .andExpect(jsonPath("$[0].outcome").value("SUCCEEDED"))
                .andExpect(jsonPath("$[0].durationMillis").value(12))
                .andExpect(jsonPath("$[0].requestId").doesNotExist());
        verify(catalogProxy)
                .audit(argThat(query -> Instant.parse("2026-11-22T15:29:00Z").equals(query.get("since"))
                        && "admin".equals(query.get("actor"))
                        && Integer.valueOf(500).equals(query.get("limit"))));
    }

    @Test
    void badFiltersAreRefusedAtTheEdgeNamingEachField() throws Exception {
        mvc.perform(get("/api/v1/audit")
                        .param("since", "yesterday")
                        .param("actor", "ad\nmin")
                        .param("limit", "501")
                        .header("Authorization", bearer(ADMIN)))
                .andExpect(status().isBadRequest())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(
                        jsonPath("$.errors[*].field").value(org.hamcrest.Matchers.contains("since", "actor", "limit")));
        mvc.perform(get("/api/v1/audit").param("actor", "a".repeat(65)).header("Authorization", bearer(ADMIN)))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value("actor"));
        mvc.perform(get("/api/v1/audit").param("limit", "0").header("Authorization", bearer(ADMIN)))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value("limit"));
        verifyNoInteractions(catalogProxy);
    }

    private AuditRecorded published() {
        ArgumentCaptor<Message> captor = ArgumentCaptor.forClass(Message.class);
        verify(publisher, timeout(5_000)).publish(eq(Topics.AUDIT), captor.capture(), anyString());
        List<Message> all = captor.getAllValues();
        assertThat(all).hasSize(1).first().isInstanceOf(AuditRecorded.class);
        return (AuditRecorded) all.getFirst();
    }

    /** A write route like the gateway's own, naming its target the way a controller would. */
    @RestController
    static class VerifyProbe {
        @PostMapping("/api/v1/backups/{backupId}/verify")
        @ResponseStatus(HttpStatus.ACCEPTED)
        void verify(@PathVariable String backupId, HttpServletRequest request) {
            AuditAttributes.target(request, "job-of-" + backupId);
        }
    }

    @TestConfiguration
    static class Meters {
        @Bean
        MeterRegistry meterRegistry() {
            return new SimpleMeterRegistry();
        }
    }
}

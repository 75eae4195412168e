package io.strata.gateway.sources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.strata.common.model.Names;
import io.strata.gateway.GatewaySliceTest;
import io.strata.gateway.GatewayWebMvcTest;
import io.strata.gateway.problem.ApiException;
import io.strata.platform.catalog.CatalogApi.NewSource;
import io.strata.platform.catalog.CatalogApi.SourceView;
import io.strata.platform.catalog.CatalogApi.WalArchiving;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.ResultActions;
import org.springframework.web.client.HttpClientErrorException;

@GatewayWebMvcTest(SourceController.class)
class SourceApiTest extends GatewaySliceTest {
    private static final String SHOP = "{\"name\":\"shop\",\"host\":\"db.internal\",\"port\":5432,"
            + "\"database\":\"shop\",\"username\":\"backup\",\"password\":\"s3cret\"}";

    @MockitoBean
    WalReadiness walReadiness;

    private static SourceView shop() {
        return new SourceView("shop", "db.internal", 5432, "shop", "backup", new WalArchiving(false, "OFF"), NOW);
    }

    private ResultActions register(String token, String body) throws Exception {
        return mvc.perform(post("/api/v1/sources")
                .header("Authorization", bearer(token))
                .contentType(MediaType.APPLICATION_JSON)
                .content(body));
    }

    @Test
    void adminRegistersSourceAndPasswordIsNeverEchoed() throws Exception {
        when(catalogProxy.register(any())).thenReturn(shop());
        String body = register(ADMIN, SHOP)
                .andExpect(status().isCreated())
                .andExpect(header().string("Location", "/api/v1/sources/shop"))
                .andExpect(jsonPath("$.name").value("shop"))
                .andExpect(jsonPath("$.walArchiving.enabled").value(false))
                .andExpect(jsonPath("$.walArchiving.state").value("OFF"))
                .andExpect(jsonPath("$.createdAt").value("2026-11-22T15:30:00Z"))
                .andReturn()
                .getResponse()
                .getContentAsString();
        assertThat(body).doesNotContain("s3cret").doesNotContain("password");

        ArgumentCaptor<NewSource> sent = ArgumentCaptor.forClass(NewSource.class);
        verify(catalogProxy).register(sent.capture());
        assertThat(sent.getValue()).isEqualTo(new NewSource("shop", "db.internal", 5432, "shop", "backup", "s3cret"));
    }

    @Test
    void sourceThatCannotArchiveWalIsRefusedBeforeItIsRegistered() throws Exception {
        doThrow(ApiException.conflict("WAL archiving cannot be enabled for source 'shop': wal_level is 'minimal'"))
                .when(walReadiness)
                .requireReady(eq("shop"), any());

        register(ADMIN, SHOP.replace("}", ",\"walArchiving\":true}"))
                .andExpect(status().isConflict())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.detail").value(org.hamcrest.Matchers.containsString("wal_level")));
        verify(catalogProxy, never()).register(any());
    }

    @Test
    void walArchivingIsCheckedAndPassedOnWhenAsked() throws Exception {
        when(catalogProxy.register(any())).thenReturn(shop());

        register(ADMIN, SHOP.replace("}", ",\"walArchiving\":true}")).andExpect(status().isCreated());

        verify(walReadiness).requireReady(eq("shop"), any());
        ArgumentCaptor<NewSource> sent = ArgumentCaptor.forClass(NewSource.class);
        verify(catalogProxy).register(sent.capture());
        assertThat(sent.getValue())
                .isEqualTo(new NewSource("shop", "db.internal", 5432, "shop", "backup", "s3cret", true));
    }

    @Test
    void takenNameIsAConflict() throws Exception {
        when(catalogProxy.register(any()))
                .thenThrow(HttpClientErrorException.create(
                        HttpStatus.CONFLICT, "Conflict", HttpHeaders.EMPTY, new byte[0], StandardCharsets.UTF_8));
        register(ADMIN, SHOP)
                .andExpect(status().isConflict())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.detail").value("source 'shop' already exists"));
    }

    @Test
    void invalidFieldsAreListedWithTheNameRule() throws Exception {
        register(ADMIN, "{\"name\":\"Shop!\",\"host\":\" \",\"port\":70000,\"database\":\"shop\",\"username\":\"u\"}")
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors.length()").value(3))
                .andExpect(jsonPath("$.errors[?(@.field == 'name')].message").value("must be " + Names.SOURCE_RULE))
                .andExpect(jsonPath("$.errors[?(@.field == 'port')].message").value("must be 1..65535"))
                .andExpect(jsonPath("$.errors[?(@.field == 'host')]").exists());
        verifyNoInteractions(catalogProxy);
    }

    @Test
    void emptyPasswordIsAllowed() throws Exception {
        when(catalogProxy.register(any())).thenReturn(shop());
        register(ADMIN, SHOP.replace("s3cret", "")).andExpect(status().isCreated());
    }

    @Test
    void onlyAdminsRegisterSources() throws Exception {
        register(OPERATOR, SHOP).andExpect(status().isForbidden());
        verifyNoInteractions(catalogProxy);
    }

    @Test
    void unknownSourceIsNotFound() throws Exception {
        when(catalogProxy.source("nope")).thenReturn(Optional.empty());
        mvc.perform(get("/api/v1/sources/nope").header("Authorization", bearer(VIEWER)))
                .andExpect(status().isNotFound())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.detail").value("source 'nope' is not registered"));
    }

    @Test
    void catalogProblemsPassThrough() throws Exception {
        byte[] problem =
                "{\"type\":\"about:blank\",\"title\":\"Bad Request\",\"status\":400,\"detail\":\"host is unreachable\"}"
                        .getBytes(StandardCharsets.UTF_8);
        when(catalogProxy.register(any()))
                .thenThrow(HttpClientErrorException.create(
                        HttpStatus.BAD_REQUEST, "Bad Request", HttpHeaders.EMPTY, problem, StandardCharsets.UTF_8));
        register(ADMIN, SHOP)
                .andExpect(status().isBadRequest())
                .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.detail").value("host is unreachable"));
    }
}

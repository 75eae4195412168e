package io.strata.catalog.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.catalog.web.CatalogAuthProperties.Client;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

class CatalogTokenFilterTest {
    private static final String WORKER_TOKEN = "backup-worker-token-0123456789";
    private final CatalogTokenFilter filter = new CatalogTokenFilter(new CatalogAuthProperties(
            null, List.of(new Client("backup-worker", WORKER_TOKEN, Set.of("catalog:read", "connections:read")))));

    @Test
    void letsAClientThroughToWhatItsScopesCover() throws Exception {
        MockFilterChain chain = new MockFilterChain();
        MockHttpServletResponse response = call("GET", "/internal/v1/sources/shop/connection", WORKER_TOKEN, chain);

        assertThat(response.getStatus()).isEqualTo(200);
        assertThat(chain.getRequest()).isNotNull();
    }

    @Test
    void answers403NamingTheMissingScopeButNotTheToken() throws Exception {
        MockFilterChain chain = new MockFilterChain();
        MockHttpServletResponse response = call("POST", "/api/v1/sources", WORKER_TOKEN, chain);

        assertThat(response.getStatus()).isEqualTo(403);
        assertThat(response.getContentType()).startsWith("application/problem+json");
        assertThat(response.getContentAsString())
                .contains("\"missingScope\":\"sources:write\"", "backup-worker")
                .doesNotContain(WORKER_TOKEN);
        assertThat(chain.getRequest()).isNull();
    }

    @Test
    void deniesAPathNoRuleCovers() throws Exception {
        MockFilterChain chain = new MockFilterChain();
        MockHttpServletResponse response = call("GET", "/api/v1/everything", WORKER_TOKEN, chain);

        assertThat(response.getStatus()).isEqualTo(403);
        assertThat(chain.getRequest()).isNull();
    }

    @Test
    void answers401WithoutAKnownToken() throws Exception {
        assertThat(call("GET", "/api/v1/sources", null, new MockFilterChain()).getStatus())
                .isEqualTo(401);
        MockHttpServletResponse wrong = call("GET", "/api/v1/sources", "guess", new MockFilterChain());
        assertThat(wrong.getStatus()).isEqualTo(401);
        assertThat(wrong.getContentAsString()).doesNotContain("guess");
    }

    @Test
    void leavesHealthOpen() throws Exception {
        MockFilterChain chain = new MockFilterChain();
        call("GET", "/actuator/health/readiness", null, chain);

        assertThat(chain.getRequest()).isNotNull();
    }

    private MockHttpServletResponse call(String method, String path, String token, MockFilterChain chain)
            throws Exception {
        MockHttpServletRequest request = new MockHttpServletRequest(method, path);
        if (token != null) {
            request.addHeader("Authorization", "Bearer " + token);
        }
        MockHttpServletResponse response = new MockHttpServletResponse();
        filter.doFilter(request, response, chain);
        return response;
    }
}

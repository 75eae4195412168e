package io.strata.gateway.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.gateway.security.SecurityProperties.ApiToken;
import io.strata.gateway.security.TokenAuthenticator.Caller;
import java.util.List;
import org.junit.jupiter.api.Test;

class TokenAuthenticatorTest {

    @Test
    void findsTheCallerOfAKnownTokenAndIgnoresBlankOnes() {
        TokenAuthenticator tokens = new TokenAuthenticator(new SecurityProperties(List.of(
                new ApiToken("admin", Role.ADMIN, "a-token"),
                new ApiToken("viewer", Role.VIEWER, ""),
                new ApiToken("operator", Role.OPERATOR, "o-token"))));
        assertThat(tokens.authenticate("o-token")).contains(new Caller("operator", Role.OPERATOR));
        assertThat(tokens.authenticate("a-token")).contains(new Caller("admin", Role.ADMIN));
        assertThat(tokens.authenticate("")).isEmpty();
        assertThat(tokens.authenticate("a-toke")).isEmpty();
    }

    @Test
    void refusesToStartWithoutAnyToken() {
        assertThatThrownBy(() -> new TokenAuthenticator(new SecurityProperties(
                        List.of(new ApiToken("admin", Role.ADMIN, " "), new ApiToken("viewer", Role.VIEWER, null)))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("STRATA_ADMIN_TOKEN");
    }

    @Test
    void refusesOneTokenForTwoRoles() {
        assertThatThrownBy(() -> new TokenAuthenticator(new SecurityProperties(List.of(
                        new ApiToken("admin", Role.ADMIN, "same"), new ApiToken("viewer", Role.VIEWER, "same")))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("reuses");
    }

    @Test
    void strongerRolesIncludeWeakerOnes() {
        assertThat(Role.ADMIN.grantedAuthorities())
                .extracting(Object::toString)
                .containsExactlyInAnyOrder("ROLE_ADMIN", "ROLE_OPERATOR", "ROLE_VIEWER");
        assertThat(Role.VIEWER.grantedAuthorities())
                .extracting(Object::toString)
                .containsExactly("ROLE_VIEWER");
    }

    @Test
    void accessRulesGiveReadsToViewersBackupsToOperatorsAndTheRestToAdmins() {
        assertThat(ApiAccessRules.requiredRole("GET", "/api/v1/jobs/x")).isEqualTo(Role.VIEWER);
        assertThat(ApiAccessRules.requiredRole("POST", "/api/v1/backups")).isEqualTo(Role.OPERATOR);
        assertThat(ApiAccessRules.requiredRole("POST", "/api/v1/sources/shop/restore-points"))
                .isEqualTo(Role.OPERATOR);
        assertThat(ApiAccessRules.requiredRole("POST", "/api/v1/restores")).isEqualTo(Role.ADMIN);
        assertThat(ApiAccessRules.requiredRole("POST", "/api/v1/sources")).isEqualTo(Role.ADMIN);
        assertThat(ApiAccessRules.requiredRole("POST", "/api/v1/uploads")).isEqualTo(Role.ADMIN);
        assertThat(ApiAccessRules.requiredRole("DELETE", "/api/v1/backups/x")).isEqualTo(Role.ADMIN);
    }
}

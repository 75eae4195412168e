package io.strata.catalog.sources;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.catalog.web.InvalidRequestException.FieldProblem;
import io.strata.platform.catalog.CatalogApi.NewSource;
import org.junit.jupiter.api.Test;

class SourceValidatorTest {

    @Test
    void acceptsACompleteSource() {
        assertThat(SourceValidator.problems(new NewSource("shop", "db.local", 5432, "shop", "backup", "secret")))
                .isEmpty();
    }

    @Test
    void acceptsAMissingPasswordForTrustAuthentication() {
        assertThat(SourceValidator.problems(new NewSource("shop", "db.local", 5432, "shop", "backup", null)))
                .isEmpty();
    }

    @Test
    void namesEveryInvalidField() {
        assertThat(SourceValidator.problems(new NewSource("Shop/../x", " ", 70000, "", null, "p")))
                .extracting(FieldProblem::field)
                .containsExactly("name", "host", "port", "database", "username");
    }

    @Test
    void refusesPortZero() {
        assertThat(SourceValidator.problems(new NewSource("shop", "h", 0, "d", "u", "p")))
                .extracting(FieldProblem::field)
                .containsExactly("port");
    }
}

package io.strata.gateway.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.gateway.problem.FieldProblem;
import org.junit.jupiter.api.Test;

class RequestLimitsTest {

    @Test
    void plainQueriesPass() {
        assertThat(RequestLimits.controlCharacterInQuery(null)).isNull();
        assertThat(RequestLimits.controlCharacterInQuery("")).isNull();
        assertThat(RequestLimits.controlCharacterInQuery("source=shop&status=FAILED&limit=5"))
                .isNull();
        assertThat(RequestLimits.controlCharacterInQuery("since=2026-12-01T10%3A00%3A00Z&actor=ops%20team"))
                .isNull();
        assertThat(RequestLimits.controlCharacterInQuery("cascade")).isNull();
    }

    @Test
    void aControlCharacterAnywhereIsNamedWithoutBeingEchoed() {
        FieldProblem nul = RequestLimits.controlCharacterInQuery("source=shop&status=%00");
        assertThat(nul.field()).isEqualTo("status");
        assertThat(nul.message()).contains("U+0000 at position 1");

        assertThat(RequestLimits.controlCharacterInQuery("source=%0Ashop").message())
                .contains("U+000A");
        assertThat(RequestLimits.controlCharacterInQuery("sta%00tus=x").field()).isEqualTo("query");
        assertThat(RequestLimits.controlCharacterInQuery("limit=%E0%A4%A").message())
                .contains("percent-encoded");
    }
}

package io.strata.catalog.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.catalog.web.InvalidRequestException;
import io.strata.catalog.web.InvalidRequestException.FieldProblem;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class AuditFilterTest {

    @Test
    void noParametersMeanEverythingNewestFifty() {
        assertThat(AuditFilter.of(null, null, null)).isEqualTo(new AuditFilter(null, null, 50));
        assertThat(AuditFilter.of(" ", "", null)).isEqualTo(new AuditFilter(null, null, 50));
    }

    @Test
    void sinceIsRfc3339InAnyOffset() {
        assertThat(AuditFilter.of("2026-11-22T16:29:00+01:00", null, null).since())
                .isEqualTo(Instant.parse("2026-11-22T15:29:00Z"));
        assertThat(AuditFilter.of("2026-11-22T15:29:00.250Z", null, null).since())
                .isEqualTo(Instant.parse("2026-11-22T15:29:00.250Z"));
    }

    @Test
    void refusesSinceWithoutOffsetOrNotADate() {
        for (String since : new String[] {"2026-11-22T15:29:00", "2026-11-22", "yesterday", "1732289340"}) {
            assertThatThrownBy(() -> AuditFilter.of(since, null, null))
                    .as(since)
                    .isInstanceOfSatisfying(
                            InvalidRequestException.class,
                            e -> assertThat(e.errors())
                                    .extracting(FieldProblem::field)
                                    .containsExactly("since"));
        }
    }

    @Test
    void refusesAnActorTooLongOrWithControlCharacters() {
        assertThat(AuditFilter.of(null, "a".repeat(64), null).actor()).hasSize(64);
        for (String actor : new String[] {"a".repeat(65), "ad\nmin", "admin\u0000", "\u202eadmin"}) {
            assertThatThrownBy(() -> AuditFilter.of(null, actor, null))
                    .isInstanceOfSatisfying(
                            InvalidRequestException.class,
                            e -> assertThat(e.errors())
                                    .extracting(FieldProblem::field)
                                    .containsExactly("actor"));
        }
    }

    @Test
    void limitDefaultsTo50IsCappedAt500AndMustBePositive() {
        assertThat(AuditFilter.of(null, null, 10).limit()).isEqualTo(10);
        assertThat(AuditFilter.of(null, null, 5000).limit()).isEqualTo(500);
        assertThatThrownBy(() -> AuditFilter.of(null, null, 0))
                .isInstanceOfSatisfying(
                        InvalidRequestException.class,
                        e -> assertThat(e.errors())
                                .extracting(FieldProblem::field)
                                .containsExactly("limit"));
    }

    @Test
    void namesEveryBadParameterInOneAnswer() {
        assertThatThrownBy(() -> AuditFilter.of("soon", "x\ty", -1))
                .isInstanceOfSatisfying(
                        InvalidRequestException.class,
                        e -> assertThat(e.errors())
                                .extracting(FieldProblem::field)
                                .containsExactly("since", "actor", "limit"));
    }
}

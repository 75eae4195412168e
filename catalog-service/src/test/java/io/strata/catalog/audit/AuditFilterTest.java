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
        assertThat(AuditFilter.of(null, null, null, null)).isEqualTo(new AuditFilter(null, null, 50, null));
        assertThat(AuditFilter.of(" ", "", null, null)).isEqualTo(new AuditFilter(null, null, 50, null));
    }

    @Test
    void sinceIsRfc3339InAnyOffset() {
        assertThat(AuditFilter.of("2026-11-22T16:29:00+01:00", null, null, null).since())
                .isEqualTo(Instant.parse("2026-11-22T15:29:00Z"));
        assertThat(AuditFilter.of("2026-11-22T15:29:00.250Z", null, null, null).since())
                .isEqualTo(Instant.parse("2026-11-22T15:29:00.250Z"));
    }

    @Test
    void refusesSinceWithoutOffsetOrNotADate() {
        for (String since : new String[] {"2026-11-22T15:29:00", "2026-11-22", "yesterday", "1732289340"}) {
            assertThatThrownBy(() -> AuditFilter.of(since, null, null, null))
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
        assertThat(AuditFilter.of(null, "a".repeat(64), null, null).actor()).hasSize(64);
        for (String actor : new String[] {"a".repeat(65), "ad\nmin", "admin\u0000", "\u202eadmin"}) {
            assertThatThrownBy(() -> AuditFilter.of(null, actor, null, null))
                    .isInstanceOfSatisfying(
                            InvalidRequestException.class,
                            e -> assertThat(e.errors())
                                    .extracting(FieldProblem::field)
                                    .containsExactly("actor"));
        }
    }

    @Test
    void limitDefaultsTo50IsCappedAt500AndMustBePositive() {
        assertThat(AuditFilter.of(null, null, 10, null).limit()).isEqualTo(10);
        assertThat(AuditFilter.of(null, null, 5000, null).limit()).isEqualTo(500);
        assertThatThrownBy(() -> AuditFilter.of(null, null, 0, null))
                .isInstanceOfSatisfying(
                        InvalidRequestException.class,
                        e -> assertThat(e.errors())
                                .extracting(FieldProblem::field)
                                .containsExactly("limit"));
    }

    @Test
    void namesEveryBadParameterInOneAnswer() {
        assertThatThrownBy(() -> AuditFilter.of("soon", "x\ty", -1, null))
                .isInstanceOfSatisfying(
                        InvalidRequestException.class,
                        e -> assertThat(e.errors())
                                .extracting(FieldProblem::field)
                                .containsExactly("since", "actor", "limit"));
    }

    @Test
    void beforeIsTheAuditIdOfThePreviousPagesLastRecord() {
        java.util.UUID id = java.util.UUID.randomUUID();
        assertThat(AuditFilter.of(null, null, null, id.toString()).before()).isEqualTo(id);
        assertThat(AuditFilter.of(null, null, null, " ").before()).isNull();
        assertThatThrownBy(() -> AuditFilter.of(null, null, null, "page-2"))
                .isInstanceOfSatisfying(
                        InvalidRequestException.class,
                        e -> assertThat(e.errors())
                                .extracting(FieldProblem::field)
                                .containsExactly("before"));
    }
}

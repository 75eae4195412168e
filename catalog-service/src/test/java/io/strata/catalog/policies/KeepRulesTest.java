package io.strata.catalog.policies;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.catalog.policies.KeepRules.Dated;
import io.strata.platform.catalog.PolicyApi.RetentionRules;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * restic's rules against restic's own documented example (doc/060_forget.rst: eleven snapshots from Monday
 * 2025-04-21 to Friday 2025-05-02, none on the 30th) and a few more cases of the same series.
 */
class KeepRulesTest {
    private static final ZoneId ZONE = ZoneOffset.UTC;
    /** restic's example, by the time of each snapshot (its ids in the doc are partly misprinted). */
    private static final List<String> SERIES = List.of(
            "2025-04-21T11:00",
            "2025-04-22T11:00",
            "2025-04-23T11:00",
            "2025-04-24T11:00",
            "2025-04-25T11:00",
            "2025-04-25T23:00",
            "2025-04-28T11:00",
            "2025-04-29T11:00",
            "2025-05-01T11:00",
            "2025-05-02T11:00",
            "2025-05-02T23:00");

    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of(
                        "restic doc: --keep-daily 5",
                        rules(null, 5, null, null, null, null),
                        Map.of(
                                "2025-05-02T23:00", List.of("daily snapshot"),
                                "2025-05-01T11:00", List.of("daily snapshot"),
                                "2025-04-29T11:00", List.of("daily snapshot"),
                                "2025-04-28T11:00", List.of("daily snapshot"),
                                "2025-04-25T23:00", List.of("daily snapshot"))),
                Arguments.of(
                        "--keep-weekly 5: the oldest is kept too, its week already kept and count left",
                        rules(null, null, 5, null, null, null),
                        Map.of(
                                "2025-05-02T23:00", List.of("weekly snapshot"),
                                "2025-04-25T23:00", List.of("weekly snapshot"),
                                "2025-04-21T11:00", List.of("oldest weekly snapshot"))),
                Arguments.of(
                        "--keep-last 2 --keep-monthly 2",
                        rules(2, null, null, 2, null, null),
                        Map.of(
                                "2025-05-02T23:00", List.of("last snapshot", "monthly snapshot"),
                                "2025-05-02T11:00", List.of("last snapshot"),
                                "2025-04-29T11:00", List.of("monthly snapshot"))),
                Arguments.of(
                        "--keep-within 7d: strictly after the newest minus 7 days (04-25 23:00 is not)",
                        rules(null, null, null, null, null, 7),
                        Map.of(
                                "2025-05-02T23:00", List.of("within 7d"),
                                "2025-05-02T11:00", List.of("within 7d"),
                                "2025-05-01T11:00", List.of("within 7d"),
                                "2025-04-29T11:00", List.of("within 7d"),
                                "2025-04-28T11:00", List.of("within 7d"))),
                Arguments.of(
                        "--keep-yearly 3: one year has backups, so its newest, then the oldest",
                        rules(null, null, null, null, 3, null),
                        Map.of(
                                "2025-05-02T23:00", List.of("yearly snapshot"),
                                "2025-04-21T11:00", List.of("oldest yearly snapshot"))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void keepsWhatResticKeeps(String name, RetentionRules rules, Map<String, List<String>> expected) {
        List<Dated> series = SERIES.stream()
                .map(t -> new Dated(t, LocalDateTime.parse(t).toInstant(ZoneOffset.UTC)))
                .toList();

        Map<String, List<String>> reasons = KeepRules.apply(series, rules, ZONE);

        Map<String, List<String>> kept = new java.util.TreeMap<>();
        reasons.forEach((id, why) -> {
            if (!why.isEmpty()) {
                kept.put(id, why);
            }
        });
        assertThat(kept).isEqualTo(new java.util.TreeMap<>(expected));
        assertThat(reasons).hasSize(SERIES.size());
    }

    private static RetentionRules rules(
            Integer last, Integer daily, Integer weekly, Integer monthly, Integer yearly, Integer withinDays) {
        return new RetentionRules(last, daily, weekly, monthly, yearly, withinDays, null);
    }
}

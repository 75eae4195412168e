package io.strata.catalog.policies;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.catalog.policies.RetentionPlanner.Candidate;
import io.strata.catalog.policies.RetentionPlanner.Drop;
import io.strata.catalog.policies.RetentionPlanner.Keep;
import io.strata.catalog.policies.RetentionPlanner.Plan;
import io.strata.common.model.BackupKind;
import io.strata.platform.catalog.PolicyApi.RetentionRules;
import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Retention over a synthetic history a policy of the issue produces: FULL on the 1st, DIFFERENTIAL on Sundays,
 * INCREMENTAL every other day, all at 23:00 in Madrid, from January to mid-April 2026 (across the spring-forward
 * night of 29 March), plus a daily logical series.
 */
class RetentionPlannerTest {
    private static final ZoneId MADRID = ZoneId.of("Europe/Madrid");
    private static final Instant NOW = Instant.parse("2026-04-16T10:00:00Z");

    private final Map<String, Candidate> physical = new HashMap<>();
    private final List<Candidate> all = history();

    @Test
    void gfsRulesKeepTheirBackupsAndEveryParentOfAKeptOneAndDeleteTheRest() {
        Plan plan = RetentionPlanner.plan(all, new RetentionRules(null, 7, 4, 3, null, null, null), MADRID, NOW);

        Map<String, List<String>> kept = plan.keep().stream().collect(Collectors.toMap(Keep::backupId, Keep::reasons));
        Set<String> deleted = plan.delete().stream().map(Drop::backupId).collect(Collectors.toSet());
        assertThat(kept.size() + deleted.size()).isEqualTo(all.size());

        // the newest seven days of each series, by daily rule
        for (int day = 9; day <= 15; day++) {
            assertThat(kept.get(id(BackupKind.PHYSICAL, LocalDate.of(2026, 4, day))))
                    .contains("daily snapshot");
            assertThat(kept.get(id(BackupKind.LOGICAL, LocalDate.of(2026, 4, day))))
                    .contains("daily snapshot");
        }
        // March's newest (the 31st, an INCREMENTAL) by the monthly rule, and its chain back to March's FULL
        String march31 = id(BackupKind.PHYSICAL, LocalDate.of(2026, 3, 31));
        assertThat(kept.get(march31)).contains("monthly snapshot");
        assertThat(kept.get(id(BackupKind.PHYSICAL, LocalDate.of(2026, 3, 30))))
                .containsExactly("parent of " + march31);
        assertThat(kept.get(id(BackupKind.PHYSICAL, LocalDate.of(2026, 3, 29)))) // Sunday: the DIFFERENTIAL
                .containsExactly("weekly snapshot", "parent of " + id(BackupKind.PHYSICAL, LocalDate.of(2026, 3, 30)));
        assertThat(kept.get(id(BackupKind.PHYSICAL, LocalDate.of(2026, 3, 1))))
                .containsExactly("parent of " + id(BackupKind.PHYSICAL, LocalDate.of(2026, 3, 29)));
        // never a kept backup without its parent
        for (String id : kept.keySet()) {
            Candidate c = physical.get(id);
            if (c != null && c.parentBackupId() != null) {
                assertThat(kept).as("the parent of kept " + id).containsKey(c.parentBackupId());
            }
        }
        // January is beyond every rule: its FULL goes with the rest of it
        assertThat(deleted).contains(id(BackupKind.PHYSICAL, LocalDate.of(2026, 1, 1)));
        assertThat(kept.keySet()).noneMatch(id -> id.contains("2026-01-"));
        assertThat(plan.delete()).allSatisfy(d -> assertThat(d.bytes()).isPositive());
    }

    @Test
    void aRecoveryWindowKeepsItsBaseAndEveryPhysicalBackupSince() {
        Plan plan = RetentionPlanner.plan(all, new RetentionRules(1, null, null, null, null, null, 7), MADRID, NOW);

        Map<String, List<String>> kept = plan.keep().stream().collect(Collectors.toMap(Keep::backupId, Keep::reasons));
        // window starts 2026-04-09T10:00Z: the newest backup finished by then is that of the 8th at 23:00
        assertThat(kept.get(id(BackupKind.PHYSICAL, LocalDate.of(2026, 4, 8))))
                .contains("base of the 7-day recovery window");
        for (int day = 9; day <= 15; day++) {
            assertThat(kept.get(id(BackupKind.PHYSICAL, LocalDate.of(2026, 4, day))))
                    .contains("inside the 7-day recovery window");
        }
        assertThat(plan.walCutoff()).isEqualTo(NOW.minus(Duration.ofDays(7)));
        assertThat(RetentionPlanner.plan(all, new RetentionRules(1, null, null, null, null, null, null), MADRID, NOW)
                        .walCutoff())
                .as("no window set: no WAL goes")
                .isNull();
        // the logical series has no window: its newest only (keepLast 1)
        assertThat(plan.keptIds(BackupKind.LOGICAL)).containsExactly(id(BackupKind.LOGICAL, LocalDate.of(2026, 4, 15)));
        assertThat(kept.get(id(BackupKind.PHYSICAL, LocalDate.of(2026, 4, 1)))).isNotNull(); // the FULL under them
    }

    @Test
    void withoutKeepRulesNothingIsDeleted() {
        Plan plan = RetentionPlanner.plan(all, new RetentionRules(0, 0, null, null, null, 0, 3), MADRID, NOW);

        assertThat(plan.delete()).isEmpty();
        assertThat(plan.keep())
                .hasSize(all.size())
                .allSatisfy(k -> assertThat(k.reasons()).contains("no keep rules in the policy"));
        assertThat(RetentionPlanner.plan(all, null, MADRID, NOW).delete()).isEmpty();
    }

    private List<Candidate> history() {
        List<Candidate> backups = new ArrayList<>();
        String newestFull = null;
        String previous = null;
        for (LocalDate day = LocalDate.of(2026, 1, 1); day.isBefore(LocalDate.of(2026, 4, 16)); day = day.plusDays(1)) {
            Instant at = day.atTime(23, 0).atZone(MADRID).toInstant();
            String id = id(BackupKind.PHYSICAL, day);
            String parent;
            if (day.getDayOfMonth() == 1) {
                parent = null;
                newestFull = id;
            } else if (day.getDayOfWeek() == DayOfWeek.SUNDAY) {
                parent = newestFull;
            } else {
                parent = previous;
            }
            Candidate c = new Candidate(
                    id, BackupKind.PHYSICAL, parent, at, at.plus(Duration.ofMinutes(5)), parent == null ? 1_000 : 10);
            physical.put(id, c);
            backups.add(c);
            previous = id;
            Instant logicalAt = day.atTime(1, 0).atZone(MADRID).toInstant();
            backups.add(new Candidate(
                    id(BackupKind.LOGICAL, day), BackupKind.LOGICAL, null, logicalAt, logicalAt.plusSeconds(60), 100));
        }
        return backups;
    }

    private static String id(BackupKind kind, LocalDate day) {
        return kind + "-" + day;
    }
}

package io.strata.platform.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.common.model.BackupKind;
import io.strata.common.model.BackupType;
import io.strata.platform.catalog.PolicyApi.BackupPolicy;
import io.strata.platform.catalog.PolicyApi.PolicySchedule;
import io.strata.platform.catalog.PolicyApi.RetentionRules;
import io.strata.platform.catalog.PolicyApi.VerifyPolicy;
import io.strata.platform.policy.PolicyRules.Problem;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PolicyRulesTest {

    @Test
    void theIssuesExamplePolicyIsAccepted() {
        BackupPolicy policy = new BackupPolicy(
                List.of(
                        new PolicySchedule(BackupKind.PHYSICAL, BackupType.FULL, "0 0 1 * *"),
                        new PolicySchedule(BackupKind.PHYSICAL, BackupType.DIFFERENTIAL, "30 23 * * 0"),
                        new PolicySchedule(BackupKind.PHYSICAL, BackupType.INCREMENTAL, "0 23 * * *")),
                "Europe/Madrid",
                new RetentionRules(3, 7, 4, 6, 0, 0, 7),
                new VerifyPolicy("0 1 * * *", "0 3 * * 6"),
                24);

        assertThat(PolicyRules.check(policy)).isEmpty();
    }

    @Test
    void anEmptyPolicyIsAcceptedAndGetsItsDefaults() {
        BackupPolicy empty = new BackupPolicy(null, null, null, null, null);

        assertThat(PolicyRules.check(empty)).isEmpty();
        assertThat(PolicyRules.withDefaults(empty).zone()).isEqualTo("UTC");
        BackupPolicy defaults = PolicyRules.withDefaults(
                new BackupPolicy(List.of(new PolicySchedule(null, null, " @daily ")), null, null, null, null));
        assertThat(defaults.schedules())
                .containsExactly(new PolicySchedule(BackupKind.LOGICAL, BackupType.FULL, "@daily"));
    }

    @Test
    void everyBadFieldIsNamed() {
        List<PolicySchedule> schedules = new ArrayList<>();
        schedules.add(new PolicySchedule(BackupKind.LOGICAL, BackupType.FULL, "0 0 * *"));
        schedules.add(null);
        schedules.add(new PolicySchedule(BackupKind.PHYSICAL, BackupType.FULL, null));
        schedules.add(new PolicySchedule(BackupKind.LOGICAL, BackupType.FULL, "@daily"));
        schedules.add(new PolicySchedule(null, null, "@daily"));
        BackupPolicy bad = new BackupPolicy(
                schedules,
                "Mars/Olympus",
                new RetentionRules(-1, 100_001, 0, null, null, 3_651, -5),
                new VerifyPolicy("@often", "0 0 31 2 *"),
                0);

        assertThat(PolicyRules.check(bad))
                .extracting(Problem::field)
                .containsExactlyInAnyOrder(
                        "schedules[0].cron",
                        "schedules[1]",
                        "schedules[2].cron",
                        "schedules[4]", // the same as schedules[3] once its defaults are written out
                        "zone",
                        "retention.keepLast",
                        "retention.keepDaily",
                        "retention.keepWithinDays",
                        "retention.recoveryWindowDays",
                        "verify.cron",
                        "verify.restoreDrillCron",
                        "staleAfterHours");
        assertThat(PolicyRules.check(bad)).noneMatch(Problem::unprocessable);
    }

    @Test
    void aLogicalScheduleThatIsNotFullIsUnprocessableNotMalformed() {
        BackupPolicy policy = new BackupPolicy(
                List.of(new PolicySchedule(BackupKind.LOGICAL, BackupType.INCREMENTAL, "@daily")),
                null,
                null,
                null,
                null);

        assertThat(PolicyRules.check(policy)).singleElement().satisfies(p -> {
            assertThat(p.field()).isEqualTo("schedules[0].type");
            assertThat(p.unprocessable()).isTrue();
            assertThat(p.message()).contains("PHYSICAL");
        });
    }

    @Test
    void tooManySchedulesAreRefused() {
        List<PolicySchedule> many = new ArrayList<>();
        for (int i = 0; i <= PolicyRules.MAX_SCHEDULES; i++) {
            many.add(new PolicySchedule(BackupKind.LOGICAL, BackupType.FULL, i + " * * * *"));
        }
        assertThat(PolicyRules.check(new BackupPolicy(many, null, null, null, null)))
                .extracting(Problem::field)
                .containsExactly("schedules");
    }
}

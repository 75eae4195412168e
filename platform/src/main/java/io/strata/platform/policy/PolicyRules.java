package io.strata.platform.policy;

import io.strata.common.model.BackupKind;
import io.strata.common.model.BackupType;
import io.strata.platform.catalog.PolicyApi.BackupPolicy;
import io.strata.platform.catalog.PolicyApi.PolicySchedule;
import io.strata.platform.catalog.PolicyApi.RetentionRules;
import io.strata.platform.catalog.PolicyApi.VerifyPolicy;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What makes a backup policy acceptable, checked where it enters (the gateway) and again where it is kept
 * (the catalog): each problem names its field ({@code schedules[1].cron}, {@code retention.keepDaily}).
 */
public final class PolicyRules {
    public static final int MAX_SCHEDULES = 20;
    public static final int MAX_KEEP = 100_000;
    public static final int MAX_RECOVERY_WINDOW_DAYS = 3_650;
    public static final int MAX_STALE_AFTER_HOURS = 8_760;
    private static final int MAX_ZONE_LENGTH = 64;

    private PolicyRules() {}

    /**
     * A problem with one field. {@code unprocessable}: the policy is well-formed but asks for what Strata
     * cannot do (a 422, not a 400).
     */
    public record Problem(String field, String message, boolean unprocessable) {
        static Problem bad(String field, String message) {
            return new Problem(field, message, false);
        }
    }

    /** Every problem of {@code policy}; none means it may be stored. */
    public static List<Problem> check(BackupPolicy policy) {
        List<Problem> problems = new ArrayList<>();
        if (policy == null) {
            problems.add(Problem.bad(
                    "body",
                    "send a JSON policy: schedules, zone, retention, verify, staleAfterHours (each may be left out)"));
            return problems;
        }
        checkSchedules(policy.schedulesOrEmpty(), problems);
        checkZone(policy.zone(), problems);
        checkRetention(policy.retention(), problems);
        checkVerify(policy.verify(), problems);
        Integer stale = policy.staleAfterHours();
        if (stale != null && (stale < 1 || stale > MAX_STALE_AFTER_HOURS)) {
            problems.add(Problem.bad(
                    "staleAfterHours", "must be between 1 and " + MAX_STALE_AFTER_HOURS + " hours, or left out"));
        }
        return problems;
    }

    /** {@code policy} with its defaults written out: zone UTC, a schedule's kind LOGICAL and type FULL. */
    public static BackupPolicy withDefaults(BackupPolicy policy) {
        List<PolicySchedule> schedules = policy.schedulesOrEmpty().stream()
                .map(s -> new PolicySchedule(
                        s.kind() == null ? BackupKind.LOGICAL : s.kind(),
                        s.type() == null ? BackupType.FULL : s.type(),
                        s.cron().strip()))
                .toList();
        return new BackupPolicy(
                schedules, policy.zoneOrDefault(), policy.retention(), policy.verify(), policy.staleAfterHours());
    }

    private static void checkSchedules(List<PolicySchedule> schedules, List<Problem> problems) {
        if (schedules.size() > MAX_SCHEDULES) {
            problems.add(Problem.bad("schedules", "must have at most " + MAX_SCHEDULES + " entries"));
            return;
        }
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < schedules.size(); i++) {
            String field = "schedules[" + i + "]";
            PolicySchedule schedule = schedules.get(i);
            if (schedule == null) {
                problems.add(Problem.bad(field, "must be an object with kind, type and cron"));
                continue;
            }
            checkCron(field + ".cron", schedule.cron(), true, problems);
            BackupKind kind = schedule.kind() == null ? BackupKind.LOGICAL : schedule.kind();
            BackupType type = schedule.type() == null ? BackupType.FULL : schedule.type();
            if (kind == BackupKind.LOGICAL && type != BackupType.FULL) {
                problems.add(new Problem(
                        field + ".type",
                        "logical backups are always FULL; DIFFERENTIAL/INCREMENTAL schedules need kind PHYSICAL",
                        true));
            }
            if (schedule.cron() != null
                    && !seen.add(kind + " " + type + " " + schedule.cron().strip())) {
                problems.add(Problem.bad(field, "repeats an earlier schedule (same kind, type and cron)"));
            }
        }
    }

    private static void checkZone(String zone, List<Problem> problems) {
        if (zone == null) {
            return;
        }
        String rule = "must be a time zone such as Europe/Madrid or UTC";
        if (zone.isBlank() || zone.length() > MAX_ZONE_LENGTH) {
            problems.add(Problem.bad("zone", rule));
            return;
        }
        try {
            ZoneId.of(zone);
        } catch (DateTimeException e) {
            problems.add(Problem.bad("zone", "'" + zone + "' is not a known zone; " + rule));
        }
    }

    private static void checkRetention(RetentionRules retention, List<Problem> problems) {
        if (retention == null) {
            return;
        }
        count("retention.keepLast", retention.keepLast(), MAX_KEEP, problems);
        count("retention.keepDaily", retention.keepDaily(), MAX_KEEP, problems);
        count("retention.keepWeekly", retention.keepWeekly(), MAX_KEEP, problems);
        count("retention.keepMonthly", retention.keepMonthly(), MAX_KEEP, problems);
        count("retention.keepYearly", retention.keepYearly(), MAX_KEEP, problems);
        count("retention.keepWithinDays", retention.keepWithinDays(), MAX_RECOVERY_WINDOW_DAYS, problems);
        count("retention.recoveryWindowDays", retention.recoveryWindowDays(), MAX_RECOVERY_WINDOW_DAYS, problems);
    }

    private static void count(String field, Integer value, int max, List<Problem> problems) {
        if (value != null && (value < 0 || value > max)) {
            problems.add(Problem.bad(field, "must be between 0 and " + max + ", or left out"));
        }
    }

    private static void checkVerify(VerifyPolicy verify, List<Problem> problems) {
        if (verify == null) {
            return;
        }
        checkCron("verify.cron", verify.cron(), false, problems);
        checkCron("verify.restoreDrillCron", verify.restoreDrillCron(), false, problems);
    }

    private static void checkCron(String field, String cron, boolean required, List<Problem> problems) {
        if (cron == null) {
            if (required) {
                problems.add(Problem.bad(field, "is required; " + CronSchedule.RULE));
            }
            return;
        }
        try {
            CronSchedule.parse(cron);
        } catch (IllegalArgumentException e) {
            problems.add(Problem.bad(field, e.getMessage()));
        }
    }
}

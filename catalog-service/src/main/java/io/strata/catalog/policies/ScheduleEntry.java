package io.strata.catalog.policies;

import io.strata.common.model.BackupKind;
import io.strata.common.model.BackupType;
import io.strata.platform.catalog.PolicyApi.BackupPolicy;
import io.strata.platform.catalog.PolicyApi.PolicySchedule;
import io.strata.platform.catalog.PolicyApi.ScheduledJob;
import io.strata.platform.catalog.PolicyApi.VerifyPolicy;
import io.strata.platform.policy.CronSchedule;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

/**
 * One schedule of a policy: what it runs ({@code job}, and for a backup its kind and type) and when. Its
 * {@code key} names it for as long as what and when stay the same, so a policy set again with the same
 * schedule keeps that schedule's history.
 */
record ScheduleEntry(String key, ScheduledJob job, BackupKind kind, BackupType type, String cron, ZoneId zone) {

    CronSchedule schedule() {
        return CronSchedule.parse(cron);
    }

    /** The schedules of a checked policy (defaults written out): its backups, then verify and drill. */
    static List<ScheduleEntry> of(BackupPolicy policy) {
        ZoneId zone = ZoneId.of(policy.zoneOrDefault());
        List<ScheduleEntry> entries = new ArrayList<>();
        for (PolicySchedule s : policy.schedulesOrEmpty()) {
            entries.add(new ScheduleEntry(
                    "BACKUP " + s.kind() + " " + s.type() + " " + s.cron(),
                    ScheduledJob.BACKUP,
                    s.kind(),
                    s.type(),
                    s.cron(),
                    zone));
        }
        VerifyPolicy verify = policy.verify();
        if (verify != null && verify.cron() != null) {
            entries.add(new ScheduleEntry(
                    "VERIFY " + verify.cron().strip(),
                    ScheduledJob.VERIFY,
                    null,
                    null,
                    verify.cron().strip(),
                    zone));
        }
        if (verify != null && verify.restoreDrillCron() != null) {
            String cron = verify.restoreDrillCron().strip();
            entries.add(new ScheduleEntry("RESTORE_DRILL " + cron, ScheduledJob.RESTORE_DRILL, null, null, cron, zone));
        }
        return entries;
    }
}

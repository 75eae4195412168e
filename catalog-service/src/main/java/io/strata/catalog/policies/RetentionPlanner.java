package io.strata.catalog.policies;

import io.strata.catalog.policies.KeepRules.Dated;
import io.strata.common.model.BackupKind;
import io.strata.platform.catalog.PolicyApi.RetentionRules;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Which backups a source's retention rules keep and which they delete, and from when its WAL may go: restic's
 * rules ({@link KeepRules}) over each series (physical and logical apart), and beyond restic, chain- and
 * WAL-aware for physical backups:
 *
 * <ul>
 *   <li>a FULL or DIFFERENTIAL that a kept backup depends on is kept ("parent of ...");
 *   <li>with {@code recoveryWindowDays} = W, the newest physical backup finished W days or more ago is kept
 *       as the window's base, and so is every physical backup finished since: point-in-time restore to any
 *       second of the last W days stays possible, from the nearest backup. The WAL planner then keeps every
 *       segment from the base's start on, each kept backup's own WAL, and the WAL from a kept backup to each
 *       restore point after it.
 * </ul>
 *
 * Without any keep rule nothing is deleted (a policy that forgot its rules must not empty the archive).
 * Pure: the caller gathers the backups and acts on the plan.
 */
final class RetentionPlanner {
    private RetentionPlanner() {}

    /** A backup retention may keep or delete: succeeded, not deleted, and (physical) usable. */
    record Candidate(
            String backupId,
            BackupKind kind,
            String parentBackupId,
            Instant startedAt,
            Instant finishedAt,
            long storedBytes) {}

    record Keep(String backupId, BackupKind kind, List<String> reasons) {}

    record Drop(String backupId, BackupKind kind, long bytes) {}

    /**
     * What to keep (newest first, each with why), what to delete (newest first), and the WAL cutoff: WAL
     * archived before it and needed by no kept backup or restore point may go. Null when the rules set no
     * recovery window: then retention deletes no WAL at all (point-in-time restore between old backups is
     * only given up when the user says for how long it is wanted).
     */
    record Plan(List<Keep> keep, List<Drop> delete, Instant walCutoff) {
        List<String> keptIds(BackupKind kind) {
            return keep.stream()
                    .filter(k -> k.kind() == kind)
                    .map(Keep::backupId)
                    .toList();
        }
    }

    static Plan plan(List<Candidate> candidates, RetentionRules rules, ZoneId zone, Instant now) {
        Map<String, Candidate> byId = new LinkedHashMap<>();
        candidates.stream()
                .sorted(Comparator.comparing(Candidate::startedAt).reversed())
                .forEach(c -> byId.put(c.backupId(), c));
        Map<String, List<String>> reasons = new LinkedHashMap<>();
        byId.keySet().forEach(id -> reasons.put(id, new ArrayList<>()));
        int windowDays = rules == null || rules.recoveryWindowDays() == null ? 0 : rules.recoveryWindowDays();
        Instant windowStart = now.minus(Duration.ofDays(windowDays));
        if (!KeepRules.any(rules)) {
            reasons.values().forEach(r -> r.add("no keep rules in the policy"));
        } else {
            for (BackupKind kind : BackupKind.values()) {
                List<Dated> series = byId.values().stream()
                        .filter(c -> c.kind() == kind)
                        .map(c -> new Dated(c.backupId(), c.startedAt()))
                        .toList();
                KeepRules.apply(series, rules, zone)
                        .forEach((id, why) -> reasons.get(id).addAll(why));
            }
        }
        if (windowDays > 0) {
            keepRecoveryWindow(byId, reasons, windowDays, windowStart);
        }
        keepParents(byId, reasons);
        List<Keep> keep = new ArrayList<>();
        List<Drop> delete = new ArrayList<>();
        byId.values().forEach(c -> {
            List<String> why = reasons.get(c.backupId());
            if (why.isEmpty()) {
                delete.add(new Drop(c.backupId(), c.kind(), c.storedBytes()));
            } else {
                keep.add(new Keep(c.backupId(), c.kind(), List.copyOf(why)));
            }
        });
        boolean windowSet = rules != null && rules.recoveryWindowDays() != null;
        return new Plan(keep, delete, windowSet ? windowStart : null);
    }

    private static void keepRecoveryWindow(
            Map<String, Candidate> byId, Map<String, List<String>> reasons, int days, Instant windowStart) {
        List<Candidate> physical = byId.values().stream()
                .filter(c -> c.kind() == BackupKind.PHYSICAL)
                .toList();
        physical.stream()
                .filter(c -> !c.finishedAt().isAfter(windowStart))
                .max(Comparator.comparing(Candidate::finishedAt))
                .ifPresent(base -> reasons.get(base.backupId()).add("base of the " + days + "-day recovery window"));
        physical.stream()
                .filter(c -> c.finishedAt().isAfter(windowStart))
                .forEach(c -> reasons.get(c.backupId()).add("inside the " + days + "-day recovery window"));
    }

    /** Every ancestor of a kept backup is kept, naming the newest kept backup that needs it. */
    private static void keepParents(Map<String, Candidate> byId, Map<String, List<String>> reasons) {
        for (Candidate kept : byId.values()) { // newest first
            if (reasons.get(kept.backupId()).isEmpty()) {
                continue;
            }
            Candidate child = kept;
            while (child.parentBackupId() != null && byId.containsKey(child.parentBackupId())) {
                Candidate parent = byId.get(child.parentBackupId());
                List<String> why = reasons.get(parent.backupId());
                String reason = "parent of " + child.backupId();
                if (!why.contains(reason)) {
                    why.add(reason);
                }
                child = parent;
            }
        }
    }
}

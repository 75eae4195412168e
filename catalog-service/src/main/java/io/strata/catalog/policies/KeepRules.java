package io.strata.catalog.policies;

import io.strata.platform.catalog.PolicyApi.RetentionRules;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.IsoFields;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * restic's {@code forget --keep-*} rules over one series of backups, with restic's semantics and reason
 * texts: backups are taken newest first; {@code keepLast} keeps the newest N; {@code keepDaily} (weekly,
 * monthly, yearly) keeps the newest backup of each of the newest N calendar days (ISO weeks, months, years)
 * that have backups, in the policy's zone; {@code keepWithinDays} keeps every backup taken less than N days
 * before the newest one. When a rule still has count left at the oldest backup, and that backup falls in a
 * period the rule already kept one of, it is kept too ("oldest ... snapshot"), so a series shorter than the
 * rules asks for keeps its beginning. A backup is kept when any rule keeps it; each rule that does is named.
 */
final class KeepRules {
    private KeepRules() {}

    /** A backup of the series and the time its rules look at (when it was taken). */
    record Dated(String id, Instant time) {}

    private record Bucket(String name, int count, ToLongFunction<ZonedDateTime> key) {}

    /** Whether {@code rules} keep anything at all; without any, retention deletes nothing. */
    static boolean any(RetentionRules rules) {
        return rules != null
                && (positive(rules.keepLast())
                        || positive(rules.keepDaily())
                        || positive(rules.keepWeekly())
                        || positive(rules.keepMonthly())
                        || positive(rules.keepYearly())
                        || positive(rules.keepWithinDays()));
    }

    /** The reasons each backup of {@code series} is kept for (none: deleted), by id, newest first. */
    static Map<String, List<String>> apply(List<Dated> series, RetentionRules rules, ZoneId zone) {
        List<Dated> newestFirst = series.stream()
                .sorted(Comparator.comparing(Dated::time).reversed())
                .toList();
        Map<String, List<String>> reasons = new LinkedHashMap<>();
        if (newestFirst.isEmpty()) {
            return reasons;
        }
        List<Bucket> buckets = buckets(rules);
        int[] left = buckets.stream().mapToInt(Bucket::count).toArray();
        long[] lastKey = new long[buckets.size()];
        java.util.Arrays.fill(lastKey, Long.MIN_VALUE);
        Integer withinDays = rules.keepWithinDays();
        Instant withinAfter = positive(withinDays)
                ? ZonedDateTime.ofInstant(newestFirst.getFirst().time(), zone)
                        .minusDays(withinDays)
                        .toInstant()
                : null;
        for (int nr = 0; nr < newestFirst.size(); nr++) {
            Dated backup = newestFirst.get(nr);
            ZonedDateTime local = ZonedDateTime.ofInstant(backup.time(), zone);
            List<String> why = new ArrayList<>();
            if (withinAfter != null && backup.time().isAfter(withinAfter)) {
                why.add("within " + withinDays + "d");
            }
            for (int b = 0; b < buckets.size(); b++) {
                if (left[b] <= 0) {
                    continue;
                }
                long key = b == 0 ? nr : buckets.get(b).key().applyAsLong(local);
                if (key != lastKey[b]) {
                    why.add(buckets.get(b).name() + " snapshot");
                } else if (nr == newestFirst.size() - 1) {
                    why.add("oldest " + buckets.get(b).name() + " snapshot");
                } else {
                    continue;
                }
                lastKey[b] = key;
                left[b]--;
            }
            reasons.put(backup.id(), why);
        }
        return reasons;
    }

    /** The count rules in restic's order; {@code last} first, keyed by position (every backup its own). */
    private static List<Bucket> buckets(RetentionRules rules) {
        return List.of(
                new Bucket("last", count(rules.keepLast()), t -> 0),
                new Bucket(
                        "daily",
                        count(rules.keepDaily()),
                        t -> t.getYear() * 10_000L + t.getMonthValue() * 100L + t.getDayOfMonth()),
                new Bucket(
                        "weekly",
                        count(rules.keepWeekly()),
                        t -> t.get(IsoFields.WEEK_BASED_YEAR) * 100L + t.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR)),
                new Bucket("monthly", count(rules.keepMonthly()), t -> t.getYear() * 100L + t.getMonthValue()),
                new Bucket("yearly", count(rules.keepYearly()), t -> t.getYear()));
    }

    private static int count(Integer value) {
        return value == null ? 0 : value;
    }

    private static boolean positive(Integer value) {
        return value != null && value > 0;
    }
}

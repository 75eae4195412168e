package io.strata.platform.policy;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.zone.ZoneOffsetTransition;
import java.time.zone.ZoneRules;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.springframework.scheduling.support.CronExpression;

/**
 * A standard 5-field cron schedule (minute, hour, day of month, month, day of week), or one of
 * {@code @hourly}, {@code @daily}, {@code @weekly}, {@code @monthly}, {@code @yearly}, evaluated on a zone's
 * wall clock. Matching is Spring's {@link CronExpression}, with cron's own rule added: when both the day of
 * month and the day of week are restricted, a day matching either fires (Vixie cron's rule; Spring would ask
 * for both).
 *
 * <p>Daylight saving: slots are wall-clock times, each fired once. A slot inside a spring-forward gap (02:30
 * on the day 02:00 jumps to 03:00) fires at the moment the gap ends, once however many slots fell into it;
 * a slot inside a fall-back overlap (01:30 on the day 02:00 goes back to 01:00) fires once, at its first
 * occurrence.
 */
public final class CronSchedule {
    /** The shorthands, as Vixie cron defines them. */
    public static final Map<String, String> MACROS = Map.of(
            "@hourly", "0 * * * *",
            "@daily", "0 0 * * *",
            "@midnight", "0 0 * * *",
            "@weekly", "0 0 * * 0",
            "@monthly", "0 0 1 * *",
            "@yearly", "0 0 1 1 *",
            "@annually", "0 0 1 1 *");

    public static final String RULE =
            "must be 5 fields (minute hour day-of-month month day-of-week, e.g. \"0 23 * * *\")"
                    + " or one of @hourly, @daily, @weekly, @monthly, @yearly";

    private static final int MAX_LENGTH = 200;

    private final String text;
    private final List<CronExpression> alternatives;

    private CronSchedule(String text, List<CronExpression> alternatives) {
        this.text = text;
        this.alternatives = alternatives;
    }

    /** One wall-clock slot of a schedule and the instant it fires at in its zone. */
    public record Slot(LocalDateTime wallClock, Instant at) {}

    /**
     * Parses {@code text}; throws {@link IllegalArgumentException} saying what is wrong (the number of
     * fields, a value out of range, a schedule that never fires).
     */
    public static CronSchedule parse(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException(RULE);
        }
        if (text.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("is longer than " + MAX_LENGTH + " characters; " + RULE);
        }
        String trimmed = text.strip();
        String expanded = trimmed.startsWith("@") ? MACROS.get(trimmed.toLowerCase(Locale.ROOT)) : trimmed;
        if (expanded == null) {
            throw new IllegalArgumentException("'" + trimmed + "' is not a known shorthand; " + RULE);
        }
        String[] fields = expanded.split("\\s+");
        if (fields.length != 5) {
            throw new IllegalArgumentException("has " + fields.length + " fields; " + RULE);
        }
        List<CronExpression> alternatives = new ArrayList<>();
        try {
            if (restricted(fields[2]) && restricted(fields[4])) {
                alternatives.add(expression(fields, fields[2], "*"));
                alternatives.add(expression(fields, "*", fields[4]));
            } else {
                alternatives.add(expression(fields, fields[2], fields[4]));
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + trimmed + "' is not valid: " + e.getMessage() + "; " + RULE, e);
        }
        CronSchedule schedule = new CronSchedule(trimmed, List.copyOf(alternatives));
        if (schedule.nextWallClock(LocalDateTime.of(2000, 1, 1, 0, 0)).isEmpty()) {
            throw new IllegalArgumentException("'" + trimmed + "' never fires (no such date)");
        }
        return schedule;
    }

    /** The schedule as it was written (a shorthand stays a shorthand). */
    public String text() {
        return text;
    }

    /** The first slot that fires strictly after {@code after}, in {@code zone}; empty if none ever does. */
    public Optional<Slot> next(Instant after, ZoneId zone) {
        ZoneRules rules = zone.getRules();
        LocalDateTime cursor = LocalDateTime.ofInstant(after, zone);
        // a few rounds at most: a slot of the first pass of an overlap can be before `after` on its second pass
        for (int round = 0; round < 1000; round++) {
            Optional<LocalDateTime> local = nextWallClock(cursor);
            if (local.isEmpty()) {
                return Optional.empty();
            }
            Instant at = instantOf(local.get(), rules);
            if (at.isAfter(after)) {
                return Optional.of(new Slot(local.get(), at));
            }
            cursor = local.get();
        }
        throw new IllegalStateException("no slot of '" + text + "' after " + after + " in " + zone);
    }

    /** The slots firing in {@code (after, until]}, oldest first, at most {@code limit} of them. */
    public List<Slot> between(Instant after, Instant until, ZoneId zone, int limit) {
        List<Slot> slots = new ArrayList<>();
        Instant cursor = after;
        while (slots.size() < limit) {
            Optional<Slot> slot = next(cursor, zone);
            if (slot.isEmpty() || slot.get().at().isAfter(until)) {
                break;
            }
            slots.add(slot.get());
            cursor = slot.get().at();
        }
        return slots;
    }

    private Optional<LocalDateTime> nextWallClock(LocalDateTime after) {
        LocalDateTime best = null;
        for (CronExpression expression : alternatives) {
            LocalDateTime next = expression.next(after);
            if (next != null && (best == null || next.isBefore(best))) {
                best = next;
            }
        }
        return Optional.ofNullable(best);
    }

    /** A wall-clock time's instant: in a gap, the gap's end; in an overlap, its first occurrence. */
    private static Instant instantOf(LocalDateTime local, ZoneRules rules) {
        List<ZoneOffset> offsets = rules.getValidOffsets(local);
        if (offsets.isEmpty()) {
            ZoneOffsetTransition gap = rules.getTransition(local);
            return gap.getInstant();
        }
        return local.toInstant(offsets.getFirst());
    }

    private static boolean restricted(String field) {
        return !field.startsWith("*") && !field.equals("?");
    }

    private static CronExpression expression(String[] fields, String dayOfMonth, String dayOfWeek) {
        return CronExpression.parse(
                "0 " + fields[0] + " " + fields[1] + " " + dayOfMonth + " " + fields[3] + " " + dayOfWeek);
    }

    @Override
    public String toString() {
        return text;
    }
}

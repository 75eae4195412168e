package io.strata.common.wal;

import io.strata.common.model.Lsn;
import io.strata.common.wal.WalTimelineArchived.Switch;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A timeline history file ({@code 00000003.history}) as PostgreSQL writes it: one line per earlier timeline,
 * oldest first, {@code <timeline>\t<switch LSN>\t<reason>}; blank lines and lines starting with {@code #}
 * are comments. Read for what recovery needs, checked as PostgreSQL checks it: timelines increasing and each
 * below the file's own, switch points never going back.
 */
public final class TimelineHistory {
    /** More entries than any real history has: a timeline per failover or restore. */
    public static final int MAX_ENTRIES = 10_000;

    private TimelineHistory() {}

    /** The entries of {@code timeline}'s history file; throws saying what is wrong with it. */
    public static List<Switch> parse(int timeline, byte[] content) {
        List<Switch> entries = new ArrayList<>();
        String[] lines = new String(content, StandardCharsets.US_ASCII).split("\n", -1);
        for (String raw : lines) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] fields = line.split("\\s+", 3);
            if (fields.length < 2) {
                throw new IllegalArgumentException(
                        "the history of timeline " + timeline + " has a line without a timeline and a switch point");
            }
            int parent;
            try {
                parent = Integer.parseInt(fields[0]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "the history of timeline " + timeline + " has a line that does not start with a timeline", e);
            }
            entries.add(new Switch(parent, Lsn.parse(fields[1])));
            if (entries.size() > MAX_ENTRIES) {
                throw new IllegalArgumentException(
                        "the history of timeline " + timeline + " has more than " + MAX_ENTRIES + " entries");
            }
        }
        check(timeline, entries);
        return List.copyOf(entries);
    }

    /** Throws unless {@code entries} could be {@code timeline}'s history (at least one, as every timeline after 1 has). */
    public static void check(int timeline, List<Switch> entries) {
        if (timeline < 2) {
            throw new IllegalArgumentException("timeline 1 has no history; got one for timeline " + timeline);
        }
        if (entries == null || entries.isEmpty() || entries.size() > MAX_ENTRIES) {
            throw new IllegalArgumentException(
                    "the history of timeline " + timeline + " must name 1 to " + MAX_ENTRIES + " earlier timelines");
        }
        Switch previous = null;
        for (Switch entry : entries) {
            if (entry == null || entry.endLsn() == null) {
                throw new IllegalArgumentException("the history of timeline " + timeline + " has an empty entry");
            }
            if (entry.timeline() < 1 || entry.timeline() >= timeline) {
                throw new IllegalArgumentException("the history of timeline " + timeline + " names timeline "
                        + entry.timeline() + ": earlier timelines are 1 to " + (timeline - 1));
            }
            if (previous != null
                    && (entry.timeline() <= previous.timeline()
                            || entry.endLsn().compareTo(previous.endLsn()) < 0)) {
                throw new IllegalArgumentException("the history of timeline " + timeline
                        + " is out of order: timelines must increase and switch points never go back");
            }
            previous = entry;
        }
    }

    /**
     * Whether a timeline with {@code history} branched off {@code timeline} at or after {@code end}: recovery
     * from a backup of {@code timeline} that ended at {@code end} can follow it.
     */
    public static boolean branchesAfter(List<Switch> history, int timeline, Lsn end) {
        return history.stream()
                .anyMatch(s -> s.timeline() == timeline && s.endLsn().compareTo(end) >= 0);
    }

    /** The file name recovery asks {@code restore_command} for: {@code 00000002.history}. */
    public static String fileName(int timeline) {
        return String.format("%08X.history", timeline);
    }
}

package io.strata.catalog.recovery;

import io.strata.catalog.backups.BaseBackups;
import io.strata.common.command.RecoveryTarget;
import io.strata.common.command.RecoveryTarget.Kind;
import io.strata.common.model.Lsn;
import io.strata.common.wal.TimelineHistory;
import io.strata.common.wal.WalSegmentName;
import io.strata.common.wal.WalTimelineArchived.Switch;
import io.strata.platform.catalog.CatalogApi.ChainLink;
import io.strata.platform.catalog.CatalogApi.PlanProblem;
import io.strata.platform.catalog.CatalogApi.PlannedBase;
import io.strata.platform.catalog.CatalogApi.PlannedSegment;
import io.strata.platform.catalog.CatalogApi.ReachableRange;
import io.strata.platform.catalog.CatalogApi.RecoveryPlan;
import io.strata.platform.catalog.CatalogApi.SkippedBackup;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * Plans point-in-time recovery from what the catalog knows, without touching storage: which physical base
 * backup to start from, which archived WAL segments recovery will read, and (when the target cannot be
 * reached) which of the {@link PlanProblem}s stands in the way and what can be reached instead.
 *
 * <p>A base backup qualifies for a target when it ended before it: by LSN for LSN and restore-point targets,
 * by the time its job finished for time targets (recovery cannot stop before the backup is consistent).
 * Its WAL is the unbroken run of archived segments of its timeline from the segment holding its start; a
 * partial segment ends the run. A time target is reachable when the run was archived at or after it. When the
 * source moved onto newer timelines after the backup (a failover, a restore of it promoted), the run follows
 * them as PostgreSQL does: each timeline's segments up to the one the next branched off in, then the next one's;
 * see {@link Planning#route}. Every history file the archive holds goes with the plan.
 */
final class RecoveryPlanner {
    private RecoveryPlanner() {}

    /** What the catalog holds about one source, as the planner needs it. */
    record Records(
            String source,
            List<Base> bases,
            Optional<Lsn> restorePointLsn,
            String restorePointServerName,
            List<String> restorePointNames,
            Long segmentSize,
            List<BaseBackups.Unusable> unusable,
            WalLoader wal,
            Optional<Integer> restorePointTimeline,
            List<Timeline> timelines) {
        /** Records of a source that never left its first timeline, or whose later ones are not known. */
        Records(
                String source,
                List<Base> bases,
                Optional<Lsn> restorePointLsn,
                String restorePointServerName,
                List<String> restorePointNames,
                Long segmentSize,
                List<BaseBackups.Unusable> unusable,
                WalLoader wal) {
            this(
                    source,
                    bases,
                    restorePointLsn,
                    restorePointServerName,
                    restorePointNames,
                    segmentSize,
                    unusable,
                    wal,
                    Optional.empty(),
                    List.of());
        }
    }

    /**
     * A timeline the source moved onto: its history (each earlier timeline and the LSN where the next one
     * branched off it, oldest first) and its archived history file, as a plan hands it to recovery.
     */
    record Timeline(int timeline, List<Switch> history, PlannedSegment file) {}

    /** A succeeded physical backup of the source. */
    record Base(
            String backupId,
            Lsn startLsn,
            Lsn endLsn,
            int timeline,
            Instant finishedAt,
            long storedBytes,
            long sizeBytes,
            String manifestKey,
            List<ChainLink> chain) {
        Base(
                String backupId,
                Lsn startLsn,
                Lsn endLsn,
                int timeline,
                Instant finishedAt,
                long storedBytes,
                long sizeBytes,
                String manifestKey) {
            this(backupId, startLsn, endLsn, timeline, finishedAt, storedBytes, sizeBytes, manifestKey, List.of());
        }

        PlannedBase planned() {
            return new PlannedBase(
                    backupId, startLsn, endLsn, timeline, finishedAt, storedBytes, sizeBytes, manifestKey, chain);
        }
    }

    /** Archived segments of one timeline from a segment on, in segment order. */
    @FunctionalInterface
    interface WalLoader {
        List<PlannedSegment> from(int timeline, String firstSegment);
    }

    /**
     * The segments of one timeline recovery reads: from {@code first} up to segment number {@code end}
     * (exclusive: from there on the next timeline's segments hold the WAL), or on to the archive's end.
     */
    private record Leg(WalSegmentName first, Long end) {}

    /**
     * The legs recovery follows, the timeline it ends on and that timeline's history file (null on the base's
     * own timeline), or why it cannot follow the timeline the target is on.
     */
    private record Route(List<Leg> legs, String refusal, int timeline, PlannedSegment history, long segmentSize) {
        /** The name of the segment recovery reads {@code lsn} from. */
        WalSegmentName nameAt(Lsn lsn) {
            long number = lsn.segmentNumber(segmentSize);
            for (Leg leg : legs) {
                if (leg.end() == null || number < leg.end()) {
                    return new WalSegmentName(leg.first().timeline(), number, segmentSize);
                }
            }
            return new WalSegmentName(legs.getLast().first().timeline(), number, segmentSize);
        }
    }

    static RecoveryPlan plan(RecoveryTarget target, String backupId, Records records) {
        Planning planning = new Planning(target, records);
        return planning.plan(backupId);
    }

    private static final class Planning {
        private final RecoveryTarget target;
        private final Kind kind;
        private final Records records;
        private final List<Base> bases;
        /**
         * The timeline recovery should end on: a restore point's own; else, once the source has moved timeline,
         * the newest it is known on (as PostgreSQL's 'latest'); empty while it never left its first.
         */
        private final Optional<Integer> goal;

        private Lsn stopLsn;
        private Instant stopTime;

        Planning(RecoveryTarget target, Records records) {
            this.target = target;
            this.kind = target.kind();
            this.records = records;
            this.bases = records.bases().stream()
                    .sorted(Comparator.comparing(Base::endLsn))
                    .toList();
            this.goal = kind == Kind.RESTORE_POINT
                    ? records.restorePointTimeline()
                    : records.timelines().isEmpty()
                            ? Optional.empty()
                            : java.util.stream.Stream.concat(
                                            records.timelines().stream().map(Timeline::timeline),
                                            bases.stream().map(Base::timeline))
                                    .max(Integer::compare);
        }

        RecoveryPlan plan(String backupId) {
            if (bases.isEmpty()) {
                String broken = records.unusable().isEmpty()
                        ? ""
                        : " (" + records.unusable().size() + " cannot be restored: "
                                + records.unusable().getLast().backupId() + " because "
                                + records.unusable().getLast().reason() + ")";
                return refuse(
                        PlanProblem.NO_BASE_BACKUP,
                        "source '" + records.source() + "' has no usable physical base backup to recover from" + broken
                                + "; take one with POST /api/v1/backups {\"source\":\"" + records.source()
                                + "\",\"kind\":\"PHYSICAL\"}",
                        null,
                        null);
            }
            switch (kind) {
                case RESTORE_POINT -> {
                    if (records.restorePointLsn().isEmpty()) {
                        String known = records.restorePointNames().isEmpty()
                                ? "it has none"
                                : "its newest are " + String.join(", ", records.restorePointNames());
                        return refuse(
                                PlanProblem.UNKNOWN_RESTORE_POINT,
                                "source '" + records.source() + "' has no restore point '" + target.restorePoint()
                                        + "' (" + known + "; GET /api/v1/sources/" + records.source()
                                        + "/restore-points lists them)",
                                null,
                                null);
                    }
                    stopLsn = records.restorePointLsn().get();
                }
                case LSN -> stopLsn = target.lsn();
                case TIME -> stopTime = RecoveryTarget.parseTime(target.time());
                default -> {}
            }
            Optional<Base> chosen = backupId != null ? named(backupId) : newestBefore(stopLsn, stopTime);
            if (chosen.isEmpty()) {
                if (backupId != null) {
                    String why = records.unusable().stream()
                            .filter(u -> u.backupId().equals(backupId))
                            .map(u -> "backup " + backupId + " cannot be restored: " + u.reason())
                            .findFirst()
                            .orElse("backup " + backupId + " is not a succeeded physical backup of source '"
                                    + records.source() + "'; point-in-time restore starts from one");
                    return refuse(PlanProblem.BACKUP_NOT_USABLE, why, null, null);
                }
                Base first = bases.getFirst();
                return refuse(
                        PlanProblem.BEFORE_FIRST_BACKUP,
                        target.describe() + " is before the end of the first physical base backup of source '"
                                + records.source() + "' (" + first.backupId() + ", consistent at " + first.endLsn()
                                + ", finished " + first.finishedAt() + "): nothing before it can be restored",
                        null,
                        null);
            }
            if (records.segmentSize() == null) {
                return refuse(
                        PlanProblem.NO_WAL,
                        "no WAL of source '" + records.source() + "' is archived yet; if archiving was just switched on"
                                + " the first segments arrive within seconds, else enable it with PUT /api/v1/sources/"
                                + records.source() + "/wal-archiving {\"enabled\":true}",
                        null,
                        null);
            }
            Base base = chosen.get();
            if (backupId != null && endsAfter(base, stopLsn, stopTime)) {
                return refuse(
                        PlanProblem.BACKUP_NOT_USABLE,
                        target.describe() + " is before backup " + backupId + " ended (" + base.endLsn() + ", "
                                + base.finishedAt() + "); choose an earlier backup or leave backupId out",
                        base,
                        null);
            }
            long segmentSize = records.segmentSize();
            Route route = route(base, segmentSize);
            RecoveryPlan plan = walPlan(base, route, stopLsn, stopTime);
            if (!plan.possible()
                    && route.history() != null
                    && (kind == Kind.TIME || kind == Kind.LSN || kind == Kind.IMMEDIATE)) {
                // a target before the switch is reachable on the base's own timeline even when the newer one's
                // WAL is not all archived (a new primary's slot starts after its switch segment)
                RecoveryPlan own = walPlan(base, ownRoute(base, segmentSize), stopLsn, stopTime);
                if (own.possible()) {
                    return own;
                }
            }
            return plan;
        }

        private RecoveryPlan walPlan(Base base, Route route, Lsn stopLsn, Instant stopTime) {
            long segmentSize = records.segmentSize();
            if (route.refusal() != null) {
                return refuse(PlanProblem.WAL_GAP, route.refusal(), base, null);
            }
            List<Leg> legs = route.legs();
            // the first segment recovery reads: on the next timeline when this one ended in the base's first segment
            WalSegmentName first = legs.stream()
                    .filter(leg -> leg.end() == null || leg.first().segmentNumber() < leg.end())
                    .findFirst()
                    .orElseThrow()
                    .first();
            List<PlannedSegment> run = new ArrayList<>();
            String gap = null;
            for (Leg leg : legs) {
                if (leg.end() != null && leg.first().segmentNumber() >= leg.end()) {
                    continue; // the next timeline branched off inside this one's first segment: read from there
                }
                List<PlannedSegment> archived =
                        records.wal().from(leg.first().timeline(), leg.first().toString());
                WalSegmentName expected = leg.first();
                int taken = 0;
                for (PlannedSegment segment : archived) {
                    if (leg.end() != null && expected.segmentNumber() >= leg.end()) {
                        break; // the next timeline holds the rest, from the segment of the switch on
                    }
                    if (!segment.segment().equals(expected.toString()) || (segment.partial() && leg.end() != null)) {
                        gap = expected.toString(); // an earlier timeline's WAL must be whole up to its switch
                        break;
                    }
                    run.add(segment);
                    taken++;
                    if (segment.partial()) {
                        break; // the archive's newest WAL: nothing after it can be read
                    }
                    expected = expected.next();
                }
                if (gap == null && leg.end() != null && expected.segmentNumber() < leg.end()) {
                    gap = expected.toString(); // this timeline's WAL ends before the next one branched off
                }
                if (gap == null
                        && leg.end() == null
                        && !run.isEmpty()
                        && run.getLast().partial()
                        && archived.size() > taken) {
                    gap = run.getLast().segment(); // later segments exist but this one never completed
                }
                if (gap != null) {
                    break;
                }
            }
            boolean moreAfterGap = gap != null;
            if (run.isEmpty()) {
                return refuse(
                        gap != null ? PlanProblem.WAL_GAP : PlanProblem.AFTER_ARCHIVE_END,
                        gap != null
                                ? "the WAL from base backup " + base.backupId() + "'s start (segment " + first
                                        + ") is not archived, and later WAL is: it was lost; take a new physical backup"
                                : "the WAL from base backup " + base.backupId() + "'s start (segment " + first
                                        + ") is not archived yet: if the archiver is behind (a large load), ask again"
                                        + " once GET /api/v1/sources/" + records.source() + "/wal shows it archived"
                                        + " past " + base.endLsn() + "; if archiving was off, take a new physical"
                                        + " backup",
                        base,
                        List.of(first.toString()));
            }
            PlannedSegment last = run.getLast();
            Lsn runEnd = last.endLsn();
            Instant runEndTime = last.archivedAt();
            ReachableRange reachable = new ReachableRange(
                    bases.getFirst().finishedAt(), bases.getFirst().endLsn(), runEndTime, runEnd);
            List<String> missing = gap == null ? List.of() : List.of(gap);
            String beyond = gap != null
                    ? "the archive has a gap at segment " + gap + " (WAL lost while archiving was down or behind)"
                    : "it is beyond the newest archived WAL";
            if (runEnd.compareTo(base.endLsn()) < 0) {
                return problemPlan(
                        base,
                        run,
                        gap != null ? PlanProblem.WAL_GAP : PlanProblem.AFTER_ARCHIVE_END,
                        "base backup " + base.backupId() + " is not consistent before " + base.endLsn() + " but "
                                + beyond + " at " + runEnd,
                        missing,
                        reachable);
            }
            int needed = run.size();
            switch (kind) {
                case LSN, RESTORE_POINT -> {
                    boolean inRun = kind == Kind.LSN ? runEnd.compareTo(stopLsn) > 0 : runEnd.compareTo(stopLsn) >= 0;
                    if (!inRun) {
                        return problemPlan(
                                base,
                                run,
                                gap != null ? PlanProblem.WAL_GAP : PlanProblem.AFTER_ARCHIVE_END,
                                "cannot reach " + target.describe() + " at " + stopLsn + ": " + beyond + " (" + runEnd
                                        + "); the latest reachable LSN is " + runEnd + ", time " + runEndTime,
                                missing,
                                reachable);
                    }
                    needed = indexOf(run, route.nameAt(stopLsn)) + 2;
                }
                case TIME -> {
                    if (runEndTime.isBefore(stopTime)) {
                        return problemPlan(
                                base,
                                run,
                                gap != null ? PlanProblem.WAL_GAP : PlanProblem.AFTER_ARCHIVE_END,
                                "cannot reach " + target.describe() + ": " + beyond + ", archived at " + runEndTime
                                        + "; the latest reachable time is " + runEndTime + " (LSN " + runEnd + ")",
                                missing,
                                reachable);
                    }
                    needed = firstArchivedAtOrAfter(run, stopTime) + 2;
                }
                case LATEST -> {
                    if (moreAfterGap) {
                        return problemPlan(
                                base,
                                run,
                                PlanProblem.WAL_GAP,
                                "the latest WAL cannot be reached from base backup " + base.backupId() + ": " + beyond
                                        + "; recovery would stop at " + runEnd + " (" + runEndTime + ") and lose what"
                                        + " follows. Restore to a time up to " + runEndTime + ", or take a new physical"
                                        + " backup and restore from it",
                                missing,
                                reachable);
                    }
                }
                case IMMEDIATE -> needed = indexOf(run, route.nameAt(base.endLsn())) + 1;
                case XID -> {}
            }
            needed = Math.max(1, Math.min(needed, run.size()));
            return new RecoveryPlan(
                    records.source(),
                    target,
                    null,
                    null,
                    base.planned(),
                    stopLsn,
                    target.kind() == RecoveryTarget.Kind.RESTORE_POINT ? records.restorePointServerName() : null,
                    segmentSize,
                    run,
                    needed,
                    bytes(run, needed),
                    missing,
                    reachable,
                    skipped(base),
                    route.timeline(),
                    histories());
        }

        /**
         * Every timeline history file the source's archive holds: the one recovery follows, and the others so
         * that the restored cluster sees them exist and takes a new timeline number of its own (answered "not
         * archived", it would take the next number after its target's, which may be the source's own).
         */
        private List<PlannedSegment> histories() {
            return records.timelines().stream().map(Timeline::file).toList();
        }

        /** Recovery on the base backup's own timeline only. */
        private static Route ownRoute(Base base, long segmentSize) {
            return new Route(
                    List.of(new Leg(WalSegmentName.of(base.timeline(), base.startLsn(), segmentSize), null)),
                    null,
                    base.timeline(),
                    null,
                    segmentSize);
        }

        /**
         * The timelines recovery from {@code base} follows: the base's own alone, unless the source moved onto
         * newer ones after the backup ended. Then the goal's ({@link #goal}), with each earlier timeline's
         * segments up to the one its successor branched off in. A restore point on a timeline the base's
         * history does not lead to cannot be reached from it.
         */
        private Route route(Base base, long segmentSize) {
            Route own = ownRoute(base, segmentSize);
            if (goal.isEmpty() || goal.get() == base.timeline()) {
                return own;
            }
            Optional<Timeline> newest = timeline(goal.get()).filter(t -> passesThrough(t, base));
            if (newest.isEmpty()) {
                if (kind != Kind.RESTORE_POINT) {
                    return own; // the source's newest timeline does not lead through this backup: its own WAL only
                }
                return new Route(
                        List.of(),
                        target.describe() + " is on timeline " + goal.get() + ", and no archived history of that"
                                + " timeline passes through base backup " + base.backupId() + "'s timeline "
                                + base.timeline() + " after the backup ended (" + base.endLsn() + "); recovery from"
                                + " it cannot reach the point",
                        base.timeline(),
                        null,
                        segmentSize);
            }
            List<Switch> history = newest.get().history();
            int from = 0;
            while (history.get(from).timeline() != base.timeline()) {
                from++;
            }
            List<Leg> legs = new ArrayList<>();
            Lsn start = base.startLsn();
            for (int i = from; i < history.size(); i++) {
                Switch ended = history.get(i);
                legs.add(new Leg(
                        WalSegmentName.of(ended.timeline(), start, segmentSize),
                        ended.endLsn().segmentNumber(segmentSize)));
                start = ended.endLsn();
            }
            legs.add(new Leg(WalSegmentName.of(goal.get(), start, segmentSize), null));
            return new Route(List.copyOf(legs), null, goal.get(), newest.get().file(), segmentSize);
        }

        private Optional<Timeline> timeline(int number) {
            return records.timelines().stream()
                    .filter(t -> t.timeline() == number)
                    .findFirst();
        }

        /** Whether recovery from {@code base} can follow the source to {@link #goal}. */
        private boolean leadsToGoal(Base base) {
            return goal.isEmpty()
                    || goal.get() == base.timeline()
                    || timeline(goal.get()).filter(t -> passesThrough(t, base)).isPresent();
        }

        /** Whether {@code timeline}'s history leaves the base's timeline only after the backup ended. */
        private static boolean passesThrough(Timeline timeline, Base base) {
            return TimelineHistory.branchesAfter(timeline.history(), base.timeline(), base.endLsn());
        }

        /**
         * The backups passed over: not usable, newer than {@code base} (all of them without a base) and ending
         * before the target.
         */
        private List<SkippedBackup> skipped(Base base) {
            return records.unusable().stream()
                    .filter(u -> u.endLsn() != null && u.finishedAt() != null)
                    .filter(u -> base == null || u.endLsn().compareTo(base.endLsn()) > 0)
                    .filter(u -> stopLsn != null
                            ? u.endLsn().compareTo(stopLsn) <= 0
                            : stopTime == null || !u.finishedAt().isAfter(stopTime))
                    .map(u -> new SkippedBackup(u.backupId(), u.reason()))
                    .toList();
        }

        private Optional<Base> named(String backupId) {
            return bases.stream().filter(b -> b.backupId().equals(backupId)).findFirst();
        }

        /**
         * The newest base backup that ended before the target (the newest of all for latest/xid targets), of
         * those recovery can follow to the {@link #goal} timeline from, if any.
         */
        private Optional<Base> newestBefore(Lsn stopLsn, Instant stopTime) {
            List<Base> before = bases.reversed().stream()
                    .filter(base -> !endsAfter(base, stopLsn, stopTime))
                    .toList();
            return before.stream()
                    .filter(this::leadsToGoal)
                    .findFirst()
                    .or(() -> before.stream().findFirst());
        }

        private static boolean endsAfter(Base base, Lsn stopLsn, Instant stopTime) {
            if (stopLsn != null) {
                return base.endLsn().compareTo(stopLsn) > 0;
            }
            return stopTime != null && base.finishedAt().isAfter(stopTime);
        }

        private RecoveryPlan refuse(PlanProblem code, String why, Base base, List<String> missing) {
            ReachableRange reachable = bases.isEmpty()
                    ? null
                    : new ReachableRange(
                            bases.getFirst().finishedAt(), bases.getFirst().endLsn(), null, null);
            return new RecoveryPlan(
                    records.source(),
                    target,
                    code.name(),
                    why,
                    base == null ? null : base.planned(),
                    null,
                    null,
                    records.segmentSize(),
                    List.of(),
                    0,
                    0,
                    missing == null ? List.of() : missing,
                    reachable,
                    skipped(base));
        }

        private RecoveryPlan problemPlan(
                Base base,
                List<PlannedSegment> run,
                PlanProblem code,
                String why,
                List<String> missing,
                ReachableRange reachable) {
            return new RecoveryPlan(
                    records.source(),
                    target,
                    code.name(),
                    why,
                    base.planned(),
                    null,
                    null,
                    records.segmentSize(),
                    run,
                    run.size(),
                    bytes(run, run.size()),
                    missing,
                    reachable,
                    skipped(base));
        }

        private static int indexOf(List<PlannedSegment> run, WalSegmentName segment) {
            for (int i = 0; i < run.size(); i++) {
                if (run.get(i).segment().equals(segment.toString())) {
                    return i;
                }
            }
            return run.size() - 1;
        }

        /** The first segment archived at or after {@code time}: the WAL written up to then is in it or before. */
        private static int firstArchivedAtOrAfter(List<PlannedSegment> run, Instant time) {
            for (int i = 0; i < run.size(); i++) {
                if (!run.get(i).archivedAt().isBefore(time)) {
                    return i;
                }
            }
            return run.size() - 1;
        }

        private static long bytes(List<PlannedSegment> run, int count) {
            return run.stream()
                    .limit(count)
                    .mapToLong(PlannedSegment::storedBytes)
                    .sum();
        }
    }
}

package io.strata.catalog.recovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.catalog.recovery.RecoveryPlanner.Base;
import io.strata.catalog.recovery.RecoveryPlanner.Records;
import io.strata.common.command.RecoveryTarget;
import io.strata.common.model.Lsn;
import io.strata.common.wal.WalSegmentName;
import io.strata.common.wal.WalTimelineArchived.Switch;
import io.strata.platform.catalog.CatalogApi.PlannedSegment;
import io.strata.platform.catalog.CatalogApi.RecoveryPlan;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RecoveryPlannerTest {
    private static final long SEGMENT = 16L * 1024 * 1024;
    private static final Instant T0 = Instant.parse("2026-11-22T15:00:00Z");
    // base backup 1: WAL 0/2000028 .. 0/2000138 (segment 2), finished at T0 + 10 s
    private static final Base FIRST = new Base(
            "20261122T150000Z-aaaaaa",
            Lsn.parse("0/2000028"),
            Lsn.parse("0/2000138"),
            1,
            T0.plusSeconds(10),
            100,
            300,
            "m1");
    // base backup 2: segment 5, finished at T0 + 60 s
    private static final Base SECOND = new Base(
            "20261122T150050Z-bbbbbb",
            Lsn.parse("0/5000028"),
            Lsn.parse("0/5000138"),
            1,
            T0.plusSeconds(60),
            100,
            300,
            "m2");

    /** Segments 2..last complete (segment n archived at T0 + 10·n s), the last one partial when asked. */
    private static List<PlannedSegment> archive(int last, boolean lastPartial, int... missing) {
        List<PlannedSegment> segments = new ArrayList<>();
        for (int n = 2; n <= last; n++) {
            int segment = n;
            if (java.util.Arrays.stream(missing).anyMatch(m -> m == segment)) {
                continue;
            }
            WalSegmentName name = new WalSegmentName(1, n, SEGMENT);
            boolean partial = lastPartial && n == last;
            Lsn end = partial ? new Lsn(name.startLsn().value() + 0x200) : name.endLsn();
            segments.add(
                    new PlannedSegment(name.toString(), "k" + n, "s" + n, partial, end, 10, T0.plusSeconds(10L * n)));
        }
        return segments;
    }

    private static RecoveryPlan plan(RecoveryTarget target, List<Base> bases, List<PlannedSegment> wal) {
        return plan(target, null, bases, wal, Optional.empty());
    }

    private static RecoveryPlan plan(
            RecoveryTarget target, String backupId, List<Base> bases, List<PlannedSegment> wal, Optional<Lsn> point) {
        Records records = new Records(
                "shop",
                bases,
                point,
                point.map(lsn -> "strata/before-upgrade/abc").orElse(null),
                List.of("before-upgrade"),
                wal.isEmpty() ? null : SEGMENT,
                List.of(),
                (timeline, first) -> wal.stream()
                        .filter(s -> s.segment().compareTo(first) >= 0)
                        .toList());
        return RecoveryPlanner.plan(target, backupId, records);
    }

    private static RecoveryTarget lsn(String lsn) {
        return new RecoveryTarget(null, null, Lsn.parse(lsn), null, null, null);
    }

    @Test
    void noBaseBackupMeansNothingCanBeRestored() {
        RecoveryPlan plan = plan(RecoveryTarget.latestTarget(), List.of(), archive(4, false));
        assertThat(plan.problemCode()).isEqualTo("NO_BASE_BACKUP");
        assertThat(plan.problem()).contains("\"kind\":\"PHYSICAL\"");
    }

    @Test
    void targetBeforeTheFirstBackupSaysWhereRestoringCanStart() {
        RecoveryPlan plan = plan(RecoveryTarget.at(T0), List.of(FIRST, SECOND), archive(7, false));
        assertThat(plan.problemCode()).isEqualTo("BEFORE_FIRST_BACKUP");
        assertThat(plan.problem()).contains(FIRST.backupId());
        assertThat(plan.reachable().earliestLsn()).isEqualTo(Lsn.parse("0/2000138"));
        assertThat(plan.reachable().earliestTime()).isEqualTo(T0.plusSeconds(10));
    }

    @Test
    void timeTargetStartsFromTheNewestBackupBeforeItAndReadsTheWalArchivedUpToIt() {
        RecoveryPlan plan = plan(RecoveryTarget.at(T0.plusSeconds(65)), List.of(FIRST, SECOND), archive(9, true));
        assertThat(plan.possible()).isTrue();
        assertThat(plan.base().backupId()).isEqualTo(SECOND.backupId());
        assertThat(plan.segments()).extracting(PlannedSegment::segment).first().isEqualTo("000000010000000000000005");
        // segment 7 (archived at T0+70s) is the first archived after the target; one more for safety
        assertThat(plan.segmentsToTarget()).isEqualTo(4);
        assertThat(plan.walBytesToTarget()).isEqualTo(40);

        RecoveryPlan earlier = plan(RecoveryTarget.at(T0.plusSeconds(30)), List.of(FIRST, SECOND), archive(9, true));
        assertThat(earlier.base().backupId()).isEqualTo(FIRST.backupId());
    }

    @Test
    void timeAfterTheArchiveEndIsRefusedWithTheLatestReachableTime() {
        RecoveryPlan plan = plan(RecoveryTarget.at(T0.plusSeconds(500)), List.of(FIRST), archive(6, true));
        assertThat(plan.problemCode()).isEqualTo("AFTER_ARCHIVE_END");
        assertThat(plan.reachable().latestTime()).isEqualTo(T0.plusSeconds(60));
        assertThat(plan.reachable().latestLsn()).isEqualTo(Lsn.parse("0/6000200"));
    }

    @Test
    void gapBeforeTheTargetIsRefusedAndNamed() {
        RecoveryPlan plan = plan(RecoveryTarget.at(T0.plusSeconds(55)), List.of(FIRST), archive(8, false, 4));
        assertThat(plan.problemCode()).isEqualTo("WAL_GAP");
        assertThat(plan.missingSegments()).containsExactly("000000010000000000000004");
        assertThat(plan.reachable().latestLsn()).isEqualTo(Lsn.parse("0/4000000"));

        RecoveryPlan latest = plan(RecoveryTarget.latestTarget(), List.of(FIRST), archive(8, false, 4));
        assertThat(latest.problemCode()).isEqualTo("WAL_GAP");

        // a newer backup after the gap makes latest reachable again
        RecoveryPlan fromSecond = plan(RecoveryTarget.latestTarget(), List.of(FIRST, SECOND), archive(8, false, 4));
        assertThat(fromSecond.possible()).isTrue();
        assertThat(fromSecond.base().backupId()).isEqualTo(SECOND.backupId());
        assertThat(fromSecond.segmentsToTarget()).isEqualTo(4);
    }

    @Test
    void lsnTargetNeedsWalBeyondIt() {
        RecoveryPlan plan = plan(lsn("0/4000100"), List.of(FIRST), archive(6, true));
        assertThat(plan.possible()).isTrue();
        assertThat(plan.stopLsn()).isEqualTo(Lsn.parse("0/4000100"));
        assertThat(plan.segmentsToTarget()).isEqualTo(4); // 2, 3, 4 and the one after

        assertThat(plan(lsn("0/6000200"), List.of(FIRST), archive(6, true)).problemCode())
                .isEqualTo("AFTER_ARCHIVE_END");
        assertThat(plan(lsn("0/2000100"), List.of(FIRST), archive(6, true)).problemCode())
                .isEqualTo("BEFORE_FIRST_BACKUP");
    }

    @Test
    void unknownRestorePointListsTheKnownOnes() {
        RecoveryPlan plan = plan(
                new RecoveryTarget(null, "nope", null, null, null, null),
                null,
                List.of(FIRST),
                archive(4, false),
                Optional.empty());
        assertThat(plan.problemCode()).isEqualTo("UNKNOWN_RESTORE_POINT");
        assertThat(plan.problem()).contains("before-upgrade");
    }

    @Test
    void aPartialSegmentFollowedByLaterOnesIsAGap() {
        List<PlannedSegment> wal = new ArrayList<>(archive(4, true));
        wal.addAll(archive(6, false).subList(3, 5)); // segments 5 and 6, complete
        RecoveryPlan plan = plan(RecoveryTarget.latestTarget(), List.of(FIRST), wal);
        assertThat(plan.problemCode()).isEqualTo("WAL_GAP");
        assertThat(plan.missingSegments()).containsExactly("000000010000000000000004");
    }

    @Test
    void namedBackupMustEndBeforeTheTarget() {
        RecoveryPlan plan =
                plan(lsn("0/3000000"), SECOND.backupId(), List.of(FIRST, SECOND), archive(7, false), Optional.empty());
        assertThat(plan.problemCode()).isEqualTo("BACKUP_NOT_USABLE");
        RecoveryPlan immediate = plan(
                RecoveryTarget.immediateTarget(),
                SECOND.backupId(),
                List.of(FIRST, SECOND),
                archive(7, false),
                Optional.empty());
        assertThat(immediate.possible()).isTrue();
        assertThat(immediate.segmentsToTarget()).isEqualTo(1);
    }

    // A failover: the source was promoted onto timeline 2 at 0/7000100 (in segment 7). Timeline 1 has segments
    // 2..7 archived, 7 as the partial it ended with; timeline 2 has 7 on (its copy of timeline 1's WAL up to the
    // switch, then its own), 7 archived at T0 + 70 s and so on.
    private static final Lsn SWITCH = Lsn.parse("0/7000100");
    private static final PlannedSegment HISTORY_2 = new PlannedSegment(
            "00000002.history", "shop/wal/00000002/00000002.history.zst", "h2", false, null, 7, Instant.EPOCH);

    private static List<PlannedSegment> onTimeline2(int last, boolean lastPartial) {
        List<PlannedSegment> segments = new ArrayList<>();
        for (int n = 7; n <= last; n++) {
            WalSegmentName name = new WalSegmentName(2, n, SEGMENT);
            boolean partial = lastPartial && n == last;
            Lsn end = partial ? new Lsn(name.startLsn().value() + 0x200) : name.endLsn();
            segments.add(new PlannedSegment(
                    name.toString(), "k2-" + n, "s2-" + n, partial, end, 10, T0.plusSeconds(10L * n)));
        }
        return segments;
    }

    private static RecoveryPlan acrossTimelines(
            RecoveryTarget target,
            List<Base> bases,
            List<PlannedSegment> one,
            List<Switch> history,
            Optional<Lsn> point,
            Optional<Integer> pointTimeline) {
        List<PlannedSegment> two = onTimeline2(9, true);
        Records records = new Records(
                "shop",
                bases,
                point,
                point.map(lsn -> "strata/after-failover/abc").orElse(null),
                List.of("after-failover"),
                SEGMENT,
                List.of(),
                (timeline, first) -> (timeline == 1 ? one : timeline == 2 ? two : List.<PlannedSegment>of())
                        .stream().filter(s -> s.segment().compareTo(first) >= 0).toList(),
                pointTimeline,
                List.of(new RecoveryPlanner.Timeline(2, history, HISTORY_2)));
        return RecoveryPlanner.plan(target, null, records);
    }

    @Test
    void afterAFailoverTheLatestFollowsTheNewTimelineFromABackupOfTheOldOne() {
        RecoveryPlan plan = acrossTimelines(
                RecoveryTarget.latestTarget(),
                List.of(FIRST, SECOND),
                archive(7, true),
                List.of(new Switch(1, SWITCH)),
                Optional.empty(),
                Optional.empty());

        assertThat(plan.possible()).as(plan.problem()).isTrue();
        assertThat(plan.base().backupId()).isEqualTo(SECOND.backupId());
        assertThat(plan.timeline()).isEqualTo(2);
        assertThat(plan.crossesTimelines()).isTrue();
        // timeline 1 up to the switch's segment, whose partial is left out: timeline 2's copy of that segment
        // holds it, and PostgreSQL reads that one
        assertThat(plan.segments())
                .extracting(PlannedSegment::segment)
                .containsExactly(
                        "000000010000000000000005",
                        "000000010000000000000006",
                        "000000020000000000000007",
                        "000000020000000000000008",
                        "000000020000000000000009");
        assertThat(plan.segmentsToTarget()).isEqualTo(5);
        assertThat(plan.walBytesToTarget()).isEqualTo(5 * 10);
        assertThat(plan.histories()).containsExactly(HISTORY_2);
    }

    @Test
    void aRestorePointOnTheNewTimelineIsReachedAcrossTheSwitch() {
        RecoveryPlan plan = acrossTimelines(
                new RecoveryTarget(null, "after-failover", null, null, null, null),
                List.of(FIRST, SECOND),
                archive(7, true),
                List.of(new Switch(1, SWITCH)),
                Optional.of(Lsn.parse("0/8000100")),
                Optional.of(2));

        assertThat(plan.possible()).as(plan.problem()).isTrue();
        assertThat(plan.timeline()).isEqualTo(2);
        // up to segment 8 of timeline 2, where the point is, and one more
        assertThat(plan.segmentsToTarget()).isEqualTo(5);
        assertThat(plan.neededSegments().getLast().segment()).isEqualTo("000000020000000000000009");
    }

    @Test
    void aRestorePointOnTheOldTimelineStaysOnIt() {
        RecoveryPlan plan = acrossTimelines(
                new RecoveryTarget(null, "after-failover", null, null, null, null),
                List.of(FIRST, SECOND),
                archive(7, true),
                List.of(new Switch(1, SWITCH)),
                Optional.of(Lsn.parse("0/6000100")),
                Optional.of(1));

        assertThat(plan.possible()).as(plan.problem()).isTrue();
        assertThat(plan.timeline()).isEqualTo(1);
        assertThat(plan.crossesTimelines()).isFalse();
        assertThat(plan.segments())
                .extracting(PlannedSegment::segment)
                .containsExactly("000000010000000000000005", "000000010000000000000006", "000000010000000000000007");
        // the restored cluster sees timeline 2 exists, so it takes 3, not the source's own 2
        assertThat(plan.histories()).containsExactly(HISTORY_2);
    }

    @Test
    void oldTimelineWalMissingBeforeTheSwitchIsAGap() {
        RecoveryPlan plan = acrossTimelines(
                RecoveryTarget.latestTarget(),
                List.of(SECOND),
                archive(7, true, 6),
                List.of(new Switch(1, SWITCH)),
                Optional.empty(),
                Optional.empty());

        assertThat(plan.problemCode()).isEqualTo("WAL_GAP");
        assertThat(plan.missingSegments()).containsExactly("000000010000000000000006");
    }

    /**
     * The new primary's slot began after its switch segment (a failover to another host), so timeline 2's
     * first segment is not archived: a time before the switch is still reached on timeline 1, through its
     * partial; the latest is not, and says which segment is missing.
     */
    @Test
    void aTargetBeforeTheSwitchIsReachedOnTheOldTimelineWhenTheNewOnesStartIsMissing() {
        List<PlannedSegment> one = archive(7, true);
        List<PlannedSegment> two = onTimeline2(9, true).subList(1, 3); // 8 and 9
        Records records = new Records(
                "shop",
                List.of(SECOND),
                Optional.empty(),
                null,
                List.of(),
                SEGMENT,
                List.of(),
                (timeline, first) -> (timeline == 1 ? one : two)
                        .stream().filter(s -> s.segment().compareTo(first) >= 0).toList(),
                Optional.empty(),
                List.of(new RecoveryPlanner.Timeline(2, List.of(new Switch(1, SWITCH)), HISTORY_2)));

        RecoveryPlan beforeSwitch = RecoveryPlanner.plan(RecoveryTarget.at(T0.plusSeconds(65)), null, records);
        assertThat(beforeSwitch.possible()).as(beforeSwitch.problem()).isTrue();
        assertThat(beforeSwitch.timeline()).isEqualTo(1);
        assertThat(beforeSwitch.segments().getLast().segment()).isEqualTo("000000010000000000000007");

        RecoveryPlan latest = RecoveryPlanner.plan(RecoveryTarget.latestTarget(), null, records);
        assertThat(latest.problemCode()).isEqualTo("WAL_GAP");
        assertThat(latest.missingSegments()).containsExactly("000000020000000000000007");
    }

    /**
     * Timeline 2 branched off at 0/4000000, before the second backup ended (that backup is of the old server,
     * which went on writing): a restore point on timeline 2 starts from the first backup, the one before the
     * branch, and a restore from the second one alone cannot reach it.
     */
    @Test
    void aBackupTakenAfterTheBranchIsNotABaseForTheNewTimeline() {
        List<Switch> early = List.of(new Switch(1, Lsn.parse("0/4000000")));
        RecoveryPlan plan = acrossTimelines(
                new RecoveryTarget(null, "after-failover", null, null, null, null),
                List.of(FIRST, SECOND),
                archive(7, true),
                early,
                Optional.of(Lsn.parse("0/8000100")),
                Optional.of(2));

        assertThat(plan.base().backupId()).isEqualTo(FIRST.backupId());
        // timeline 1 from segment 2 up to 3, timeline 2 from segment 4, which is not archived: a gap
        assertThat(plan.problemCode()).isEqualTo("WAL_GAP");
        assertThat(plan.missingSegments()).containsExactly("000000020000000000000004");

        RecoveryPlan fromSecond = acrossTimelines(
                new RecoveryTarget(null, "after-failover", null, null, null, null),
                List.of(SECOND),
                archive(7, true),
                early,
                Optional.of(Lsn.parse("0/8000100")),
                Optional.of(2));
        assertThat(fromSecond.problemCode()).isEqualTo("WAL_GAP");
        assertThat(fromSecond.problem()).contains("timeline 2", SECOND.backupId(), "cannot reach the point");
    }

    /**
     * A backup that ended in the segment its timeline ended in: recovery reads that segment from the next
     * timeline (its copy holds the old WAL up to the switch), so the plan starts there, and a missing one is
     * named as the next timeline's.
     */
    @Test
    void aBackupInTheSegmentOfTheSwitchIsRecoveredFromTheNextTimelinesCopyOfIt() {
        Base inSwitchSegment = new Base(
                "20261122T150110Z-cccccc",
                Lsn.parse("0/7000028"),
                Lsn.parse("0/7000080"),
                1,
                T0.plusSeconds(70),
                100,
                300,
                "m3");
        RecoveryPlan plan = acrossTimelines(
                RecoveryTarget.latestTarget(),
                List.of(inSwitchSegment),
                archive(7, true),
                List.of(new Switch(1, SWITCH)),
                Optional.empty(),
                Optional.empty());
        assertThat(plan.possible()).as(plan.problem()).isTrue();
        assertThat(plan.segments())
                .extracting(PlannedSegment::segment)
                .containsExactly("000000020000000000000007", "000000020000000000000008", "000000020000000000000009");

        Records withoutTheCopy = new Records(
                "shop",
                List.of(inSwitchSegment),
                Optional.empty(),
                null,
                List.of(),
                SEGMENT,
                List.of(),
                (timeline, first) -> timeline == 1 ? archive(7, true) : List.of(),
                Optional.empty(),
                List.of(new RecoveryPlanner.Timeline(2, List.of(new Switch(1, SWITCH)), HISTORY_2)));
        RecoveryPlan missing = RecoveryPlanner.plan(RecoveryTarget.latestTarget(), null, withoutTheCopy);
        assertThat(missing.possible()).isFalse();
        assertThat(missing.missingSegments()).containsExactly("000000020000000000000007");
    }
}

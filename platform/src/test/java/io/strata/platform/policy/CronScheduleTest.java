package io.strata.platform.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.platform.policy.CronSchedule.Slot;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class CronScheduleTest {
    private static final ZoneId MADRID = ZoneId.of("Europe/Madrid");

    @Test
    void shorthandsAreCronsOwn() {
        assertThat(CronSchedule.parse("@daily").next(Instant.parse("2026-12-01T10:00:00Z"), ZoneOffset.UTC))
                .get()
                .extracting(Slot::at)
                .isEqualTo(Instant.parse("2026-12-02T00:00:00Z"));
        assertThat(CronSchedule.parse("@monthly").next(Instant.parse("2026-12-01T10:00:00Z"), ZoneOffset.UTC))
                .get()
                .extracting(Slot::at)
                .isEqualTo(Instant.parse("2027-01-01T00:00:00Z"));
        assertThat(CronSchedule.parse("@weekly").next(Instant.parse("2026-12-01T10:00:00Z"), ZoneOffset.UTC))
                .get()
                .extracting(Slot::at)
                .isEqualTo(Instant.parse("2026-12-06T00:00:00Z")); // a Sunday
    }

    @Test
    void aDailySlotInsideTheSpringForwardGapRunsOnceWhenTheGapEnds() {
        // 2026-03-29: Madrid jumps from 02:00 CET to 03:00 CEST, so 02:30 does not exist that day
        List<Slot> slots = CronSchedule.parse("30 2 * * *")
                .between(Instant.parse("2026-03-27T00:00:00Z"), Instant.parse("2026-03-31T00:00:00Z"), MADRID, 100);

        assertThat(slots)
                .extracting(Slot::at)
                .containsExactly(
                        Instant.parse("2026-03-27T01:30:00Z"),
                        Instant.parse("2026-03-28T01:30:00Z"),
                        Instant.parse("2026-03-29T01:00:00Z"), // 03:00 CEST, the end of the gap
                        Instant.parse("2026-03-30T00:30:00Z"));
        assertThat(slots.get(2).wallClock()).isEqualTo(LocalDateTime.parse("2026-03-29T02:30"));
    }

    @Test
    void aDailySlotInsideTheFallBackOverlapRunsOnceAtItsFirstOccurrence() {
        // 2026-10-25: Madrid goes back from 03:00 CEST to 02:00 CET, so 02:30 happens twice
        List<Slot> slots = CronSchedule.parse("30 2 * * *")
                .between(Instant.parse("2026-10-24T00:00:00Z"), Instant.parse("2026-10-27T00:00:00Z"), MADRID, 100);

        assertThat(slots)
                .extracting(Slot::at)
                .containsExactly(
                        Instant.parse("2026-10-24T00:30:00Z"),
                        Instant.parse("2026-10-25T00:30:00Z"), // 02:30 CEST; 02:30 CET an hour later does not run
                        Instant.parse("2026-10-26T01:30:00Z"));
    }

    @Test
    void slotsFallingIntoOneGapFireOnceTogether() {
        List<Slot> slots = CronSchedule.parse("*/30 * * * *")
                .between(Instant.parse("2026-03-28T23:59:00Z"), Instant.parse("2026-03-29T02:00:00Z"), MADRID, 100);

        assertThat(slots)
                .extracting(Slot::at)
                .containsExactly(
                        Instant.parse("2026-03-29T00:00:00Z"), // 01:00 CET
                        Instant.parse("2026-03-29T00:30:00Z"), // 01:30 CET
                        Instant.parse("2026-03-29T01:00:00Z"), // 02:00, 02:30 (gap) and 03:00 CEST, once
                        Instant.parse("2026-03-29T01:30:00Z"),
                        Instant.parse("2026-03-29T02:00:00Z"));
    }

    @Test
    void aRestrictedDayOfMonthAndDayOfWeekFireOnEitherAsCronDoes() {
        CronSchedule thirteenthOrFriday = CronSchedule.parse("0 0 13 * 5");

        assertThat(thirteenthOrFriday.next(Instant.parse("2026-11-01T00:00:00Z"), ZoneOffset.UTC))
                .get()
                .extracting(Slot::at)
                .isEqualTo(Instant.parse("2026-11-06T00:00:00Z")); // a Friday, before the 13th
        assertThat(thirteenthOrFriday.next(Instant.parse("2026-12-05T00:00:00Z"), ZoneOffset.UTC))
                .get()
                .extracting(Slot::at)
                .isEqualTo(Instant.parse("2026-12-11T00:00:00Z")); // Friday the 11th, before Sunday the 13th
        assertThat(thirteenthOrFriday.next(Instant.parse("2026-12-11T00:00:00Z"), ZoneOffset.UTC))
                .get()
                .extracting(Slot::at)
                .isEqualTo(Instant.parse("2026-12-13T00:00:00Z"));
    }

    @Test
    void namesRangesAndStepsAreUnderstood() {
        assertThat(CronSchedule.parse("0 3 * * MON-FRI").next(Instant.parse("2026-12-04T04:00:00Z"), ZoneOffset.UTC))
                .get()
                .extracting(Slot::at)
                .isEqualTo(Instant.parse("2026-12-07T03:00:00Z")); // Friday 04:00 -> Monday 03:00
        assertThat(CronSchedule.parse("0 0 1 jan *").next(Instant.parse("2026-12-04T00:00:00Z"), ZoneOffset.UTC))
                .get()
                .extracting(Slot::at)
                .isEqualTo(Instant.parse("2027-01-01T00:00:00Z"));
    }

    @Test
    void whatIsWrongWithABadCronIsSaid() {
        assertThatThrownBy(() -> CronSchedule.parse("0 0 * *")).hasMessageContaining("has 4 fields");
        assertThatThrownBy(() -> CronSchedule.parse("0 0 0 * * *")).hasMessageContaining("has 6 fields");
        assertThatThrownBy(() -> CronSchedule.parse("61 * * * *")).hasMessageContaining("'61 * * * *' is not valid");
        assertThatThrownBy(() -> CronSchedule.parse("@often")).hasMessageContaining("not a known shorthand");
        assertThatThrownBy(() -> CronSchedule.parse("0 0 30 2 *")).hasMessageContaining("never fires");
        assertThatThrownBy(() -> CronSchedule.parse(" ")).hasMessageContaining("must be 5 fields");
        assertThatThrownBy(() -> CronSchedule.parse("0 0 * * $(reboot)")).isInstanceOf(IllegalArgumentException.class);
    }
}

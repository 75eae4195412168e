package io.strata.catalog.policies;

import io.strata.catalog.policies.PolicyStore.ScheduleRow;
import io.strata.platform.catalog.PolicyApi.ScheduleRunState;
import io.strata.platform.policy.CronSchedule.Slot;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Runs every policy's schedules: each tick, the one catalog replica that holds the scheduler's advisory lock
 * looks at every schedule for slots that came due since its last recorded one, and fires (or skips, or
 * records as missed) each exactly once. Once is the database's doing, not the lock's: a slot is recorded
 * under a primary key in the same transaction that queues its job, so a second replica or a restarted
 * catalog that reaches the same slot records nothing and queues nothing.
 *
 * <p>After an outage only the newest missed slot of a schedule runs, and only when it is at most {@code
 * strata.scheduler.grace} late; the others are recorded MISSED (as far back as {@code missed-lookback}):
 * never a burst of catch-up backups.
 *
 * <p>Each tick also queues the retention that follows a source's newest scheduled backup ({@link
 * RetentionAfterBackups}).
 */
@Component
class PolicyScheduler {
    private static final Logger log = LoggerFactory.getLogger(PolicyScheduler.class);
    /** The advisory lock only the leading scheduler holds, for the length of its tick's transaction. */
    static final long LEADER_LOCK = 0x5374_7261_7461_5343L; // "StrataSC"

    private static final int MAX_SLOTS = 5_000;

    private final PolicyStore policies;
    private final ScheduleRunStore runs;
    private final ScheduleFiring firing;
    private final RetentionAfterBackups retention;
    private final SchedulerProperties properties;
    private final JdbcClient jdbc;
    private final TransactionTemplate tick;
    private final TransactionTemplate schedule;
    private final Clock clock;
    /** Each schedule's first slot after its cursor, as found by the last tick (only the leader's ticks). */
    private volatile Map<NextKey, Instant> nextSlot = Map.of();

    PolicyScheduler(
            PolicyStore policies,
            ScheduleRunStore runs,
            ScheduleFiring firing,
            RetentionAfterBackups retention,
            SchedulerProperties properties,
            JdbcClient jdbc,
            PlatformTransactionManager transactions,
            Clock clock) {
        this.policies = policies;
        this.runs = runs;
        this.firing = firing;
        this.retention = retention;
        this.properties = properties;
        this.jdbc = jdbc;
        this.tick = new TransactionTemplate(transactions);
        this.schedule = new TransactionTemplate(transactions);
        // one schedule's failure (rolled back to its savepoint) must not undo the others' fires
        this.schedule.setPropagationBehavior(TransactionDefinition.PROPAGATION_NESTED);
        this.clock = clock;
    }

    @Scheduled(fixedDelayString = "${strata.scheduler.tick:5s}", initialDelayString = "${strata.scheduler.tick:5s}")
    void onTick() {
        if (!properties.enabled()) {
            return;
        }
        try {
            runDue();
        } catch (DataAccessException e) {
            log.warn("The scheduler could not look at the schedules (trying again next tick): {}", e.getMessage());
        }
    }

    /** One tick; false when another replica leads (and this one did nothing). */
    boolean runDue() {
        Boolean led = tick.execute(status -> {
            if (!Boolean.TRUE.equals(jdbc.sql("SELECT pg_try_advisory_xact_lock(?)")
                    .param(LEADER_LOCK)
                    .query(Boolean.class)
                    .single())) {
                return false;
            }
            Instant now = clock.instant();
            Map<NextKey, Instant> nextSlots = new HashMap<>();
            for (ScheduleRow row : policies.schedules()) {
                if (!due(row, now, nextSlots)) {
                    continue;
                }
                try {
                    schedule.executeWithoutResult(s -> handle(row, now));
                } catch (RuntimeException e) {
                    log.error(
                            "Schedule '{}' of source {} failed; it is tried again next tick",
                            row.entry().key(),
                            row.source(),
                            e);
                }
            }
            nextSlot = nextSlots;
            try {
                schedule.executeWithoutResult(s -> retention.queueDue(now));
            } catch (RuntimeException e) {
                log.error("Queueing the retention due after scheduled backups failed; tried again next tick", e);
            }
            return true;
        });
        return Boolean.TRUE.equals(led);
    }

    /** What a schedule's next slot depends on: the schedule (its key holds its cron), its zone and cursor. */
    private record NextKey(String source, String key, ZoneId zone, Instant cursor) {}

    /**
     * Whether a slot of {@code row} may be due: its first slot after its cursor is not later than now (less
     * the source's spread). That slot is remembered from tick to tick for as long as the schedule and its
     * cursor stay the same, so an idle tick neither parses a cron again nor opens a savepoint per schedule;
     * {@code nextSlots} becomes the memory for the next tick, without the schedules that went.
     */
    private boolean due(ScheduleRow row, Instant now, Map<NextKey, Instant> nextSlots) {
        NextKey key = new NextKey(row.source(), row.entry().key(), row.entry().zone(), row.cursor());
        Instant next = nextSlot.get(key);
        if (next == null) {
            try {
                next = row.entry()
                        .schedule()
                        .next(row.cursor(), row.entry().zone())
                        .map(Slot::at)
                        .orElse(Instant.MAX);
            } catch (RuntimeException e) {
                log.error(
                        "Schedule '{}' of source {} cannot be read", row.entry().key(), row.source(), e);
                return false;
            }
        }
        nextSlots.put(key, next);
        Instant dueUntil = now.minus(properties.offset(row.source()));
        if (next.isBefore(dueUntil.minus(properties.missedLookback()))) {
            // slots older than the look-back are not recorded, so the cursor stays where it is: ask again from
            // the look-back (rare: a schedule with no slot since long before it)
            next = row.entry()
                    .schedule()
                    .next(
                            dueUntil.minus(properties.missedLookback()),
                            row.entry().zone())
                    .map(Slot::at)
                    .orElse(Instant.MAX);
        }
        return !next.isAfter(dueUntil);
    }

    private void handle(ScheduleRow row, Instant now) {
        Duration offset = properties.offset(row.source());
        Instant dueUntil = now.minus(offset);
        Instant lookback = dueUntil.minus(properties.missedLookback());
        Instant from = row.cursor().isBefore(lookback) ? lookback : row.cursor();
        List<Slot> due =
                row.entry().schedule().between(from, dueUntil, row.entry().zone(), MAX_SLOTS);
        if (due.isEmpty()) {
            return;
        }
        for (Slot missed : due.subList(0, due.size() - 1)) {
            runs.record(
                    row.source(),
                    row.entry(),
                    missed.at(),
                    ScheduleRunState.MISSED,
                    "no scheduler ran at its time; only the newest missed slot of a schedule runs",
                    null,
                    now);
        }
        Slot newest = due.getLast();
        Duration late = Duration.between(newest.at().plus(offset), now);
        if (late.compareTo(properties.grace()) > 0) {
            runs.record(
                    row.source(),
                    row.entry(),
                    newest.at(),
                    ScheduleRunState.MISSED,
                    "no scheduler ran at its time, and it is " + late.toSeconds() + " s late, beyond the grace of "
                            + properties.grace().toSeconds() + " s (strata.scheduler.grace)",
                    null,
                    now);
            return;
        }
        firing.fire(row.source(), row.entry(), newest.at(), now);
    }
}

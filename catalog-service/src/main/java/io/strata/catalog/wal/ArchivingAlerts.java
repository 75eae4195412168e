package io.strata.catalog.wal;

import io.strata.catalog.alerts.AlertBook;
import io.strata.catalog.recovery.Recoverability;
import io.strata.common.alert.Alert;
import io.strata.common.wal.WalArchivingStatus;
import io.strata.platform.catalog.CatalogApi.WalGap;
import jakarta.annotation.PreDestroy;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Alerts on {@code strata.alerts} about WAL archiving, from the wal-archiver's heartbeats:
 *
 * <ul>
 *   <li>{@code WAL_ARCHIVING_STOPPED}: a source whose archiving is on has had no heartbeat, or none
 *       saying STREAMING, for {@code strata.alerts.archiving-stopped-after} (the archiver is down, or
 *       cannot reach the source);
 *   <li>{@code WAL_ARCHIVING_BEHIND}: WAL received but not yet durable exceeds
 *       {@code strata.alerts.archiving-behind-bytes};
 *   <li>{@code WAL_GAP} (critical): WAL is missing between the newest usable physical backup and the newest
 *       archived WAL, so the latest point cannot be restored (a slot dropped or invalidated while the source went
 *       on writing; segments removed by hand). The recovery planner looks for it every {@code
 *       strata.alerts.gap-check-every}, and it fires when the same segment is found missing twice in a row (not
 *       on a segment whose event is still on its way). It resolves once a physical backup taken after the gap
 *       makes the latest point reachable again, or when archiving is switched off; while no physical backup is
 *       usable at all, it stays as it is.
 * </ul>
 *
 * Each is published once when it starts (FIRING) and once when it ends (RESOLVED), through the outbox. The
 * alert state is kept in the catalog's database ({@link AlertBook}): a restarted catalog picks up the open
 * alerts and neither fires them again nor forgets to resolve them. The heartbeats themselves are in memory,
 * so after a restart a source gets the grace period again before it can be found stopped.
 */
@Component
public class ArchivingAlerts {
    static final String STOPPED = "WAL_ARCHIVING_STOPPED";
    static final String BEHIND = "WAL_ARCHIVING_BEHIND";
    static final String GAP = "WAL_GAP";
    private static final Logger log = LoggerFactory.getLogger(ArchivingAlerts.class);
    private final JdbcClient jdbc;
    private final AlertBook book;
    private final Clock clock;
    private final Duration stoppedAfter;
    private final long behindBytes;
    private final Recoverability recoverability;
    private final Duration gapCheckEvery;
    private final Map<String, Instant> lastGapCheck = new ConcurrentHashMap<>();
    /** Per source, the missing segments the last check found (absent: none). */
    private final Map<String, List<String>> lastGap = new ConcurrentHashMap<>();

    private final Map<String, WalArchivingStatus> lastStatus = new ConcurrentHashMap<>();
    private final Map<String, Instant> lastStreaming = new ConcurrentHashMap<>();
    private final Map<String, Instant> firstSeen = new ConcurrentHashMap<>();
    private final Map<String, Alert> firing = new ConcurrentHashMap<>();
    private volatile boolean loaded;
    /** Runs the gap checks (recovery plans), so a slow plan delays neither this class's other alerts nor the
     * scheduler's other tasks (the lease sweeper, the policy schedules), which share one thread. */
    private final Executor gapChecks;

    private final AtomicBoolean gapPassRunning = new AtomicBoolean();
    private volatile Instant gapPassStarted;
    private volatile boolean gapPassLate;

    @Autowired
    ArchivingAlerts(
            JdbcClient jdbc,
            AlertBook book,
            Clock clock,
            @Value("${strata.alerts.archiving-stopped-after:60s}") Duration stoppedAfter,
            @Value("${strata.alerts.archiving-behind-bytes:67108864}") long behindBytes,
            Recoverability recoverability,
            @Value("${strata.alerts.gap-check-every:60s}") Duration gapCheckEvery) {
        this(
                jdbc,
                book,
                clock,
                stoppedAfter,
                behindBytes,
                recoverability,
                gapCheckEvery,
                Executors.newSingleThreadExecutor(
                        Thread.ofPlatform().daemon().name("wal-gap-checks").factory()));
    }

    ArchivingAlerts(
            JdbcClient jdbc,
            AlertBook book,
            Clock clock,
            Duration stoppedAfter,
            long behindBytes,
            Recoverability recoverability,
            Duration gapCheckEvery,
            Executor gapChecks) {
        this.gapChecks = gapChecks;
        this.jdbc = jdbc;
        this.book = book;
        this.clock = clock;
        this.stoppedAfter = stoppedAfter;
        this.behindBytes = behindBytes;
        this.recoverability = recoverability;
        this.gapCheckEvery = gapCheckEvery;
    }

    void observe(WalArchivingStatus status) {
        lastStatus.put(status.source(), status);
        if ("STREAMING".equals(status.state())) {
            lastStreaming.put(status.source(), status.observedAt());
        }
    }

    @Scheduled(fixedDelayString = "${strata.alerts.evaluate-every:5s}")
    void evaluate() {
        Instant now = clock.instant();
        if (!loaded) {
            book.open().stream()
                    .filter(a -> a.alert().equals(STOPPED)
                            || a.alert().equals(BEHIND)
                            || a.alert().equals(GAP))
                    .forEach(a -> firing.put(a.source() + "|" + a.alert(), a));
            loaded = true;
        }
        List<String> archived = jdbc.sql("SELECT name FROM source WHERE wal_archiving ORDER BY name")
                .query(String.class)
                .list();
        for (String source : archived) {
            Optional<WalArchivingStatus> status = Optional.ofNullable(lastStatus.get(source));
            // a source just switched on (or a catalog just started) gets the full grace period
            Instant seen = firstSeen.computeIfAbsent(source, name -> now);
            Instant streaming = lastStreaming.getOrDefault(source, seen);
            boolean stopped = Duration.between(streaming, now).compareTo(stoppedAfter) > 0;
            String why = status.map(s -> "the wal-archiver reports " + s.state()
                            + (s.lastError() == null ? "" : " (" + s.lastError() + ")")
                            + " since its last STREAMING at "
                            + streaming)
                    .orElse("no heartbeat from the wal-archiver since " + streaming);
            set(
                    source,
                    STOPPED,
                    stopped,
                    "critical",
                    "WAL archiving of " + source + " has stopped: " + why
                            + ". Until it resumes, recent changes cannot be restored; the replication slot keeps the WAL on"
                            + " the source meanwhile (watch its disk). Check GET /api/v1/sources/" + source + "/wal.",
                    now);
            long lag = status.map(WalArchivingStatus::lagBytes).orElse(0L);
            set(
                    source,
                    BEHIND,
                    !stopped && lag > behindBytes,
                    "warning",
                    "WAL archiving of " + source + " is "
                            + lag + " bytes behind what it received (threshold " + behindBytes
                            + "): uploads are slower than"
                            + " the source writes WAL. Check the object store.",
                    now);
        }
        // WAL_GAP is the gap checks' own: they resolve it for a source switched off, too
        firing.keySet().removeIf(key -> !key.endsWith("|" + GAP) && switchedOff(key, archived, now));
        startGapPass(archived);
        // a source switched off forgets its heartbeats: switched on again, it gets the full grace period
        Set<String> on = Set.copyOf(archived);
        for (Map<String, ?> seen : List.of(lastStatus, lastStreaming, firstSeen, lastGapCheck, lastGap)) {
            seen.keySet().retainAll(on);
        }
    }

    @PreDestroy
    void stopGapChecks() {
        if (gapChecks instanceof java.util.concurrent.ExecutorService service) {
            service.shutdownNow();
        }
    }

    /** Resolves the alert {@code key} when its source is not {@code archived} any more; whether it did. */
    private boolean switchedOff(String key, List<String> archived, Instant now) {
        String source = key.substring(0, key.indexOf('|'));
        if (archived.contains(source)) {
            return false;
        }
        publish(firing.get(key), Alert.RESOLVED, "WAL archiving of " + source + " was switched off", now);
        return true;
    }

    /**
     * One pass of gap checks over the {@code archived} sources, on {@link #gapChecks}; none while the last one
     * still runs (its sources are checked again on a later pass).
     */
    private void startGapPass(List<String> archived) {
        if (!gapPassRunning.compareAndSet(false, true)) {
            Instant since = gapPassStarted;
            Duration running = since == null ? Duration.ZERO : Duration.between(since, clock.instant());
            if (running.compareTo(gapCheckEvery.multipliedBy(2).plusMinutes(1)) > 0 && !gapPassLate) {
                gapPassLate = true;
                log.warn(
                        "a pass of WAL gap checks has been running for {} (a recovery plan that does not end?):"
                                + " no source is checked for gaps until it ends",
                        running);
            }
            return;
        }
        gapPassStarted = clock.instant();
        gapPassLate = false;
        try {
            gapChecks.execute(() -> {
                try {
                    for (String source : archived) {
                        checkGap(source, clock.instant());
                    }
                    firing.keySet()
                            .removeIf(key -> key.endsWith("|" + GAP) && switchedOff(key, archived, clock.instant()));
                } catch (RuntimeException e) {
                    log.warn("a pass of WAL gap checks failed (will retry): {}", e.toString());
                } finally {
                    gapPassRunning.set(false);
                }
            });
        } catch (RuntimeException e) {
            gapPassRunning.set(false);
            throw e;
        }
    }

    /**
     * Every {@link #gapCheckEvery}: asks the planner whether the latest point is reachable; see the class. A
     * source's first check comes at an offset of its own within the interval, so that many sources do not all
     * plan in the same pass.
     */
    private void checkGap(String source, Instant now) {
        Instant last = lastGapCheck.computeIfAbsent(
                source,
                name -> now.minus(
                        Duration.ofMillis(Math.floorMod(name.hashCode(), Math.max(1, gapCheckEvery.toMillis())))));
        if (Duration.between(last, now).compareTo(gapCheckEvery) < 0) {
            return;
        }
        lastGapCheck.put(source, now);
        Recoverability.LatestPoint latest;
        try {
            latest = recoverability.latestPoint(source);
        } catch (RuntimeException e) {
            log.warn("cannot check the WAL archive of {} for gaps (will retry): {}", source, e.toString());
            return;
        }
        WalGap gap = latest.gap();
        if (gap == null) {
            lastGap.remove(source);
            if (latest.restorable()) {
                set(source, GAP, false, "critical", null, now);
            }
            // else nothing can be planned (no usable physical backup left): an open WAL_GAP stays open
            return;
        }
        List<String> before = lastGap.put(source, gap.missingSegments());
        if (!gap.missingSegments().equals(before)) {
            return; // first seen: confirmed (or not) by the next check
        }
        set(
                source,
                GAP,
                true,
                "critical",
                "WAL is missing from the archive of " + source + " (segment "
                        + String.join(", ", gap.missingSegments()) + "), so the latest point cannot be restored: "
                        + gap.message(),
                now);
    }

    private void set(String source, String alert, boolean active, String severity, String message, Instant now) {
        String key = source + "|" + alert;
        Alert current = firing.get(key);
        if (active && current == null) {
            Alert fired = new Alert(Alert.SCHEMA_VERSION, source, alert, Alert.FIRING, severity, message, now, now);
            if (publish(fired, Alert.FIRING, message, now)) {
                firing.put(key, fired);
            }
        } else if (!active && current != null) {
            if (publish(current, Alert.RESOLVED, alert + " of " + source + " is over", now)) {
                firing.remove(key);
            }
        }
    }

    private boolean publish(Alert alert, String status, String message, Instant now) {
        Alert event = new Alert(
                Alert.SCHEMA_VERSION,
                alert.source(),
                alert.alert(),
                status,
                alert.severity(),
                message,
                alert.since(),
                now);
        try {
            return book.record(event);
        } catch (RuntimeException e) {
            log.warn("cannot store alert {} for {} (will retry): {}", alert.alert(), alert.source(), e.toString());
            return false;
        }
    }
}

package io.strata.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.strata.devstack.DevStack;
import io.strata.devstack.DevStackOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Issue #10's scheduler measurement, not a test (its name keeps it out of the suite; run it with
 * {@code bench/schedule-fanout.sh}): 50 sources on a dev stack of its own with two backup-worker instances,
 * every source's policy a logical FULL backup every minute. It reports whether every slot was recorded once
 * and FIRED once, the delay from each slot to its job's start (p50, p95, max), and the catalog's CPU while
 * the same 50 policies are idle (their next slot hours away).
 */
class ScheduleFanOutBench {
    private static final int SOURCES = 50;
    private static final int SLOTS = 3;
    private static final long CLOCK_TICKS = 100; // USER_HZ on Linux

    @Test
    void fiftySourcesFiringInTheSameMinute() throws Exception {
        Path repoRoot = Path.of(System.getProperty("strata.repoRoot", ".."))
                .toAbsolutePath()
                .normalize();
        Path state = Files.createTempDirectory("strata-bench-");
        try (DevStack stack = DevStack.start(new DevStackOptions(state, repoRoot, true, false).withWorkers(2, 1))) {
            Api admin = new Api(stack.gatewayUrl(), stack.adminToken());
            Api viewer = admin.as(stack.viewerToken());
            List<String> sources = new ArrayList<>();
            for (int i = 0; i < SOURCES; i++) {
                String database = "fanout_" + i;
                SampleDatabase.create(stack.sourceCluster(), database, 200);
                String source = "fanout-" + i;
                Api.Response created = admin.post(
                        "/api/v1/sources",
                        Map.of(
                                "name", source,
                                "host", stack.sourceCluster().host(),
                                "port", stack.sourceCluster().port(),
                                "database", database,
                                "username", stack.sourceCluster().superuser(),
                                "password", stack.sourceCluster().password()));
                assertThat(created.status()).as(created.toString()).isEqualTo(201);
                sources.add(source);
            }
            long catalogPid = stack.service("catalog-service").pid();

            // idle: the 50 sources without policies, then with policies whose slots are hours away. The first
            // minute after registering them is not counted: measured, it came out higher than the minute with
            // policies that followed (the catalog's compiler and collector still settling)
            idle(catalogPid, "no policies, settling (not a baseline)");
            idle(catalogPid, "no policies");
            sources.forEach(source -> policy(admin, source, "0 3 * * *"));
            Thread.sleep(30_000);
            idle(catalogPid, SOURCES + " policies");
            if (Boolean.getBoolean("bench.idleOnly")) {
                return;
            }

            // every minute, from the next whole minute on
            Instant set = Instant.now();
            sources.forEach(source -> policy(admin, source, "* * * * *"));
            Instant firstSlot = set.plusSeconds(60).truncatedTo(java.time.temporal.ChronoUnit.MINUTES);
            Instant lastSlot = firstSlot.plusSeconds(60L * (SLOTS - 1));
            await().atMost(Duration.ofMinutes(SLOTS + 4))
                    .pollInterval(Duration.ofSeconds(5))
                    .until(() -> sources.stream()
                            .allMatch(source -> runs(viewer, source).stream()
                                    .anyMatch(run -> !Instant.parse(
                                                    run.get("slot").asString())
                                            .isBefore(lastSlot))));
            sources.forEach(source -> policy(admin, source, "0 3 * * *"));

            Map<String, Integer> states = new HashMap<>();
            List<Double> delays = new ArrayList<>();
            int duplicates = 0;
            int slotsSeen = 0;
            List<String> notStarted = new ArrayList<>();
            for (String source : sources) {
                Set<String> slots = new HashSet<>();
                for (JsonNode run : runs(viewer, source)) {
                    Instant slot = Instant.parse(run.get("slot").asString());
                    if (slot.isBefore(firstSlot) || slot.isAfter(lastSlot)) {
                        continue;
                    }
                    slotsSeen++;
                    if (!slots.add(run.get("slot").asString())) {
                        duplicates++;
                    }
                    states.merge(run.get("state").asString(), 1, Integer::sum);
                    if ("FIRED".equals(run.get("state").asString())) {
                        JsonNode job = await().atMost(Duration.ofMinutes(5))
                                .pollInterval(Duration.ofSeconds(2))
                                .until(
                                        () -> viewer.get("/api/v1/jobs/"
                                                        + run.get("jobId").asString())
                                                .json(),
                                        j -> j.get("startedAt") != null
                                                && !j.get("startedAt").isNull());
                        Instant started = Instant.parse(job.get("startedAt").asString());
                        delays.add(Duration.between(slot, started).toMillis() / 1000.0);
                    } else {
                        notStarted.add(
                                source + " " + slot + " " + run.get("state").asString() + ": "
                                        + (run.get("reason") == null
                                                ? ""
                                                : run.get("reason").asString()));
                    }
                }
            }
            delays.sort(Double::compare);
            System.out.printf(
                    "fan-out: %d sources x %d slots (%s to %s): %d slot records, %d duplicates, states %s%n",
                    SOURCES, SLOTS, firstSlot, lastSlot, slotsSeen, duplicates, states);
            System.out.printf(
                    "fan-out: delay from slot to JobStarted over %d jobs: p50 %.1f s, p95 %.1f s, max %.1f s%n",
                    delays.size(), percentile(delays, 50), percentile(delays, 95), delays.getLast());
            notStarted.forEach(line -> System.out.println("fan-out: not fired: " + line));
            assertThat(duplicates).isZero();
            assertThat(slotsSeen).isEqualTo(SOURCES * SLOTS);
        }
    }

    /** The catalog's CPU over the next minute, printed. */
    private static void idle(long catalogPid, String what) throws Exception {
        long idleTicks = cpuTicks(catalogPid);
        Instant idleFrom = Instant.now();
        Thread.sleep(60_000);
        double idleSeconds = Duration.between(idleFrom, Instant.now()).toMillis() / 1000.0;
        double idleCpu = (cpuTicks(catalogPid) - idleTicks) / (double) CLOCK_TICKS;
        System.out.printf(
                "idle: catalog used %.2f CPU-s in %.0f s, %d sources, %s (%.2f %% of one core; scheduler tick %s,"
                        + " lease sweep %s)%n",
                idleCpu,
                idleSeconds,
                SOURCES,
                what,
                100 * idleCpu / idleSeconds,
                System.getenv().getOrDefault("STRATA_SCHEDULER_TICK", "1s"),
                System.getenv().getOrDefault("STRATA_CATALOG_LEASE_SWEEP_INTERVAL", "1s"));
    }

    private static void policy(Api admin, String source, String cron) {
        Api.Response put = admin.put(
                "/api/v1/sources/" + source + "/policy",
                Map.of("schedules", List.of(Map.of("kind", "LOGICAL", "type", "FULL", "cron", cron)), "zone", "UTC"));
        assertThat(put.status()).as(put.toString()).isEqualTo(200);
    }

    private static List<JsonNode> runs(Api viewer, String source) {
        List<JsonNode> runs = new ArrayList<>();
        viewer.get("/api/v1/sources/" + source + "/schedule-runs?limit=50")
                .json()
                .forEach(runs::add);
        return runs;
    }

    private static double percentile(List<Double> sorted, int p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }

    /** User plus system CPU of a process, in clock ticks, from /proc (fields 14 and 15). */
    private static long cpuTicks(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
    }
}

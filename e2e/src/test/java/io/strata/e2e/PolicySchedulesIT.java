package io.strata.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Issue #10 through the gateway on the real stack: a policy set once runs its schedule on its own (the dev
 * stack's catalog looks every second and spreads a source's slots over at most 5 s), and bad policies are
 * refused naming the field, with nothing stored.
 */
class PolicySchedulesIT extends StackTestSupport {

    @Test
    void anEveryMinuteIncrementalScheduleTakesItsFirstBackupAsFullThenIncrementalsOnItsOwn() throws Exception {
        String source = registerArchivedSource(unique("policy"), 500);
        Api.Response set = admin.put("/api/v1/sources/" + source + "/policy", """
                {"schedules":[{"kind":"PHYSICAL","type":"INCREMENTAL","cron":"* * * * *"}],
                 "zone":"Europe/Madrid","retention":{"keepLast":3},"staleAfterHours":24}""");
        assertThat(set.status()).as(set.toString()).isEqualTo(200);
        try {
            checkScheduleRuns(source, set.json());
        } finally {
            // a policy without schedules stops them: no slot after this one fires, whatever the test found
            assertThat(admin.put("/api/v1/sources/" + source + "/policy", "{}").status())
                    .isEqualTo(200);
        }
    }

    private void checkScheduleRuns(String source, JsonNode policy) {
        assertThat(policy.get("zone").asString()).isEqualTo("Europe/Madrid");
        JsonNode next = policy.get("nextRuns").get(0);
        assertThat(next.get("job").asString()).isEqualTo("BACKUP");
        assertThat(next.get("type").asString()).isEqualTo("INCREMENTAL");
        Instant nextAt = Instant.parse(next.get("at").asString());
        assertThat(nextAt)
                .isAfter(Instant.now().minusSeconds(5))
                .isBefore(Instant.now().plusSeconds(61));
        assertThat(viewer.get("/api/v1/sources/" + source + "/policy").json().get("schedules"))
                .hasSize(1);
        assertThat(names(viewer.get("/api/v1/policies").json())).contains(source);

        JsonNode fired = await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> firstFired(source), run -> run != null);
        assertThat(Instant.parse(fired.get("slot").asString())).isEqualTo(nextAt);
        JsonNode job = awaitSucceeded(fired.get("jobId").asString());
        assertThat(job.get("requestId").asString()).startsWith("schedule " + nextAt);
        JsonNode backup =
                viewer.get("/api/v1/backups/" + job.get("backupId").asString()).json();
        assertThat(backup.get("requestedType").asString()).isEqualTo("INCREMENTAL");
        assertThat(backup.get("type").asString())
                .as("the source's first backup has no parent")
                .isEqualTo("FULL");
        assertThat(backup.get("description").asString()).isEqualTo("scheduled: * * * * * (Europe/Madrid)");

        JsonNode summary = viewer.get("/api/v1/sources/" + source + "/summary").json();
        assertThat(summary.get("health").asString()).as(summary.toString()).isEqualTo("OK");
        assertThat(summary.get("backups")).hasSize(1);
        JsonNode full = summary.get("backups").get(0);
        assertThat(full.get("kind").asString()).isEqualTo("PHYSICAL");
        assertThat(full.get("type").asString()).isEqualTo("FULL");
        assertThat(full.get("count").asInt()).isEqualTo(1);
        assertThat(full.get("storedBytes").asLong()).isPositive();
        assertThat(summary.get("storedBytes").asLong())
                .isEqualTo(full.get("storedBytes").asLong());
        assertThat(summary.get("nextRuns")).hasSize(1);
        assertThat(summary.get("openAlerts")).isEmpty();
        assertProblem(viewer.get("/api/v1/sources/no-such-source/summary"), 404);
        // the policy's retention follows the scheduled backup on its own (keepLast 3: nothing to delete yet)
        String after = "retention after " + job.get("jobId").asString();
        JsonNode retention = await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofSeconds(1))
                .until(
                        () -> retentionJob(source, after),
                        r -> r != null && TERMINAL.contains(r.get("status").asString()));
        assertThat(retention.get("status").asString()).as(retention.toString()).isEqualTo("SUCCEEDED");

        // a later minute's slot (the next one, unless the FULL still ran then: SKIPPED), on time, is an
        // INCREMENTAL on top of that FULL
        JsonNode second = await().atMost(Duration.ofSeconds(180))
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> firedAfter(source, nextAt), run -> run != null);
        Instant secondSlot = Instant.parse(second.get("slot").asString());
        assertThat(secondSlot.getEpochSecond() % 60).as("a whole minute").isZero();
        JsonNode secondJob = awaitSucceeded(second.get("jobId").asString());
        assertThat(Duration.between(
                        secondSlot, Instant.parse(secondJob.get("startedAt").asString())))
                .as("started within the spread and a dispatch of its slot")
                .isLessThan(Duration.ofSeconds(30));
        JsonNode incremental = viewer.get(
                        "/api/v1/backups/" + secondJob.get("backupId").asString())
                .json();
        assertThat(incremental.get("type").asString()).isEqualTo("INCREMENTAL");
        assertThat(incremental.get("parentBackupId").asString())
                .isEqualTo(job.get("backupId").asString());
    }

    /** The oldest FIRED schedule run of a slot after {@code slot}, once there is one. */
    private JsonNode firedAfter(String source, Instant slot) {
        JsonNode oldest = null;
        for (JsonNode run :
                viewer.get("/api/v1/sources/" + source + "/schedule-runs").json()) {
            if ("FIRED".equals(run.get("state").asString())
                    && Instant.parse(run.get("slot").asString()).isAfter(slot)) {
                oldest = run; // newest first: the last one found is the oldest
            }
        }
        return oldest;
    }

    /**
     * The source's RETENTION job asked for by {@code requestId} that ended other than {@code SOURCE_BUSY} (a
     * run that found the source's next backup running is queued again), if there is one yet.
     */
    private JsonNode retentionJob(String source, String requestId) {
        for (JsonNode j :
                viewer.get("/api/v1/jobs?source=" + source + "&kind=RETENTION").json()) {
            boolean busy = j.get("error") != null
                    && !j.get("error").isNull()
                    && "SOURCE_BUSY".equals(j.get("error").get("code").asString());
            if (requestId.equals(j.get("requestId").asString()) && !busy) {
                return j;
            }
        }
        return null;
    }

    @Test
    void badPoliciesAreRefusedNamingTheFieldAndNothingIsStored() throws Exception {
        String source = registerSampleSource(unique("badpolicy"), 10);
        String path = "/api/v1/sources/" + source + "/policy";

        Api.Response malformed = admin.put(path, """
                {"schedules":[{"kind":"LOGICAL","type":"FULL","cron":"0 0 * *"},
                              {"kind":"LOGICAL","type":"FULL","cron":"61 * * * *"}],
                 "zone":"Mars/Olympus","retention":{"keepDaily":-1},"verify":{"cron":"@often"},
                 "staleAfterHours":0}""");
        assertProblem(malformed, 400);
        assertThat(fields(malformed.json()))
                .containsExactlyInAnyOrder(
                        "schedules[0].cron",
                        "schedules[1].cron",
                        "zone",
                        "retention.keepDaily",
                        "verify.cron",
                        "staleAfterHours");
        assertThat(malformed.json().toString()).contains("has 4 fields", "Mars/Olympus");

        Api.Response physical = admin.put(path, """
                {"schedules":[{"kind":"PHYSICAL","type":"FULL","cron":"@daily"}]}""");
        assertProblem(physical, 422);
        assertThat(fields(physical.json())).containsExactly("schedules[0].kind");
        assertThat(physical.json().get("detail").asString()).contains("wal-archiving");

        Api.Response logicalIncremental = admin.put(path, """
                {"schedules":[{"kind":"LOGICAL","type":"INCREMENTAL","cron":"@daily"}]}""");
        assertProblem(logicalIncremental, 422);
        assertThat(fields(logicalIncremental.json())).containsExactly("schedules[0].type");

        assertProblem(admin.put(path, "{\"schedules\":[{\"kind\":\"LOGICAL\",\"cron\":\"@daily\",\"at\":1}]}"), 400);
        assertProblem(operator.put(path, "{}"), 403);
        assertProblem(admin.put("/api/v1/sources/no-such-source/policy", "{}"), 404);
        assertProblem(viewer.get(path), 404);
        assertThat(names(viewer.get("/api/v1/policies").json())).doesNotContain(source);
        assertThat(viewer.get("/api/v1/sources/" + source + "/schedule-runs").json())
                .isEmpty();
    }

    private JsonNode firstFired(String source) {
        for (JsonNode run :
                viewer.get("/api/v1/sources/" + source + "/schedule-runs").json()) {
            if ("FIRED".equals(run.get("state").asString())) {
                return run;
            }
        }
        return null;
    }

    private static List<String> fields(JsonNode problem) {
        List<String> fields = new ArrayList<>();
        problem.get("errors").forEach(e -> fields.add(e.get("field").asString()));
        return fields;
    }

    private static List<String> names(JsonNode policies) {
        List<String> names = new ArrayList<>();
        policies.forEach(p -> names.add(p.get("source").asString()));
        return names;
    }
}

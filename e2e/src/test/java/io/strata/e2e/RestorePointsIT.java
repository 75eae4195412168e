package io.strata.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.strata.common.model.Lsn;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

class RestorePointsIT extends StackTestSupport {

    @Test
    void restorePointsAreCreatedOnTheSourceListedNewestFirstAndSeenArchived() throws Exception {
        String database = unique("rpshop");
        String source = registerSampleSource(database, 100);
        assertThat(admin.put("/api/v1/sources/" + source + "/wal-archiving", Map.of("enabled", true))
                        .status())
                .isEqualTo(200);

        Api.Response first = operator.post(
                "/api/v1/sources/" + source + "/restore-points",
                Map.of("name", "before-upgrade-2026.11", "description", "ERP 17.0 to 18.0"));
        assertThat(first.status()).as(first.toString()).isEqualTo(201);
        Lsn firstLsn = Lsn.parse(first.text("lsn"));
        assertThat(first.json().get("timeline").asInt()).isEqualTo(1);
        assertThat(first.text("createdAt")).isNotBlank();

        SampleDatabase.execute(sourceCluster, database, "ALTER TABLE invoices ADD COLUMN currency text DEFAULT 'EUR'");
        Api.Response second =
                operator.post("/api/v1/sources/" + source + "/restore-points", Map.of("name", "after-schema-change"));
        assertThat(second.status()).as(second.toString()).isEqualTo(201);
        assertThat(Lsn.parse(second.text("lsn"))).isGreaterThan(firstLsn);

        JsonNode listed =
                viewer.get("/api/v1/sources/" + source + "/restore-points").json();
        assertThat(listed).hasSize(2);
        assertThat(listed.get(0).get("name").asString()).isEqualTo("after-schema-change");
        assertThat(listed.get(1).get("name").asString()).isEqualTo("before-upgrade-2026.11");
        assertThat(listed.get(1).get("description").asString()).isEqualTo("ERP 17.0 to 18.0");

        try (var c = sourceCluster.connect(database);
                var s = c.createStatement()) {
            s.execute("SELECT pg_switch_wal()");
        }
        await().atMost(Duration.ofMinutes(1))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    JsonNode now = viewer.get("/api/v1/sources/" + source + "/restore-points")
                            .json();
                    assertThat(now)
                            .allSatisfy(p -> assertThat(p.get("archived").asBoolean())
                                    .as(p.toString())
                                    .isTrue());
                });
    }

    @Test
    void duplicateNamesAreRefusedAndTheFirstKept() throws Exception {
        String source = registerSampleSource(unique("rpdup"), 10);
        assertThat(operator.post("/api/v1/sources/" + source + "/restore-points", Map.of("name", "nightly"))
                        .status())
                .isEqualTo(201);

        Api.Response again = operator.post("/api/v1/sources/" + source + "/restore-points", Map.of("name", "nightly"));

        assertProblem(again, 409);
        assertThat(again.json().get("detail").asString()).contains("nightly");
        assertThat(viewer.get("/api/v1/sources/" + source + "/restore-points").json())
                .hasSize(1);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "",
                "   ",
                "name with spaces",
                "x'; SELECT pg_terminate_backend(1); --",
                "a-name-that-is-longer-than-sixty-three-characters-which-postgres-refuses"
            })
    void badNamesAreRefusedWithTheRule(String name) throws Exception {
        String source = sharedSource();
        Api.Response refused = operator.post("/api/v1/sources/" + source + "/restore-points", Map.of("name", name));

        assertProblem(refused, 400);
        assertThat(refused.body()).contains("name");
        assertThat(viewer.get("/api/v1/sources/" + source + "/restore-points").json())
                .isEmpty();
    }

    @Test
    void viewersCannotCreateAndUnknownSourcesAreNotFound() throws Exception {
        String source = sharedSource();
        assertProblem(viewer.post("/api/v1/sources/" + source + "/restore-points", Map.of("name", "x")), 403);
        assertProblem(operator.post("/api/v1/sources/no-such-source/restore-points", Map.of("name", "x")), 404);
        assertProblem(viewer.get("/api/v1/sources/no-such-source/restore-points"), 404);
    }

    private static String shared;

    private synchronized String sharedSource() throws Exception {
        if (shared == null) {
            shared = registerSampleSource(unique("rpbad"), 10);
        }
        return shared;
    }
}

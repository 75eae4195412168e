package io.strata.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BadInputIT extends StackTestSupport {
    private static String source;
    private static String database;
    private static String backupId;

    @BeforeEach
    void oneSourceWithOneBackup() throws Exception {
        synchronized (BadInputIT.class) {
            if (source == null) {
                database = unique("badinput");
                source = registerSampleSource(database, 500);
                backupId = backupAndWait(source);
            }
        }
    }

    @Test
    void unknownSourceIsRefused() {
        int jobs = jobCount();
        assertProblem(operator.post("/api/v1/backups", Api.backupOf("no-such-source")), 422);
        assertThat(jobCount()).isEqualTo(jobs);
    }

    @Test
    void unknownBackupIdIsRefused() throws Exception {
        String target = unique("never");
        assertProblem(
                admin.post(
                        "/api/v1/restores",
                        Map.of(
                                "source",
                                source,
                                "backupId",
                                "20200101T000000Z-abcdef",
                                "into",
                                Map.of("database", target))),
                422);
        assertThat(SampleDatabase.exists(sourceCluster, target)).isFalse();
    }

    @Test
    void malformedJsonIsRefused() {
        int jobs = jobCount();
        assertProblem(operator.post("/api/v1/backups", "{\"source\": \"" + source + "\", "), 400);
        assertThat(jobCount()).isEqualTo(jobs);
    }

    @Test
    void missingFieldsAreNamed() {
        Api.Response response = operator.post("/api/v1/backups", Map.of("kind", "LOGICAL"));
        assertProblem(response, 400);
        assertThat(response.body()).contains("source");
        assertProblem(admin.post("/api/v1/restores", Map.of("source", source, "backupId", backupId)), 400);
    }

    @Test
    void takenSourceNameIsRefusedAndTheFirstRegistrationKept() {
        Api.Response again = admin.post(
                "/api/v1/sources",
                java.util.Map.of(
                        "name",
                        source,
                        "host",
                        "127.0.0.9", // inside the dev stack's allowed networks: the name alone is the problem
                        "port",
                        5432,
                        "database",
                        "other",
                        "username",
                        "x",
                        "password",
                        "y"));
        assertProblem(again, 409);
        assertThat(again.json().get("detail").asString()).contains(source);
        Api.Response kept = viewer.get("/api/v1/sources/" + source);
        assertThat(kept.text("database")).isEqualTo(database);
        assertThat(kept.body()).doesNotContain("password");
    }

    @Test
    void missingTokenIs401() {
        assertProblem(anonymous.post("/api/v1/backups", Api.backupOf(source)), 401);
        assertProblem(anonymous.get("/api/v1/jobs"), 401);
        assertProblem(admin.as("not-a-token").get("/api/v1/jobs"), 401);
    }

    @Test
    void viewerCannotRestoreOrBackUp() throws Exception {
        String target = unique("viewer");
        assertProblem(
                viewer.post(
                        "/api/v1/restores",
                        Map.of("source", source, "backupId", backupId, "into", Map.of("database", target))),
                403);
        assertProblem(viewer.post("/api/v1/backups", Api.backupOf(source)), 403);
        assertThat(SampleDatabase.exists(sourceCluster, target)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "x; DROP DATABASE postgres",
                "x\"; DROP DATABASE postgres; --",
                "Robert'); DROP TABLE invoices;--",
                "../../etc",
                "",
                "UPPER",
                "a-b",
                "thisnameislongerthansixtythreecharactersthisnameislongerthansixtythree"
            })
    void databaseNamesThatAreNotPlainIdentifiersAreRefused(String name) throws Exception {
        int jobs = jobCount();
        Api.Response response = admin.post(
                "/api/v1/restores", Map.of("source", source, "backupId", backupId, "into", Map.of("database", name)));
        assertProblem(response, 400);
        assertThat(response.body()).contains("into.database");
        assertThat(jobCount()).isEqualTo(jobs);
        assertThat(SampleDatabase.count(sourceCluster, database, "invoices")).isEqualTo(500);
    }

    @Test
    void existingTargetDatabaseIsRefused() throws Exception {
        int jobs = jobCount();
        Api.Response response = admin.post(
                "/api/v1/restores",
                Map.of("source", source, "backupId", backupId, "into", Map.of("database", database)));
        assertProblem(response, 409);
        assertThat(response.json().get("detail").asString()).contains(database);
        assertThat(jobCount()).isEqualTo(jobs);
    }

    private int jobCount() {
        return viewer.get("/api/v1/jobs?limit=500").json().size();
    }
}

package io.strata.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class ReplaceRestoreIT extends StackTestSupport {

    @Test
    void replaceWithoutConfirmIsRefusedAndChangesNothing() throws Exception {
        String database = unique("erp");
        String source = registerSampleSource(database, 1_000);
        String backupId = backupAndWait(source);
        SampleDatabase.execute(sourceCluster, database, "DELETE FROM invoices WHERE id <= 10");
        Map<String, String> before = SampleDatabase.fingerprint(sourceCluster, database);
        int restoreJobs = restoreJobCount(source);

        Api.Response refused = admin.post(
                "/api/v1/restores", Map.of("source", source, "backupId", backupId, "into", Map.of("replace", true)));

        assertProblem(refused, 400);
        assertThat(refused.json().get("detail").asString()).contains("confirm");
        assertThat(restoreJobCount(source)).isEqualTo(restoreJobs);
        assertThat(SampleDatabase.fingerprint(sourceCluster, database)).isEqualTo(before);
    }

    @Test
    void replaceWithConfirmTakesSafetyBackupFirstThenReplacesData() throws Exception {
        String database = unique("tickets");
        String source = registerSampleSource(database, 3_000);
        Map<String, String> atBackup = SampleDatabase.fingerprint(sourceCluster, database);
        String backupId = backupAndWait(source);

        SampleDatabase.execute(
                sourceCluster,
                database,
                "INSERT INTO customers(name, email, country) VALUES ('After Backup', 'late@example.com', 'ES')");
        Map<String, String> beforeReplace = SampleDatabase.fingerprint(sourceCluster, database);

        Api.Response accepted = admin.post(
                "/api/v1/restores",
                Map.of("source", source, "backupId", backupId, "into", Map.of("replace", true), "confirm", true));
        assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
        JsonNode restoreJob = awaitSucceeded(accepted.text("jobId"));

        assertThat(SampleDatabase.fingerprint(sourceCluster, database)).isEqualTo(atBackup);

        JsonNode safety = null;
        for (JsonNode backup : viewer.get("/api/v1/backups?source=" + source).json()) {
            if (!backup.get("backupId").asString().equals(backupId)) {
                safety = backup;
            }
        }
        assertThat(safety).as("a safety backup recorded for " + source).isNotNull();
        assertThat(safety.get("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(safety.get("finishedAt").asString())
                .isLessThanOrEqualTo(restoreJob.get("finishedAt").asString());

        String check = unique("safety_check");
        Api.Response restoreSafety = admin.post(
                "/api/v1/restores",
                Map.of(
                        "source",
                        source,
                        "backupId",
                        safety.get("backupId").asString(),
                        "into",
                        Map.of("database", check)));
        awaitSucceeded(restoreSafety.text("jobId"));
        assertThat(SampleDatabase.fingerprint(sourceCluster, check))
                .as("the safety backup holds the data as it was just before the replace")
                .isEqualTo(beforeReplace);
    }

    private int restoreJobCount(String source) {
        return viewer.get("/api/v1/jobs?kind=RESTORE&source=" + source).json().size();
    }
}

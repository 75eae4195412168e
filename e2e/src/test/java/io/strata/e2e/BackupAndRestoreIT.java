package io.strata.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.strata.common.event.JobEvent;
import io.strata.common.event.JobProgressed;
import io.strata.common.event.JobResult.BackupResult;
import io.strata.common.event.JobStarted;
import io.strata.common.event.JobSucceeded;
import io.strata.common.storage.HashingOutputStream;
import io.strata.common.storage.ObjectStore;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class BackupAndRestoreIT extends StackTestSupport {

    @Test
    void backsUpThroughKafkaAndRestoresIntoNewDatabaseWithEqualData() throws Exception {
        String database = unique("shop");
        String source = registerSampleSource(database, 150_000);
        Map<String, String> original = SampleDatabase.fingerprint(sourceCluster, database);

        try (JobEvents events = new JobEvents(stack.kafkaBootstrap())) {
            Api.Response accepted = requestBackup(source);
            String jobId = accepted.text("jobId");
            String backupId = accepted.text("backupId");

            Api.Response firstLook = viewer.get(accepted.text("statusUrl"));
            assertThat(firstLook.status())
                    .as("job visible as soon as 202 was returned")
                    .isEqualTo(200);
            assertThat(firstLook.text("status")).isIn("QUEUED", "RUNNING", "SUCCEEDED");

            JsonNode job = awaitSucceeded(jobId);
            assertThat(job.get("progressPercent").asInt()).isEqualTo(100);
            assertThat(job.get("kind").asString()).isEqualTo("BACKUP");

            await().atMost(Duration.ofSeconds(30))
                    .until(() -> !events.of(jobId).isEmpty() && events.of(jobId).getLast() instanceof JobSucceeded);
            List<JobEvent> seen = events.of(jobId);
            assertThat(seen.getFirst()).isInstanceOf(JobStarted.class);
            List<Integer> percents = seen.stream()
                    .filter(JobProgressed.class::isInstance)
                    .map(e -> ((JobProgressed) e).percent())
                    .toList();
            assertThat(percents).as("progress events").isNotEmpty().isSortedAccordingTo(Comparator.naturalOrder());

            BackupResult result = (BackupResult) ((JobSucceeded) seen.getLast()).result();
            assertThat(result.backupId()).isEqualTo(backupId);
            assertStoredObjectMatches(result);

            JsonNode backup = viewer.get("/api/v1/backups/" + backupId).json();
            assertThat(backup.get("status").asString()).isEqualTo("SUCCEEDED");
            assertThat(backup.get("sha256").asString()).isEqualTo(result.sha256());
            assertThat(viewer.get("/api/v1/backups?source=" + source).body()).contains(backupId);

            String target = unique("restored");
            Api.Response restore = admin.post(
                    "/api/v1/restores",
                    Map.of("source", source, "backupId", backupId, "into", Map.of("database", target)));
            assertThat(restore.status()).as(restore.toString()).isEqualTo(202);
            JsonNode restoreJob = awaitSucceeded(restore.text("jobId"));
            assertThat(restoreJob.get("kind").asString()).isEqualTo("RESTORE");

            assertThat(SampleDatabase.fingerprint(sourceCluster, target)).isEqualTo(original);
        }
    }

    private void assertStoredObjectMatches(BackupResult result) throws Exception {
        ObjectStore store = objectStore();
        HashingOutputStream hash = new HashingOutputStream(OutputStream.nullOutputStream());
        try (var in = store.open(result.objectKey())) {
            in.transferTo(hash);
        }
        assertThat(hash.sha256Hex()).as("SHA-256 of the object in S3").isEqualTo(result.sha256());
        assertThat(hash.count()).isEqualTo(result.storedBytes());
        assertThat(result.storedBytes()).isLessThan(result.sizeBytes());
        assertThat(store.stat(result.manifestKey())).as("manifest written").isPresent();
    }
}

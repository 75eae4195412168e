package io.strata.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.common.storage.ObjectStore;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class CorruptBackupIT extends StackTestSupport {

    @Test
    void flippedByteInStoredBackupFailsRestoreWithChecksumErrorBeforeTargetIsCreated() throws Exception {
        String source = registerSampleSource(unique("ledger"), 5_000);
        String backupId = backupAndWait(source);
        JsonNode backup = viewer.get("/api/v1/backups/" + backupId).json();
        String objectKey = backup.get("objects").get(0).get("key").asString();

        ObjectStore store = objectStore();
        byte[] bytes = store.readAll(objectKey);
        bytes[bytes.length / 2] ^= 0x01;
        store.put(objectKey, bytes);

        String target = unique("from_corrupt");
        Api.Response accepted = admin.post(
                "/api/v1/restores", Map.of("source", source, "backupId", backupId, "into", Map.of("database", target)));
        assertThat(accepted.status()).as(accepted.toString()).isEqualTo(202);
        JsonNode job = awaitJob(accepted.text("jobId"));

        assertThat(job.get("status").asString()).isEqualTo("FAILED");
        assertThat(job.get("error").get("code").asString()).isEqualTo("CHECKSUM_MISMATCH");
        // the dev stack encrypts what it stores: the flipped byte fails the chunk's AES-GCM tag
        assertThat(job.get("error").get("message").asString())
                .contains("AUTHENTICATION_FAILED")
                .contains("tampered");
        assertThat(SampleDatabase.exists(sourceCluster, target))
                .as("target database never created")
                .isFalse();
    }
}

package io.strata.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.strata.common.model.BackupId;
import io.strata.common.storage.StorageLayout;
import io.strata.devstack.ManagedService;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class KilledDumpIT extends StackTestSupport {

    @Test
    void backupWhosePgDumpIsKilledFailsLeavesNoManifestAndNextBackupSucceeds() throws Exception {
        String database = unique("killed");
        String source = registerSampleSource(database, 2_000);

        String jobId;
        String backupId;
        // An open transaction holding an exclusive lock keeps pg_dump waiting, so it is surely mid-dump when killed.
        try (Connection blocker = sourceCluster.connect(database);
                Statement lock = blocker.createStatement()) {
            blocker.setAutoCommit(false);
            lock.execute("LOCK TABLE invoices IN ACCESS EXCLUSIVE MODE");

            Api.Response accepted = requestBackup(source);
            jobId = accepted.text("jobId");
            backupId = accepted.text("backupId");

            ProcessHandle pgDump = await().atMost(Duration.ofMinutes(1))
                    .until(this::runningPgDump, Optional::isPresent)
                    .orElseThrow();
            pgDump.destroyForcibly();
            blocker.rollback();
        }

        JsonNode job = awaitJob(jobId);
        assertThat(job.get("status").asString()).isEqualTo("FAILED");
        assertThat(job.get("error").get("code").asString()).isEqualTo("PG_DUMP_FAILED");
        assertThat(job.get("error").get("message").asString()).isNotBlank();
        assertThat(objectStore().stat(StorageLayout.manifestKey(source, BackupId.parse(backupId))))
                .isEmpty();
        assertThat(objectStore().list(StorageLayout.backupPrefix(source, BackupId.parse(backupId))))
                .as("no data object left behind either")
                .isEmpty();
        JsonNode listed = viewer.get("/api/v1/backups/" + backupId).json();
        assertThat(listed.get("status").asString()).isNotEqualTo("SUCCEEDED");

        String next = backupAndWait(source);
        assertThat(objectStore().stat(StorageLayout.manifestKey(source, BackupId.parse(next))))
                .isPresent();
    }

    /** Tests run one at a time, so the one pg_dump child of any backup-worker instance is this backup's. */
    private Optional<ProcessHandle> runningPgDump() {
        return stack.instances("backup-worker").stream()
                .filter(ManagedService::isAlive)
                .flatMap(worker -> ProcessHandle.of(worker.pid()).stream())
                .flatMap(ProcessHandle::descendants)
                .filter(p -> p.info().command().map(c -> c.endsWith("/pg_dump")).orElse(false))
                .findFirst();
    }
}

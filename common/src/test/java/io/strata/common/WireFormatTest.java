package io.strata.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.common.command.BackupCommand;
import io.strata.common.command.BackupRequest;
import io.strata.common.command.TakeBackup;
import io.strata.common.event.JobEvent;
import io.strata.common.event.JobEvent.JobRef;
import io.strata.common.event.JobResult;
import io.strata.common.event.JobSucceeded;
import io.strata.common.messaging.Json;
import io.strata.common.model.BackupId;
import io.strata.common.model.BackupKind;
import io.strata.common.model.BackupType;
import io.strata.common.model.JobId;
import io.strata.common.model.JobKind;
import io.strata.common.storage.BackupManifest.StoredObject;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class WireFormatTest {
    private static final Instant NOW = Instant.parse("2026-11-22T15:29:00Z");

    @Test
    void commandCarriesItsTypeAndPlainIdsAndReadsBackAsTheSealedInterface() {
        TakeBackup command = new TakeBackup(
                1,
                JobId.random(),
                BackupId.newId(NOW),
                "shop",
                BackupKind.LOGICAL,
                BackupType.FULL,
                false,
                "nightly",
                "req-1",
                NOW);

        String json = Json.write(command);

        assertThat(json)
                .contains(
                        "\"command\":\"TakeBackup\"",
                        "\"type\":\"FULL\"",
                        "\"schemaVersion\":1",
                        "\"jobId\":\"" + command.jobId().value() + "\"",
                        "\"requestedAt\":\"2026-11-22T15:29:00Z\"");
        assertThat(Json.read(json, BackupCommand.class)).isEqualTo(command);
    }

    @Test
    void jobEventWithBackupResultRoundTrips() {
        JobRef ref = new JobRef(JobId.random(), JobKind.BACKUP, "shop", "req-7", "20261122T152900Z-abc123");
        JobSucceeded event = new JobSucceeded(
                1,
                ref,
                NOW,
                new JobResult.BackupResult(
                        "20261122T152900Z-abc123",
                        BackupKind.LOGICAL,
                        BackupType.FULL,
                        false,
                        "shop",
                        "15.18",
                        100,
                        40,
                        "ab".repeat(32),
                        "shop/backups/x/dump.pgc.zst",
                        "shop/backups/x/manifest.json",
                        NOW,
                        NOW,
                        null,
                        null,
                        null,
                        null,
                        null,
                        List.of(new StoredObject(
                                "shop/backups/x/dump.pgc.zst", "pg_dump-custom", "zstd", 100, 40, "ab".repeat(32)))));

        String json = Json.write(event);

        assertThat(json).contains("\"type\":\"JobSucceeded\"", "\"resultType\":\"backup\"", "\"requestId\":\"req-7\"");
        assertThat(Json.read(json, JobEvent.class)).isEqualTo(event);
    }

    @Test
    void backupRequestOfTheContractIsRead() {
        BackupRequest request = Json.read("""
                {"schemaVersion":1,"requestId":"r-1","source":"shop","kind":"LOGICAL","type":"FULL","description":"nightly from billing"}
                """, BackupRequest.class);

        assertThat(request.requestId()).isEqualTo("r-1");
        assertThat(request.type()).isEqualTo(BackupType.FULL);
        assertThat(request.kafkaKey()).isEqualTo("shop");
    }

    @Test
    void backupIdsAreSortableByTimeAndStrictlyShaped() {
        assertThat(BackupId.newId(NOW).value()).startsWith("20261122T152900Z-");
        assertThat(BackupId.isValid("20261122T152900Z-abc123")).isTrue();
        assertThatThrownBy(() -> BackupId.parse("../../etc/passwd")).isInstanceOf(IllegalArgumentException.class);
    }
}

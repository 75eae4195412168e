package io.strata.catalog.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.strata.catalog.CatalogIntegrationTest;
import io.strata.common.command.TakeBackup;
import io.strata.common.event.JobEvent;
import io.strata.common.event.JobEvent.JobRef;
import io.strata.common.event.JobFailed;
import io.strata.common.event.JobResult.BackupResult;
import io.strata.common.event.JobStarted;
import io.strata.common.event.JobSucceeded;
import io.strata.common.messaging.Json;
import io.strata.common.messaging.Topics;
import io.strata.common.model.BackupId;
import io.strata.common.model.BackupKind;
import io.strata.common.model.BackupType;
import io.strata.common.model.FailureCode;
import io.strata.common.model.JobId;
import io.strata.common.model.JobKind;
import io.strata.common.model.JobStatus;
import io.strata.common.model.Lsn;
import java.time.Instant;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Job events and commands the catalog cannot store, against the real catalog database: each is recorded in
 * the invalid-event log and fails its job instead of being retried and dead-lettered (the listener returns
 * normally, so the container commits the offset and never calls the error handler).
 */
class InvalidJobEventsIT extends CatalogIntegrationTest {
    private static final Instant AT = Instant.parse("2026-11-22T15:30:00Z");

    @Autowired
    JobListeners listeners;

    @Autowired
    JobStore jobs;

    private JobId jobId;
    private BackupId backupId;
    private JobRef job;

    @BeforeEach
    void runningBackup() {
        jobId = JobId.random();
        backupId = BackupId.newId(AT);
        job = new JobRef(jobId, JobKind.BACKUP, "shop", "req-" + jobId, backupId.toString());
        listeners.onBackupCommand(commandRecord(take("nightly")));
        listeners.onJobEvent(eventRecord(new JobStarted(1, job, AT, "dumping", "backup-worker-1")));
        assertThat(job().state().status()).isEqualTo(JobStatus.RUNNING);
    }

    @Test
    void successWithANulInItsDescriptionFailsTheJobWithInvalidEventAndIsRecorded() {
        ConsumerRecord<String, String> succeeded = eventRecord(succeeded(result("nightly\u0000", 1)));

        assertThatCode(() -> listeners.onJobEvent(succeeded)).doesNotThrowAnyException();

        JobState state = job().state();
        assertThat(state.status()).isEqualTo(JobStatus.FAILED);
        assertThat(state.errorCode()).isEqualTo("INVALID_EVENT");
        assertThat(state.errorMessage())
                .contains(
                        "could not record JobSucceeded",
                        "field result.description contains a NUL character",
                        "may have run or completed",
                        "invalid-event log")
                .doesNotContain("\u0000");
        assertThat(backupStatusAndError()).containsEntry("status", "FAILED");
        assertThat((String) backupStatusAndError().get("error")).startsWith("INVALID_EVENT: ");
        Map<String, Object> logged = invalidEventOf(succeeded);
        assertThat(logged)
                .containsEntry("job_id", jobId.value())
                .containsEntry("topic", Topics.JOB_EVENTS)
                .containsEntry("ce_type", "strata.job.succeeded.v1")
                .containsEntry("producer", "test-producer");
        assertThat((String) logged.get("reason"))
                .contains("JobSucceeded not applied: field result.description contains a NUL character")
                .contains("job " + jobId + " FAILED with INVALID_EVENT");
        assertThat((String) logged.get("payload_excerpt"))
                .contains("nightly\\u0000")
                .doesNotContain("\u0000");
    }

    @Test
    void failureWithANulInItsMessageKeepsItsOwnCodeAndASanitisedMessage() {
        ConsumerRecord<String, String> failed = eventRecord(new JobFailed(
                1, job, AT.plusSeconds(5), FailureCode.PG_DUMP_FAILED, "pg_dump: \u001b[31merror\u0000", false));

        assertThatCode(() -> listeners.onJobEvent(failed)).doesNotThrowAnyException();

        JobState state = job().state();
        assertThat(state.status()).isEqualTo(JobStatus.FAILED);
        assertThat(state.errorCode()).isEqualTo("PG_DUMP_FAILED");
        assertThat(state.errorMessage()).isEqualTo("pg_dump: \\u001b[31merror\\u0000");
        assertThat(backupStatusAndError()).containsEntry("error", "PG_DUMP_FAILED: pg_dump: \\u001b[31merror\\u0000");
        assertThat(invalidEventCount(failed)).isZero();
    }

    @Test
    void aValueTheDatabaseRefusesFailsTheJobWithTheDatabasesReason() {
        // the event's types allow timeline 0: only the table's CHECK refuses it
        ConsumerRecord<String, String> succeeded = eventRecord(succeeded(result("nightly", 0)));

        assertThatCode(() -> listeners.onJobEvent(succeeded)).doesNotThrowAnyException();

        assertThat(job().state().errorCode()).isEqualTo("INVALID_EVENT");
        assertThat(job().state().errorMessage()).contains("SQLState 23514", "backup_timeline_check");
        // the rolled-back attempt left nothing half-applied
        assertThat(backupStatusAndError()).containsEntry("status", "FAILED");
        assertThat(invalidEventCount(succeeded)).isOne();
    }

    @Test
    void aMalformedLsnFailsTheJobWhenTheEventIsRead() {
        String json = Json.write(succeeded(result("nightly", 1)));
        ConsumerRecord<String, String> succeeded = record(
                Topics.JOB_EVENTS,
                jobId.toString(),
                "strata.job.succeeded.v1",
                jobId.value(),
                json.replace("\"endLsn\":\"0/3000028\"", "\"endLsn\":\"0/not-an-lsn\""));

        assertThatCode(() -> listeners.onJobEvent(succeeded)).doesNotThrowAnyException();

        assertThat(json).contains("\"endLsn\":\"0/3000028\"");
        assertThat(job().state().errorCode()).isEqualTo("INVALID_EVENT");
        assertThat(job().state().errorMessage())
                .contains("unreadable JSON", "an LSN looks like 16/3002D50, got: 0/not-an-lsn");
        assertThat(invalidEventCount(succeeded)).isOne();
    }

    @Test
    void unreadableJsonFailsTheJobNamedInItsHeader() {
        ConsumerRecord<String, String> garbage = record(
                Topics.JOB_EVENTS, jobId.toString(), "strata.job.succeeded.v1", jobId.value(), "{\"type\":\"JobSucc");

        assertThatCode(() -> listeners.onJobEvent(garbage)).doesNotThrowAnyException();

        assertThat(job().state().errorCode()).isEqualTo("INVALID_EVENT");
        assertThat(job().state().errorMessage())
                .contains("a message of type strata.job.succeeded.v1", "unreadable JSON");
        assertThat(invalidEventOf(garbage)).containsEntry("job_id", jobId.value());
    }

    @Test
    void aJobThatAlreadyEndedStaysAsItIsAndTheRecordIsStillKept() {
        listeners.onJobEvent(eventRecord(succeeded(result("nightly", 1))));
        ConsumerRecord<String, String> late = eventRecord(succeeded(result("again\u0000", 1)));

        assertThatCode(() -> listeners.onJobEvent(late)).doesNotThrowAnyException();

        assertThat(job().state().status()).isEqualTo(JobStatus.SUCCEEDED);
        assertThat((String) invalidEventOf(late).get("reason")).contains("left as it is: job is already SUCCEEDED");
    }

    @Test
    void aCommandWithANulInItsDescriptionFailsItsJob() {
        JobId other = JobId.random();
        TakeBackup take = new TakeBackup(
                1, other, BackupId.newId(AT), "shop", BackupKind.LOGICAL, BackupType.FULL, false, "x\u0000", "r", AT);

        assertThatCode(() -> listeners.onBackupCommand(commandRecord(take))).doesNotThrowAnyException();

        Job failed = jobs.find(other.value()).orElseThrow();
        assertThat(failed.state().status()).isEqualTo(JobStatus.FAILED);
        assertThat(failed.state().errorCode()).isEqualTo("INVALID_EVENT");
        assertThat(failed.state().errorMessage())
                .contains("the TakeBackup command", "field description contains a NUL character");
    }

    @Test
    void aJobFirstHeardOfThroughAnInvalidEventIsCreatedFailed() {
        JobId child = JobId.random();
        JobRef forged = new JobRef(child, JobKind.BACKUP, "shop", "safety\u0000backup", null);

        assertThatCode(() -> listeners.onJobEvent(eventRecord(new JobStarted(1, forged, AT, "dumping", "w"))))
                .doesNotThrowAnyException();

        Job created = jobs.find(child.value()).orElseThrow();
        assertThat(created.state().status()).isEqualTo(JobStatus.FAILED);
        assertThat(created.state().errorCode()).isEqualTo("INVALID_EVENT");
        assertThat(created.state().errorMessage()).contains("field job.requestId contains a NUL character");
        assertThat(created.origin().requestId()).isEqualTo("safety\\u0000backup");
    }

    @Test
    void aRedeliveredInvalidRecordIsRecordedOnce() {
        ConsumerRecord<String, String> succeeded = eventRecord(succeeded(result("nightly\u0000", 1)));

        listeners.onJobEvent(succeeded);
        listeners.onJobEvent(succeeded);

        assertThat(invalidEventCount(succeeded)).isOne();
    }

    private Job job() {
        return jobs.find(jobId.value()).orElseThrow();
    }

    private Map<String, Object> backupStatusAndError() {
        return jdbc.sql("SELECT status, error FROM backup WHERE backup_id = ?")
                .param(backupId.toString())
                .query()
                .singleRow();
    }

    private Map<String, Object> invalidEventOf(ConsumerRecord<String, String> record) {
        return jdbc.sql("SELECT * FROM invalid_event WHERE topic = ? AND kafka_offset = ?")
                .params(record.topic(), record.offset())
                .query()
                .singleRow();
    }

    private long invalidEventCount(ConsumerRecord<String, String> record) {
        return jdbc.sql("SELECT count(*) FROM invalid_event WHERE topic = ? AND kafka_offset = ?")
                .params(record.topic(), record.offset())
                .query(Long.class)
                .single();
    }

    private TakeBackup take(String description) {
        return new TakeBackup(
                1, jobId, backupId, "shop", BackupKind.LOGICAL, BackupType.FULL, false, description, "req-1", AT);
    }

    private JobSucceeded succeeded(BackupResult result) {
        return new JobSucceeded(1, job, AT.plusSeconds(60), result);
    }

    private BackupResult result(String description, int timeline) {
        return new BackupResult(
                backupId.toString(),
                BackupKind.LOGICAL,
                BackupType.FULL,
                false,
                "shop",
                "15.4",
                1_000,
                400,
                "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                "shop/backups/" + backupId + "/dump.pgc.zst",
                "shop/backups/" + backupId + "/manifest.json",
                AT,
                AT.plusSeconds(60),
                description,
                Lsn.parse("0/3000028"),
                Lsn.parse("0/3000028"),
                timeline,
                null,
                null);
    }

    private static ConsumerRecord<String, String> eventRecord(JobEvent event) {
        return record(
                Topics.JOB_EVENTS,
                event.kafkaKey(),
                event.ceType(),
                event.job().jobId().value(),
                Json.write(event));
    }

    private static ConsumerRecord<String, String> commandRecord(TakeBackup take) {
        return record(
                Topics.BACKUP_COMMANDS,
                take.kafkaKey(),
                take.ceType(),
                take.jobId().value(),
                Json.write(take));
    }
}

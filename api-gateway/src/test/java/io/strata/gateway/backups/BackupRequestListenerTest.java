package io.strata.gateway.backups;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import io.strata.common.command.TakeBackup;
import io.strata.common.event.JobFailed;
import io.strata.common.messaging.CloudEventHeaders;
import io.strata.common.messaging.Json;
import io.strata.common.messaging.Message;
import io.strata.common.messaging.Topics;
import io.strata.common.model.FailureCode;
import io.strata.common.model.JobKind;
import io.strata.common.model.JobStatus;
import io.strata.gateway.jobs.JobCommands;
import io.strata.gateway.sources.RegisteredSources;
import io.strata.platform.catalog.CatalogApi.JobCommand;
import io.strata.platform.catalog.CatalogApi.JobView;
import io.strata.platform.catalog.CatalogApi.NewJob;
import io.strata.platform.catalog.CatalogApi.SourceView;
import io.strata.platform.catalog.CatalogClient;
import io.strata.platform.messaging.MessagePublisher;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;
import org.springframework.web.client.ResourceAccessException;

class BackupRequestListenerTest {
    private static final Instant NOW = Instant.parse("2026-11-22T15:30:00Z");
    private static final String CE_ID = "5f0c6a2e-8d7b-4b8e-9b1f-0a3c2d4e5f60";
    private final CatalogClient catalog = mock(CatalogClient.class);
    private final MessagePublisher publisher = mock(MessagePublisher.class);
    private final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    private BackupRequestListener listener;

    @BeforeEach
    void setUp() {
        BackupSubmission submission =
                new BackupSubmission(new RegisteredSources(catalog), new JobCommands(catalog, "api-gateway"), clock);
        listener = new BackupRequestListener(submission, publisher, clock);
        when(catalog.source("shop"))
                .thenReturn(Optional.of(new SourceView("shop", "127.0.0.1", 5432, "shop", "postgres", null, NOW)));
    }

    private static ConsumerRecord<String, String> record(String json) {
        ConsumerRecord<String, String> record = new ConsumerRecord<>(Topics.BACKUP_REQUESTS, 0, 7L, "shop", json);
        record.headers().add(CloudEventHeaders.ID, CE_ID.getBytes(StandardCharsets.UTF_8));
        return record;
    }

    private static JobView job(NewJob job, JobStatus status) {
        return new JobView(
                job.jobId(),
                job.kind(),
                job.source(),
                status,
                0,
                null,
                0,
                0,
                NOW,
                null,
                null,
                null,
                job.backupId(),
                job.requestId());
    }

    @Test
    void validRequestBecomesAJobWithItsCommandCarryingTheRequestId() {
        when(catalog.createJob(any())).thenAnswer(call -> job(call.getArgument(0), JobStatus.QUEUED));
        listener.onRequest(record("{\"schemaVersion\":1,\"requestId\":\"billing-42\",\"source\":\"shop\","
                + "\"kind\":\"LOGICAL\",\"type\":\"FULL\",\"description\":\"nightly from billing\"}"));

        NewJob created = createdJob();
        assertThat(created.requestId()).isEqualTo("billing-42");
        assertThat(created.jobId())
                .isEqualTo(BackupRequestListener.derivedJobId(CE_ID).toString());
        JobCommand command = created.command();
        assertThat(command.topic()).isEqualTo(Topics.BACKUP_COMMANDS);
        assertThat(command.key()).isEqualTo("shop");
        assertThat(command.ceType()).isEqualTo("strata.backup.take.v1");
        assertThat(command.producer()).isEqualTo("api-gateway");
        TakeBackup take = Json.read(command.payload(), TakeBackup.class);
        assertThat(take.jobId().toString()).isEqualTo(created.jobId());
        assertThat(take.backupId().toString()).isEqualTo(created.backupId());
        assertThat(take.requestId()).isEqualTo("billing-42");
        assertThat(take.description()).isEqualTo("nightly from billing");
        // the gateway publishes no command itself: the catalog's outbox does, in the job's transaction
        verify(publisher, never()).publish(anyString(), any(), anyString());
    }

    @Test
    void redeliveredRequestIsTheSameJobId() {
        when(catalog.createJob(any())).thenAnswer(call -> job(call.getArgument(0), JobStatus.RUNNING));
        String json = "{\"schemaVersion\":1,\"requestId\":\"billing-42\",\"source\":\"shop\"}";
        listener.onRequest(record(json));
        listener.onRequest(record(json));
        ArgumentCaptor<NewJob> created = ArgumentCaptor.forClass(NewJob.class);
        verify(catalog, org.mockito.Mockito.times(2)).createJob(created.capture());
        assertThat(created.getAllValues().get(0).jobId())
                .isEqualTo(created.getAllValues().get(1).jobId());
    }

    private NewJob createdJob() {
        ArgumentCaptor<NewJob> created = ArgumentCaptor.forClass(NewJob.class);
        verify(catalog).createJob(created.capture());
        return created.getValue();
    }

    @Test
    void unregisteredSourceIsAnsweredWithJobFailed() {
        listener.onRequest(record("{\"schemaVersion\":1,\"requestId\":\"billing-43\",\"source\":\"ghost\"}"));
        JobFailed failed = publishedFailure();
        assertThat(failed.code()).isEqualTo(FailureCode.INVALID_REQUEST);
        assertThat(failed.message()).contains("source 'ghost' is not registered");
        assertThat(failed.job().requestId()).isEqualTo("billing-43");
        assertThat(failed.job().source()).isEqualTo("ghost");
        assertThat(failed.job().kind()).isEqualTo(JobKind.BACKUP);
        assertThat(failed.retryable()).isFalse();
        verify(catalog, never()).createJob(any());
    }

    @Test
    void unknownKindIsAnsweredWithJobFailedNamingTheRequest() {
        listener.onRequest(
                record("{\"schemaVersion\":1,\"requestId\":\"billing-44\",\"source\":\"shop\",\"kind\":\"TAPE\"}"));
        JobFailed failed = publishedFailure();
        assertThat(failed.job().requestId()).isEqualTo("billing-44");
        assertThat(failed.message()).contains("malformed");
    }

    @Test
    void physicalRequestForSourceWithoutWalArchivingIsRejected() {
        listener.onRequest(
                record("{\"schemaVersion\":1,\"requestId\":\"billing-45\",\"source\":\"shop\",\"kind\":\"PHYSICAL\"}"));
        assertThat(publishedFailure().message()).contains("need continuous WAL archiving");
    }

    @Test
    void blankRequestIdIsRejected() {
        listener.onRequest(record("{\"schemaVersion\":1,\"requestId\":\" \",\"source\":\"shop\"}"));
        assertThat(publishedFailure().message()).contains("requestId is required");
        verify(catalog, never()).createJob(any());
    }

    @Test
    void catalogOutageIsLeftToTheErrorHandlerToRetry() {
        when(catalog.source("shop")).thenThrow(new ResourceAccessException("Connection refused"));
        assertThatThrownBy(() ->
                        listener.onRequest(record("{\"schemaVersion\":1,\"requestId\":\"r\",\"source\":\"shop\"}")))
                .isInstanceOf(ResourceAccessException.class);
        verify(publisher, never()).publish(anyString(), any(), anyString());
    }

    private JobFailed publishedFailure() {
        ArgumentCaptor<Message> event = ArgumentCaptor.forClass(Message.class);
        verify(publisher).publish(eq(Topics.JOB_EVENTS), event.capture(), anyString());
        assertThat(event.getValue()).isInstanceOf(JobFailed.class);
        return (JobFailed) event.getValue();
    }
}

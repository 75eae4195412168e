package io.strata.catalog.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.anyMap;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doAnswer;

import io.strata.catalog.CatalogIntegrationTest;
import io.strata.catalog.jobs.Job.JobOrigin;
import io.strata.catalog.outbox.OutboxRelay;
import io.strata.catalog.web.ConflictException;
import io.strata.common.command.RestoreBackup;
import io.strata.common.command.RestoreBackup.RestoreInto;
import io.strata.common.command.RestoreCommand;
import io.strata.common.command.RestoreUpload;
import io.strata.common.event.JobEvent;
import io.strata.common.event.JobEvent.JobRef;
import io.strata.common.event.JobFailed;
import io.strata.common.event.JobSucceeded;
import io.strata.common.messaging.CloudEventHeaders;
import io.strata.common.messaging.Json;
import io.strata.common.messaging.Topics;
import io.strata.common.model.BackupId;
import io.strata.common.model.FailureCode;
import io.strata.common.model.JobId;
import io.strata.common.model.JobKind;
import io.strata.common.model.JobStatus;
import io.strata.common.storage.StorageLayout;
import io.strata.platform.catalog.CatalogApi.JobCommand;
import io.strata.platform.catalog.CatalogApi.NewJob;
import io.strata.platform.messaging.MessagePublisher;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.TestPropertySource;
import org.springframework.test.context.bean.override.mockito.MockitoSpyBean;

/**
 * Job dispatch through the transactional outbox, against the real catalog database: a job and its command
 * are stored together; the dispatcher puts the command in the outbox when the job may run (one backup per
 * source at a time), again when the job is re-queued or was not claimed in time; the relay sends what the
 * outbox holds and keeps what Kafka refused. Kafka itself is replaced by a spy on the publisher's send.
 */
@TestPropertySource(
        properties = {"strata.catalog.jobs.backups-per-source=1", "strata.catalog.jobs.redispatch-after=2m"})
class JobDispatchIT extends CatalogIntegrationTest {
    private static final Duration LEASE = Duration.ofSeconds(30);
    private final HttpClient http = HttpClient.newHttpClient();
    private final List<Sent> sent = new CopyOnWriteArrayList<>();

    @LocalServerPort
    int port;

    @MockitoSpyBean
    MessagePublisher publisher;

    @Autowired
    OutboxRelay relay;

    @Autowired
    JobRegistry registry;

    @Autowired
    JobLeases leases;

    @Autowired
    ExpiredLeases expired;

    @Autowired
    JobListeners listeners;

    @Autowired
    JobStore jobs;

    record Sent(String topic, String key, String payload, Map<String, String> headers) {
        String jobId() {
            return headers.get(CloudEventHeaders.JOB_ID);
        }

        /** The record a stubbed {@code MessagePublisher.send} was called with. */
        static Sent of(org.mockito.invocation.InvocationOnMock call) {
            return new Sent(
                    call.getArgument(0), call.getArgument(1), call.getArgument(2), Map.copyOf(call.getArgument(3)));
        }
    }

    @BeforeEach
    void kafkaAcceptsEverything() {
        doAnswer(call -> {
                    sent.add(Sent.of(call));
                    return null;
                })
                .when(publisher)
                .send(anyString(), anyString(), anyString(), anyMap());
    }

    @Test
    void aJobsCommandGoesOutAsStoredOnceItsTransactionCommitted() {
        String source = source();
        UUID job = backup(source);
        assertThat(sentFor(job)).isEmpty(); // stored, not sent: the relay sends after commit

        relay.pass();

        Sent command = sentFor(job).getFirst();
        assertThat(sentFor(job)).hasSize(1);
        assertThat(command.topic()).isEqualTo(Topics.BACKUP_COMMANDS);
        assertThat(command.key()).isEqualTo(source);
        assertThat(command.payload()).isEqualTo(storedPayload(job));
        assertThat(command.headers())
                .containsEntry(CloudEventHeaders.ID, JobDispatcher.commandCeId(job, 0))
                .containsEntry(CloudEventHeaders.TYPE, "strata.backup.take.v1")
                .containsEntry(CloudEventHeaders.SOURCE, "api-gateway")
                .containsEntry(CloudEventHeaders.JOB_ID, job.toString())
                .containsKey(CloudEventHeaders.TIME);
        assertThat(outboxRows(job)).isZero();

        relay.pass();
        assertThat(sentFor(job)).hasSize(1); // sent once: dispatched, and the outbox row is gone
    }

    @Test
    void aSecondBackupOfASourceWaitsForTheFirstWithoutHoldingBackOtherSources() {
        String shop = source();
        String erp = source();
        UUID first = backup(shop);
        UUID second = backup(shop);
        UUID other = backup(erp);

        relay.pass();

        assertThat(sentFor(first)).hasSize(1);
        assertThat(sentFor(other)).hasSize(1);
        assertThat(sentFor(second)).isEmpty();
        assertThat(step(second)).isEqualTo(JobDispatcher.waitingFor(first, shop));
        assertThat(step(second)).contains("one backup per source at a time");

        leases.claim(first, "backup-worker-1@a:1", LEASE);
        relay.pass();
        assertThat(sentFor(second)).as("the first backup still runs").isEmpty();

        end(first, shop, true);
        relay.pass();

        assertThat(sentFor(second)).hasSize(1);
        assertThat(step(second)).isEqualTo(JobDispatcher.WAITING_FOR_WORKER);
    }

    @Test
    void aClaimOfABackupWhileAnotherOfItsSourceRunsIsRefusedAndTheJobWaitsForItsTurn() {
        String shop = source();
        UUID running = backup(shop);
        relay.pass();
        leases.claim(running, "backup-worker-1@a:1", LEASE);
        UUID direct = backup(shop); // e.g. its command put on Kafka by hand, around the dispatcher

        assertThatThrownBy(() -> leases.claim(direct, "backup-worker-2@b:2", LEASE))
                .isInstanceOf(ConflictException.class)
                .hasMessageContaining("waiting for backup job " + running);

        assertThat(jobs.find(direct).orElseThrow().state().status()).isEqualTo(JobStatus.QUEUED);
        assertThat(dispatchedAt(direct)).isNull();
        end(running, shop, false);
        relay.pass();
        assertThat(sentFor(direct)).hasSize(1);
        assertThat(leases.claim(direct, "backup-worker-2@b:2", LEASE).token()).isEqualTo(1);
    }

    @Test
    void aJobRequeuedAfterItsWorkerWasLostIsSentAgainUnderANewCeId() {
        UUID job = backup(source());
        relay.pass();
        leases.claim(job, "backup-worker-1@a:1", LEASE);
        TestJobs.expireLease(jdbc, job);

        expired.expire(Instant.now(), 100);
        relay.pass();

        assertThat(jobs.find(job).orElseThrow().state().status()).isEqualTo(JobStatus.QUEUED);
        assertThat(sentFor(job))
                .extracting(s -> s.headers().get(CloudEventHeaders.ID))
                .containsExactly(JobDispatcher.commandCeId(job, 0), JobDispatcher.commandCeId(job, 1));
        assertThat(sentFor(job).get(1).payload()).isEqualTo(storedPayload(job));
    }

    @Test
    void aDispatchedCommandNobodyClaimedIsSentAgainAfterItsDelayWhichThenDoubles() {
        UUID job = backup(source());
        relay.pass();
        jdbc.sql("UPDATE job_command SET due_at = now() - interval '1 second' WHERE job_id = ?")
                .param(job)
                .update();

        Instant before = Instant.now();
        relay.pass();

        assertThat(sentFor(job)).hasSize(2);
        Instant due = jdbc.sql("SELECT due_at FROM job_command WHERE job_id = ?")
                .param(job)
                .query(java.sql.Timestamp.class)
                .single()
                .toInstant();
        assertThat(due)
                .isBetween(before.plus(Duration.ofMinutes(4)), Instant.now().plus(Duration.ofMinutes(4)));
    }

    @Test
    void aRecordKafkaRefusedStaysInTheOutboxAndGoesOutOnALaterPass() {
        UUID job = backup(source());
        AtomicBoolean kafkaDown = new AtomicBoolean(true);
        doAnswer(call -> {
                    if (kafkaDown.get()
                            && job.toString().equals(((Map<?, ?>) call.getArgument(3)).get("strata_job_id"))) {
                        throw new IllegalStateException("Kafka did not acknowledge a message (test)");
                    }
                    sent.add(Sent.of(call));
                    return null;
                })
                .when(publisher)
                .send(anyString(), anyString(), anyString(), anyMap());

        relay.pass();

        assertThat(sentFor(job)).isEmpty();
        assertThat(outboxRows(job)).isOne();
        assertThat(jdbc.sql("SELECT last_error FROM outbox WHERE headers->>'strata_job_id' = ?")
                        .param(job.toString())
                        .query(String.class)
                        .single())
                .contains("did not acknowledge");
        kafkaDown.set(false);
        jdbc.sql("UPDATE outbox SET next_attempt_at = now() WHERE headers->>'strata_job_id' = ?")
                .param(job.toString())
                .update();

        relay.pass();

        assertThat(sentFor(job)).hasSize(1);
        assertThat(outboxRows(job)).isZero();
    }

    @Test
    void theGatewaysJobMustCarryTheCommandOfThatJob() throws Exception {
        UUID id = UUID.randomUUID();
        String source = source();
        JobOrigin origin = new JobOrigin(id, JobKind.BACKUP, source, null, null, Instant.now());
        JobCommand own = TestJobs.commandOf(origin);
        JobCommand othersJob =
                TestJobs.commandOf(new JobOrigin(UUID.randomUUID(), JobKind.BACKUP, source, null, null, Instant.now()));

        assertThat(createJob(new NewJob(id.toString(), JobKind.BACKUP, source, null, null))
                        .body())
                .contains("\"field\":\"command\"");
        assertThat(createJob(new NewJob(id.toString(), JobKind.BACKUP, source, null, null, othersJob))
                        .body())
                .contains("command.payload", "names job");
        assertThat(createJob(new NewJob(
                                id.toString(),
                                JobKind.BACKUP,
                                source,
                                null,
                                null,
                                new JobCommand(
                                        Topics.RESTORE_COMMANDS, source, own.ceType(), "api-gateway", own.payload())))
                        .body())
                .contains("command.topic");
        assertThat(createJob(new NewJob(
                                id.toString(),
                                JobKind.BACKUP,
                                source,
                                null,
                                null,
                                new JobCommand(
                                        own.topic(), source, own.ceType(), "api-gateway", "{\"command\":\"Nope\"}")))
                        .statusCode())
                .isEqualTo(400);
        assertThat(jobs.find(id)).isEmpty();

        HttpResponse<String> created = createJob(new NewJob(id.toString(), JobKind.BACKUP, source, null, null, own));
        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(storedPayload(id)).isEqualTo(own.payload());
    }

    @Test
    void anUploadRestoreJobCarriesARestoreUploadCommandAndNoOther() throws Exception {
        UUID id = UUID.randomUUID();
        String source = source();
        JobId jobId = new JobId(id);
        RestoreUpload upload = new RestoreUpload(
                RestoreUpload.SCHEMA_VERSION,
                jobId,
                source,
                new RestoreUpload.UploadedArchive(
                        StorageLayout.uploadKey(source, jobId),
                        "shop.dump",
                        "custom",
                        10,
                        "ab".repeat(32),
                        40,
                        "cd".repeat(32)),
                RestoreInto.newDatabase("shop_uploaded"),
                "shop_app",
                null,
                Instant.now());
        RestoreBackup restore = new RestoreBackup(
                RestoreBackup.SCHEMA_VERSION,
                jobId,
                source,
                BackupId.newId(Instant.now()),
                RestoreInto.newDatabase("shop_copy"),
                null,
                Instant.now());

        assertThat(createUploadRestoreJob(id, source, restore).body())
                .contains("command.payload", "runs a RESTORE job, not UPLOAD_RESTORE");
        assertThat(jobs.find(id)).isEmpty();

        HttpResponse<String> created = createUploadRestoreJob(id, source, upload);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(Json.read(storedPayload(id), RestoreCommand.class)).isEqualTo(upload);
    }

    private HttpResponse<String> createUploadRestoreJob(UUID id, String source, RestoreCommand command)
            throws Exception {
        return createJob(new NewJob(
                id.toString(),
                JobKind.UPLOAD_RESTORE,
                source,
                null,
                null,
                new JobCommand(Topics.RESTORE_COMMANDS, source, command.ceType(), "api-gateway", Json.write(command))));
    }

    private HttpResponse<String> createJob(NewJob job) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/internal/v1/jobs"))
                .header("Authorization", "Bearer " + GATEWAY_TOKEN)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(job)))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** A source name no other test uses, so the one-backup rule sees only this test's jobs. */
    private static String source() {
        return "d"
                + UUID.randomUUID().toString().replace("-", "").substring(0, 12).toLowerCase(Locale.ROOT);
    }

    private UUID backup(String source) {
        UUID id = UUID.randomUUID();
        TestJobs.register(registry, new JobOrigin(id, JobKind.BACKUP, source, null, "req-" + id, Instant.now()));
        return id;
    }

    private void end(UUID job, String source, boolean succeeded) {
        JobRef ref = new JobRef(new JobId(job), JobKind.BACKUP, source, "req-" + job, null);
        JobEvent event = succeeded
                ? new JobSucceeded(1, ref, Instant.now(), null)
                : new JobFailed(1, ref, Instant.now(), FailureCode.PG_DUMP_FAILED, "pg_dump: failed (test)", false);
        ConsumerRecord<String, String> record =
                record(Topics.JOB_EVENTS, event.kafkaKey(), event.ceType(), job, Json.write(event));
        listeners.onJobEvent(record);
        assertThat(jobs.find(job).orElseThrow().state().status().isTerminal()).isTrue();
    }

    private List<Sent> sentFor(UUID job) {
        return sent.stream().filter(s -> job.toString().equals(s.jobId())).toList();
    }

    private String step(UUID job) {
        return jobs.find(job).orElseThrow().state().currentStep();
    }

    private String storedPayload(UUID job) {
        return jdbc.sql("SELECT payload FROM job_command WHERE job_id = ?")
                .param(job)
                .query(String.class)
                .single();
    }

    private Instant dispatchedAt(UUID job) {
        return jdbc.sql("SELECT dispatched_at FROM job_command WHERE job_id = ?")
                .param(job)
                .query((rs, row) -> java.util.Optional.ofNullable(rs.getTimestamp(1)))
                .single()
                .map(java.sql.Timestamp::toInstant)
                .orElse(null);
    }

    private long outboxRows(UUID job) {
        return jdbc.sql("SELECT count(*) FROM outbox WHERE headers->>'strata_job_id' = ?")
                .param(job.toString())
                .query(Long.class)
                .single();
    }
}

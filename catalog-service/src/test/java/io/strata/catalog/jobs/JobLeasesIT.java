package io.strata.catalog.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.catalog.CatalogIntegrationTest;
import io.strata.common.messaging.Json;
import io.strata.common.model.BackupId;
import io.strata.common.model.JobKind;
import io.strata.common.model.JobStatus;
import io.strata.platform.catalog.CatalogApi.JobClaim;
import io.strata.platform.catalog.CatalogApi.JobLease;
import io.strata.platform.catalog.CatalogApi.JobView;
import io.strata.platform.catalog.CatalogApi.LeaseRenewal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * {@code POST /internal/v1/jobs/{id}/claim} and {@code /heartbeat} over real HTTP against the real catalog
 * database: who may run a job, for how long, and what a refused worker is told.
 */
class JobLeasesIT extends CatalogIntegrationTest {
    private static final String A = "backup-worker-1@host-a:101";
    private static final String B = "backup-worker-2@host-b:202";
    private final HttpClient http = HttpClient.newHttpClient();

    @LocalServerPort
    int port;

    @Autowired
    JobRegistry registry;

    @Test
    void claimingAQueuedJobRunsItUnderTheFirstLease() throws Exception {
        Instant before = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        BackupId backupId = BackupId.newId(before);
        UUID job = queued(JobKind.BACKUP, backupId.toString());

        HttpResponse<String> response = claim(job, A, 30);

        assertThat(response.statusCode()).isEqualTo(200);
        JobLease lease = Json.read(response.body(), JobLease.class);
        assertThat(lease.jobId()).isEqualTo(job.toString());
        assertThat(lease.owner()).isEqualTo(A);
        assertThat(lease.token()).isEqualTo(1);
        assertThat(lease.expiresAt())
                .isBetween(before.plusSeconds(30), Instant.now().plusSeconds(30));
        JobView view = view(job);
        assertThat(view.status()).isEqualTo(JobStatus.RUNNING);
        assertThat(view.owner()).isEqualTo(A);
        assertThat(view.leaseExpiresAt()).isEqualTo(lease.expiresAt());
        assertThat(view.heartbeatAt()).isEqualTo(view.startedAt()).isBetween(before, Instant.now());
        assertThat(backupStatus(backupId)).isEqualTo("RUNNING");
    }

    @Test
    void aRetriedClaimBySameOwnerKeepsItsTokenAndRenewsTheLease() throws Exception {
        UUID job = queued(JobKind.BACKUP, null);
        JobLease first = Json.read(claim(job, A, 5).body(), JobLease.class);

        HttpResponse<String> again = claim(job, A, 60);

        assertThat(again.statusCode()).isEqualTo(200);
        JobLease second = Json.read(again.body(), JobLease.class);
        assertThat(second.token()).isEqualTo(first.token());
        assertThat(second.expiresAt()).isAfter(first.expiresAt().plusSeconds(50));
    }

    @Test
    void anotherOwnerIsRefusedWhileTheLeaseIsLive() throws Exception {
        UUID job = queued(JobKind.BACKUP, null);
        JobLease held = Json.read(claim(job, A, 30).body(), JobLease.class);

        HttpResponse<String> refused = claim(job, B, 30);

        assertThat(refused.statusCode()).isEqualTo(409);
        assertThat(refused.headers().firstValue("Content-Type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
        assertThat(detail(refused)).contains("held by " + A, "until " + held.expiresAt());
        assertThat(view(job).owner()).isEqualTo(A);
    }

    @Test
    void aBackupWhoseLeaseExpiredIsTakenOverAndItsFormerOwnerLosesIt() throws Exception {
        UUID job = queued(JobKind.BACKUP, null);
        claim(job, A, 30);
        expireLease(job);

        HttpResponse<String> takeover = claim(job, B, 30);

        assertThat(takeover.statusCode()).isEqualTo(200);
        JobLease lease = Json.read(takeover.body(), JobLease.class);
        assertThat(lease.owner()).isEqualTo(B);
        assertThat(lease.token()).isEqualTo(2);
        assertThat(lostLeases(job)).isOne();
        HttpResponse<String> formerOwner = heartbeat(job, A, 1, 30, BACKUP_TOKEN);
        assertThat(formerOwner.statusCode()).isEqualTo(409);
        assertThat(detail(formerOwner)).contains("held by " + B + " with lease 2, not by " + A + " with lease 1");
    }

    @Test
    void aRestoreWhoseLeaseExpiredIsNotTakenOver() throws Exception {
        UUID job = queued(JobKind.RESTORE, null);
        claim(job, "restore-worker-1@h:7", 30);
        expireLease(job);

        HttpResponse<String> refused = claim(job, "restore-worker-2@h:8", 30);

        assertThat(refused.statusCode()).isEqualTo(409);
        assertThat(detail(refused))
                .contains("restore-worker-1@h:7's lease expired", "a RESTORE is not safe to run twice", "WORKER_LOST");
        assertThat(view(job).owner()).isEqualTo("restore-worker-1@h:7");
    }

    @Test
    void aBackupStartedBeforeLeasesExistedIsTakenOver() throws Exception {
        UUID job = queued(JobKind.BACKUP, null);
        TestJobs.set(jdbc, job, "status = 'RUNNING', started_at = now()");

        HttpResponse<String> takeover = claim(job, B, 30);

        assertThat(takeover.statusCode()).isEqualTo(200);
        assertThat(Json.read(takeover.body(), JobLease.class).token()).isEqualTo(1);
    }

    @Test
    void aJobThatEndedCannotBeClaimed() throws Exception {
        UUID job = queued(JobKind.BACKUP, null);
        TestJobs.set(jdbc, job, "status = 'SUCCEEDED', finished_at = now()");

        HttpResponse<String> refused = claim(job, A, 30);

        assertThat(refused.statusCode()).isEqualTo(409);
        assertThat(detail(refused)).contains("already ended: it is SUCCEEDED", "nothing to run");
    }

    @Test
    void aHeartbeatRenewsTheLeaseOfItsOwner() throws Exception {
        UUID job = queued(JobKind.WAL_CLEANUP, null);
        JobLease claimed = Json.read(claim(job, "wal-archiver@h:9", 5).body(), JobLease.class);

        HttpResponse<String> renewed = heartbeat(job, "wal-archiver@h:9", claimed.token(), 120, WAL_TOKEN);

        assertThat(renewed.statusCode()).isEqualTo(200);
        JobLease lease = Json.read(renewed.body(), JobLease.class);
        assertThat(lease.token()).isEqualTo(claimed.token());
        assertThat(lease.expiresAt()).isAfter(claimed.expiresAt().plusSeconds(100));
        assertThat(view(job).leaseExpiresAt()).isEqualTo(lease.expiresAt());
    }

    @Test
    void aHeartbeatForAJobThatEndedIsRefused() throws Exception {
        UUID job = queued(JobKind.BACKUP, null);
        claim(job, A, 30);
        TestJobs.set(jdbc, job, "status = 'CANCELLED'");

        HttpResponse<String> refused = heartbeat(job, A, 1, 30, BACKUP_TOKEN);

        assertThat(refused.statusCode()).isEqualTo(409);
        assertThat(detail(refused)).contains("ended: it is CANCELLED", "stop working on it");
    }

    @Test
    void anUnknownJobIsNotFound() throws Exception {
        UUID unknown = UUID.randomUUID();

        assertThat(claim(unknown, A, 30).statusCode()).isEqualTo(404);
        assertThat(heartbeat(unknown, A, 1, 30, BACKUP_TOKEN).statusCode()).isEqualTo(404);
    }

    @Test
    void malformedClaimsAreRefusedNamingTheField() throws Exception {
        UUID job = queued(JobKind.BACKUP, null);

        assertThat(detail(claim(job, "worker\nforged log line", 30))).contains("owner: must not contain control");
        assertThat(detail(claim(job, "", 30))).contains("owner: must name the worker instance");
        assertThat(detail(claim(job, "x".repeat(201), 30))).contains("owner: must name the worker instance");
        assertThat(detail(claim(job, A, 4))).contains("leaseSeconds: must be between 5 and 600");
        assertThat(claim(job, A, 601).statusCode()).isEqualTo(400);
        assertThat(detail(heartbeat(job, A, 0, 30, BACKUP_TOKEN))).contains("token: must be the token");
        assertThat(post("/internal/v1/jobs/not-a-uuid/claim", new JobClaim(A, 30), BACKUP_TOKEN)
                        .statusCode())
                .isEqualTo(400);
        assertThat(view(job).status()).isEqualTo(JobStatus.QUEUED);
    }

    @Test
    void onlyWorkersMayClaimAndRenew() throws Exception {
        UUID job = queued(JobKind.RESTORE, null);

        assertThat(post(claimPath(job), new JobClaim(A, 30), GATEWAY_TOKEN).statusCode())
                .isEqualTo(403);
        assertThat(post(heartbeatPath(job), new LeaseRenewal(A, 1, 30), GATEWAY_TOKEN)
                        .statusCode())
                .isEqualTo(403);
        assertThat(post(claimPath(job), new JobClaim(A, 30), ADMIN_TOKEN).statusCode())
                .isEqualTo(403);
        assertThat(view(job).status()).isEqualTo(JobStatus.QUEUED);
        assertThat(post(claimPath(job), new JobClaim("restore-worker-1@h:7", 30), RESTORE_TOKEN)
                        .statusCode())
                .isEqualTo(200);
    }

    private UUID queued(JobKind kind, String backupId) {
        return TestJobs.queued(registry, kind, backupId);
    }

    private void expireLease(UUID job) {
        TestJobs.expireLease(jdbc, job);
    }

    private int lostLeases(UUID job) {
        return jdbc.sql("SELECT lost_leases FROM job WHERE job_id = ?")
                .param(job)
                .query(Integer.class)
                .single();
    }

    private String backupStatus(BackupId backupId) {
        return jdbc.sql("SELECT status FROM backup WHERE backup_id = ?")
                .param(backupId.toString())
                .query(String.class)
                .single();
    }

    private HttpResponse<String> claim(UUID job, String owner, int seconds) throws Exception {
        return post(claimPath(job), new JobClaim(owner, seconds), BACKUP_TOKEN);
    }

    private HttpResponse<String> heartbeat(UUID job, String owner, long token, int seconds, String bearer)
            throws Exception {
        return post(heartbeatPath(job), new LeaseRenewal(owner, token, seconds), bearer);
    }

    private static String claimPath(UUID job) {
        return "/internal/v1/jobs/" + job + "/claim";
    }

    private static String heartbeatPath(UUID job) {
        return "/internal/v1/jobs/" + job + "/heartbeat";
    }

    private JobView view(UUID job) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(uri("/api/v1/jobs/" + job))
                .header("Authorization", "Bearer " + GATEWAY_TOKEN)
                .GET()
                .build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return Json.read(response.body(), JobView.class);
    }

    private HttpResponse<String> post(String path, Object body, String bearer) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(uri(path))
                .header("Authorization", "Bearer " + bearer)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(body)))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static String detail(HttpResponse<String> response) {
        return Json.read(response.body(), Problem.class).detail();
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private record Problem(String detail) {}
}

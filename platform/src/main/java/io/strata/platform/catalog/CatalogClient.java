package io.strata.platform.catalog;

import io.strata.platform.catalog.CatalogApi.BackupDeletion;
import io.strata.platform.catalog.CatalogApi.BackupView;
import io.strata.platform.catalog.CatalogApi.BaseBackupView;
import io.strata.platform.catalog.CatalogApi.CancelAnswer;
import io.strata.platform.catalog.CatalogApi.CancelRequest;
import io.strata.platform.catalog.CatalogApi.ForgottenBackups;
import io.strata.platform.catalog.CatalogApi.JobClaim;
import io.strata.platform.catalog.CatalogApi.JobLease;
import io.strata.platform.catalog.CatalogApi.JobView;
import io.strata.platform.catalog.CatalogApi.LeaseRenewal;
import io.strata.platform.catalog.CatalogApi.NewJob;
import io.strata.platform.catalog.CatalogApi.RecoveryPlan;
import io.strata.platform.catalog.CatalogApi.RecoveryPlanRequest;
import io.strata.platform.catalog.CatalogApi.SourceConnection;
import io.strata.platform.catalog.CatalogApi.SourceView;
import io.strata.platform.catalog.CatalogApi.VerificationReport;
import io.strata.platform.catalog.CatalogApi.WalCleanup;
import io.strata.platform.catalog.CatalogApi.WalCleanupRequest;
import java.util.List;
import java.util.Optional;
import org.springframework.http.HttpStatus;
import org.springframework.web.client.HttpClientErrorException;
import org.springframework.web.client.RestClient;

/** Calls the catalog-service. Absent things come back empty rather than as exceptions. */
public class CatalogClient {
    private final RestClient http;

    public CatalogClient(RestClient http) {
        this.http = http;
    }

    public RestClient http() {
        return http;
    }

    /** Every registered source. */
    public List<SourceView> sources() {
        SourceView[] all = http.get().uri("/api/v1/sources").retrieve().body(SourceView[].class);
        return all == null ? List.of() : List.of(all);
    }

    public Optional<SourceView> source(String name) {
        return getOptional("/api/v1/sources/{name}", SourceView.class, name);
    }

    public Optional<SourceConnection> sourceConnection(String name) {
        return getOptional("/internal/v1/sources/{name}/connection", SourceConnection.class, name);
    }

    public Optional<JobView> job(String jobId) {
        return getOptional("/api/v1/jobs/{id}", JobView.class, jobId);
    }

    public Optional<BackupView> backup(String backupId) {
        return getOptional("/api/v1/backups/{id}", BackupView.class, backupId);
    }

    /** The source's usable base backups, oldest first (full ones and whole chains). */
    public List<BaseBackupView> baseBackups(String source) {
        BaseBackupView[] all = http.get()
                .uri("/api/v1/sources/{source}/base-backups", source)
                .retrieve()
                .body(BaseBackupView[].class);
        return all == null ? List.of() : List.of(all);
    }

    /** Plans recovery of {@code source} to a target; a plan that cannot be followed says why in its problem. */
    public RecoveryPlan planRecovery(String source, RecoveryPlanRequest request) {
        return http.post()
                .uri("/api/v1/sources/{source}/recovery-plans", source)
                .body(request)
                .retrieve()
                .body(RecoveryPlan.class);
    }

    /** Removes from the catalog the WAL a cleanup may delete, and returns it (the caller deletes the objects). */
    public WalCleanup cleanupWal(String source, int keepDays) {
        return http.post()
                .uri("/internal/v1/sources/{source}/wal/cleanup", source)
                .body(new WalCleanupRequest(keepDays))
                .retrieve()
                .body(WalCleanup.class);
    }

    /**
     * Forgets a backup (and with cascade its dependents) for a DELETE job; the catalog's 409 (it has
     * dependents, or is still being taken) and 404 are thrown.
     */
    public ForgottenBackups forgetBackup(String backupId, BackupDeletion deletion) {
        return http.post()
                .uri("/internal/v1/backups/{id}/deletion", backupId)
                .body(deletion)
                .retrieve()
                .body(ForgottenBackups.class);
    }

    /**
     * Forgets what the source's retention plan deletes now, for a RETENTION job (the same answer when the job
     * asks again); the catalog's 409 (jobs that read the chain are running) and 404 (no policy) are thrown.
     */
    public PolicyApi.RetentionForgotten forgetForRetention(String source, PolicyApi.RetentionForgetting request) {
        return http.post()
                .uri("/internal/v1/sources/{source}/retention/forgetting", source)
                .body(request)
                .retrieve()
                .body(PolicyApi.RetentionForgotten.class);
    }

    /** Records what a VERIFY job found about the backups of a chain. */
    public void recordVerification(String backupId, VerificationReport report) {
        http.post()
                .uri("/internal/v1/backups/{id}/verification", backupId)
                .body(report)
                .retrieve()
                .toBodilessEntity();
    }

    /** Asks the catalog to cancel a job; its 409 (ended, or not safely cancellable now) and 404 are thrown. */
    public CancelAnswer cancelJob(String jobId, CancelRequest request) {
        return http.post()
                .uri("/internal/v1/jobs/{id}/cancel", jobId)
                .body(request)
                .retrieve()
                .body(CancelAnswer.class);
    }

    public JobView createJob(NewJob job) {
        return http.post().uri("/internal/v1/jobs").body(job).retrieve().body(JobView.class);
    }

    /**
     * Claims {@code jobId} for {@code owner}; empty when the catalog refuses (409: the job ended, another
     * live worker holds it, or it is not safe to run again after its worker was lost) or does not know it.
     */
    public Optional<JobLease> claim(String jobId, JobClaim claim) {
        return leaseCall("/internal/v1/jobs/{id}/claim", jobId, claim);
    }

    /** Renews a lease; empty when it is no longer this owner's (the job must stop). */
    public Optional<JobLease> heartbeat(String jobId, LeaseRenewal renewal) {
        return leaseCall("/internal/v1/jobs/{id}/heartbeat", jobId, renewal);
    }

    private Optional<JobLease> leaseCall(String path, String jobId, Object body) {
        try {
            return Optional.ofNullable(
                    http.post().uri(path, jobId).body(body).retrieve().body(JobLease.class));
        } catch (HttpClientErrorException e) {
            if (e.getStatusCode() == HttpStatus.CONFLICT || e.getStatusCode() == HttpStatus.NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }

    private <T> Optional<T> getOptional(String path, Class<T> type, Object... vars) {
        try {
            return Optional.ofNullable(http.get().uri(path, vars).retrieve().body(type));
        } catch (HttpClientErrorException e) {
            if (e.getStatusCode() == HttpStatus.NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }
}

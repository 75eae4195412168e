package io.strata.gateway.catalog;

import io.strata.common.messaging.Json;
import io.strata.platform.catalog.CatalogApi.AuditView;
import io.strata.platform.catalog.CatalogApi.BackupView;
import io.strata.platform.catalog.CatalogApi.JobView;
import io.strata.platform.catalog.CatalogApi.NewSource;
import io.strata.platform.catalog.CatalogApi.RecoveryPlan;
import io.strata.platform.catalog.CatalogApi.RestorePointView;
import io.strata.platform.catalog.CatalogApi.SourceView;
import io.strata.platform.catalog.CatalogApi.WalArchiveSummary;
import io.strata.platform.catalog.CatalogApi.WalArchivingChange;
import io.strata.platform.catalog.CatalogClient;
import io.strata.platform.catalog.PolicyApi.AlertView;
import io.strata.platform.catalog.PolicyApi.PolicyUpdate;
import io.strata.platform.catalog.PolicyApi.PolicyView;
import io.strata.platform.catalog.PolicyApi.RetentionPreview;
import io.strata.platform.catalog.PolicyApi.ScheduleRunView;
import io.strata.platform.catalog.PolicyApi.SourceSummary;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpStatus;
import org.springframework.http.converter.json.JacksonJsonHttpMessageConverter;
import org.springframework.stereotype.Component;
import org.springframework.web.client.HttpClientErrorException;
import org.springframework.web.client.RestClient;

/**
 * The catalog's public API as the gateway answers it, typed with the {@code CatalogApi} records (so the
 * OpenAPI document describes every answer). Failures surface as the catalog's own exceptions, which
 * {@code ApiExceptionHandler} turns into problems (4xx passed through, unreachable as 503); a 404 of a
 * single thing comes back empty.
 *
 * <p>Answers are read with Strata's wire mapping ({@link Json}), not with the strictness the gateway applies
 * to request bodies: a field a newer catalog adds is dropped instead of failing the call.
 */
@Component
public class CatalogProxy {
    private static final ParameterizedTypeReference<List<JobView>> JOBS = new ParameterizedTypeReference<>() {};
    private static final ParameterizedTypeReference<List<BackupView>> BACKUPS = new ParameterizedTypeReference<>() {};
    private static final ParameterizedTypeReference<List<AuditView>> AUDIT = new ParameterizedTypeReference<>() {};
    private static final ParameterizedTypeReference<List<SourceView>> SOURCES = new ParameterizedTypeReference<>() {};
    private static final ParameterizedTypeReference<List<RestorePointView>> RESTORE_POINTS =
            new ParameterizedTypeReference<>() {};

    private static final ParameterizedTypeReference<List<AlertView>> ALERTS = new ParameterizedTypeReference<>() {};
    private static final ParameterizedTypeReference<List<PolicyView>> POLICIES = new ParameterizedTypeReference<>() {};
    private static final ParameterizedTypeReference<List<ScheduleRunView>> RUNS = new ParameterizedTypeReference<>() {};
    private static final ParameterizedTypeReference<List<io.strata.platform.catalog.PolicyApi.DrillView>> DRILLS =
            new ParameterizedTypeReference<>() {};

    private final RestClient http;

    public CatalogProxy(CatalogClient catalog) {
        JacksonJsonHttpMessageConverter wireJson = new JacksonJsonHttpMessageConverter(Json.mapper());
        this.http = catalog.http()
                .mutate()
                .messageConverters(converters -> converters.replaceAll(
                        converter -> converter instanceof JacksonJsonHttpMessageConverter ? wireJson : converter))
                .build();
    }

    /** {@code GET /api/v1/jobs} with the non-null {@code filters}, newest first. */
    public List<JobView> jobs(Map<String, Object> filters) {
        return list("/api/v1/jobs", filters, JOBS);
    }

    public Optional<JobView> job(String jobId) {
        return one(() -> http.get().uri("/api/v1/jobs/{id}", jobId).retrieve().body(JobView.class));
    }

    /** {@code GET /api/v1/backups} with the non-null {@code filters}, newest first. */
    public List<BackupView> backups(Map<String, Object> filters) {
        return list("/api/v1/backups", filters, BACKUPS);
    }

    /** One backup with its objects. */
    public Optional<BackupView> backup(String backupId) {
        return one(() ->
                http.get().uri("/api/v1/backups/{id}", backupId).retrieve().body(BackupView.class));
    }

    /** {@code GET /api/v1/audit} with the non-null {@code filters}, newest first. */
    public List<AuditView> audit(Map<String, Object> filters) {
        return list("/api/v1/audit", filters, AUDIT);
    }

    /** Registers a source; the catalog's 409 (name taken) and 400 are thrown. */
    public SourceView register(NewSource source) {
        return http.post().uri("/api/v1/sources").body(source).retrieve().body(SourceView.class);
    }

    public List<SourceView> sources() {
        return list("/api/v1/sources", Map.of(), SOURCES);
    }

    public Optional<SourceView> source(String name) {
        return one(
                () -> http.get().uri("/api/v1/sources/{name}", name).retrieve().body(SourceView.class));
    }

    /** Switches a source's WAL archiving; the source as it now is, empty when it is not registered. */
    public Optional<SourceView> switchWalArchiving(String name, boolean enabled) {
        return one(() -> http.put()
                .uri("/api/v1/sources/{name}/wal-archiving", name)
                .body(new WalArchivingChange(enabled))
                .retrieve()
                .body(SourceView.class));
    }

    /** What the catalog knows of a source's WAL archive; empty when the source is not registered. */
    public Optional<WalArchiveSummary> walArchive(String name) {
        return one(() -> http.get()
                .uri("/api/v1/sources/{name}/wal-archive", name)
                .retrieve()
                .body(WalArchiveSummary.class));
    }

    /** A source's restore points, newest first; the catalog's 404 for an unknown source is thrown. */
    public List<RestorePointView> restorePoints(String source) {
        List<RestorePointView> points = http.get()
                .uri("/api/v1/sources/{source}/restore-points", source)
                .retrieve()
                .body(RESTORE_POINTS);
        return points == null ? List.of() : points;
    }

    /** Records a restore point made on the source; the catalog's 409 (name taken) is thrown. */
    public RestorePointView recordRestorePoint(String source, RestorePointView point) {
        return http.post()
                .uri("/api/v1/sources/{source}/restore-points", source)
                .body(point)
                .retrieve()
                .body(RestorePointView.class);
    }

    /** The catalog's plan to recover to a restore point; empty when the source has no such point. */
    public Optional<RecoveryPlan> restorePointPlan(String source, String name) {
        return one(() -> http.get()
                .uri("/api/v1/sources/{source}/restore-points/{name}/recovery-plan", source, name)
                .retrieve()
                .body(RecoveryPlan.class));
    }

    /** Sets a source's policy (checked by the caller); empty when the source is not registered. */
    public Optional<PolicyView> putPolicy(String source, PolicyUpdate update) {
        return one(() -> http.put()
                .uri("/internal/v1/sources/{source}/policy", source)
                .body(update)
                .retrieve()
                .body(PolicyView.class));
    }

    /** A source's policy with its next runs; empty when it has none (or the source is not registered). */
    public Optional<PolicyView> policy(String source) {
        return one(() -> http.get()
                .uri("/api/v1/sources/{source}/policy", source)
                .retrieve()
                .body(PolicyView.class));
    }

    /** Every source's policy, by source name. */
    public List<PolicyView> policies() {
        return list("/api/v1/policies", Map.of(), POLICIES);
    }

    /** What became of a source's schedule slots, newest first. */
    public List<ScheduleRunView> scheduleRuns(String source, Integer limit) {
        return list("/api/v1/sources/" + source + "/schedule-runs", Collections.singletonMap("limit", limit), RUNS);
    }

    /** What the source's retention would keep and delete now; empty when the source has no policy. */
    public Optional<RetentionPreview> previewRetention(String source) {
        return one(() -> http.post()
                .uri("/api/v1/sources/{source}/retention/preview", source)
                .retrieve()
                .body(RetentionPreview.class));
    }

    /**
     * Queues a restore drill of the source (the catalog picks the backup when none is named); the catalog's
     * 404 and 409 reach the caller as they are.
     */
    public JobView startDrill(String source, io.strata.platform.catalog.PolicyApi.DrillRequest request) {
        return http.post()
                .uri("/internal/v1/sources/{source}/drills", source)
                .body(request)
                .retrieve()
                .body(JobView.class);
    }

    /** The source's restore drills, newest first. */
    public List<io.strata.platform.catalog.PolicyApi.DrillView> drills(String source, Integer limit) {
        return list("/api/v1/sources/" + source + "/drills", Collections.singletonMap("limit", limit), DRILLS);
    }

    /** The source at a glance; empty when it is not registered. */
    public Optional<SourceSummary> summary(String source) {
        return one(() -> http.get()
                .uri("/api/v1/sources/{source}/summary", source)
                .retrieve()
                .body(SourceSummary.class));
    }

    /** {@code GET /api/v1/alerts} with the non-null {@code filters}, newest first. */
    public List<AlertView> alerts(Map<String, Object> filters) {
        return list("/api/v1/alerts", filters, ALERTS);
    }

    private <T> List<T> list(String path, Map<String, Object> filters, ParameterizedTypeReference<List<T>> type) {
        List<T> found = http.get()
                .uri(uri -> {
                    uri.path(path);
                    filters.forEach((name, value) -> {
                        if (value != null) {
                            uri.queryParam(name, value);
                        }
                    });
                    return uri.build();
                })
                .retrieve()
                .body(type);
        return found == null ? List.of() : found;
    }

    private static <T> Optional<T> one(Supplier<T> call) {
        try {
            return Optional.ofNullable(call.get());
        } catch (HttpClientErrorException e) {
            if (e.getStatusCode() == HttpStatus.NOT_FOUND) {
                return Optional.empty();
            }
            throw e;
        }
    }
}

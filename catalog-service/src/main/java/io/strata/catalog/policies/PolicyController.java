package io.strata.catalog.policies;

import io.strata.catalog.policies.PolicyStore.StoredPolicy;
import io.strata.catalog.web.InvalidRequestException;
import io.strata.catalog.web.InvalidRequestException.FieldProblem;
import io.strata.catalog.web.QueryParams;
import io.strata.catalog.web.ResourceNotFoundException;
import io.strata.common.model.Names;
import io.strata.platform.catalog.PolicyApi.BackupPolicy;
import io.strata.platform.catalog.PolicyApi.NextRun;
import io.strata.platform.catalog.PolicyApi.PolicyUpdate;
import io.strata.platform.catalog.PolicyApi.PolicyView;
import io.strata.platform.catalog.PolicyApi.RetentionPreview;
import io.strata.platform.catalog.PolicyApi.ScheduleRunView;
import io.strata.platform.catalog.PolicyApi.SourceSummary;
import io.strata.platform.policy.PolicyRules;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Sources' backup policies: set by the gateway (which checked them first), read by anyone with catalog:read. */
@RestController
class PolicyController {
    private final PolicyStore policies;
    private final ScheduleRunStore runs;
    private final RetentionPreviews retention;
    private final SourceSummaries summaries;
    private final Clock clock;

    PolicyController(
            PolicyStore policies,
            ScheduleRunStore runs,
            RetentionPreviews retention,
            SourceSummaries summaries,
            Clock clock) {
        this.policies = policies;
        this.runs = runs;
        this.retention = retention;
        this.summaries = summaries;
        this.clock = clock;
    }

    /** Checked again here: the catalog keeps nothing it could not schedule. 404 for an unknown source. */
    @PutMapping("/internal/v1/sources/{name}/policy")
    PolicyView put(@PathVariable String name, @RequestBody(required = false) PolicyUpdate update) {
        requireSourceName(name);
        BackupPolicy policy = update == null ? null : update.policy();
        List<FieldProblem> problems = PolicyRules.check(policy).stream()
                .map(p -> new FieldProblem(p.field(), p.message()))
                .toList();
        if (!problems.isEmpty()) {
            throw new InvalidRequestException(problems);
        }
        Instant now = clock.instant();
        if (!policies.save(name, PolicyRules.withDefaults(policy), now, update.actor())) {
            throw new ResourceNotFoundException("source", name);
        }
        return get(name);
    }

    @GetMapping("/api/v1/sources/{name}/policy")
    PolicyView get(@PathVariable String name) {
        requireSourceName(name);
        return policies.find(name)
                .map(p -> view(p, clock.instant()))
                .orElseThrow(() -> new ResourceNotFoundException("policy of source", name));
    }

    @GetMapping("/api/v1/policies")
    List<PolicyView> list() {
        Instant now = clock.instant();
        return policies.findAll().stream().map(p -> view(p, now)).toList();
    }

    @GetMapping("/api/v1/sources/{name}/schedule-runs")
    List<ScheduleRunView> runs(@PathVariable String name, @RequestParam(required = false) Integer limit) {
        requireSourceName(name);
        return runs.list(name, QueryParams.limit(limit));
    }

    /** What the source's retention rules would keep and delete now; 404 when the source has no policy. */
    @PostMapping("/api/v1/sources/{name}/retention/preview")
    RetentionPreview previewRetention(@PathVariable String name) {
        requireSourceName(name);
        StoredPolicy stored =
                policies.find(name).orElseThrow(() -> new ResourceNotFoundException("policy of source", name));
        return retention.preview(name, stored.policy(), clock.instant());
    }

    /** The source at a glance; 404 for an unknown source. */
    @GetMapping("/api/v1/sources/{name}/summary")
    SourceSummary summary(@PathVariable String name) {
        requireSourceName(name);
        if (!policies.sourceExists(name)) {
            throw new ResourceNotFoundException("source", name);
        }
        return summaries.summary(name, clock.instant());
    }

    /** The policy with the next slot of each of its schedules after {@code now}. */
    static PolicyView view(StoredPolicy stored, Instant now) {
        BackupPolicy p = stored.policy();
        List<NextRun> next = ScheduleEntry.of(p).stream()
                .flatMap(e -> e.schedule().next(now, e.zone()).stream()
                        .map(slot -> new NextRun(e.job(), e.kind(), e.type(), e.cron(), slot.at(), slot.wallClock())))
                .toList();
        return new PolicyView(
                stored.source(),
                p.schedulesOrEmpty(),
                p.zoneOrDefault(),
                p.retention(),
                p.verify(),
                p.staleAfterHours(),
                stored.updatedAt(),
                next);
    }

    static void requireSourceName(String name) {
        if (!Names.isSource(name)) {
            throw new InvalidRequestException("name", Names.SOURCE_RULE);
        }
    }
}

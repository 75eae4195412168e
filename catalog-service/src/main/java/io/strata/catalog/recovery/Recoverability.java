package io.strata.catalog.recovery;

import io.strata.common.command.RecoveryTarget;
import io.strata.platform.catalog.CatalogApi.PlanProblem;
import io.strata.platform.catalog.CatalogApi.ReachableRange;
import io.strata.platform.catalog.CatalogApi.RecoveryPlan;
import io.strata.platform.catalog.CatalogApi.RecoveryPlanRequest;
import io.strata.platform.catalog.CatalogApi.WalGap;
import java.time.Instant;
import java.util.Optional;
import org.springframework.stereotype.Component;

/** The span a point-in-time restore of a source can reach today, as its recovery planner sees it. */
@Component
public class Recoverability {
    private final RecoveryPlanController plans;

    Recoverability(RecoveryPlanController plans) {
        this.plans = plans;
    }

    /** From the end of the oldest usable physical backup to the latest archived point; empty without one. */
    public Optional<ReachableRange> pointInTime(String source) {
        return Optional.ofNullable(latest(source).reachable());
    }

    /**
     * What the plan to the latest point says of the archive: {@code gap} when WAL is missing between the newest
     * usable physical backup and the newest archived WAL; {@code restorable} when the latest point can be
     * restored. Neither when nothing can be planned for another reason (no physical backup yet, nothing archived
     * yet): those are not holes in the archive.
     */
    public record LatestPoint(WalGap gap, boolean restorable) {}

    /** See {@link LatestPoint}; throws what the planner throws. */
    public LatestPoint latestPoint(String source) {
        RecoveryPlan plan = latest(source);
        if (!PlanProblem.WAL_GAP.name().equals(plan.problemCode())) {
            return new LatestPoint(null, plan.possible());
        }
        ReachableRange reachable = plan.reachable();
        // a segment whose coverage was never reported is planned with the epoch as its time: not a time to show
        Instant reachableTime =
                reachable == null || Instant.EPOCH.equals(reachable.latestTime()) ? null : reachable.latestTime();
        return new LatestPoint(
                new WalGap(
                        plan.missingSegments(),
                        reachableTime,
                        reachable == null ? null : reachable.latestLsn(),
                        plan.problem()),
                false);
    }

    private RecoveryPlan latest(String source) {
        return plans.plan(source, new RecoveryPlanRequest(RecoveryTarget.latestTarget(), null));
    }
}

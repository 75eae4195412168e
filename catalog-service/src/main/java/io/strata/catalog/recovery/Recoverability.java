package io.strata.catalog.recovery;

import io.strata.common.command.RecoveryTarget;
import io.strata.platform.catalog.CatalogApi.PlanProblem;
import io.strata.platform.catalog.CatalogApi.ReachableRange;
import io.strata.platform.catalog.CatalogApi.RecoveryPlan;
import io.strata.platform.catalog.CatalogApi.RecoveryPlanRequest;
import io.strata.platform.catalog.CatalogApi.WalGap;
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
     * WAL missing between the newest usable physical backup and the newest archived WAL: the latest point cannot
     * be restored. Empty when it can, and when nothing can be planned for another reason (no physical backup
     * yet, nothing archived yet: those are not holes in the archive).
     */
    public Optional<WalGap> gap(String source) {
        RecoveryPlan plan = latest(source);
        if (!PlanProblem.WAL_GAP.name().equals(plan.problemCode())) {
            return Optional.empty();
        }
        ReachableRange reachable = plan.reachable();
        return Optional.of(new WalGap(
                plan.missingSegments(),
                reachable == null ? null : reachable.latestTime(),
                reachable == null ? null : reachable.latestLsn(),
                plan.problem()));
    }

    private RecoveryPlan latest(String source) {
        return plans.plan(source, new RecoveryPlanRequest(RecoveryTarget.latestTarget(), null));
    }
}

package io.strata.catalog.recovery;

import io.strata.common.command.RecoveryTarget;
import io.strata.platform.catalog.CatalogApi.ReachableRange;
import io.strata.platform.catalog.CatalogApi.RecoveryPlan;
import io.strata.platform.catalog.CatalogApi.RecoveryPlanRequest;
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
        RecoveryPlan plan = plans.plan(source, new RecoveryPlanRequest(RecoveryTarget.latestTarget(), null));
        return Optional.ofNullable(plan.reachable());
    }
}

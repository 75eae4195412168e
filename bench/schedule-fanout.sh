#!/usr/bin/env bash
# Issue #10: 50 sources whose policies fire in the same minute, on a dev stack of its own with two
# backup-worker instances: every slot recorded and FIRED once, the delay from slot to JobStarted (p50, p95,
# max), and the catalog's CPU over a minute with the 50 sources and no policies, then with their 50 policies
# idle (slots hours away). Takes about 11 minutes; --idle-only stops after the idle minutes (about 6).
# The dev stack's scheduler ticks every second and its lease sweep runs every second; the production defaults
# are 5 s each: STRATA_SCHEDULER_TICK=5s STRATA_CATALOG_LEASE_SWEEP_INTERVAL=5s bench/schedule-fanout.sh
# Usage (from the repository root, after ./mvnw -DskipTests install): bench/schedule-fanout.sh [--idle-only]
set -euo pipefail
cd "$(dirname "$0")/.."
# the build needs a JDK >= 21 (the machine's default java may be 17): JAVA_HOME if set, else the newest Temurin 25
if [[ -z "${JAVA_HOME:-}" ]]; then
  JAVA_HOME="$(ls -d /usr/lib/jvm/*temurin*25* 2>/dev/null | sort -rV | head -1)"
  export JAVA_HOME
fi
idle_only=false
suffix=""
if [[ "${1:-}" == "--idle-only" ]]; then
  idle_only=true
  suffix="-idle"
fi
report="bench/reports/$(date -u +%F)-schedule-fanout${suffix}.txt"
./mvnw -B -o -pl e2e -Dspotless.check.skip=true -Djacoco.skip=true verify -Dsurefire.skip=true \
  -Dit.test=ScheduleFanOutBench -Dbench.idleOnly="$idle_only" 2>&1 | grep -E '^(idle|fan-out)|Tests run|FAIL' | tee "$report"
echo "report: $report"

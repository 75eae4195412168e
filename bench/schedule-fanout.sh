#!/usr/bin/env bash
# Issue #10: 50 sources whose policies fire in the same minute, on a dev stack of its own with two
# backup-worker instances: every slot recorded and FIRED once, the delay from slot to JobStarted (p50, p95,
# max), and the catalog's CPU while the 50 policies are idle. Takes about 7 minutes.
# Usage (from the repository root, after ./mvnw -DskipTests install): bench/schedule-fanout.sh
set -euo pipefail
cd "$(dirname "$0")/.."
report="bench/reports/$(date -u +%F)-schedule-fanout.txt"
./mvnw -B -o -pl e2e -Dspotless.check.skip=true -Djacoco.skip=true verify -Dsurefire.skip=true \
  -Dit.test=ScheduleFanOutBench 2>&1 | grep -E '^(idle|fan-out)|Tests run|FAIL' | tee "$report"
echo "report: $report"

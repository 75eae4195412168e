#!/usr/bin/env bash
# Issue #10: 50 sources whose policies fire in the same minute, on a dev stack of its own with two
# backup-worker instances: every slot recorded and FIRED once, the delay from slot to JobStarted (p50, p95,
# max), and the catalog's CPU while the 50 policies are idle. Takes about 7 minutes.
# Usage (from the repository root, after ./mvnw -DskipTests install): bench/schedule-fanout.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# the build needs a JDK >= 21 (the machine's default java may be 17): JAVA_HOME if set, else the newest Temurin 25
if [[ -z "${JAVA_HOME:-}" ]]; then
  JAVA_HOME="$(ls -d /usr/lib/jvm/*temurin*25* 2>/dev/null | sort -rV | head -1)"
  export JAVA_HOME
fi
report="bench/reports/$(date -u +%F)-schedule-fanout.txt"
./mvnw -B -o -pl e2e -Dspotless.check.skip=true -Djacoco.skip=true verify -Dsurefire.skip=true \
  -Dit.test=ScheduleFanOutBench 2>&1 | grep -E '^(idle|fan-out)|Tests run|FAIL' | tee "$report"
echo "report: $report"

#!/usr/bin/env bash
# Issue #10: how long a retention preview takes for a source with 10,000 physical backups and 1,000,000
# archived WAL segments, in a throw-away catalog database (the catalog's integration-test database).
# Prints the load time and three preview rounds, and keeps them in bench/reports/.
# Usage (from the repository root, after ./mvnw -DskipTests install): bench/retention-planning.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# the build needs a JDK >= 21 (the machine's default java may be 17): JAVA_HOME if set, else the newest Temurin 25
if [[ -z "${JAVA_HOME:-}" ]]; then
  JAVA_HOME="$(ls -d /usr/lib/jvm/*temurin*25* 2>/dev/null | sort -rV | head -1)"
  export JAVA_HOME
fi
report="bench/reports/$(date -u +%F)-retention-planning.txt"
./mvnw -B -o -pl catalog-service -Dspotless.check.skip=true -Djacoco.skip=true verify \
  -Dtest=NoSuchTest -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=RetentionPlanningBench \
  2>&1 | grep -E '^(loaded|round)' | tee "$report"
echo "report: $report"

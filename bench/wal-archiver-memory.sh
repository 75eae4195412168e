#!/usr/bin/env bash
# The wal-archiver's memory against the number of sources it archives. N sources (default 20) are registered
# on the stack's source server with WAL archiving on: each has a slot of its own, so each streams all of the
# server's WAL, and pgbench -N then writes for LOAD_SECONDS (60). Every SAMPLE_SECONDS (5) the archiver's live
# heap is taken (the total of jcmd GC.class_histogram: the bytes of every object that survives a full collection)
# with its resident size (VmRSS). The baseline is the same archiver with no source, measured first in the same run; the report
# gives the peaks under load, their growth over the baseline per source, the WAL written and archived, and
# whether every source's archive kept up (GET /sources/{name}/wal at the end: healthy, within 1 MiB).
# Usage (from the repository root, on a running stack: ./strata up): bench/wal-archiver-memory.sh [N]
# Env: LOAD_SECONDS, SAMPLE_SECONDS (0: none under load, so the archiver's CPU figure holds no full collections), RESULTS_NAME (report name; default wal-archiver-memory), LOAD=random (instead
#   of pgbench -N, WAL that does not compress: rows of 64 KiB from pgcrypto's gen_random_bytes, RATE transactions
#   a second, default 20, so each source's partial segment grows to a whole segment of incompressible bytes),
#   ENCRYPT=false (the sources are registered with "encrypt": false; default: unset, encrypted when the stack's
#   workers have a key, as the dev stack's do).
set -euo pipefail
cd "$(dirname "$0")/.."

die() { echo "wal-archiver-memory: $*" >&2; exit 1; }
N=${1:-20}
LOAD_SECONDS=${LOAD_SECONDS:-60}
LOAD=${LOAD:-pgbench}
RATE=${RATE:-20}
[[ $LOAD == pgbench || $LOAD == random ]] || die "LOAD is pgbench or random; got '$LOAD'"
[[ $RATE =~ ^[1-9][0-9]*$ ]] || die "RATE is a positive integer; got '$RATE'"
ENCRYPT=${ENCRYPT:-}
[[ -z $ENCRYPT || $ENCRYPT == true || $ENCRYPT == false ]] || die "ENCRYPT is true, false or unset; got '$ENCRYPT'"
SAMPLE_SECONDS=${SAMPLE_SECONDS:-5}
for v in "$N" "$LOAD_SECONDS"; do
  [[ $v =~ ^[1-9][0-9]*$ ]] || die "N and LOAD_SECONDS are positive integers; got '$v'"
done
[[ $SAMPLE_SECONDS =~ ^[0-9]+$ ]] || die "SAMPLE_SECONDS is a number of seconds (0: no samples under load, for a clean CPU figure); got '$SAMPLE_SECONDS'"
(( N <= 35 )) || die "the dev stack's source allows 40 WAL senders: at most 35 sources"

STATE_DIR=${STRATA_STATE_DIR:-.strata/stack}
ENV_FILE=$STATE_DIR/stack.env
[ -f "$ENV_FILE" ] || die "no running stack ($ENV_FILE missing): run ./strata up first"
. "$ENV_FILE" # not exported: tokens and passwords reach child processes only through files
BIN=${STRATA_PG_BIN:-/usr/lib/postgresql/15/bin}
for tool in "$BIN/psql" "$BIN/pgbench"; do [ -x "$tool" ] || die "$tool is missing"; done
for tool in curl python3 ss; do command -v "$tool" >/dev/null || die "$tool is missing"; done
JAVA_HOME=${JAVA_HOME:-$(ls -d /usr/lib/jvm/*temurin*25* 2>/dev/null | sort -rV | head -1)}
JCMD=$JAVA_HOME/bin/jcmd
[ -x "$JCMD" ] || die "no jcmd under JAVA_HOME=$JAVA_HOME"
. bench/lib.sh

OUT=$(mktemp -d /tmp/strata-walmem.XXXXXX)
chmod 700 "$OUT"
sources=()
cleanup() { # archiving off for the sources registered here (their slots go with it), whatever ended the run
  for name in "${sources[@]}"; do
    api PUT "/api/v1/sources/$name/wal-archiving" '{"enabled":false}' >/dev/null 2>&1 || true
  done
  rm -rf "$OUT"
}
trap cleanup EXIT
bench_secrets "$OUT"
NAME=${RESULTS_NAME:-wal-archiver-memory}
REPORT="bench/reports/$(date -u +%F)-$NAME.txt"
log() { echo "$*" | tee -a "$REPORT"; }
: >"$REPORT"

port=$STRATA_WAL_ARCHIVER_PORT
pid=$(ss -ltnpH "sport = :$port" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)
[ -n "$pid" ] || die "no process listens on the wal-archiver's port $port"
sql() { "$BIN/psql" -X -q -At -v ON_ERROR_STOP=1 -d "${2:-postgres}" -c "$1"; }
live_heap_kb() { # the live objects' bytes, counted in one full collection (GC.heap_info's "used" would also count
  # the garbage the streamers make between a GC.run and it: tens of MiB a second with 20 sources shipping partials)
  "$JCMD" "$pid" GC.class_histogram | awk '$1 == "Total" {print int($3 / 1024)}'
}
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$pid/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; } # user + system, in clock ticks
TICKS=$(getconf CLK_TCK)

jar=$(tr '\0' '\n' <"/proc/$pid/cmdline" | grep '\.jar$' | head -1)
build=$(git -C "$(dirname "$jar")" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$(dirname "$jar")" diff --quiet HEAD 2>/dev/null || build="$build (with uncommitted changes)"
log "# wal-archiver memory, $(date -u +%FT%TZ); the archiver runs $jar, built from $build"
if [[ $LOAD == random ]]; then what="incompressible rows (64 KiB of gen_random_bytes, $RATE a second)"; else what="pgbench -N"; fi
log "# $N sources on one server, $what for ${LOAD_SECONDS} s, a sample every ${SAMPLE_SECONDS} s, encrypt: ${ENCRYPT:-unset, the default}; archiver pid $pid,"
log "# its options: $(tr '\0' ' ' <"/proc/$pid/cmdline" | grep -o -- '-Xmx[^ ]*' || echo 'no -Xmx')"

sql "DROP DATABASE IF EXISTS bench_walmem"
sql "CREATE DATABASE bench_walmem"
"$BIN/pgbench" -q -i -s 10 bench_walmem >/dev/null 2>&1
if [[ $LOAD == random ]]; then
  sql "CREATE EXTENSION IF NOT EXISTS pgcrypto; CREATE TABLE noise (b bytea); ALTER TABLE noise ALTER COLUMN b SET STORAGE EXTERNAL" bench_walmem
  printf '%s\n' "INSERT INTO noise SELECT string_agg(gen_random_bytes(1024), ''::bytea) FROM generate_series(1, 64);" >"$OUT/noise.sql"
fi

base_heap=$(live_heap_kb); base_rss=$(rss_kb)
log "baseline (no source): live heap $(( base_heap / 1024 )) MiB, RSS $(( base_rss / 1024 )) MiB"

for i in $(seq 1 "$N"); do
  name="walmem-$i-$$"
  body="{\"name\":\"$name\",\"host\":\"$PGHOST\",\"port\":$PGPORT,\"database\":\"bench_walmem\",\"username\":\"$PGUSER\",\"password\":$SOURCE_PASSWORD_JSON,\"walArchiving\":true${ENCRYPT:+,\"encrypt\":$ENCRYPT}}"
  status=$(api_status POST /api/v1/sources "$body" "$OUT/reg.json")
  [[ $status == 201 ]] || die "registering $name answered $status: $(cat "$OUT/reg.json")"
  sources+=("$name")
done
# every source's streamer up: a slot per source, active
deadline=$(( $(date +%s) + 120 ))
until [ "$(sql "SELECT count(*) FROM pg_replication_slots WHERE slot_name LIKE 'strata_walmem_%_$$' AND active")" = "$N" ]; do
  (( $(date +%s) < deadline )) || die "not every source streams after 120 s"
  sleep 1
done
idle_heap=$(live_heap_kb); idle_rss=$(rss_kb)
log "$N sources streaming, before the load: live heap $(( idle_heap / 1024 )) MiB, RSS $(( idle_rss / 1024 )) MiB"
log "# what the live heap holds then (jcmd GC.class_histogram, the 12 largest classes):"
"$JCMD" "$pid" GC.class_histogram | sed -n '4,15p' | sed 's/^/#   /' | tee -a "$REPORT"

start_lsn=$(sql "SELECT pg_current_wal_lsn()")
start_cpu=$(cpu_ticks); start_wall=$(date +%s%N)
if [[ $LOAD == random ]]; then
  "$BIN/pgbench" -n -f "$OUT/noise.sql" -c 2 -j 2 -R "$RATE" -T "$LOAD_SECONDS" bench_walmem >"$OUT/pgbench.out" 2>&1 &
else
  "$BIN/pgbench" -n -N -c 4 -j 2 -T "$LOAD_SECONDS" bench_walmem >"$OUT/pgbench.out" 2>&1 &
fi
load=$!
peak_heap=0; peak_rss=0; samples=0
while (( SAMPLE_SECONDS > 0 )) && kill -0 "$load" 2>/dev/null; do
  sleep "$SAMPLE_SECONDS"
  h=$(live_heap_kb); r=$(rss_kb); samples=$((samples + 1))
  (( h > peak_heap )) && peak_heap=$h
  (( r > peak_rss )) && peak_rss=$r
done
wait "$load" || die "pgbench failed: $(cat "$OUT/pgbench.out")"
end_cpu=$(cpu_ticks); end_wall=$(date +%s%N)
end_lsn=$(sql "SELECT pg_current_wal_lsn()")
wal_mb=$(sql "SELECT round(pg_wal_lsn_diff('$end_lsn', '$start_lsn') / 1048576.0)")
log "load: $(grep -o 'tps = [0-9.]*' "$OUT/pgbench.out" | head -1), ${wal_mb} MiB of WAL written (each of the $N sources streams all of it)"
log "archiver CPU during the load ($samples samples' full collections included): $(python3 -c "print(f'{($end_cpu - $start_cpu) / $TICKS:.1f} CPU-s over {($end_wall - $start_wall) / 1e9:.0f} s')")"
if (( samples > 0 )); then
  log "peaks over $samples samples under load: live heap $(( peak_heap / 1024 )) MiB, RSS $(( peak_rss / 1024 )) MiB"
  log "growth over the baseline per source: live heap $(( (peak_heap - base_heap) / N )) KiB, RSS $(( (peak_rss - base_rss) / N / 1024 )) MiB"
fi

# each source's archive reaches the end of the load within 60 s
deadline=$(( $(date +%s) + 60 ))
for name in "${sources[@]}"; do
  until [ "$(view "/api/v1/sources/$name/wal" | python3 -c "import json,sys; w=json.load(sys.stdin); print(bool(w.get('healthy')) and w.get('lagBytes', 1 << 30) < 1 << 20)")" = True ]; do
    (( $(date +%s) < deadline )) || { log "source $name: its archive did not catch up within 60 s: $(view "/api/v1/sources/$name/wal")"; break; }
    sleep 1
  done
done
log "each source's archive checked: within 1 MiB of the server's position and healthy (a line above names any that was not)"

for name in "${sources[@]}"; do
  api PUT "/api/v1/sources/$name/wal-archiving" '{"enabled":false}' >/dev/null
done
sleep 5
# the sources stay registered (there is no DELETE /sources); their archiving is off and their slots dropped
sql "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name LIKE 'strata_walmem_%_$$' AND NOT active" >/dev/null || true
echo "report: $REPORT"

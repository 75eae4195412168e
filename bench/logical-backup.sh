#!/usr/bin/env bash
# Logical backup benchmark (issue #2). Needs a running stack: ./strata up
#
# Builds a ~1 GB database of realistic rows (text, numbers, timestamps; not pgbench's blank filler) on
# the stack's source cluster, then in ONE run measures:
#   A  pg_dump -Fc -Z0 | zstd -3 > file   (the pipeline's own limit)
#   B  pg_dump -Fc > file                 (plain pg_dump, gzip level 6)
#   S  a Strata LOGICAL backup through the REST API, POST until SUCCEEDED
# and reports S/A and S/B, backup-worker peak RSS (VmHWM) and POST->JobStarted latency p50/p99 over
# 20 small backups. Results go to bench/results/logical-backup-<date>.txt.
#
# Usage: bench/logical-backup.sh [size-in-GB, default 1]
set -euo pipefail
cd "$(dirname "$0")/.."
STATE_DIR=${STRATA_STATE_DIR:-.strata/stack}
ENV_FILE=$STATE_DIR/stack.env
[ -f "$ENV_FILE" ] || { echo "no running stack ($ENV_FILE missing): run ./strata up first" >&2; exit 1; }
set -a; . "$ENV_FILE"; set +a
SIZE_GB=${1:-1}
BIN=${STRATA_PG_BIN:-/usr/lib/postgresql/15/bin}
DB=bench_shop_${SIZE_GB}g
SOURCE=bench-shop-${SIZE_GB}g
OUT=$(mktemp -d /tmp/strata-bench-XXXX)
RESULTS=bench/results/logical-backup-$(date -u +%Y%m%dT%H%M%SZ).txt
mkdir -p bench/results
SECRETS=$(mktemp -d /tmp/strata-bench-XXXX) # apart from OUT, which is emptied between rounds
trap 'rm -rf "$OUT" "$SECRETS"' EXIT
. bench/lib.sh
bench_secrets "$SECRETS"

jget() { python3 -c "import sys,json; d=json.load(sys.stdin); print(d$1)"; }
now_ms() { date +%s%3N; }
log() { echo "$*" | tee -a "$RESULTS"; }

ensure_shop_db "$DB" "$SIZE_GB"
db_bytes=$("$BIN/psql" -Atqc "select pg_database_size('$DB')" postgres)
log "# Strata logical backup benchmark $(date -u +%FT%TZ) on $(nproc) cores; database $DB = $(( db_bytes / 1048576 )) MiB"
log "# PostgreSQL $("$BIN/psql" -Atqc 'show server_version' postgres), zstd $(zstd --version | grep -o 'v[0-9.]*')"

api POST /api/v1/sources "{\"name\":\"$SOURCE\",\"host\":\"$PGHOST\",\"port\":$PGPORT,\"database\":\"$DB\",\"username\":\"$PGUSER\",\"password\":$SOURCE_PASSWORD_JSON}" >/dev/null || true

t=$(now_ms); "$BIN/pg_dump" -Fc "$DB" > "$OUT/b.pgc"; b_ms=$(( $(now_ms) - t ))
log "B pg_dump -Fc (gzip)       : ${b_ms} ms, $(stat -c %s "$OUT/b.pgc") bytes"
rm -f "$OUT"/*

# Polls cheaply (no interpreter per poll: it would steal CPU from the backup it measures on 2 cores).
wait_job() { # jobId -> prints final json
  local j
  while :; do
    j=$(api GET "/api/v1/jobs/$1")
    case $j in *'"status":"SUCCEEDED"'*|*'"status":"FAILED"'*|*'"status":"CANCELLED"'*) echo "$j"; return;; esac
    sleep 0.5
  done
}
iso_ms() { python3 -c "import sys,datetime; print(int(datetime.datetime.fromisoformat(sys.argv[1].replace('Z','+00:00')).timestamp()*1000))" "$1"; }
strata_backup() { # -> "ms backupId"; from the client's POST to the worker's finishedAt (same clock), so polling adds nothing
  local t job final
  t=$(now_ms)
  job=$(api POST /api/v1/backups "{\"source\":\"$SOURCE\",\"kind\":\"LOGICAL\"}" | jget "['jobId']")
  final=$(wait_job "$job")
  [ "$(echo "$final" | jget "['status']")" = SUCCEEDED ] || { echo "backup failed: $final" >&2; exit 1; }
  echo "$(( $(iso_ms "$(echo "$final" | jget "['finishedAt']")") - t )) $(echo "$final" | jget "['backupId']")"
}
strata_backup >/dev/null # warm-up: the first job after a start pays class loading and consumer assignment

ROUNDS=${ROUNDS:-3}
ratios=(); a_all=(); s_all=()
for r in $(seq 1 "$ROUNDS"); do
  t=$(now_ms); "$BIN/pg_dump" -Fc -Z0 "$DB" | zstd -q -3 > "$OUT/a.pgc.zst"; a_ms=$(( $(now_ms) - t ))
  a_bytes=$(stat -c %s "$OUT/a.pgc.zst"); rm -f "$OUT"/*
  read -r s_ms backup < <(strata_backup)
  stored=$(api GET "/api/v1/backups/$backup" | jget "['storedBytes']")
  ratio=$(python3 -c "print(round($s_ms/$a_ms, 3))")
  log "round $r: A pg_dump -Fc -Z0 | zstd -3 = ${a_ms} ms (${a_bytes} bytes); S Strata LOGICAL = ${s_ms} ms (${stored} bytes stored); S/A = $ratio"
  ratios+=("$ratio"); a_all+=("$a_ms"); s_all+=("$s_ms")
done
median() { printf '%s\n' "$@" | python3 -c "import sys,statistics; print(statistics.median(float(x) for x in sys.stdin))"; }
s_med=$(median "${s_all[@]}"); a_med=$(median "${a_all[@]}")
log "median S/A = $(median "${ratios[@]}")   (goal <= 1.10)"
log "median S/B = $(python3 -c "print(round($s_med/$b_ms, 3))")   (plain pg_dump took $(python3 -c "print(round($b_ms/$a_med, 2))")x the zstd pipeline)"
# the stack's own backup-worker: the process listening on the port the stack recorded
worker_pid=$(ss -Hltnp "sport = :$STRATA_BACKUP_WORKER_PORT" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)
[ -n "$worker_pid" ] || { echo "no process listens on the backup-worker port $STRATA_BACKUP_WORKER_PORT" >&2; exit 1; }
hwm=$(grep VmHWM /proc/"$worker_pid"/status | awk '{print $2}')
log "backup-worker peak RSS (VmHWM, whole process life): $(( hwm / 1024 )) MiB   (goal <= 512 MiB)"

# POST answered -> JobStarted (the job's startedAt is stamped by the worker when it emits JobStarted)
"$BIN/psql" -q -c "DROP DATABASE IF EXISTS bench_tiny" -c "CREATE DATABASE bench_tiny" postgres
api POST /api/v1/sources "{\"name\":\"bench-tiny\",\"host\":\"$PGHOST\",\"port\":$PGPORT,\"database\":\"bench_tiny\",\"username\":\"$PGUSER\",\"password\":$SOURCE_PASSWORD_JSON}" >/dev/null || true
lat=()
for i in $(seq 1 20); do
  api POST /api/v1/backups '{"source":"bench-tiny"}' >"$OUT/r"
  t_answer=$(now_ms) # as the 202 arrived, before an interpreter reads it (that took ~0.4 s here)
  job=$(jget "['jobId']" <"$OUT/r")
  final=$(wait_job "$job")
  started=$(iso_ms "$(echo "$final" | jget "['startedAt']")")
  lat+=($(( started - t_answer )))
done
log "POST answered -> JobStarted over 20 runs (ms; negative = the worker had started before the 202 reached the client): ${lat[*]}"
log "$(printf '%s\n' "${lat[@]}" | python3 -c "import sys,statistics; v=sorted(int(x) for x in sys.stdin); print('p50 =', statistics.median(v), 'ms; p99 (max of 20) =', v[-1], 'ms   (goal p50 <= 200 ms)')")"
echo "results written to $RESULTS"

#!/usr/bin/env bash
# Physical backup, WAL archiving and point-in-time restore benchmark (issue #3). Needs a running stack:
# ./strata up. Runs as root (pgBackRest and pg_ctl run as postgres through runuser; apt-get installs
# pgbackrest when missing).
#
# On the stack's source cluster, a pgbench database of the given scale (50 ~ 750 MB), registered as source
# bench-pitr with WAL archiving on. In ONE run, in this order:
#   1  physical backup rounds, alternating (idle database, same cluster):
#        B  pg_basebackup -Ft -X none --checkpoint=fast to a directory (wall time, max RSS)
#        P  pgBackRest full backup, process-max=2, zstd level 3, start-fast (fresh repo each round)
#        S  a Strata PHYSICAL backup, POST /backups until the job's finishedAt
#      medians, B/S, P/S (goal >= 2), S/B and the stored sizes. The last S backup is the PITR base.
#   2  WAL archive lag under load: pgbench -c 8 -j 2 -T <seconds> while GET /sources/bench-pitr/wal is
#      sampled every second: p50/p99/max of lagSeconds (goal p99 <= 2 s) and lagBytes.
#   3  point-in-time restore to T = ~30 s before the load ended (so recovery replays the load's WAL on top
#      of the last S backup): POST /restores/preview, then POST /restores into a new cluster; time of each
#      job step (download+unpack, verify, WAL fetch+replay, check), WAL replayed, the preview's estimate.
# Results go to bench/results/pitr-physical-<date>.txt (or $RESULTS_NAME-<date>.txt), every lag sample to
# the same name with -wal-lag.tsv. Reruns reuse the database (re-initialised when the scale differs) and
# the source; temp dirs (/tmp/strata-bench-*) and the restored cluster are removed on exit.
#
# Usage: bench/pitr-physical.sh [pgbench-scale, default 50] [load-seconds, default 120] [rounds, default 3]
# Environment: TARGET_BEFORE_END (s before the load's end to recover to, default 30, at most half the load),
#   WARMUP=0 (skip the untimed warm-up Strata backup), RESULTS_NAME (results file prefix).
set -euo pipefail
cd "$(dirname "$0")/.."

die() { echo "pitr-physical: $*" >&2; exit 1; }
SCALE=${1:-50}
LOAD_SECONDS=${2:-120}
ROUNDS=${3:-3}
for v in "$SCALE" "$LOAD_SECONDS" "$ROUNDS"; do
  [[ $v =~ ^[1-9][0-9]*$ ]] || die "arguments are positive integers: [scale] [load-seconds] [rounds]; got '$v'"
done
TARGET_BEFORE_END=${TARGET_BEFORE_END:-30}
(( TARGET_BEFORE_END * 2 > LOAD_SECONDS )) && TARGET_BEFORE_END=$(( LOAD_SECONDS / 2 ))
[ "$(id -u)" = 0 ] || die "run as root: pgBackRest and pg_ctl run as postgres through runuser"

STATE_DIR=${STRATA_STATE_DIR:-.strata/stack}
ENV_FILE=$STATE_DIR/stack.env
[ -f "$ENV_FILE" ] || die "no running stack ($ENV_FILE missing): run ./strata up first"
stack_pid=$(cat "$STATE_DIR/devstack.pid" 2>/dev/null || true)
[ -n "$stack_pid" ] && kill -0 "$stack_pid" 2>/dev/null \
  || die "the dev stack is not running ($ENV_FILE is stale): run ./strata up first"
set -a; . "$ENV_FILE"; set +a
for svc in API_GATEWAY BACKUP_WORKER RESTORE_WORKER WAL_ARCHIVER; do
  port_var=STRATA_${svc}_PORT
  curl -fsS -m 5 "http://127.0.0.1:${!port_var}/actuator/health" 2>/dev/null | grep -q '"status":"UP"' \
    || die "$(tr 'A-Z_' 'a-z-' <<<"$svc") on port ${!port_var} is not healthy: see ./strata status and ./strata logs $(tr 'A-Z_' 'a-z-' <<<"$svc")"
done

BIN=${STRATA_PG_BIN:-/usr/lib/postgresql/15/bin}
for tool in "$BIN/psql" "$BIN/pg_basebackup" "$BIN/pg_ctl" "$BIN/pgbench" /usr/bin/time; do
  [ -x "$tool" ] || die "$tool is missing"
done
for tool in curl python3 runuser; do command -v "$tool" >/dev/null || die "$tool is missing"; done
if ! command -v pgbackrest >/dev/null; then
  echo "installing pgbackrest (apt-get install -y pgbackrest)..."
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbackrest >/dev/null 2>&1 \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbackrest >/dev/null; } \
    || die "apt-get could not install pgbackrest"
fi

DB=bench_pitr
SOURCE=bench-pitr
RESULTS=bench/results/${RESULTS_NAME:-pitr-physical}-$(date -u +%Y%m%dT%H%M%SZ).txt
mkdir -p bench/results
OUT=$(mktemp -d /tmp/strata-bench-pitr-XXXX)
PBR=$(mktemp -d /tmp/strata-bench-pgbackrest-XXXX) # postgres' own: config, repo, lock, log
# restores write only inside the restore-worker's data roots: a bare name is made in the first one
RESTORE_NAME="bench-pitr-$(date +%s)"
RESTORE_DIR= # known from the job's result
PGBENCH_PID=
cleanup() {
  if [ -n "$PGBENCH_PID" ] && kill -0 "$PGBENCH_PID" 2>/dev/null; then kill "$PGBENCH_PID" 2>/dev/null || true; fi
  if [ -n "$RESTORE_DIR" ] && [ -f "$RESTORE_DIR/postmaster.pid" ]; then
    runuser -u postgres -- "$BIN/pg_ctl" -D "$RESTORE_DIR" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$OUT" "$PBR"
  if [ -n "$RESTORE_DIR" ]; then rm -rf "$RESTORE_DIR"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { echo "$*" | tee -a "$RESULTS"; }
fail() { log "FAILED: $*"; echo "partial results in $RESULTS" >&2; exit 1; }
now_ms() { date +%s%3N; }
. bench/lib.sh
bench_secrets "$OUT"
jf() { # dotted.path -> the field of the JSON on stdin, '' when absent or null
  python3 -c '
import sys, json
v = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v = v.get(k) if isinstance(v, dict) else v[int(k)] if isinstance(v, list) and k.isdigit() and int(k) < len(v) else None
print("" if v is None else (json.dumps(v) if isinstance(v, (dict, list)) else v))' "$1"
}
iso_ms() { python3 -c "import sys,datetime; print(int(datetime.datetime.fromisoformat(sys.argv[1].replace('Z','+00:00')).timestamp()*1000))" "$1"; }
sql() { "$BIN/psql" -X -Atq -v ON_ERROR_STOP=1 -c "$1" "${2:-postgres}"; }
mib() { python3 -c "print(f'{$1/1048576:.1f}')"; }
secs() { python3 -c "print(f'{$1/1000:.1f}')"; }
median() { printf '%s\n' "$@" | python3 -c "import sys,statistics; print(statistics.median(float(x) for x in sys.stdin))"; }
ratio() { python3 -c "print(round($1/$2, 3))"; }
sleep_until() { # epoch ms
  local rem=$(( $1 - $(now_ms) ))
  (( rem > 0 )) && sleep "$(printf '%d.%03d' $(( rem / 1000 )) $(( rem % 1000 )))"
  return 0
}
# Polls cheaply (curl and bash only, no interpreter per poll: it would steal CPU from what it measures).
wait_job() { # jobId [steps-file] -> final json; with a steps file, appends "epoch-ms step" on each step change
  local j step last=
  while :; do
    j=$(api GET "/api/v1/jobs/$1")
    if [ -n "${2:-}" ] && [[ $j =~ \"currentStep\":\"([^\"]*)\" ]]; then
      step=${BASH_REMATCH[1]}
      if [ "$step" != "$last" ]; then echo "$(now_ms) $step" >>"$2"; last=$step; fi
    fi
    case $j in *'"status":"SUCCEEDED"'*|*'"status":"FAILED"'*|*'"status":"CANCELLED"'*) echo "$j"; return;; esac
    [[ $j == *'"jobId"'* ]] || { echo "$j"; return; } # an error answer, not a job
    sleep 0.5
  done
}
lsn_ge() { [ "$(sql "select pg_wal_lsn_diff('$1','$2') >= 0")" = t ]; }
wait_archived() { # lsn timeout-s -> seconds it took; fails after the timeout
  local t0 w archived
  t0=$(now_ms)
  while :; do
    w=$(view "/api/v1/sources/$SOURCE/wal")
    archived=
    [[ $w =~ \"archivedLsn\":\"([^\"]*)\" ]] && archived=${BASH_REMATCH[1]}
    if [ -n "$archived" ] && lsn_ge "$archived" "$1"; then secs $(( $(now_ms) - t0 )); return; fi
    (( $(now_ms) - t0 > $2 * 1000 )) && fail "WAL up to $1 not archived after $2 s; last GET /sources/$SOURCE/wal: $w"
    sleep 1
  done
}

# --- the database and the source --------------------------------------------------------------------
PGDATA_SRC=$(sql 'show data_directory') || die "cannot query the source cluster at $PGHOST:$PGPORT"
[ -d "$PGDATA_SRC" ] || die "the source cluster's data directory $PGDATA_SRC is not on this host"
[ "$(sql "select count(*) from pg_database where datname='$DB'")" = 1 ] || sql "CREATE DATABASE $DB"
have_scale=$(sql "select count(*) from pgbench_branches" "$DB" 2>/dev/null || echo 0)
if [ "$have_scale" != "$SCALE" ]; then
  echo "initialising $DB with pgbench -i -s $SCALE (~$(( SCALE * 15 )) MB)..."
  "$BIN/pgbench" -i -q -s "$SCALE" "$DB" >"$OUT/init.log" 2>&1 || { cat "$OUT/init.log" >&2; die "pgbench -i failed"; }
else
  sql "TRUNCATE pgbench_history" "$DB"; sql "VACUUM ANALYZE" "$DB"
fi
sql "CHECKPOINT" >/dev/null

body="{\"name\":\"$SOURCE\",\"host\":\"$PGHOST\",\"port\":$PGPORT,\"database\":\"$DB\",\"username\":\"$PGUSER\",\"password\":$SOURCE_PASSWORD_JSON,\"walArchiving\":true}"
code=$(api_status POST /api/v1/sources "$body" "$OUT/r")
case $code in
  201|200) ;;
  409)
    registered_db=$(api GET "/api/v1/sources/$SOURCE" | jf database)
    [ "$registered_db" = "$DB" ] || die "source $SOURCE is registered for database '$registered_db', not $DB"
    code=$(api_status PUT "/api/v1/sources/$SOURCE/wal-archiving" '{"enabled":true}' "$OUT/r")
    [ "$code" = 200 ] || die "PUT /sources/$SOURCE/wal-archiving answered $code: $(cat "$OUT/r")" ;;
  *) die "POST /sources answered $code: $(cat "$OUT/r")" ;;
esac

db_bytes=$(sql "select pg_database_size('$DB')")
cluster_bytes=$(sql "select sum(pg_database_size(datname)) from pg_database")
log "# Strata physical backup / WAL archiving / PITR benchmark $(date -u +%FT%TZ) on $(nproc) cores"
log "# database $DB: pgbench scale $SCALE = $(mib "$db_bytes") MiB; whole source cluster $(mib "$cluster_bytes") MiB ($PGDATA_SRC; physical backups copy all of it)"
others=$(sql "select string_agg(datname || ' ' || pg_size_pretty(pg_database_size(datname)), ', ') from pg_database where datname not in ('$DB','template0','template1','postgres') and pg_database_size(datname) > 50000000")
[ -z "$others" ] || log "# note: other large databases in the cluster (included in B, P and S alike): $others"
log "# PostgreSQL $(sql 'show server_version'), $(pgbackrest version); load: pgbench -c 8 -j 2 -T $LOAD_SECONDS; $ROUNDS backup rounds"

echo "waiting for the wal-archiver to catch up with $SOURCE..."
took=$(wait_archived "$(sql 'select pg_current_wal_lsn()')" 600)
log "archive caught up with the setup's WAL in $took s"

# --- 1. physical backups: B, P, S alternating --------------------------------------------------------
chown postgres: "$PBR"; chmod 700 "$PBR"
cp "$OUT/pgpass" "$PBR/pgpass"
chown postgres: "$PBR/pgpass"
cat >"$PBR/pgbackrest.conf" <<CONF
[global]
repo1-path=$PBR/repo
repo1-retention-full=99
lock-path=$PBR/lock
log-path=$PBR/log
spool-path=$PBR/spool
log-level-console=warn
log-level-file=info
process-max=2
compress-type=zst
compress-level=3
start-fast=y
archive-check=n

[bench]
pg1-path=$PGDATA_SRC
pg1-port=$PGPORT
pg1-user=$PGUSER
CONF
chown postgres: "$PBR/pgpass" "$PBR/pgbackrest.conf"; chmod 600 "$PBR/pgpass"
# pg1-socket-path is unset, so libpq takes the host from PGHOST: the stack's clusters have no Unix socket
pgbr() { runuser -u postgres -- env PGHOST="$PGHOST" PGPASSFILE="$PBR/pgpass" pgbackrest --config="$PBR/pgbackrest.conf" --stanza=bench "$@"; }
rss_of() { awk -F': ' '/Maximum resident set size/ {print $2}' "$1"; }

b_run() { # -> "ms bytes max-rss-kB"
  rm -rf "$OUT/b"
  local t ms
  t=$(now_ms)
  /usr/bin/time -v -o "$OUT/b.time" "$BIN/pg_basebackup" -D "$OUT/b" -Ft -X none --checkpoint=fast 2>"$OUT/b.err" \
    || fail "pg_basebackup: $(cat "$OUT/b.err")"
  ms=$(( $(now_ms) - t ))
  echo "$ms $(du -sb "$OUT/b" | cut -f1) $(rss_of "$OUT/b.time")"
  rm -rf "$OUT/b"
}
p_run() { # -> "ms bytes max-rss-kB"; a fresh repository each round, so every round is the same first full backup
  runuser -u postgres -- rm -rf "$PBR/repo"
  pgbr stanza-create >"$OUT/p.err" 2>&1 || fail "pgbackrest stanza-create: $(cat "$OUT/p.err")"
  local t ms
  t=$(now_ms)
  /usr/bin/time -v -o "$OUT/p.time" runuser -u postgres -- env PGHOST="$PGHOST" PGPASSFILE="$PBR/pgpass" \
    pgbackrest --config="$PBR/pgbackrest.conf" --stanza=bench backup --type=full >"$OUT/p.err" 2>&1 \
    || fail "pgbackrest backup: $(cat "$OUT/p.err")"
  ms=$(( $(now_ms) - t ))
  echo "$ms $(du -sb "$PBR"/repo/backup/bench/*F | tail -1 | cut -f1) $(rss_of "$OUT/p.time")"
}
s_run() { # -> "ms backupId"; from the client's POST to the worker's finishedAt (same host clock)
  local t r job final
  t=$(now_ms)
  r=$(api POST /api/v1/backups "{\"source\":\"$SOURCE\",\"kind\":\"PHYSICAL\"}")
  job=$(jf jobId <<<"$r")
  [ -n "$job" ] || fail "POST /backups (PHYSICAL) answered: $r"
  final=$(wait_job "$job")
  [ "$(jf status <<<"$final")" = SUCCEEDED ] || fail "Strata PHYSICAL backup job $job: $final"
  echo "$(( $(iso_ms "$(jf finishedAt <<<"$final")") - t )) $(jf backupId <<<"$final")"
}

if [ "${WARMUP:-1}" != 0 ]; then
  w=$(s_run); w_ms=${w%% *}
  log "warm-up Strata PHYSICAL backup (not counted; the first job after a start pays class loading): ${w_ms} ms"
fi
b_all=(); p_all=(); s_all=(); b_size=(); p_size=(); s_stored=(); s_raw=(); b_rss=(); p_rss=()
for r in $(seq 1 "$ROUNDS"); do
  b=$(b_run); read -r b_ms b_bytes b_kb <<<"$b"
  p=$(p_run); read -r p_ms p_bytes p_kb <<<"$p"
  s=$(s_run); read -r s_ms BASE_ID <<<"$s"
  backup=$(api GET "/api/v1/backups/$BASE_ID")
  stored=$(jf storedBytes <<<"$backup"); raw=$(jf sizeBytes <<<"$backup")
  log "round $r: B pg_basebackup = ${b_ms} ms ($(mib "$b_bytes") MiB tar, max RSS $(( b_kb / 1024 )) MiB);" \
    "P pgBackRest = ${p_ms} ms ($(mib "$p_bytes") MiB, max RSS $(( p_kb / 1024 )) MiB);" \
    "S Strata = ${s_ms} ms ($(mib "$stored") MiB stored of $(mib "$raw") MiB); B/S = $(ratio "$b_ms" "$s_ms"), P/S = $(ratio "$p_ms" "$s_ms")"
  b_all+=("$b_ms"); p_all+=("$p_ms"); s_all+=("$s_ms"); b_size+=("$b_bytes"); p_size+=("$p_bytes")
  s_stored+=("$stored"); s_raw+=("$raw"); b_rss+=("$b_kb"); p_rss+=("$p_kb")
done
b_med=$(median "${b_all[@]}"); p_med=$(median "${p_all[@]}"); s_med=$(median "${s_all[@]}")
BS=$(ratio "$b_med" "$s_med"); PS=$(ratio "$p_med" "$s_med"); SB=$(ratio "$s_med" "$b_med")
log "medians: B ${b_med} ms, P ${p_med} ms, S ${s_med} ms; B/S = $BS, P/S = $PS (goal >= 2), S/B = $SB"
log "stored (median): B $(mib "$(median "${b_size[@]}")") MiB (plain tar), P $(mib "$(median "${p_size[@]}")") MiB (zstd-3), S $(mib "$(median "${s_stored[@]}")") MiB stored of $(mib "$(median "${s_raw[@]}")") MiB raw"
worker_pid=$(ss -Hltnp "sport = :$STRATA_BACKUP_WORKER_PORT" 2>/dev/null | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2 || true)
[ -z "$worker_pid" ] || log "backup-worker peak RSS (VmHWM, whole process life): $(( $(awk '/VmHWM/ {print $2}' /proc/"$worker_pid"/status) / 1024 )) MiB"
base=$(api GET "/api/v1/backups/$BASE_ID")
BASE_START=$(jf startLsn <<<"$base"); BASE_END=$(jf endLsn <<<"$base")
log "PITR base: the last S backup $BASE_ID (startLsn $BASE_START, endLsn $BASE_END)"

# --- 2. WAL archive lag under load -----------------------------------------------------------------
load_lsn0=$(sql 'select pg_current_wal_lsn()')
"$BIN/pgbench" -c 8 -j 2 -T "$LOAD_SECONDS" -P 10 "$DB" >"$OUT/pgbench.log" 2>&1 &
PGBENCH_PID=$!
load_t0=$(now_ms)
i=0
while kill -0 "$PGBENCH_PID" 2>/dev/null; do
  i=$(( i + 1 ))
  echo "$(now_ms) $(view "/api/v1/sources/$SOURCE/wal")" >>"$OUT/wal.samples"
  sleep_until $(( load_t0 + i * 1000 ))
done
wait "$PGBENCH_PID" || { PGBENCH_PID=; fail "pgbench: $(tail -5 "$OUT/pgbench.log")"; }
PGBENCH_PID=
load_t1=$(now_ms)
load_lsn1=$(sql 'select pg_current_wal_lsn()')
load_wal=$(sql "select pg_wal_lsn_diff('$load_lsn1','$load_lsn0')")
TARGET_TIME=$(date -u -d "@$(( load_t1 / 1000 - TARGET_BEFORE_END ))" +%FT%TZ)
log "load: pgbench $(grep -o 'tps = [0-9.]*' "$OUT/pgbench.log" | head -1), $(grep -o 'number of transactions actually processed: [0-9]*' "$OUT/pgbench.log" | grep -o '[0-9]*$') transactions," \
  "$(mib "$load_wal") MiB of WAL in $(secs $(( load_t1 - load_t0 ))) s ($(python3 -c "print(f'{$load_wal/1048576/(($load_t1-$load_t0)/1000):.1f}')") MiB/s)"
LAG_TSV=${RESULTS%.txt}-wal-lag.tsv
python3 - "$OUT/wal.samples" "$load_t0" "$LAG_TSV" >"$OUT/lag.txt" <<'PY'
import json, math, sys
secs, byts, nulls, unhealthy, bad, traj = [], [], 0, 0, [], []
lsn = lambda t: (int(t.split("/")[0], 16) << 32) + int(t.split("/")[1], 16)
tsv = open(sys.argv[3], "w")
tsv.write("t_s\tlagSeconds\tlagBytes\tcurrentLsn\tarchivedLsn\thealthy\tlastArchivedAt\n")
for line in open(sys.argv[1]):
    ms, _, body = line.partition(" ")
    try:
        d = json.loads(body)
    except ValueError:
        bad.append(body.strip()[:200]); continue
    if "lagBytes" not in d:
        bad.append(body.strip()[:200]); continue
    tsv.write("\t".join(str(x) for x in [(int(ms) - int(sys.argv[2])) / 1000, d.get("lagSeconds"), d["lagBytes"],
        d.get("currentLsn"), d.get("archivedLsn"), d.get("healthy"), d.get("lastArchivedAt")]) + "\n")
    byts.append(d["lagBytes"])
    if d.get("currentLsn"):
        traj.append((int(ms) / 1000, lsn(d["currentLsn"]), lsn(d["archivedLsn"]) if d.get("archivedLsn") else None, d["lagBytes"]))
    if d.get("lagSeconds") is None: nulls += 1
    else: secs.append(d["lagSeconds"])
    if not d.get("healthy"): unhealthy += 1
def pct(v, p):
    v = sorted(v)
    return v[max(0, math.ceil(p / 100 * len(v)) - 1)] if v else None
n = len(byts)
print(f"samples {n} (every 1 s), lagSeconds null in {nulls} (skipped), healthy=false in {unhealthy}, unreadable answers {len(bad)}")
for b in bad[:3]: print(f"  unreadable answer: {b}")
p99s = pct(secs, 99)
print(f"lagSeconds p50 = {pct(secs, 50)} s, p99 = {p99s} s, max = {max(secs) if secs else None} s   (goal p99 <= 2 s: {'MET' if p99s is not None and p99s <= 2 else 'NOT MET'})")
mb = lambda x: "n/a" if x is None else f"{x / 1048576:.1f} MiB"
print(f"lagBytes p50 = {mb(pct(byts, 50))}, p99 = {mb(pct(byts, 99))}, max = {mb(max(byts) if byts else None)}")
# cross-check from the client's own samples: how old the oldest unarchived WAL byte is, i.e. when the
# source's current LSN passed archivedLsn (interpolated between samples; unknown before the first sample)
ages = []
for t, cur, arch, lag in traj:
    if lag == 0:
        ages.append(0.0); continue
    if arch is None: continue
    prev = None
    for t2, cur2, _, _ in traj:
        if cur2 >= arch:
            if prev is not None and cur2 > prev[1]:
                ages.append(t - (prev[0] + (t2 - prev[0]) * (arch - prev[1]) / (cur2 - prev[1])))
            elif prev is not None or cur2 == arch:
                ages.append(t - t2)
            break
        prev = (t2, cur2)
if ages:
    print(f"cross-check, age of the oldest unarchived WAL (interpolated from the samples' currentLsn; {len(ages)} of {n} samples):"
          f" p50 = {pct(ages, 50):.1f} s, p99 = {pct(ages, 99):.1f} s, max = {max(ages):.1f} s")
print(f"P99S={p99s}")
PY
while IFS= read -r line; do [[ $line == P99S=* ]] && LAG_P99=${line#P99S=} || log "WAL archive lag under load: $line"; done <"$OUT/lag.txt"
took=$(wait_archived "$load_lsn1" 600)
log "WAL archive lag under load: every sample in $LAG_TSV"
log "archive caught up with the load's last LSN $load_lsn1 $took s after the load ended"

# --- 3. point-in-time restore ----------------------------------------------------------------------
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
body="{\"source\":\"$SOURCE\",\"target\":{\"time\":\"$TARGET_TIME\"},\"into\":{\"dataDirectory\":\"$RESTORE_NAME\",\"port\":$PORT}}"
code=$(api_status POST /api/v1/restores/preview "$body" "$OUT/preview")
[ "$code" = 200 ] || fail "POST /restores/preview answered $code: $(cat "$OUT/preview")"
preview=$(cat "$OUT/preview")
log "PITR target time $TARGET_TIME (${TARGET_BEFORE_END} s before the load ended); preview: base $(jf backups.0.backupId <<<"$preview")" \
  "walSegments $(jf walSegments <<<"$preview"), walBytes $(mib "$(jf walBytes <<<"$preview")") MiB," \
  "downloadBytes $(mib "$(jf downloadBytes <<<"$preview")") MiB, estimatedSeconds $(jf estimatedSeconds <<<"$preview") $(jf estimate <<<"$preview")"
t_post=$(now_ms)
code=$(api_status POST /api/v1/restores "$body" "$OUT/restore")
[ "$code" = 202 ] || fail "POST /restores answered $code: $(cat "$OUT/restore")"
job=$(jf jobId <"$OUT/restore")
final=$(wait_job "$job" "$OUT/steps")
t_seen=$(now_ms)
echo "$final" >"$OUT/restore.final"
[ "$(jf status <<<"$final")" = SUCCEEDED ] || fail "Strata PITR restore job $job: $final"
python3 - "$OUT/restore.final" "$OUT/steps" "$t_post" "$t_seen" >"$OUT/split.txt" <<'PY'
import datetime, json, sys
job = json.load(open(sys.argv[1]))
ms = lambda s: int(datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp() * 1000)
first = {}
for line in open(sys.argv[2]):
    t, _, step = line.rstrip("\n").partition(" ")
    first.setdefault(step, int(t))
post, started, finished = int(sys.argv[3]), ms(job["startedAt"]), ms(job["finishedAt"])
order = [("downloading base backup", "download+unpack"), ("verifying base backup", "verify"),
         ("replaying WAL", "WAL fetch+replay"), ("checking restored cluster", "check")]
# a step never sampled (shorter than the 0.5 s poll) starts where the next seen one does
starts = {}
nxt = finished
for step, _ in reversed(order):
    nxt = first.get(step, nxt)
    starts[step] = nxt
starts[order[0][0]] = started  # the worker began downloading when it started the job
parts = []
for k, (step, label) in enumerate(order):
    end = starts[order[k + 1][0]] if k + 1 < len(order) else finished
    note = "" if step in first or k == 0 else " (not sampled: under 0.5 s)"
    parts.append(f"{label} {(end - starts[step]) / 1000:.1f} s{note}")
print(f"TOTAL={(finished - post) / 1000:.1f}")
print(f"PITR restore: POST -> finishedAt {(finished - post) / 1000:.1f} s (queued {(started - post) / 1000:.1f} s; poll saw SUCCEEDED at {(int(sys.argv[4]) - post) / 1000:.1f} s)")
print("PITR restore split: " + "; ".join(parts))
print("PITR steps seen: " + ", ".join(f"{s} @{(t - post) / 1000:.1f} s" for s, t in first.items()))
PY
while IFS= read -r line; do [[ $line == TOTAL=* ]] && RESTORE_TOTAL=${line#TOTAL=} || log "$line"; done <"$OUT/split.txt"
result=$(jf result <<<"$final")
log "PITR result: $result"
r_port=$(jf port <<<"$result"); r_dir=$(jf dataDirectory <<<"$result"); r_end=$(jf endLsn <<<"$result"); r_segs=$(jf walSegments <<<"$result")
replayed=$(sql "select pg_wal_lsn_diff('$r_end','$BASE_START')")
log "WAL replayed: $(mib "$replayed") MiB from the base's startLsn $BASE_START to endLsn $r_end ($r_segs segments fetched; the load wrote $(mib "$load_wal") MiB)"
latest=$(PGPORT=$r_port sql "select to_char(max(mtime) at time zone current_setting('TimeZone') at time zone 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') || ' (' || count(*) || ' rows)' from pgbench_history" "$DB" 2>&1) \
  || latest="query failed: $latest"
log "restored cluster: newest pgbench_history row $latest; target $TARGET_TIME"
RESTORE_DIR=$r_dir
runuser -u postgres -- "$BIN/pg_ctl" -D "$r_dir" -m fast -w stop >/dev/null || log "note: pg_ctl stop of $r_dir failed"
rm -rf "$r_dir"

# --- summary ---------------------------------------------------------------------------------------
log ""
log "==== summary ($(date -u +%FT%TZ), pgbench scale $SCALE, cluster $(mib "$cluster_bytes") MiB, load ${LOAD_SECONDS} s, $ROUNDS rounds) ===="
log "WAL archive lag under load : p99 lagSeconds = ${LAG_P99:-n/a} s   (goal <= 2 s: $(python3 -c "print('MET' if '${LAG_P99:-None}' != 'None' and float('${LAG_P99:-0}') <= 2 else 'NOT MET')"))"
log "physical backup medians    : B pg_basebackup ${b_med} ms, P pgBackRest ${p_med} ms, S Strata ${s_med} ms"
log "B/S = $BS   (>1: Strata faster than pg_basebackup to a plain tar directory)"
log "P/S = $PS   (goal >= 2: $(python3 -c "print('MET' if $PS >= 2 else 'NOT MET')"))"
log "S/B = $SB"
log "PITR restore               : ${RESTORE_TOTAL:-n/a} s for base $(mib "$(median "${s_raw[@]}")") MiB + $(mib "$replayed") MiB WAL (preview estimated $(jf estimatedSeconds <<<"$preview") s)"
echo "results written to $RESULTS"

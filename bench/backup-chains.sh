#!/usr/bin/env bash
# Backup chains benchmark (issue #9): Strata's block-level DIFFERENTIAL and INCREMENTAL physical backups
# against pgBackRest's block incremental and raw pg_basebackup. Needs a running stack: ./strata up. Runs as
# root (pgBackRest and pg_ctl run as postgres through runuser; apt-get installs pgbackrest when missing).
#
# On the stack's source cluster, a pgbench database (re-initialised every run), registered as source
# bench-chains with WAL archiving on; autovacuum is off on its pgbench tables during the run, so nothing but
# the measured changes moves between a page snapshot and the backups. In ONE run, in this order (the database
# is idle between the steps that compare two tools, so both read the same state):
#   1  FULL backups, alternating rounds: B raw `pg_basebackup -Ft -X none --checkpoint=fast -D - >/dev/null`,
#      P pgBackRest full (local repo, process-max 2, zst level 3, start-fast, repo-bundle + repo-block: block
#      incremental is a beta feature in 2.45, so beta=y), S Strata FULL (POST /backups until the job's
#      finishedAt). Medians of the wall times, S/P, S/B and the stored bytes. The last round's P and S are
#      the bases of what follows.
#   2  contiguous change: one UPDATE of CONTIG_PERCENT % of pgbench_accounts, one contiguous aid range.
#      Then a Strata INCREMENTAL, raw pg_basebackup right after, a pgBackRest incr.
#   3  scattered change: pgbench -n -N -T <scatter-seconds> (-n: no VACUUM or TRUNCATE before it). Then the same three.
#      "changed" for 2 and 3 is counted three ways:
#        disk     the 8 KiB pages of the source's data directory that differ between a snapshot taken just
#                 before the previous backup and one just before this one (each after a CHECKPOINT, same
#                 exclusions as pg_basebackup): every heap, index, FSM, VM, pg_xact page. The goal is judged
#                 on this one. The same pages compressed with zstd -3 as one stream give what an ideal
#                 page-level increment at Strata's compression would store;
#        strata   the backup's own changedBytes (GET /backups/{id});
#        heap     (contiguous only) the distinct heap pages of the updated rows' old and new versions, from
#                 their ctids before and after the UPDATE: a lower bound (no index, VM or FSM pages).
#      Ratios: stored / changed (goals <= 1.2 contiguous, <= 1.5 scattered), Strata stored / pgBackRest
#      stored, INCREMENTAL wall / raw pg_basebackup wall (goal <= 1.1); beside it, not judged, the job alone
#      (its startedAt, when a worker claimed it, to its finishedAt) / raw: what the request's dispatch adds.
#   3b INCR_ROUNDS - 1 more timing rounds of each kind (default 3 rounds in all): the same kind of change
#      again (another CONTIG_PERCENT % aid range; another pgbench -N of the same length), a CHECKPOINT, then a
#      Strata INCREMENTAL and raw pg_basebackup, which of them goes first alternating. INCREMENTAL / raw is
#      judged on the median of all rounds' ratios (one sample swings by a tenth or more on 2 shared cores).
#   4  chain restore: small pgbench -n -N loads, a DIFFERENTIAL, then three INCREMENTALs; the last one is
#      restored into a new cluster (POST /restores with backupId, no target) and timed; a FULL of the same
#      end state is taken and restored; ratio chain / FULL (goal <= 1.25). Each restored cluster's rows are
#      checked against the source, then it is stopped and removed.
#   5  peak RSS of every backup-worker and restore-worker instance: VmRSS sampled every second during the
#      run, and VmHWM (whole process life) at the end (goal <= 512 MiB).
#   6  only with PITR_WAL_MB=N: a FULL, pgbench -n -N until 90 % of N MiB of WAL since it, an INCREMENTAL,
#      load on to N MiB, then two point-in-time restores to the same time just after the load: one planned
#      by Strata (it picks the INCREMENTAL), one forced from the FULL ("backupId" with a "target"). WAL
#      replayed, segments, restore time, both restored states checked against the source. "WAL" is LSN
#      distance: the INCREMENTAL's end switches to a new segment (up to 16 MiB), so with a small N it lands
#      well under 90 %; the log gives the real share.
# Results go to bench/results/backup-chains-<date>.txt (or $RESULTS_NAME-<date>.txt). Temp dirs
# (/tmp/strata-bench-chains-*) and restored clusters are removed on exit; the database and source stay.
#
# Usage: bench/backup-chains.sh [pgbench-scale, default 50] [scatter-seconds, default 30]
# Environment: CONTIG_PERCENT (1), CHAIN_LOAD_SECONDS (5), FULL_ROUNDS (3), RESTORE_ROUNDS (1; rounds alternate which
#   restore goes first), INCR_ROUNDS (3: INCREMENTAL timing rounds of each kind of change),
#   CLIENTS (pgbench clients, default min(scale, 8)), PITR_WAL_MB (0 = no PITR phase; e.g. 1024),
#   WARMUP=0 (skip the untimed warm-up Strata backups and restores), INCR_WARMUP (3: warm-up INCREMENTALs after the
#   warm-up FULL, each after WARMUP_LOAD_SECONDS (10) of pgbench -N; logged with a raw read right after, not counted: the
#   JIT compiles the block path during a worker's first INCREMENTALs), RESULTS_NAME (results file prefix),
#   CHAIN=0 (skip step 4, the chain and its restores: for large clusters, where each restore writes it all),
#   DATASET=shop (only step 1, FULL backups, on realistic invoice rows instead of pgbench: database bench_shop of
#   SHOP_GB GB (default 1; bench/lib.sh, created once and kept), source bench-shop; bench_chains is dropped first so
#   the cluster is mostly invoices; the scale argument is then ignored).
# Storage: Strata stores where the stack does: its S3 API by default (plain HTTP, through the stack's fault
#   proxy), or on disk beside pgBackRest's repository when the stack was started with
#   STRATA_STORAGE_TYPE=local ./strata up. Both tools encrypt: the stack's Strata with AES-256-GCM, pgBackRest
#   with repo1-cipher-type=aes-256-cbc.
set -euo pipefail
cd "$(dirname "$0")/.."

die() { echo "backup-chains: $*" >&2; exit 1; }
SCALE=${1:-50}
SCATTER_SECONDS=${2:-30}
CONTIG_PERCENT=${CONTIG_PERCENT:-1}
CHAIN_LOAD_SECONDS=${CHAIN_LOAD_SECONDS:-5}
FULL_ROUNDS=${FULL_ROUNDS:-3}
RESTORE_ROUNDS=${RESTORE_ROUNDS:-1}
INCR_ROUNDS=${INCR_ROUNDS:-3}
INCR_WARMUP=${INCR_WARMUP:-3}
WARMUP_LOAD_SECONDS=${WARMUP_LOAD_SECONDS:-10}
PITR_WAL_MB=${PITR_WAL_MB:-0}
[[ $SCALE =~ ^[1-9][0-9]*$ ]] || die "the scale is a positive integer; got '$SCALE'"
CLIENTS=${CLIENTS:-$(( SCALE < 8 ? SCALE : 8 ))}
for v in "$SCALE" "$SCATTER_SECONDS" "$CHAIN_LOAD_SECONDS" "$FULL_ROUNDS" "$RESTORE_ROUNDS" "$CLIENTS"; do
  [[ $v =~ ^[1-9][0-9]*$ ]] || die "scale, scatter-seconds, CHAIN_LOAD_SECONDS, FULL_ROUNDS, RESTORE_ROUNDS and CLIENTS are positive integers; got '$v'"
done
[[ $INCR_WARMUP =~ ^[0-9]+$ ]] || die "INCR_WARMUP is a number of warm-up INCREMENTALs (0 = none); got '$INCR_WARMUP'"
[[ $WARMUP_LOAD_SECONDS =~ ^[1-9][0-9]*$ ]] || die "WARMUP_LOAD_SECONDS is a positive integer; got '$WARMUP_LOAD_SECONDS'"
[[ $CONTIG_PERCENT =~ ^[1-9][0-9]?$ ]] || die "CONTIG_PERCENT is a whole percentage from 1 to 99; got '$CONTIG_PERCENT'"
[[ $PITR_WAL_MB =~ ^[0-9]+$ ]] || die "PITR_WAL_MB is a number of MiB (0 = no PITR phase); got '$PITR_WAL_MB'"
THREADS=$(( CLIENTS < 2 ? CLIENTS : 2 ))
[ "$(id -u)" = 0 ] || die "run as root: pgBackRest and pg_ctl run as postgres through runuser"

STATE_DIR=${STRATA_STATE_DIR:-.strata/stack}
ENV_FILE=$STATE_DIR/stack.env
[ -f "$ENV_FILE" ] || die "no running stack ($ENV_FILE missing): run ./strata up first"
stack_pid=$(cat "$STATE_DIR/devstack.pid" 2>/dev/null || true)
[ -n "$stack_pid" ] && kill -0 "$stack_pid" 2>/dev/null \
  || die "the dev stack is not running ($ENV_FILE is stale): run ./strata up first"
. "$ENV_FILE" # not exported: tokens and passwords reach child processes only through files
for svc in API_GATEWAY BACKUP_WORKER RESTORE_WORKER WAL_ARCHIVER; do
  port_var=STRATA_${svc}_PORT
  curl -fsS -m 5 "http://127.0.0.1:${!port_var}/actuator/health" 2>/dev/null | grep -q '"status":"UP"' \
    || die "$(tr 'A-Z_' 'a-z-' <<<"$svc") on port ${!port_var} is not healthy: see ./strata status and ./strata logs $(tr 'A-Z_' 'a-z-' <<<"$svc")"
done

BIN=${STRATA_PG_BIN:-/usr/lib/postgresql/15/bin}
for tool in "$BIN/psql" "$BIN/pg_basebackup" "$BIN/pg_ctl" "$BIN/pgbench" /usr/bin/time; do
  [ -x "$tool" ] || die "$tool is missing"
done
for tool in curl python3 runuser ss zstd; do command -v "$tool" >/dev/null || die "$tool is missing"; done
# the system interpreter when there is one: a version manager's shim costs a shell or two per call
PY=/usr/bin/python3; [ -x "$PY" ] || PY=$(command -v python3)
if ! command -v pgbackrest >/dev/null; then
  echo "installing pgbackrest (apt-get install -y pgbackrest)..."
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbackrest >/dev/null 2>&1 \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbackrest >/dev/null; } \
    || die "apt-get could not install pgbackrest"
fi

DATASET=${DATASET:-pgbench}
SHOP_GB=${SHOP_GB:-1}
case $DATASET in
  pgbench) DB=bench_chains; SOURCE=bench-chains ;;
  shop) DB=bench_shop; SOURCE=bench-shop
    [[ $SHOP_GB =~ ^[1-9][0-9]*$ ]] || die "SHOP_GB is a whole number of GB; got '$SHOP_GB'" ;;
  *) die "DATASET is pgbench or shop; got '$DATASET'" ;;
esac
RESULTS=bench/results/${RESULTS_NAME:-backup-chains}-$(date -u +%Y%m%dT%H%M%SZ).txt
mkdir -p bench/results
OUT=$(mktemp -d /tmp/strata-bench-chains-XXXX) # root's: scratch, page snapshots, request headers
PBR=$(mktemp -d /tmp/strata-bench-chains-pgbackrest-XXXX) # postgres': passfile, config, repository
chmod 700 "$OUT" "$PBR"
chown postgres: "$PBR"
RESTORED=() # data directories of restored clusters, stopped and removed on exit
SAMPLER_PID=
LOAD_PID=
POLL_PID=
cleanup() {
  if [ -n "$SAMPLER_PID" ]; then kill "$SAMPLER_PID" 2>/dev/null || true; fi
  if [ -n "$LOAD_PID" ]; then kill "$LOAD_PID" 2>/dev/null || true; fi
  if [ -n "$POLL_PID" ]; then kill "$POLL_PID" 2>/dev/null || true; fi
  for dir in "${RESTORED[@]}"; do drop_cluster "$dir"; done
  rm -rf "$OUT" "$PBR"
}
drop_cluster() { # data directory of a restored cluster
  if [ -f "$1/postmaster.pid" ]; then
    runuser -u postgres -- "$BIN/pg_ctl" -D "$1" -m fast -w stop >/dev/null 2>&1 \
      || runuser -u postgres -- "$BIN/pg_ctl" -D "$1" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$1"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Tools read the password from a passfile, curl the tokens from header files: neither is on a command line.
. bench/lib.sh
bench_secrets "$OUT"
cp "$OUT/pgpass" "$PBR/pgpass"
chown postgres: "$PBR/pgpass"
export PGPASSFILE=$PBR/pgpass

log() { echo "$*" | tee -a "$RESULTS"; }
say() { echo "$*"; } # progress, not a result
fail() { log "FAILED: $*"; echo "partial results in $RESULTS" >&2; exit 1; }
now_ms() { date +%s%3N; }
# jfields JSON path... -> each dotted path's value ('' when absent or null; "ms:" before a path turns an ISO time
# into epoch ms), separated by \x1f, so empty values keep their place: IFS=$'\x1f' read -r a b < <(jfields "$j" x y)
jfields() {
  "$PY" -c '
import datetime, json, sys
doc, out = json.loads(sys.stdin.read() or "null"), []
for spec in sys.argv[1:]:
    ms, v = spec.startswith("ms:"), doc
    for k in spec.removeprefix("ms:").split("."):
        v = v.get(k) if isinstance(v, dict) else v[int(k)] if isinstance(v, list) and k.isdigit() and int(k) < len(v) else None
    if v is not None and ms:
        v = int(datetime.datetime.fromisoformat(v.replace("Z", "+00:00")).timestamp() * 1000)
    out.append("" if v is None else json.dumps(v) if isinstance(v, (dict, list)) else str(v))
print("\x1f".join(out))' "${@:2}" <<<"$1"
}
jf() { local doc; doc=$(cat); jfields "$doc" "$1"; } # dotted.path -> that field of the JSON on stdin
sql() { "$BIN/psql" -X -Atq -v ON_ERROR_STOP=1 -c "$1" "${2:-postgres}"; }
calc() { "$PY" -c "print($1)"; }
mib() { calc "(lambda m: f'{m:.2f}' if m < 10 else f'{m:.1f}')(($1) / 1048576)"; }
mib_or_na() { if [ -n "$1" ]; then mib "$1"; else echo n/a; fi; }
secs() { calc "f'{($1)/1000:.2f}'"; }
median() { printf '%s\n' "$@" | "$PY" -c "import sys,statistics; print(statistics.median(float(x) for x in sys.stdin))"; }
ratio() { if [ -n "$1" ] && [ -n "$2" ] && [ "$2" != 0 ]; then calc "f'{($1)/($2):.3f}'"; else echo n/a; fi; }
verdict() { # value goal -> PASS | MISS | n/a (value <= goal passes)
  if [ "$1" = n/a ] || [ -z "$1" ]; then echo n/a; else calc "'PASS' if $1 <= $2 else 'MISS'"; fi
}
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
file_bytes() { { find "$1" -type f -printf '%s\n' 2>/dev/null || true; } | awk '{s += $1} END {print s + 0}'; } # 0 when missing
# Polls cheaply (curl and bash only, no interpreter per poll: it would steal CPU from what it measures).
wait_job() { # jobId [steps-file [poll-seconds]] -> final json; with a steps file, appends "epoch-ms step" on each step change
  local j step last=
  while :; do
    j=$(api GET "/api/v1/jobs/$1")
    if [ -n "${2:-}" ] && [[ $j =~ \"currentStep\":\"([^\"]*)\" ]]; then
      step=${BASH_REMATCH[1]}
      if [ "$step" != "$last" ]; then echo "$(now_ms) $step" >>"$2"; last=$step; fi
    fi
    case $j in *'"status":"SUCCEEDED"'*|*'"status":"FAILED"'*|*'"status":"CANCELLED"'*) echo "$j"; return;; esac
    [[ $j == *'"jobId"'* ]] || { echo "$j"; return; } # an error answer, not a job
    sleep "${3:-0.5}"
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

# --- page snapshots of the source's data directory ---------------------------------------------------
# pages.py ROOT OLD NEW: hashes every 8 KiB page of every file pg_basebackup would send (same exclusions)
# into NEW; with OLD ('-' for none), prints "changed-bytes changed-pages changed-files zstd3-bytes total-bytes":
# the pages that differ from OLD (or that OLD lacks), and those pages compressed as one zstd -3 stream.
cat >"$OUT/pages.py" <<'PY'
import hashlib, os, pickle, subprocess, sys, threading
PAGE = 8192
# pg_basebackup sends these directories empty, and skips these files (basebackup.c)
EMPTY_DIRS = {"pg_wal", "pg_replslot", "pg_stat_tmp", "pg_dynshmem", "pg_notify", "pg_serial", "pg_snapshots", "pg_subtrans"}
SKIP = {"postmaster.pid", "postmaster.opts", "backup_label", "tablespace_map", "backup_manifest", "postgresql.auto.conf.tmp"}
root, old, new = sys.argv[1:4]
before = None if old == "-" else pickle.load(open(old, "rb"))
zstd = counted = drain = None
if before is not None:
    zstd = subprocess.Popen(["zstd", "-3", "-q", "-c"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    counted = [0]
    def pump():
        while chunk := zstd.stdout.read(1 << 20):
            counted[0] += len(chunk)
    drain = threading.Thread(target=pump)
    drain.start()
snap, changed, pages, files, total = {}, 0, 0, 0, 0
for d, dirs, names in os.walk(root):
    rel_dir = os.path.relpath(d, root)
    if rel_dir == ".":
        dirs[:] = [x for x in dirs if x not in EMPTY_DIRS]
    dirs[:] = sorted(x for x in dirs if not x.startswith("pgsql_tmp"))
    for name in sorted(names):
        if name in SKIP or name.startswith("pg_internal.init") or name.startswith("pgsql_tmp"):
            continue
        path = os.path.join(d, name)
        rel = os.path.normpath(os.path.join(rel_dir, name))
        try:
            f = open(path, "rb")
        except (FileNotFoundError, IsADirectoryError):
            continue
        hashes, was, i, touched = [], (before or {}).get(rel), 0, False
        with f:
            while chunk := f.read(1 << 20):
                view = memoryview(chunk)
                for off in range(0, len(chunk), PAGE):
                    page = view[off:off + PAGE]
                    h = hashlib.blake2b(page, digest_size=8).digest()
                    hashes.append(h)
                    total += len(page)
                    if before is not None and (was is None or was[i * 8:i * 8 + 8] != h):
                        changed += len(page); pages += 1; touched = True
                        zstd.stdin.write(page)
                    i += 1
        snap[rel] = b"".join(hashes)
        files += touched
with open(new, "wb") as f:
    pickle.dump(snap, f)
if zstd is not None:
    zstd.stdin.close(); drain.join(); zstd.wait()
print(changed, pages, files, counted[0] if counted else 0, total)
PY
snapshot() { # name [previous-name] -> sets D_CHANGED D_PAGES D_FILES D_ZSTD D_TOTAL (against previous); after a CHECKPOINT
  local previous=-
  [ -z "${2:-}" ] || previous=$OUT/snap-$2
  sql "CHECKPOINT" >/dev/null
  read -r D_CHANGED D_PAGES D_FILES D_ZSTD D_TOTAL < <("$PY" "$OUT/pages.py" "$PGDATA_SRC" "$previous" "$OUT/snap-$1") \
    || fail "page snapshot $1 of $PGDATA_SRC failed"
}

# --- worker memory: VmRSS of every backup- and restore-worker instance, every second ------------------
worker_pids() { # -> "instance pid" lines
  local inst var port pid
  for inst in $(tr ',' ' ' <<<"${STRATA_INSTANCES:-backup-worker,restore-worker}"); do
    [[ $inst == backup-worker* || $inst == restore-worker* ]] || continue
    var=STRATA_$(tr 'a-z-' 'A-Z_' <<<"$inst")_PORT
    port=${!var:-}
    [ -n "$port" ] || continue
    pid=$(ss -Hltnp "sport = :$port" 2>/dev/null | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2 || true)
    [ -z "$pid" ] || echo "$inst $pid"
  done
}
worker_pids >"$OUT/workers"
[ -s "$OUT/workers" ] || die "found no backup-worker or restore-worker process listening on the ports in $ENV_FILE"
rss_sampler() {
  local inst pid kb
  while :; do
    while read -r inst pid; do
      kb=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
      [ -z "$kb" ] || echo "$inst $kb"
    done <"$OUT/workers"
    sleep 1
  done >>"$OUT/rss.samples"
}
rss_sampler &
SAMPLER_PID=$!

# --- the database and the source --------------------------------------------------------------------
PGDATA_SRC=$(sql 'show data_directory') || die "cannot query the source cluster at $PGHOST:$PGPORT"
[ -d "$PGDATA_SRC" ] || die "the source cluster's data directory $PGDATA_SRC is not on this host (the page counts read it)"
if [ "$DATASET" = shop ]; then
  # physical backups copy the whole cluster: the pgbench database of other runs would be half of it
  PGOPTIONS="-c client_min_messages=warning" sql "DROP DATABASE IF EXISTS bench_chains WITH (FORCE)"
  ensure_shop_db "$DB" "$SHOP_GB"
else
[ "$(sql "select count(*) from pg_database where datname='$DB'")" = 1 ] || sql "CREATE DATABASE $DB"
say "initialising $DB with pgbench -i -s $SCALE (~$(( SCALE * 15 )) MB)..."
"$BIN/pgbench" -i -q -s "$SCALE" "$DB" >"$OUT/init.log" 2>&1 || { cat "$OUT/init.log" >&2; die "pgbench -i failed"; }
# autovacuum off on the tables this run changes: a vacuum between two backups, or between the page
# snapshot and the backups, would make the tools (and the count) see different states
for t in pgbench_accounts pgbench_branches pgbench_tellers pgbench_history; do
  sql "ALTER TABLE $t SET (autovacuum_enabled = off)" "$DB"
done
PGOPTIONS="-c client_min_messages=warning" sql "CREATE TABLE IF NOT EXISTS bench_marker (at timestamptz)" "$DB"
fi

body="{\"name\":\"$SOURCE\",\"host\":\"$PGHOST\",\"port\":$PGPORT,\"database\":\"$DB\",\"username\":\"$PGUSER\",\"password\":$SOURCE_PASSWORD_JSON,\"walArchiving\":true}"
code=$(api_status POST /api/v1/sources "$body" "$OUT/r")
body=
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
BIG_TABLE=pgbench_accounts; [ "$DATASET" = pgbench ] || BIG_TABLE=invoices
ACCOUNTS_FILE=$(sql "select pg_relation_filepath('$BIG_TABLE')" "$DB")
log "# Strata backup chains benchmark (issue #9) $(date -u +%FT%TZ)"
log "# machine: $(nproc) cores ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), $(awk '/MemTotal/ {printf "%.0f", $2/1048576}' /proc/meminfo) GiB RAM;" \
  "PostgreSQL, Kafka, S3Proxy, the five services and the compared tools all share these cores; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
log "# Strata $(git rev-parse --short HEAD 2>/dev/null || echo '?') ($(git rev-parse --abbrev-ref HEAD 2>/dev/null || echo '?')), PostgreSQL $(sql 'show server_version'), $(pgbackrest version), zstd $(zstd -V | grep -o 'v[0-9.]*' | head -1)"
log "# database $DB: $([ "$DATASET" = shop ] && echo "realistic invoice rows (bench/lib.sh, $SHOP_GB GB asked)" || echo "pgbench scale $SCALE") = $(mib "$db_bytes") MiB; whole source cluster $(mib "$cluster_bytes") MiB ($PGDATA_SRC; physical backups copy all of it)"
others=$(sql "select string_agg(datname || ' ' || pg_size_pretty(pg_database_size(datname)), ', ') from pg_database where datname not in ('$DB','template0','template1','postgres') and pg_database_size(datname) > 50000000")
[ -z "$others" ] || log "# note: other large databases in the cluster (read by every physical backup alike): $others"
if [ "$DATASET" = shop ]; then
  log "# settings: FULL backups only, $FULL_ROUNDS rounds"
else
log "# settings: contiguous change $CONTIG_PERCENT % of pgbench_accounts; scattered pgbench -n -N -c $CLIENTS -j $THREADS -T $SCATTER_SECONDS;" \
  "chain loads pgbench -n -N -T $CHAIN_LOAD_SECONDS; autovacuum off on the pgbench tables; $FULL_ROUNDS FULL rounds; $INCR_ROUNDS INCREMENTAL timing rounds after $([ "${WARMUP:-1}" = 0 ] && echo 0 || echo "$INCR_WARMUP") warm-up ones (each after pgbench -N -T $WARMUP_LOAD_SECONDS); $RESTORE_ROUNDS restore rounds; PITR phase: $([ "$PITR_WAL_MB" = 0 ] && echo off || echo "$PITR_WAL_MB MiB of WAL")"
fi
log "# storage: Strata ${STRATA_STORAGE_TYPE:-s3} ($([ "${STRATA_STORAGE_TYPE:-s3}" = local ] && echo "$STRATA_STORAGE_ROOT" || echo "$STRATA_S3_ENDPOINT")), encrypted (AES-256-GCM); pgBackRest posix repository $PBR/repo, encrypted (aes-256-cbc)"
log "# Strata times: the client's POST to the job's finishedAt (same host clock). Stored bytes: Strata storedBytes (GET /backups/{id}: data object + block map);"
log "#   'all objects' adds PostgreSQL's backup_manifest and manifest.json (S3Proxy's files). pgBackRest: info's repository delta (bundles, block maps); 'dir' adds backup.manifest and its copy."

say "waiting for the wal-archiver to catch up with $SOURCE..."
took=$(wait_archived "$(sql 'select pg_current_wal_lsn()')" 900)
log "archive caught up with the setup's WAL in $took s"

# --- the tools ------------------------------------------------------------------------------------------
# pgBackRest encrypts its repository, as the dev stack's Strata encrypts every object it stores (AES-256-GCM)
PBR_CIPHER_PASS=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
cat >"$PBR/pgbackrest.conf" <<CONF
[global]
repo1-path=$PBR/repo
repo1-retention-full=99
repo1-bundle=y
repo1-block=y
repo1-cipher-type=aes-256-cbc
repo1-cipher-pass=$PBR_CIPHER_PASS
beta=y
lock-path=$PBR/lock
log-path=$PBR/log
spool-path=$PBR/spool
log-level-console=warn
log-level-file=off
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
chown postgres: "$PBR/pgbackrest.conf"; chmod 600 "$PBR/pgbackrest.conf"
# pg1-socket-path is unset, so libpq takes the host from PGHOST: the stack's clusters have no Unix socket
pgbr() { runuser -u postgres -- env PGHOST="$PGHOST" PGPASSFILE="$PBR/pgpass" pgbackrest --config="$PBR/pgbackrest.conf" --stanza=bench "$@"; }
rss_of() { awk -F': ' '/Maximum resident set size/ {print $2}' "$1"; }

b_null() { # -> B_MS B_KB: raw pg_basebackup, the whole tar to /dev/null
  local t
  t=$(now_ms)
  /usr/bin/time -v -o "$OUT/b.time" "$BIN/pg_basebackup" -D - -Ft -X none --checkpoint=fast >/dev/null 2>"$OUT/b.err" \
    || fail "pg_basebackup: $(cat "$OUT/b.err")"
  B_MS=$(( $(now_ms) - t )); B_KB=$(rss_of "$OUT/b.time")
}
p_backup() { # full|incr -> P_MS P_KB P_LABEL P_DELTA (repository delta) P_DIR (bytes of the backup's directory) P_DELTA_MAP
  local t info
  t=$(now_ms)
  /usr/bin/time -v -o "$OUT/p.time" runuser -u postgres -- env PGHOST="$PGHOST" PGPASSFILE="$PBR/pgpass" \
    pgbackrest --config="$PBR/pgbackrest.conf" --stanza=bench backup --type="$1" >"$OUT/p.err" 2>&1 \
    || fail "pgbackrest backup --type=$1: $(cat "$OUT/p.err")"
  P_MS=$(( $(now_ms) - t )); P_KB=$(rss_of "$OUT/p.time")
  info=$(pgbr info --output=json) || fail "pgbackrest info: $info"
  read -r P_LABEL P_TYPE P_DELTA P_DELTA_MAP < <("$PY" -c '
import json, sys
b = json.load(sys.stdin)[0]["backup"][-1]
r = b["info"]["repository"]
print(b["label"], b["type"], r["delta"], r.get("delta-map", 0))' <<<"$info") || fail "unreadable pgbackrest info: $info"
  [ "$P_TYPE" = "$1" ] || fail "pgBackRest took a $P_TYPE backup when asked for $1: $(cat "$OUT/p.err")"
  P_DIR=$(file_bytes "$PBR/repo/backup/bench/$P_LABEL")
}
p_block_size() { # label -> the block size pgBackRest chose for pgbench_accounts' first segment, e.g. "16 KiB"
  local bi
  # the repository is encrypted (as Strata's objects are): repo-get decrypts the manifest
  bi=$(pgbr repo-get "backup/bench/$1/backup.manifest" 2>/dev/null | grep -o "^pg_data/$ACCOUNTS_FILE={[^}]*" | grep -o '"bi":[0-9]*' | cut -d: -f2 || true)
  if [ -n "$bi" ]; then echo "$(( bi * 8 )) KiB"; else echo "none (whole file)"; fi
}
s_backup() { # FULL|DIFFERENTIAL|INCREMENTAL -> S_MS (POST to finishedAt) S_RUN_MS (startedAt to finishedAt) S_ID S_* of GET /backups/{id}; fails unless it succeeded as that type
  local t r job final status started finished type reason
  t=$(now_ms)
  r=$(api POST /api/v1/backups "{\"source\":\"$SOURCE\",\"kind\":\"PHYSICAL\",\"type\":\"$1\"}")
  job=$(jf jobId <<<"$r")
  [ -n "$job" ] || fail "POST /backups ($1) answered: $r"
  final=$(wait_job "$job")
  IFS=$'\x1f' read -r status started finished S_ID < <(jfields "$final" status ms:startedAt ms:finishedAt backupId) \
    || fail "job $job: $final"
  [ "$status" = SUCCEEDED ] || fail "Strata $1 backup job $job: $final"
  S_MS=$(( finished - t ))
  S_RUN_MS=$(( finished - started )) # the job alone: from the worker's claim, without the request's dispatch
  S_VIEW=$(view "/api/v1/backups/$S_ID")
  IFS=$'\x1f' read -r type reason S_PARENT S_STORED S_CHANGED S_READ S_START S_END S_CHAIN < <(jfields "$S_VIEW" \
    type typeReason parentBackupId storedBytes changedBytes readBytes startLsn endLsn chain) \
    || fail "GET /backups/$S_ID answered: $S_VIEW"
  [ "$type" = "$1" ] || fail "Strata took backup $S_ID as $type, not $1: $reason"
  # the objects' sizes from S3Proxy's files (GET /backups/{id} gives the data object storedBytes, map included)
  local dir=$STATE_DIR/s3/$STRATA_S3_BUCKET/$SOURCE/backups/$S_ID
  [ "${STRATA_STORAGE_TYPE:-s3}" != local ] || dir=$STRATA_STORAGE_ROOT/$SOURCE/backups/$S_ID
  S_ALL=$(file_bytes "$dir"); S_PACK=$(( $(file_bytes "$dir/blocks.pack.zst") + $(file_bytes "$dir/base.tar.zst") )); S_MAP=$(file_bytes "$dir/blockmap.zst")
  [ "$S_ALL" != 0 ] || { S_ALL=; S_PACK=; S_MAP=; } # another object store than the dev stack's S3Proxy: not on this disk
}
s_parent_is() { # expected parent id
  [ "$S_PARENT" = "$1" ] || fail "backup $S_ID's parent is '$S_PARENT', expected $1"
}
pgbench_load() { # seconds label -> appends a line to the results
  "$BIN/pgbench" -n -N -c "$CLIENTS" -j "$THREADS" -T "$1" "$DB" >"$OUT/pgbench.log" 2>&1 || fail "pgbench ($2): $(tail -5 "$OUT/pgbench.log")"
  log "$2: pgbench -n -N -c $CLIENTS -j $THREADS -T $1: $(grep -o 'number of transactions actually processed: [0-9]*' "$OUT/pgbench.log" | grep -o '[0-9]*$') transactions," \
    "$(grep -o 'tps = [0-9.]*' "$OUT/pgbench.log" | head -1)"
}
fingerprint() { # [port of a restored cluster] -> accounts rows/sum of balances, history rows, branches' balance
  local host=$PGHOST port=$PGPORT
  if [ -n "${1:-}" ]; then host=127.0.0.1; port=$1; fi
  PGHOST=$host PGPORT=$port sql "select (select count(*) || '/' || sum(abalance) from pgbench_accounts) || ' '
    || (select count(*) from pgbench_history) || ' ' || (select sum(bbalance) from pgbench_branches)" "$DB"
}
# restore BODY LABEL -> R_MS (POST to finishedAt) R_DIR R_PORT R_BASE R_END R_SEGMENTS R_STEPS; fails unless it
# succeeded; the cluster stays up until drop_cluster
restore() {
  local t code job final name status started finished
  name=$(jf into.dataDirectory <<<"$1")
  t=$(now_ms)
  code=$(api_status POST /api/v1/restores "$1" "$OUT/restore")
  [ "$code" = 202 ] || fail "POST /restores ($2) answered $code: $(cat "$OUT/restore")"
  job=$(jf jobId <"$OUT/restore")
  : >"$OUT/steps"
  final=$(wait_job "$job" "$OUT/steps" 0.2)
  IFS=$'\x1f' read -r status started finished R_DIR R_PORT R_BASE R_END R_SEGMENTS < <(jfields "$final" status ms:startedAt \
    ms:finishedAt result.dataDirectory result.port result.backupId result.endLsn result.walSegments) || fail "job $job: $final"
  # only a directory with the name this script gave is ever removed
  if [ -n "$R_DIR" ] && [[ $R_DIR == /* ]] && [ "$(basename "$R_DIR")" = "$name" ]; then RESTORED+=("$R_DIR"); fi
  [ "$status" = SUCCEEDED ] || fail "Strata restore ($2) job $job: $final"
  R_MS=$(( finished - t ))
  R_STEPS=$("$PY" - "$OUT/steps" "$t" "$started" "$finished" <<'PY'
import sys
post, start, end = (int(x) for x in sys.argv[2:5])
seen = []
for line in open(sys.argv[1]):
    t, _, step = line.rstrip("\n").partition(" ")
    if int(t) < end:
        seen.append(f"{step} +{(int(t) - start) / 1000:.1f}")
print(f"queued {(start - post) / 1000:.1f} s; steps first seen (polled every 0.2 s, s after the start): "
      + ", ".join(seen) + f", finished +{(end - start) / 1000:.1f}")
PY
)
}
restore_body() { # name port backupId|"" target-json|"" -> the POST /restores body
  local extra=""
  [ -z "$3" ] || extra+=",\"backupId\":\"$3\""
  [ -z "$4" ] || extra+=",\"target\":$4"
  echo "{\"source\":\"$SOURCE\"$extra,\"into\":{\"dataDirectory\":\"$1\",\"port\":$2}}"
}
stop_cluster() { # data directory of a restored cluster: stopped, its files kept until drop_kept
  if [ -f "$1/postmaster.pid" ]; then
    runuser -u postgres -- "$BIN/pg_ctl" -D "$1" -m fast -w stop >/dev/null 2>&1 \
      || runuser -u postgres -- "$BIN/pg_ctl" -D "$1" -m immediate -w stop >/dev/null 2>&1 || true
  fi
}
drop_kept() { # removes every restored cluster still listed
  local d
  for d in "${RESTORED[@]}"; do drop_cluster "$d"; done
  RESTORED=()
}
undrop() { # the directory just dropped leaves the list, so cleanup does not stop it twice
  local keep=() d
  for d in "${RESTORED[@]}"; do [ "$d" = "$1" ] || keep+=("$d"); done
  RESTORED=("${keep[@]}")
}

# --- 1. FULL backups: B, P, S alternating ------------------------------------------------------------
if [ "${WARMUP:-1}" != 0 ]; then
  s_backup FULL
  log "warm-up Strata FULL (not counted; the first job after a start pays class loading): $S_MS ms"
  # The block path (hashing, diffing, packing) runs on code the JIT is still compiling during a worker's first
  # INCREMENTALs: measured by hand at 7.5 GB, a fresh worker's first three took 1.08-1.27 x a raw read against
  # ~1.0 later, the first one ~1.5 s more worker CPU (about 1 s of it the JIT's compiler threads). Logged, not
  # counted. Not for DATASET=shop (FULL backups only, and no pgbench tables to load).
  [ "$DATASET" = shop ] || for w in $(seq 1 "$INCR_WARMUP"); do
    pgbench_load "$WARMUP_LOAD_SECONDS" "warm-up INCREMENTAL $w load"
    sql CHECKPOINT >/dev/null
    s_backup INCREMENTAL
    b_null
    log "warm-up Strata INCREMENTAL $w (not counted): $S_MS ms, raw pg_basebackup right after ${B_MS} ms: INCREMENTAL/raw $(ratio "$S_MS" "$B_MS")"
  done
fi
b_all=(); p_all=(); s_all=()
for r in $(seq 1 "$FULL_ROUNDS"); do
  b_null
  runuser -u postgres -- rm -rf "$PBR/repo" # a fresh repository: every round is the same first full backup
  pgbr stanza-create >"$OUT/p.err" 2>&1 || fail "pgbackrest stanza-create: $(cat "$OUT/p.err")"
  p_backup full
  s_backup FULL
  log "FULL round $r: B raw pg_basebackup >/dev/null ${B_MS} ms (max RSS $(( B_KB / 1024 )) MiB); P pgBackRest ${P_MS} ms" \
    "($(mib "$P_DELTA") MiB, max RSS $(( P_KB / 1024 )) MiB); S Strata ${S_MS} ms ($(mib "$S_STORED") MiB stored of $(mib "$S_READ") MiB read);" \
    "S/P = $(ratio "$S_MS" "$P_MS"), S/B = $(ratio "$S_MS" "$B_MS")"
  b_all+=("$B_MS"); p_all+=("$P_MS"); s_all+=("$S_MS")
done
FULL_ID=$S_ID; P_FULL_LABEL=$P_LABEL
FULL_B=$(median "${b_all[@]}"); FULL_P=$(median "${p_all[@]}"); FULL_S=$(median "${s_all[@]}")
FULL_SP=$(ratio "$FULL_S" "$FULL_P"); FULL_SB=$(ratio "$FULL_S" "$FULL_B")
FULL_S_STORED=$S_STORED; FULL_S_ALL=$S_ALL; FULL_P_DELTA=$P_DELTA; FULL_P_DIR=$P_DIR; FULL_READ=$S_READ
log "FULL medians: B ${FULL_B} ms, P ${FULL_P} ms, S ${FULL_S} ms; Strata / pgBackRest = $FULL_SP, Strata / raw = $FULL_SB"
log "FULL stored: Strata $(mib "$FULL_S_STORED") MiB (tar $(mib_or_na "$S_PACK") + block map $(mib_or_na "$S_MAP"); all objects $(mib_or_na "$FULL_S_ALL") MiB)," \
  "pgBackRest $(mib "$FULL_P_DELTA") MiB (dir $(mib "$FULL_P_DIR") MiB; block size for $BIG_TABLE $(p_block_size "$P_FULL_LABEL")); read $(mib "$FULL_READ") MiB"
if [ "$DATASET" = shop ]; then
  log ""
  log "==== summary ($(date -u +%FT%TZ), realistic invoices, cluster $(mib "$cluster_bytes") MiB; load average now $(cut -d' ' -f1-3 /proc/loadavg)) ===="
  log "FULL: Strata / pgBackRest time = $FULL_SP (S ${FULL_S} ms, P ${FULL_P} ms, medians of $FULL_ROUNDS); Strata / raw pg_basebackup = $FULL_SB (raw ${FULL_B} ms);" \
    "stored Strata $(mib "$FULL_S_STORED") MiB, pgBackRest $(mib "$FULL_P_DELTA") MiB"
  echo "results written to $RESULTS"
  exit 0
fi
snapshot full

# --- 2 and 3: a change, then INCREMENTALs of both tools --------------------------------------------------
# increment NAME PREV-SNAPSHOT PARENT-ID -> logs every figure and sets the I_* results for the summary
increment() {
  snapshot "$1" "$2"
  s_backup INCREMENTAL; s_parent_is "$3"
  b_null
  p_backup incr
  local name=$1
  printf -v "I_${name}_ID" '%s' "$S_ID"
  printf -v "I_${name}_MS" '%s' "$S_MS"
  printf -v "I_${name}_RUN" '%s' "$S_RUN_MS"
  printf -v "I_${name}_B" '%s' "$B_MS"
  printf -v "I_${name}_P" '%s' "$P_MS"
  printf -v "I_${name}_DISK" '%s' "$D_CHANGED"
  printf -v "I_${name}_STORED" '%s' "$S_STORED"
  printf -v "I_${name}_CHANGED" '%s' "$S_CHANGED"
  printf -v "I_${name}_ZSTD" '%s' "$D_ZSTD"
  printf -v "I_${name}_PDELTA" '%s' "$P_DELTA"
  printf -v "I_${name}_PACK" '%s' "${S_PACK:-}"
  printf -v "I_${name}_MAP" '%s' "${S_MAP:-}"
  log "$name: on disk $D_PAGES pages changed in $D_FILES files = $(mib "$D_CHANGED") MiB of $(mib "$D_TOTAL") MiB; those pages as one zstd -3 stream $(mib "$D_ZSTD") MiB"
  log "$name: Strata INCREMENTAL $S_ID ${S_MS} ms; changedBytes $(mib "$S_CHANGED") MiB of $(mib "$S_READ") MiB read;" \
    "stored $(mib "$S_STORED") MiB (pack $(mib_or_na "$S_PACK") + block map $(mib_or_na "$S_MAP")); all objects $(mib_or_na "$S_ALL") MiB"
  log "$name: pgBackRest incr $P_LABEL ${P_MS} ms (max RSS $(( P_KB / 1024 )) MiB); repository delta $(mib "$P_DELTA") MiB (of which block maps $(mib "$P_DELTA_MAP") MiB);" \
    "dir $(mib "$P_DIR") MiB; block size for $BIG_TABLE $(p_block_size "$P_LABEL")"
  log "$name: raw pg_basebackup >/dev/null right after: ${B_MS} ms"
  log "$name: stored/changed: disk $(ratio "$S_STORED" "$D_CHANGED"), Strata's changedBytes $(ratio "$S_STORED" "$S_CHANGED"), zstd -3 of the changed pages $(ratio "$S_STORED" "$D_ZSTD") (pack alone $(ratio "${S_PACK:-}" "$D_ZSTD"));" \
    "changedBytes/disk $(ratio "$S_CHANGED" "$D_CHANGED"); Strata/pgBackRest stored $(ratio "$S_STORED" "$P_DELTA") (all objects/dir $(ratio "${S_ALL:-}" "$P_DIR"));" \
    "INCREMENTAL/raw $(ratio "$S_MS" "$B_MS"); Strata/pgBackRest time $(ratio "$S_MS" "$P_MS")"
}

ROWS=$(( SCALE * 100000 ))
CONTIG_ROWS=$(( ROWS * CONTIG_PERCENT / 100 ))
LO=$(( ROWS / 3 )); HI=$(( LO + CONTIG_ROWS - 1 ))
# one statement: the CTE "old" sees the rows before the UPDATE, RETURNING gives the new versions' ctids
read -r old_pages new_pages heap_pages updated < <(sql "
  WITH old AS (SELECT DISTINCT (ctid::text::point)[0]::bigint AS page FROM pgbench_accounts WHERE aid BETWEEN $LO AND $HI),
       upd AS (UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid BETWEEN $LO AND $HI
               RETURNING (ctid::text::point)[0]::bigint AS page)
  SELECT (SELECT count(*) FROM old) || ' ' || (SELECT count(DISTINCT page) FROM upd) || ' '
      || (SELECT count(*) FROM (SELECT page FROM old UNION SELECT page FROM upd) u) || ' ' || (SELECT count(*) FROM upd)" "$DB") \
  || fail "the contiguous UPDATE failed"
HEAP_BYTES=$(( heap_pages * 8192 ))
log "contiguous: UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid BETWEEN $LO AND $HI: $updated rows ($CONTIG_PERCENT %);" \
  "heap pages of the old versions $old_pages, of the new $new_pages, together $heap_pages = $(mib "$HEAP_BYTES") MiB (heap only: a lower bound)"
increment contiguous full "$FULL_ID"
log "contiguous: stored/heap pages $(ratio "$I_contiguous_STORED" "$HEAP_BYTES"); changedBytes/heap pages $(ratio "$I_contiguous_CHANGED" "$HEAP_BYTES")"

pgbench_load "$SCATTER_SECONDS" scattered
increment scattered contiguous "$I_contiguous_ID"

# --- 3b. more INCREMENTAL timing rounds ---------------------------------------------------------------
R_contiguous=$(ratio "$I_contiguous_MS" "$I_contiguous_B"); R_scattered=$(ratio "$I_scattered_MS" "$I_scattered_B")
J_contiguous=$(ratio "$I_contiguous_RUN" "$I_contiguous_B"); J_scattered=$(ratio "$I_scattered_RUN" "$I_scattered_B")
incr_timing() { # kind round -> appends the round's INCREMENTAL/raw to R_<kind>
  local kind=$1 r=$2 lo hi order
  if [ "$kind" = contiguous ]; then
    lo=$(( LO + (r - 1) * CONTIG_ROWS )); hi=$(( lo + CONTIG_ROWS - 1 ))
    sql "UPDATE pgbench_accounts SET abalance = abalance + 1 WHERE aid BETWEEN $lo AND $hi" "$DB" >/dev/null \
      || fail "the contiguous UPDATE of timing round $r failed"
  else
    pgbench_load "$SCATTER_SECONDS" "scattered timing round $r"
  fi
  sql "CHECKPOINT" >/dev/null
  if (( r % 2 == 0 )); then order="raw first"; b_null; s_backup INCREMENTAL; else order="Strata first"; s_backup INCREMENTAL; b_null; fi
  local sofar="R_$kind"
  printf -v "R_$kind" '%s %s' "${!sofar}" "$(ratio "$S_MS" "$B_MS")"
  local jobs="J_$kind"
  printf -v "J_$kind" '%s %s' "${!jobs}" "$(ratio "$S_RUN_MS" "$B_MS")"
  log "$kind timing round $r ($order): Strata INCREMENTAL $S_ID ${S_MS} ms (the job itself ${S_RUN_MS} ms), changedBytes $(mib "$S_CHANGED") MiB; raw pg_basebackup ${B_MS} ms;" \
    "INCREMENTAL/raw $(ratio "$S_MS" "$B_MS") (the job itself $(ratio "$S_RUN_MS" "$B_MS"))"
}
for (( r = 2; r <= INCR_ROUNDS; r++ )); do
  incr_timing contiguous "$r"
done
for (( r = 2; r <= INCR_ROUNDS; r++ )); do
  incr_timing scattered "$r"
done

# --- 4. a chain FULL + DIFFERENTIAL + 3 INCREMENTALs, restored; a FULL of the same state, restored ----------
if [ "${CHAIN:-1}" = 0 ]; then
  log "chain phase skipped (CHAIN=0): no chain restore figure in this run"
  RESTORE_CHAIN=n/a; RESTORE_FULL=n/a; RESTORE_RATIO=n/a
else
pgbench_load "$CHAIN_LOAD_SECONDS" "chain load 1"
s_backup DIFFERENTIAL; s_parent_is "$FULL_ID"
log "chain: DIFFERENTIAL $S_ID ${S_MS} ms, changedBytes $(mib "$S_CHANGED") MiB, stored $(mib "$S_STORED") MiB"
for i in 1 2 3; do
  prev=$S_ID
  pgbench_load "$CHAIN_LOAD_SECONDS" "chain load $(( i + 1 ))"
  s_backup INCREMENTAL; s_parent_is "$prev"
  log "chain: INCREMENTAL $i $S_ID ${S_MS} ms, changedBytes $(mib "$S_CHANGED") MiB, stored $(mib "$S_STORED") MiB"
done
CHAIN_ID=$S_ID
chain=$S_CHAIN
[ "$("$PY" -c 'import json,sys; c=json.loads(sys.argv[1]); print(len(c), c[0])' "$chain")" = "5 $FULL_ID" ] \
  || fail "the chain of $CHAIN_ID is $chain, expected 5 backups from $FULL_ID"
s_backup FULL
END_FULL_ID=$S_ID
END_STATE=$(fingerprint) # after the FULL: its count(*) prunes pages, so the FULL would not hold the chain's pages
log "chain: $chain; FULL of the same end state $END_FULL_ID ${S_MS} ms; source state (accounts rows/balance sum, history rows, branch balance sum): $END_STATE"
# Restored clusters are stopped after each round but removed only after the last: on this machine's ext4
# (no journal), creating a file soon after thousands were removed scans past the recently deleted inodes
# (recently_deleted() in find_inode_bit: about 60 % of the CPU of creating files in `perf record`), which made the
# next restore's file creation, and so its time, depend on what the previous round removed.
if [ "${WARMUP:-1}" != 0 ]; then
  # the restore-worker's first restores pay class loading and compilation of the code they run: one of
  # each, not counted, as the warm-up FULL backup above
  for which in chain full; do
    id=$CHAIN_ID; [ "$which" = chain ] || id=$END_FULL_ID
    restore "$(restore_body "bench-chains-warmup-$which-$(date +%s)" "$(free_port)" "$id" "")" "warm-up $which"
    log "warm-up restore, $which ($id; not counted): ${R_MS} ms"
    stop_cluster "$R_DIR"
  done
fi
chain_all=(); full_all=()
for r in $(seq 1 "$RESTORE_ROUNDS"); do
  # odd rounds restore the chain first, even rounds the FULL: neither always pays the worker's first restore
  order="chain full"; (( r % 2 == 0 )) && order="full chain"
  for which in $order; do
    id=$CHAIN_ID; [ "$which" = chain ] || id=$END_FULL_ID
    restore "$(restore_body "bench-chains-$which-$r-$(date +%s)" "$(free_port)" "$id" "")" "$which"
    state=$(fingerprint "$R_PORT") || fail "cannot query the cluster restored from $id"
    [ "$state" = "$END_STATE" ] || fail "the cluster restored from $id holds '$state', the source held '$END_STATE'"
    log "restore round $r, $which ($id): ${R_MS} ms; rows equal the source's; $R_STEPS"
    stop_cluster "$R_DIR"
    if [ "$which" = chain ]; then chain_all+=("$R_MS"); else full_all+=("$R_MS"); fi
  done
done
drop_kept
RESTORE_CHAIN=$(median "${chain_all[@]}"); RESTORE_FULL=$(median "${full_all[@]}")
RESTORE_RATIO=$(ratio "$RESTORE_CHAIN" "$RESTORE_FULL")
log "restore medians: chain (FULL + DIFFERENTIAL + 3 INCREMENTALs) ${RESTORE_CHAIN} ms, FULL ${RESTORE_FULL} ms; chain/FULL = $RESTORE_RATIO"
fi

# --- 6. optional: PITR with and without an INCREMENTAL near the target -----------------------------------
if [ "$PITR_WAL_MB" != 0 ]; then
  s_backup FULL
  PITR_FULL=$S_ID; PITR_FULL_END=$S_END
  wal_since() { sql "select pg_wal_lsn_diff(pg_current_wal_lsn(), '$PITR_FULL_END')::bigint"; }
  load_until() { # bytes of WAL since the FULL's end: pgbench -n -N runs until the source has written them
    local written=0
    # one session polls the WAL position: a new psql per poll takes ~1 s on a busy 2-core machine, and the
    # WAL written meanwhile (full-page images after the backup's checkpoint) would overshoot the goal
    coproc LSN_POLL { "$BIN/psql" -X -Atq "$DB" 2>/dev/null; }
    POLL_PID=$LSN_POLL_PID
    "$BIN/pgbench" -n -N -c "$CLIENTS" -j "$THREADS" -T 86400 "$DB" >"$OUT/pgbench.log" 2>&1 &
    LOAD_PID=$!
    while (( written < $1 )); do
      kill -0 "$LOAD_PID" 2>/dev/null || { LOAD_PID=; fail "pgbench (PITR load) ended early: $(tail -5 "$OUT/pgbench.log")"; }
      sleep 0.05
      echo "select pg_wal_lsn_diff(pg_current_wal_lsn(), '$PITR_FULL_END')::bigint;" >&"${LSN_POLL[1]}"
      read -r -t 30 written <&"${LSN_POLL[0]}" || fail "no answer from the session polling the WAL position"
    done
    kill -TERM "$LOAD_PID" 2>/dev/null || true # not INT: a background job of a script ignores SIGINT
    wait "$LOAD_PID" 2>/dev/null || true
    LOAD_PID=
    kill "$POLL_PID" 2>/dev/null || true
    wait "$POLL_PID" 2>/dev/null || true
    POLL_PID=
    # a transaction whose COMMIT was sent before the client went away still commits: wait for those sessions
    local waited=0
    while [ "$(sql "select count(*) from pg_stat_activity where datname = '$DB' and application_name = 'pgbench'")" != 0 ]; do
      (( ++waited < 300 )) || fail "pgbench's sessions are still there 30 s after it was stopped"
      sleep 0.1
    done
  }
  WAL_GOAL=$(( PITR_WAL_MB * 1048576 ))
  load_until $(( WAL_GOAL * 9 / 10 ))
  at_incr=$(wal_since)
  s_backup INCREMENTAL; s_parent_is "$PITR_FULL"
  PITR_INCR=$S_ID
  log "PITR: FULL $PITR_FULL, INCREMENTAL $PITR_INCR after $(mib "$at_incr") MiB of WAL (${S_MS} ms, stored $(mib "$S_STORED") MiB)"
  load_until "$WAL_GOAL"
  at_target=$(wal_since)
  sleep 1.2
  TARGET=$(date -u +%FT%T.%3NZ)
  sleep 1.2
  sql "INSERT INTO bench_marker VALUES (now())" "$DB" # a commit after the target, so recovery knows it passed it
  # only now: the count(*) prunes the pages pgbench left dead tuples in, WAL-logged with full-page images
  # (tens of MiB), which must not fall before the target; the marker is in no table it counts
  PITR_STATE=$(fingerprint)
  PITR_INCR_PCT=$(calc "round(100 * $at_incr / $at_target)")
  log "PITR: target time $TARGET after $(mib "$at_target") MiB of WAL since the FULL's end (the INCREMENTAL at $PITR_INCR_PCT % of it;" \
    "the load is stopped once polling every 0.05 s sees the goal passed); source state then: $PITR_STATE"
  took=$(wait_archived "$(sql 'select pg_current_wal_lsn()')" 600)
  log "PITR: archive caught up $took s after the marker commit"
  for which in with without; do
    forced=""; [ "$which" = with ] || forced=$PITR_FULL
    body=$(restore_body "bench-chains-pitr-$which-$(date +%s)" "$(free_port)" "$forced" "{\"time\":\"$TARGET\"}")
    code=$(api_status POST /api/v1/restores/preview "$body" "$OUT/preview")
    [ "$code" = 200 ] || fail "POST /restores/preview ($which) answered $code: $(cat "$OUT/preview")"
    preview=$("$PY" -c '
import json, sys
p = json.load(open(sys.argv[1]))
chain = " + ".join(b["type"] for b in p.get("backups", []))
segments, wal = p.get("walSegments"), (p.get("walBytes") or 0) / 1048576
download, estimate = (p.get("downloadBytes") or 0) / 1048576, p.get("estimatedSeconds")
print(f"{chain}, {segments} WAL segments ({wal:.1f} MiB stored), download {download:.1f} MiB, estimated {estimate} s")' "$OUT/preview")
    restore "$body" "PITR $which"
    expected=$PITR_INCR; [ "$which" = with ] || expected=$PITR_FULL
    [ "$R_BASE" = "$expected" ] || fail "the PITR $which the INCREMENTAL started from $R_BASE, expected $expected"
    base_start=$(view "/api/v1/backups/$R_BASE" | jf startLsn)
    replayed=$(sql "select pg_wal_lsn_diff('$R_END', '$base_start')::bigint")
    state=$(fingerprint "$R_PORT") || fail "cannot query the PITR cluster ($which)"
    [ "$state" = "$PITR_STATE" ] || fail "the PITR ($which) holds '$state', the source held '$PITR_STATE' at the target"
    log "PITR $which the INCREMENTAL: base $R_BASE; preview: $preview; restore ${R_MS} ms; WAL replayed $(mib "$replayed") MiB" \
      "($R_SEGMENTS segments); rows equal the source's at the target; $R_STEPS"
    printf -v "PITR_${which}_MS" '%s' "$R_MS"
    printf -v "PITR_${which}_WAL" '%s' "$replayed"
    drop_cluster "$R_DIR"; undrop "$R_DIR"
  done
fi

# --- 5. worker memory ---------------------------------------------------------------------------------
kill "$SAMPLER_PID" 2>/dev/null || true; SAMPLER_PID=
RSS_MAX_MIB=0
while read -r inst pid; do
  hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
  sampled=$(awk -v i="$inst" '$1 == i && $2 > m {m = $2} END {print m + 0}' "$OUT/rss.samples" 2>/dev/null || echo 0)
  log "peak RSS $inst (pid $pid): sampled VmRSS max during this run $(( sampled / 1024 )) MiB; VmHWM (whole process life) $(( hwm / 1024 )) MiB"
  if (( hwm / 1024 > RSS_MAX_MIB )); then RSS_MAX_MIB=$(( hwm / 1024 )); fi
done <"$OUT/workers"
for t in pgbench_accounts pgbench_branches pgbench_tellers pgbench_history; do
  sql "ALTER TABLE $t RESET (autovacuum_enabled)" "$DB"
done

# --- summary --------------------------------------------------------------------------------------------
c_disk=$(ratio "$I_contiguous_STORED" "$I_contiguous_DISK"); s_disk=$(ratio "$I_scattered_STORED" "$I_scattered_DISK")
# shellcheck disable=SC2086 # the rounds' ratios, one word each
c_raw=$(calc "f'{$(median $R_contiguous):.3f}'"); s_raw=$(calc "f'{$(median $R_scattered):.3f}'")
log ""
log "==== summary ($(date -u +%FT%TZ), pgbench scale $SCALE, cluster $(mib "$cluster_bytes") MiB; load average now $(cut -d' ' -f1-3 /proc/loadavg)) ===="
log "FULL: Strata / pgBackRest time = $FULL_SP (S ${FULL_S} ms, P ${FULL_P} ms, medians of $FULL_ROUNDS); Strata / raw pg_basebackup = $FULL_SB (raw ${FULL_B} ms);" \
  "stored Strata $(mib "$FULL_S_STORED") MiB, pgBackRest $(mib "$FULL_P_DELTA") MiB"
log "contiguous ($CONTIG_PERCENT %): stored/changed(disk) = $c_disk   (goal <= 1.2: $(verdict "$c_disk" 1.2))"
log "    stored/Strata changedBytes $(ratio "$I_contiguous_STORED" "$I_contiguous_CHANGED"), stored/heap pages $(ratio "$I_contiguous_STORED" "$HEAP_BYTES")," \
  "stored/zstd-3 of the changed pages $(ratio "$I_contiguous_STORED" "$I_contiguous_ZSTD") (pack alone $(ratio "$I_contiguous_PACK" "$I_contiguous_ZSTD"), block map $(mib_or_na "$I_contiguous_MAP") MiB);" \
  "Strata/pgBackRest stored $(ratio "$I_contiguous_STORED" "$I_contiguous_PDELTA")"
log "scattered (pgbench -n -N ${SCATTER_SECONDS} s): stored/changed(disk) = $s_disk   (goal <= 1.5: $(verdict "$s_disk" 1.5))"
log "    stored/Strata changedBytes $(ratio "$I_scattered_STORED" "$I_scattered_CHANGED")," \
  "stored/zstd-3 of the changed pages $(ratio "$I_scattered_STORED" "$I_scattered_ZSTD") (pack alone $(ratio "$I_scattered_PACK" "$I_scattered_ZSTD"), block map $(mib_or_na "$I_scattered_MAP") MiB);" \
  "Strata/pgBackRest stored $(ratio "$I_scattered_STORED" "$I_scattered_PDELTA")"
log "INCREMENTAL / raw pg_basebackup >/dev/null, medians of $INCR_ROUNDS rounds: contiguous $c_raw   (goal <= 1.1: $(verdict "$c_raw" 1.1)); scattered $s_raw   (goal <= 1.1: $(verdict "$s_raw" 1.1))"
log "    rounds: contiguous $R_contiguous; scattered $R_scattered"
log "    the job alone (its startedAt, the worker's claim, to finishedAt: without the POST, the durable dispatch and the claim), not the goal's measure:" \
  "contiguous $(calc "f'{$(median $J_contiguous):.3f}'") ($J_contiguous), scattered $(calc "f'{$(median $J_scattered):.3f}'") ($J_scattered)"
log "    Strata INCREMENTAL / pgBackRest incr time: contiguous $(ratio "$I_contiguous_MS" "$I_contiguous_P"), scattered $(ratio "$I_scattered_MS" "$I_scattered_P")"
if [ "$RESTORE_RATIO" = n/a ]; then
  log "chain restore / FULL restore: not measured (CHAIN=0)"
else
  log "chain restore / FULL restore: $RESTORE_RATIO   (goal <= 1.25: $(verdict "$RESTORE_RATIO" 1.25)) (chain ${RESTORE_CHAIN} ms, FULL ${RESTORE_FULL} ms, medians of $RESTORE_ROUNDS)"
fi
log "worker peak RSS (max VmHWM, whole process life: start from a fresh ./strata up for a clean figure): $RSS_MAX_MIB MiB   (goal <= 512 MiB: $(verdict "$RSS_MAX_MIB" 512))"
if [ "$PITR_WAL_MB" != 0 ]; then
  log "PITR over $(mib "$at_target") MiB of WAL (asked: $PITR_WAL_MB MiB): with the INCREMENTAL at $PITR_INCR_PCT %: $(mib "$PITR_with_WAL") MiB replayed, ${PITR_with_MS} ms;" \
    "from the FULL: $(mib "$PITR_without_WAL") MiB replayed, ${PITR_without_MS} ms; with/without: WAL $(ratio "$PITR_with_WAL" "$PITR_without_WAL"), time $(ratio "$PITR_with_MS" "$PITR_without_MS")"
fi
echo "results written to $RESULTS"

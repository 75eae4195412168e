#!/usr/bin/env bash
# Client-side encryption overhead (issue #7). Needs a running stack: ./strata up (the dev stack gives every
# worker a keyring, so sources encrypt by default).
#
# One ~1 GB database of realistic rows is registered twice, WAL archived: E (encrypted, the default with a
# key) and C ("encrypt": false, stored in clear). Each round runs, alternating which goes first:
#   logical backup, logical restore into a new database, physical backup, point-in-time restore (latest)
# for E and for C, timed from the client's POST to the job's finishedAt. Reports per operation the
# median E/C ratio (goal <= 1.05), and checks on disk (S3Proxy's files) that E's objects are STRATA-ENC
# and C's are not, so a ratio near 1 cannot come from encryption being silently off.
#
# One unrecorded round of each goes first (class loading, JIT of the crypto path, caches). Also prints
# openssl's AES-256-GCM throughput on this CPU, for scale.
#
# Usage: bench/encryption-overhead.sh [size-in-GB, default 1] [rounds, default 5]
set -euo pipefail
cd "$(dirname "$0")/.."
die() { echo "encryption-overhead: $*" >&2; exit 1; }
SIZE_GB=${1:-1}
ROUNDS=${2:-5}
for v in "$SIZE_GB" "$ROUNDS"; do [[ $v =~ ^[1-9][0-9]*$ ]] || die "arguments are positive integers; got '$v'"; done
[ "$(id -u)" = 0 ] || die "run as root: restored clusters are stopped with pg_ctl as postgres through runuser"
STATE_DIR=${STRATA_STATE_DIR:-.strata/stack}
ENV_FILE=$STATE_DIR/stack.env
[ -f "$ENV_FILE" ] || die "no running stack ($ENV_FILE missing): run ./strata up first"
set -a; . "$ENV_FILE"; set +a
BIN=${STRATA_PG_BIN:-/usr/lib/postgresql/15/bin}
DB=bench_shop_${SIZE_GB}g
ENC=bench-enc-${SIZE_GB}g
CLR=bench-clear-${SIZE_GB}g
RESULTS=bench/results/encryption-overhead-$(date -u +%Y%m%dT%H%M%SZ).txt
mkdir -p bench/results
RESTORED_DIRS=()
RESTORED_DBS=()
SECRETS=
cleanup() {
  for dir in "${RESTORED_DIRS[@]}"; do
    if [ -f "$dir/postmaster.pid" ]; then
      runuser -u postgres -- "$BIN/pg_ctl" -D "$dir" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
  done
  for db in "${RESTORED_DBS[@]}"; do "$BIN/psql" -Xq -c "DROP DATABASE IF EXISTS $db" postgres >/dev/null 2>&1 || true; done
  if [ -n "$SECRETS" ]; then rm -rf "$SECRETS"; fi # last: the DROPs above log in with its passfile
}
trap cleanup EXIT
trap 'exit 130' INT TERM
SECRETS=$(mktemp -d /tmp/strata-bench-XXXX)
. bench/lib.sh
bench_secrets "$SECRETS"

log() { echo "$*" | tee -a "$RESULTS"; }
now_ms() { date +%s%3N; }
jf() { python3 -c 'import sys,json; v=json.load(sys.stdin)
for k in sys.argv[1].split("."): v = v.get(k) if isinstance(v, dict) else None
print("" if v is None else v)' "$1"; }
iso_ms() { python3 -c "import sys,datetime; print(int(datetime.datetime.fromisoformat(sys.argv[1].replace('Z','+00:00')).timestamp()*1000))" "$1"; }
median() { printf '%s\n' "$@" | python3 -c "import sys,statistics; print(statistics.median(float(x) for x in sys.stdin))"; }
wait_job() { # jobId -> final json (polls without an interpreter: it would steal CPU on 2 cores)
  local j
  while :; do
    j=$(api GET "/api/v1/jobs/$1")
    case $j in *'"status":"SUCCEEDED"'*|*'"status":"FAILED"'*|*'"status":"CANCELLED"'*) echo "$j"; return;; esac
    [[ $j == *'"jobId"'* ]] || { echo "$j"; return; }
    sleep 0.5
  done
}
run_job() { # path json -> "ms final-json-file"; ms from the POST to the job's finishedAt (same clock)
  local t answer job final file
  t=$(now_ms)
  answer=$(api POST "$1" "$2")
  job=$(echo "$answer" | jf jobId)
  [ -n "$job" ] || die "POST $1 $2 answered: $answer"
  final=$(wait_job "$job")
  [ "$(echo "$final" | jf status)" = SUCCEEDED ] || die "job $job failed: $final"
  file=$(mktemp /tmp/strata-bench-job-XXXX); echo "$final" >"$file"
  echo "$(( $(iso_ms "$(echo "$final" | jf finishedAt)") - t )) $file"
}
register() { # name encrypt-json
  local extra=""
  [ "$2" = default ] || extra=",\"encrypt\":$2"
  api POST /api/v1/sources "{\"name\":\"$1\",\"host\":\"$PGHOST\",\"port\":$PGPORT,\"database\":\"$DB\",\"username\":\"$PGUSER\",\"password\":$SOURCE_PASSWORD_JSON,\"walArchiving\":true$extra}" >/dev/null
  api PUT "/api/v1/sources/$1/wal-archiving" '{"enabled":true}' >/dev/null
}
stored_file() { # backupId object -> the S3Proxy file holding it
  find "$STATE_DIR/s3" -path "*/$1/$2" -type f | head -1
}
magic() { head -c 8 "$1"; }

ensure_shop_db "$DB" "$SIZE_GB"
register "$ENC" default
register "$CLR" false
db_bytes=$("$BIN/psql" -Atqc "select pg_database_size('$DB')" postgres)
cluster_bytes=$("$BIN/psql" -Atqc "select sum(pg_database_size(datname)) from pg_database" postgres)
log "# Strata encryption overhead $(date -u +%FT%TZ) on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); AES-NI: $(grep -q -m1 ' aes ' /proc/cpuinfo && echo yes || echo no))"
log "# database $DB = $(( db_bytes / 1048576 )) MiB; whole source cluster (physical backups copy all of it) = $(( cluster_bytes / 1048576 )) MiB"
log "# E = $ENC (encrypted: the dev stack's keyring), C = $CLR (\"encrypt\": false); $ROUNDS rounds, order alternating"

declare -A ms
LAST= # the final job json file of the last op (op runs in this shell so ms keeps what it adds)
op() { # label source path json -> appends ms to ms[label-source]
  local out
  out=$(run_job "$3" "$4")
  ms[$1-$2]="${ms[$1-$2]:-} ${out%% *}"
  LAST=${out#* }
}
run_round() { # source
  local s=$1 backup db dir port file
  op logical-backup "$s" /api/v1/backups "{\"source\":\"$s\",\"kind\":\"LOGICAL\"}"; backup=$(jf backupId <"$LAST")
  [ "$s" = "$ENC" ] && want=STRATAE1 || want=notenc
  file=$(stored_file "$backup" dump.pgc.zst)
  [ -n "$file" ] || die "cannot find the stored dump of $backup under $STATE_DIR/s3"
  if [ "$want" = STRATAE1 ]; then [ "$(magic "$file")" = STRATAE1 ] || die "$s's dump is not encrypted";
  else [ "$(magic "$file")" != STRATAE1 ] || die "$s's dump is encrypted"; fi
  db=bench_enc_restore_$(date +%s%N | tail -c 10); RESTORED_DBS+=("$db")
  op logical-restore "$s" /api/v1/restores "{\"source\":\"$s\",\"backupId\":\"$backup\",\"into\":{\"database\":\"$db\"}}"
  "$BIN/psql" -Xq -c "DROP DATABASE $db" postgres
  op physical-backup "$s" /api/v1/backups "{\"source\":\"$s\",\"kind\":\"PHYSICAL\"}"; backup=$(jf backupId <"$LAST")
  file=$(stored_file "$backup" base.tar.zst)
  if [ "$want" = STRATAE1 ]; then [ "$(magic "$file")" = STRATAE1 ] || die "$s's base backup is not encrypted";
  else [ "$(magic "$file")" != STRATAE1 ] || die "$s's base backup is encrypted"; fi
  "$BIN/psql" -Xq -c "SELECT pg_switch_wal()" postgres >/dev/null
  sleep 3 # let the archive reach the switch: "latest" then replays the same WAL for E and C
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  dir=bench-enc-pitr-$(date +%s%N | tail -c 10)
  op pitr-restore "$s" /api/v1/restores "{\"source\":\"$s\",\"backupId\":\"$backup\",\"target\":{\"latest\":true},\"into\":{\"dataDirectory\":\"$dir\",\"port\":$port}}"
  dir=$(python3 -c 'import sys,json; print(json.load(sys.stdin)["result"]["dataDirectory"])' <"$LAST")
  RESTORED_DIRS+=("$dir")
  runuser -u postgres -- "$BIN/pg_ctl" -D "$dir" -m fast -w stop >/dev/null
  rm -rf "$dir"
}

if command -v openssl >/dev/null; then
  kps=$(openssl speed -evp aes-256-gcm -bytes 16384 -seconds 2 2>/dev/null | awk 'tolower($1) ~ /^aes-256-gcm/ {print $NF}')
  log "# openssl speed -evp aes-256-gcm (16 KiB blocks, one core): $(python3 -c "print(round(float('${kps%k}') / 1e6, 2))") GB/s"
fi
# warm-up: the first jobs after a start pay class loading, JIT and consumer assignment; not recorded
run_round "$ENC"; run_round "$CLR"
for label in logical-backup logical-restore physical-backup pitr-restore; do
  for source in "$ENC" "$CLR"; do unset "ms[$label-$source]"; done
done
for r in $(seq 1 "$ROUNDS"); do
  if (( r % 2 )); then first=$ENC; second=$CLR; else first=$CLR; second=$ENC; fi
  run_round "$first"; run_round "$second"
  log "round $r done (first: $first)"
done
for label in logical-backup logical-restore physical-backup pitr-restore; do
  e=$(median ${ms[$label-$ENC]}); c=$(median ${ms[$label-$CLR]})
  log "$(printf '%-16s E ms:%s  C ms:%s  median E/C = %s   (goal <= 1.05)' "$label" "${ms[$label-$ENC]}" "${ms[$label-$CLR]}" "$(python3 -c "print(round($e/$c, 3))")")"
done
echo "results written to $RESULTS"

#!/usr/bin/env bash
# Issue #9: where a physical backup's CPU goes on the backup-worker's side, stage by stage, against raw
# pg_basebackup's client on the same stream. Needs no stack: a throw-away PostgreSQL 15 cluster on a free
# loopback port (as postgres, through runuser), a pgbench database of the given scale that pgbench -N then
# updates for SCATTER_SECONDS (default 30, as bench/backup-chains.sh's scattered change; 0: fresh pages), then
#   B  raw `pg_basebackup -D - -Ft -X none --checkpoint=fast >/dev/null`: wall, client CPU (/usr/bin/time) and
#      the WAL sender's CPU (the postmaster's reaped children, from /proc). Unlike the worker, pg_basebackup
#      here does not ask for PROGRESS (the server's walk over the files to size them first); W's wall time
#      starts after its login, B's includes pg_basebackup's start and login.
#   W  bench/java/ReadPathCosts.java on the worker's own classes (its BaseBackupStream over its replication
#      session, TarFollower, BlockDiffer, BlockPack, zstd-jni): read, tar, hash, pack, pack-zstd, full-zstd, and the
#      pack as stored (AES-256-GCM, SHA-256) without compression (pack-store) and with it (pack-zstd-store);
#      STAGES="pack pack-store" runs only those
#   Z  the zstd and lz4 CLIs on the same tar (one thread, user CPU), for what compression costs on this CPU
# Each stage is run ROUNDS times after one warm-up; medians printed. Results: bench/results/read-path-<date>.txt.
# Usage (as root, from a built tree: ./mvnw -DskipTests install): bench/read-path.sh [pgbench-scale, default 50] [rounds, default 5]
set -euo pipefail
cd "$(dirname "$0")/.."
die() { echo "read-path: $*" >&2; exit 1; }
SCALE=${1:-50}
ROUNDS=${2:-5}
SCATTER=${SCATTER_SECONDS:-30}
# STAGES: which of ReadPathCosts' stages to run, in order (default all)
STAGES=${STAGES:-read tar hash pack pack-zstd full-zstd pack-store pack-zstd-store}
for stage in $STAGES; do
  [[ $stage =~ ^(read|tar|hash|pack|pack-zstd|full-zstd|pack-store|pack-zstd-store)$ ]] || die "unknown stage '$stage'"
done
for v in "$SCALE" "$ROUNDS"; do [[ $v =~ ^[1-9][0-9]*$ ]] || die "arguments are positive integers; got '$v'"; done
[[ $SCATTER =~ ^[0-9]+$ ]] || die "SCATTER_SECONDS is a whole number of seconds (0: fresh pages); got '$SCATTER'"
[ "$(id -u)" = 0 ] || die "run as root: the cluster runs as postgres through runuser"
if [[ -z "${JAVA_HOME:-}" ]]; then
  JAVA_HOME="$( (ls -d /usr/lib/jvm/*temurin*25* /usr/lib/jvm/*-2[1-9]-* 2>/dev/null || true) | sort -rV | head -1)"
fi
[ -x "$JAVA_HOME/bin/javac" ] || die "no JDK >= 21 found; set JAVA_HOME"
LIB=backup-worker/target/launch/backup-worker/lib
[ -d backup-worker/target/classes ] && [ -d "$LIB" ] || die "build first: ./mvnw -B -DskipTests install"
for tool in zstd lz4; do command -v $tool >/dev/null || die "$tool is missing (apt-get install $tool)"; done
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (apt-get install time)"
BIN=${STRATA_PG_BIN:-/usr/lib/postgresql/15/bin}
PY=/usr/bin/python3; [ -x "$PY" ] || PY=$(command -v python3 || true)
[ -n "$PY" ] || die "python3 is missing (it picks a free port)"
mkdir -p bench/results
RESULTS=bench/results/read-path-$(date -u +%Y%m%dT%H%M%SZ).txt
WORK=$(mktemp -d /tmp/strata-bench-read-path-XXXX)
cleanup() {
  if [ -f "$WORK/data/postmaster.pid" ]; then
    runuser -u postgres -- "$BIN/pg_ctl" -D "$WORK/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
chmod 755 "$WORK"
chown postgres "$WORK" # the cluster writes its log here
PORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
runuser -u postgres -- mkdir "$WORK/data" "$WORK/socket"
runuser -u postgres -- "$BIN/initdb" -D "$WORK/data" -A trust -U postgres >/dev/null
cat >>"$WORK/data/postgresql.conf" <<CONF
port = $PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$WORK/socket'
shared_buffers = 256MB
max_wal_size = 4GB
CONF
echo "host replication postgres 127.0.0.1/32 trust" >>"$WORK/data/pg_hba.conf"
runuser -u postgres -- "$BIN/pg_ctl" -D "$WORK/data" -l "$WORK/log" -w start >/dev/null
PSQL=("$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -qAt -d postgres)
"$BIN/pgbench" -h 127.0.0.1 -p "$PORT" -U postgres -i -q -s "$SCALE" postgres >/dev/null 2>&1
# pages as a busy database has them (fresh pgbench pages compress far better than updated ones)
if [ "$SCATTER" -gt 0 ]; then
  "$BIN/pgbench" -h 127.0.0.1 -p "$PORT" -U postgres -n -N -c 8 -j 2 -T "$SCATTER" postgres >/dev/null 2>&1
fi
"${PSQL[@]}" -c checkpoint
POSTMASTER=$(head -1 "$WORK/data/postmaster.pid")
TICK=$(getconf CLK_TCK)
reaped_ms() { awk -v t="$TICK" '{print int(($16 + $17) * 1000 / t)}' "/proc/$POSTMASTER/stat"; }
# the middle value (the lower of the two for an even count)
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR + 1) / 2)]}'; }
# the WAL sender is gone from pg_stat_replication (then reaped by the postmaster, whose children's CPU grows)
await_no_sender() {
  for _ in $(seq 50); do
    [ "$("${PSQL[@]}" -c 'select count(*) from pg_stat_replication')" = 0 ] && break
    sleep 0.1
  done
  sleep 0.1
}
{
  echo "# Strata read path costs (issue #9) $(date -u +%FT%TZ)"
  echo "# machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/ {print $2}') GiB RAM; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "# Strata $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $("$BIN/postgres" --version), $(zstd --version | head -1), $(lz4 --version 2>&1 | head -1)"
  echo "# cluster: pgbench scale $SCALE updated by pgbench -n -N -c 8 -j 2 for $SCATTER s (0: not updated), $(du -sm --exclude=pg_wal "$WORK/data" | cut -f1) MiB without pg_wal; $ROUNDS rounds after one warm-up"
} | tee "$RESULTS"
walls=(); clients=(); senders=()
for r in $(seq 0 "$ROUNDS"); do
  before=$(reaped_ms)
  /usr/bin/time -o "$WORK/time" -f '%e %U %S' "$BIN/pg_basebackup" -h 127.0.0.1 -p "$PORT" -U postgres -D - -Ft \
    -X none --checkpoint=fast 2>/dev/null >/dev/null
  await_no_sender
  after=$(reaped_ms)
  read -r wall user sys <"$WORK/time"
  if [ "$r" -gt 0 ]; then
    walls+=("$(awk -v w="$wall" 'BEGIN {print int(w * 1000)}')")
    clients+=("$(awk -v u="$user" -v s="$sys" 'BEGIN {print int((u + s) * 1000)}')")
    senders+=("$((after - before))")
  fi
done
echo "B  raw pg_basebackup >/dev/null, median of $ROUNDS: wall $(echo "${walls[*]}" | median) ms, client $(echo "${clients[*]}" | median) CPU-ms, PostgreSQL's children that exited (the WAL sender; an autovacuum worker if one ended meanwhile) $(echo "${senders[*]}" | median) CPU-ms (rounds: wall ${walls[*]}; client ${clients[*]}; PostgreSQL ${senders[*]})" | tee -a "$RESULTS"
mkdir "$WORK/classes"
CP="backup-worker/target/classes:$(ls "$LIB"/*.jar | tr '\n' ':')"
"$JAVA_HOME/bin/javac" -d "$WORK/classes" -cp "$CP" bench/java/ReadPathCosts.java
# the heap and collector ./strata's dev stack gives the worker
# shellcheck disable=SC2086 # STAGES is a list of words, each checked above
"$JAVA_HOME/bin/java" -Xmx256m -XX:+UseSerialGC --enable-native-access=ALL-UNNAMED -Djava.io.tmpdir="$WORK" \
  -cp "$WORK/classes:$CP" io.strata.backup.physical.ReadPathCosts "$PORT" "$ROUNDS" $STAGES >"$WORK/java.log" 2>&1 || { cat "$WORK/java.log" >&2; die "ReadPathCosts failed"; }
grep -E '^(read|tar|hash|pack|full)' "$WORK/java.log" | sed 's/^/W  /' | tee -a "$RESULTS"
"$BIN/pg_basebackup" -h 127.0.0.1 -p "$PORT" -U postgres -D - -Ft -X none --checkpoint=fast 2>/dev/null >"$WORK/base.tar"
for codec in "zstd -1" "zstd -1 --no-check" "zstd --fast=3" "lz4 -1"; do
  cpu=(); size=0
  for r in $(seq 0 "$ROUNDS"); do
    # shellcheck disable=SC2086 # the codec's words are its command line
    /usr/bin/time -o "$WORK/time" -f '%U %S' $codec -q -c "$WORK/base.tar" >"$WORK/out"
    size=$(stat -c %s "$WORK/out")
    read -r user sys <"$WORK/time"
    # user time only: the system time is the CLI reading the tar from the page cache, which the worker does not do
    [ "$r" -gt 0 ] && cpu+=("$(awk -v u="$user" 'BEGIN {print int(u * 1000)}')")
  done
  echo "Z  $codec, one thread, the tar ($(( $(stat -c %s "$WORK/base.tar") >> 20 )) MiB -> $((size >> 20)) MiB): median $(echo "${cpu[*]}" | median) user CPU-ms (rounds ${cpu[*]})" | tee -a "$RESULTS"
done
echo "results: $RESULTS"

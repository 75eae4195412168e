# Shared by the benchmarks. Source it once stack.env is loaded and BIN is set, then call bench_secrets.

# bench_secrets <dir>: the source's password goes into a passfile (rw-------) and the gateway's tokens into
# header files, and the secrets leave this shell's exported environment: no password or token is then on a
# command line (where `ps` shows it to every user) or in the environment of the tools started (pgbench,
# psql, curl). libpq reads PGPASSFILE; api/api_status/view send the headers from their files and the JSON body
# on stdin. Keeps the password in SOURCE_PASSWORD_JSON (a JSON string) for registering sources.
pgpass_escape() { sed 's/[\\:]/\\&/g' <<<"$1"; }
bench_secrets() {
  local dir=$1
  # first: the helpers below (sed, python3) must not inherit them either
  export -n STRATA_SOURCE_PG_PASSWORD STRATA_ADMIN_TOKEN STRATA_OPERATOR_TOKEN STRATA_VIEWER_TOKEN
  unset PGPASSWORD
  (umask 077
   printf '*:*:*:%s:%s\n' "$(pgpass_escape "$STRATA_SOURCE_PG_USER")" "$(pgpass_escape "$STRATA_SOURCE_PG_PASSWORD")" >"$dir/pgpass"
   printf 'Authorization: Bearer %s\n' "$STRATA_ADMIN_TOKEN" >"$dir/admin.header"
   printf 'Authorization: Bearer %s\n' "$STRATA_VIEWER_TOKEN" >"$dir/viewer.header")
  SOURCE_PASSWORD_JSON=$(printf '%s' "$STRATA_SOURCE_PG_PASSWORD" | python3 -c 'import json,sys; print(json.dumps(sys.stdin.read()))')
  BENCH_HEADERS=$dir
  export PGHOST=$STRATA_SOURCE_PG_HOST PGPORT=$STRATA_SOURCE_PG_PORT PGUSER=$STRATA_SOURCE_PG_USER PGPASSFILE=$dir/pgpass
}
api() { # method path [json] -> body (any HTTP status)
  curl -sS -X "$1" -H @"$BENCH_HEADERS/admin.header" -H 'Content-Type: application/json' ${3:+--data-binary @-} \
    "$STRATA_GATEWAY_URL$2" <<<"${3:-}"
}
api_status() { # method path json file -> HTTP status; the body into file
  curl -sS -o "$4" -w '%{http_code}' -X "$1" -H @"$BENCH_HEADERS/admin.header" -H 'Content-Type: application/json' \
    --data-binary @- "$STRATA_GATEWAY_URL$2" <<<"$3"
}
view() { curl -sS -H @"$BENCH_HEADERS/viewer.header" "$STRATA_GATEWAY_URL$1"; }

# ensure_shop_db <db> <size-in-GB>: a database of realistic rows (text, numbers, timestamps; not pgbench's
# blank filler), ~1 GB per unit, created once and reused by later runs.
ensure_shop_db() {
  local DB=$1 SIZE_GB=$2 rows
  if ! "$BIN/psql" -Atqc "select 1 from pg_database where datname='$DB'" postgres | grep -q 1; then
    rows=$(( SIZE_GB * 4200000 ))
    echo "creating $DB with $rows invoice rows (~${SIZE_GB} GB)..."
    "$BIN/psql" -q -c "CREATE DATABASE $DB" postgres
    "$BIN/psql" -q -v ON_ERROR_STOP=1 "$DB" <<SQL
CREATE TABLE customers (id bigint PRIMARY KEY, name text, email text, country text, created_at timestamptz);
INSERT INTO customers SELECT g, 'Customer ' || g, 'customer' || g || '@example.com',
  (ARRAY['ES','DE','FR','PT','IT','NL','US'])[1 + g % 7], now() - g * interval '1 hour' FROM generate_series(1, 100000) g;
CREATE TABLE invoices (id bigint PRIMARY KEY, number text, customer_id bigint, amount numeric(12,2),
  tax numeric(12,2), issued_at timestamptz, status text, notes text);
INSERT INTO invoices SELECT g, 'INV-' || lpad(g::text, 9, '0'), 1 + (g * 7919) % 100000,
  round((random() * 9000)::numeric, 2), round((random() * 1500)::numeric, 2),
  timestamptz '2020-01-01' + g * interval '37 seconds', (ARRAY['open','paid','void','overdue'])[1 + g % 4],
  md5(g::text) || ' ' || md5((g * 31)::text) || ' ' || substr(md5((g * 17)::text), 1, (g % 32)::int)
  FROM generate_series(1::bigint, $rows) g;
CREATE INDEX ON invoices(customer_id);
CREATE INDEX ON invoices(issued_at);
VACUUM ANALYZE;
SQL
  fi
}

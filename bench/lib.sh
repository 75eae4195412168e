# Shared by the benchmarks: source it after PGHOST/PGPORT/PGUSER/PGPASSWORD and BIN are set.

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

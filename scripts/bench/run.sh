#!/usr/bin/env bash
# `just bench` (issue 11, docs/performance.md), after the release build: a scratch database (never
# the dev `atende` one), migrations, `atende seed --scale`, the release server with raised webhook
# rate limits, then `atende-bench` (ingest + exactly-once check, the pgbench limit, reads, peak
# RSS). Prints one markdown table and keeps the report in bench/results/<date>-<commit>.md.
#
# Tuning (environment): BENCH_SCALE_FACTOR (1), BENCH_INGEST_SECS (25), BENCH_READ_SECS (20),
# BENCH_CONCURRENCY (16: ingest connections, pgbench clients and the server's pool),
# BENCH_READ_CONCURRENCY (64), BENCH_LIMIT_SECS (10: each read route alone, then its
# scripts/bench/reads/*.sql under pgbench; 0 skips them), BENCH_STREAMS (1000 live event streams
# during a second ingest; 0 skips it), BENCH_PORT (18181), BENCH_KEEP_DB=1 keeps the scratch
# database. The report ends with a comparison against the newest earlier one in bench/results/.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
: "${ATENDE_TEST_DATABASE_URL:?run through just bench (it evals scripts/dev-db.sh)}"

factor="${BENCH_SCALE_FACTOR:-1}"
ingest_secs="${BENCH_INGEST_SECS:-25}"
read_secs="${BENCH_READ_SECS:-20}"
concurrency="${BENCH_CONCURRENCY:-16}"
read_concurrency="${BENCH_READ_CONCURRENCY:-64}"
limit_secs="${BENCH_LIMIT_SECS:-10}"
port="${BENCH_PORT:-18181}"
streams="${BENCH_STREAMS:-1000}"
# A thousand streams are a thousand sockets on each side (server and load generator).
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
pgbench="$(command -v pgbench || ls -d /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | sort -V | tail -n 1 || true)"
[ -n "$pgbench" ] || { echo "bench: pgbench not found (install postgresql-contrib or the server package)" >&2; exit 1; }

maintenance="$ATENDE_TEST_DATABASE_URL"
db="atende_bench_$(date +%s)"
url="${maintenance%/*}/$db"
work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  if [ "${BENCH_KEEP_DB:-0}" != 1 ]; then
    psql "$maintenance" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true
  elif [ -f "$work/creds.json" ]; then
    mkdir -p target && cp "$work/creds.json" target/bench-creds.json
    echo "bench: kept $url; credentials in target/bench-creds.json (master key: see target/bench-master-key)" >&2
    echo "$ATENDE_MASTER_KEY" >target/bench-master-key
  fi
  rm -rf "$work"
}
trap cleanup EXIT

psql "$maintenance" -qc "CREATE DATABASE $db"
export DATABASE_URL="$url"
unset MIGRATION_DATABASE_URL
export ATENDE_ENV=development
# A master key for this run only: the bench never reads or writes $HOME's development key.
ATENDE_MASTER_KEY="$(target/release/atende keys generate)"
export ATENDE_MASTER_KEY
target/release/atende migrate >/dev/null
echo "bench: seeding the scale dataset (factor $factor) into $db …" >&2
target/release/atende seed --scale --scale-factor "$factor" >"$work/creds.json"

# The server as a production API node (JSON logs at info), with webhook rate limits far above what
# one node can ingest, so the run measures ingest, not the limiter, and without the in-process
# worker (ATENDE_WORKER=off; `atende worker` runs it elsewhere): whenever the clinics' local time is past
# ATENDE_SNAPSHOT_DAILY_AT, so the daily snapshot sweep of every clinic's 3,000 active patients
# (a 03:00 batch in production) would otherwise start with the server and run through the whole
# measurement. Jobs the ingest queues (closed conversations) stay queued.
ATENDE_BIND="127.0.0.1:$port" \
ATENDE_WEBHOOK_RATE_PER_ACCOUNT="1000000/s,1000000" \
ATENDE_WEBHOOK_RATE_PER_IP="1000000/s,1000000" \
ATENDE_DB_POOL_SIZE="$concurrency" \
ATENDE_EVENT_STREAMS_PER_MEMBER=100 \
ATENDE_EVENT_STREAMS_PER_CLINIC=2000 \
ATENDE_WORKER=off \
ATENDE_LOG_FORMAT=json RUST_LOG=info \
  target/release/atende serve >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then break; fi
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; echo "bench: the server died" >&2; exit 1; }
  sleep 0.2
done

commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
git diff --quiet HEAD 2>/dev/null || commit="$commit-dirty"
out="bench/results/$(date -u +%Y-%m-%d)-$commit.md"
cpu="$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || true)"
pgv="$(psql "$url" -Atqc 'show server_version' 2>/dev/null || true)"
target/release/atende-bench \
  --creds "$work/creds.json" \
  --base-url "http://127.0.0.1:$port" \
  --database-url "$url" \
  --ingest-secs "$ingest_secs" \
  --read-secs "$read_secs" \
  --concurrency "$concurrency" \
  --read-concurrency "$read_concurrency" \
  --limit-secs "$limit_secs" \
  --pgbench "$pgbench" \
  --pgbench-script scripts/bench/ingest.sql \
  --server-pid "$server_pid" \
  --streams "$streams" \
  --commit "$commit" \
  --note "CPU: ${cpu:-unknown}; PostgreSQL ${pgv:-?} (default settings); $(free -m | awk '/Mem:/ {print $2 " MB RAM"}'); seed: $(jq -r '"bulk SQL \(.bulk_secs|floor) s + VACUUM (ANALYZE) \(.analyze_secs|floor) s"' "$work/creds.json" 2>/dev/null || echo '?')." \
  --out "$out"

#!/usr/bin/env bash
# `just chaos` (issue 26, docs/operations.md "The fault and abuse suite"), after the release build
# shared with `just bench`: a private, throwaway PostgreSQL cluster (initdb into a temp dir,
# started on a free port; never the shared server on 5432, because the suite restarts it), a
# scratch database with migrations and a small `atende seed --scale`, the release server without
# its in-process worker, then `atende-bench chaos`, which spawns, kills and restarts
# `atende worker` itself and restarts the cluster. Prints one table and keeps the report in
# bench/results/chaos-<date>-<commit>.md.
#
# Tuning (environment): CHAOS_SCALE_FACTOR (0.3: three clinics × 3,000 clients), CHAOS_PORT
# (18282), CHAOS_BURST (2000 bogus sign-ins), CHAOS_A_REPLIES (1000), CHAOS_LEASE_SECS (15),
# CHAOS_KEEP=1 keeps the cluster's directory (logs) after the run.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"

factor="${CHAOS_SCALE_FACTOR:-0.3}"
port="${CHAOS_PORT:-18282}"
lease="${CHAOS_LEASE_SECS:-15}"
say() { echo "chaos: $*" >&2; }
[ -x target/release/atende ] && [ -x target/release/atende-bench ] ||
  { say "run through just chaos (it builds target/release/atende and atende-bench)"; exit 1; }
# Thousands of concurrent sign-ins are thousands of sockets on each side.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# PostgreSQL's server binaries (initdb, pg_ctl); on Debian/Ubuntu they come with `postgresql`.
bindir="$(pg_config --bindir 2>/dev/null || true)"
[ -x "$bindir/initdb" ] || bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
if [ ! -x "$bindir/initdb" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    say "installing PostgreSQL (apt-get install postgresql) for the private cluster"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    bindir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  fi
  [ -x "$bindir/initdb" ] || { say "initdb/pg_ctl not found: install PostgreSQL's server package (Debian: apt-get install postgresql)"; exit 1; }
fi
command -v curl >/dev/null || { say "curl not found (apt-get install curl)"; exit 1; }

free_port() {
  local p
  for _ in $(seq 1 50); do
    p=$((20000 + RANDOM % 20000))
    (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return 0; }
  done
  return 1
}

# initdb refuses to run as root: the cluster then belongs to the postgres (or nobody) user.
as_owner=()
work="$(mktemp -d /tmp/atende-chaos-XXXXXX)"
chmod 755 "$work"
if [ "$(id -u)" = 0 ]; then
  owner=postgres; id "$owner" >/dev/null 2>&1 || owner=nobody
  as_owner=(setpriv --reuid="$(id -u "$owner")" --regid="$(id -g "$owner")" --clear-groups)
  chown "$owner" "$work"
fi
pgport="$(free_port)"
data="$work/data"
pg_ctl_cmd="${as_owner[*]} $bindir/pg_ctl -D $data -l $work/postgres.log -w -t 60"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  $pg_ctl_cmd stop -m immediate >/dev/null 2>&1 || true
  if [ "${CHAOS_KEEP:-0}" = 1 ]; then say "kept $work (server.log, worker.log, postgres.log)"; else rm -rf "$work"; fi
}
trap cleanup EXIT

"${as_owner[@]}" "$bindir/initdb" -N -U postgres --auth=trust -E UTF8 -D "$data" >/dev/null
cat >>"$data/postgresql.conf" <<EOF
port = $pgport
listen_addresses = '127.0.0.1'
unix_socket_directories = '$work'
max_connections = 200
fsync = off
EOF
$pg_ctl_cmd start >/dev/null
say "private PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$pgport ($work)"

maintenance="postgres://postgres@127.0.0.1:$pgport/postgres"
url="postgres://postgres@127.0.0.1:$pgport/atende_chaos"
"$bindir/psql" "$maintenance" -qc "CREATE DATABASE atende_chaos"
export DATABASE_URL="$url"
unset MIGRATION_DATABASE_URL DATABASE_REPLICA_URL
export ATENDE_ENV=development
# A master key for this run only: never $HOME's development key.
ATENDE_MASTER_KEY="$(target/release/atende keys generate)"
export ATENDE_MASTER_KEY
target/release/atende migrate >/dev/null
say "seeding the scale dataset (factor $factor)…"
target/release/atende seed --scale --scale-factor "$factor" >"$work/creds.json"

# Read by the server and by the `atende worker` the driver spawns:
export ATENDE_JOB_LEASE_SECS="$lease"
export ATENDE_SNAPSHOT_MIN_INTERVAL_HOURS=0
# The daily sweep would analyse every recently active patient of every clinic during the run.
export ATENDE_SNAPSHOT_DAILY_AT=23:59
# The driver's bots and members each come from their own address, through "the proxy" 127.0.0.1.
export ATENDE_TRUSTED_PROXIES=127.0.0.1/32
# Rate limits far above the suite's traffic: it measures what reaches the handlers.
export ATENDE_WEBHOOK_RATE_PER_ACCOUNT="1000000/s,1000000"
export ATENDE_WEBHOOK_RATE_PER_IP="1000000/s,1000000"
export ATENDE_PUBLIC_URL="http://127.0.0.1:$port"
export ATENDE_LOG_FORMAT=json RUST_LOG=warn

ATENDE_BIND="127.0.0.1:$port" ATENDE_WORKER=off \
  target/release/atende serve >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then break; fi
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; say "the server died"; exit 1; }
  sleep 0.2
done

commit="$(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
git diff --quiet HEAD 2>/dev/null || commit="$commit-dirty"
out="bench/results/chaos-$(date -u +%Y-%m-%d)-$commit.md"
cpu="$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2- | sed 's/^ *//' || true)"
status=0
target/release/atende-bench chaos \
  --creds "$work/creds.json" \
  --base-url "http://127.0.0.1:$port" \
  --database-url "$url" \
  --stats-url "$maintenance" \
  --server-pid "$server_pid" \
  --atende-bin target/release/atende \
  --worker-log "$work/worker.log" \
  --pg-restart "$pg_ctl_cmd restart -m fast >/dev/null" \
  --lease-secs "$lease" \
  --burst "${CHAOS_BURST:-2000}" \
  --a-replies "${CHAOS_A_REPLIES:-1000}" \
  --commit "$commit" \
  --note "CPU: ${cpu:-unknown}; $(free -m | awk '/Mem:/ {print $2 " MB RAM"}'); private PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') (fsync off); seed factor $factor; job lease $lease s." \
  --out "$out" || status=$?
kill -0 "$server_pid" 2>/dev/null || { say "the server died during the run:"; tail -n 20 "$work/server.log" >&2; status=1; }
exit "$status"

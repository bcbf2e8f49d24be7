#!/usr/bin/env bash
# Finds or starts a PostgreSQL for development and prints `export` lines for the caller to eval:
#   DATABASE_URL               the application database (created when missing)
#   ATENDE_TEST_DATABASE_URL   the server's maintenance database, where tests create their own
# Order: DATABASE_URL if set; else 127.0.0.1:5432 if it answers; else a private cluster under
# target/pgdata (port 54329) made with the initdb/pg_ctl found on this machine; else a clear error.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
say() { echo "$*" >&2; }

find_pg_bin() {
  local name=$1
  if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return 0; fi
  local candidate
  candidate=$(ls -d /usr/lib/postgresql/*/bin/"$name" 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$candidate" ] && echo "$candidate"
}

answers() { # host port
  if command -v pg_isready >/dev/null 2>&1; then pg_isready -q -h "$1" -p "$2"; else (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; fi
}

ensure_database() { # server_url dbname
  command -v psql >/dev/null 2>&1 || return 0
  if ! psql "$1" -Atqc "select 1 from pg_database where datname = '$2'" | grep -q 1; then
    psql "$1" -qc "create database \"$2\"" >/dev/null && say "created database $2"
  fi
}

if [ -n "${DATABASE_URL:-}" ]; then
  server="${DATABASE_URL%/*}/postgres"
  echo "export DATABASE_URL='$DATABASE_URL'"
  echo "export ATENDE_TEST_DATABASE_URL='${ATENDE_TEST_DATABASE_URL:-$server}'"
  exit 0
fi

if answers 127.0.0.1 5432; then
  server="postgres://postgres@127.0.0.1:5432/postgres"
  ensure_database "$server" atende
  echo "export DATABASE_URL='postgres://postgres@127.0.0.1:5432/atende'"
  echo "export ATENDE_TEST_DATABASE_URL='${ATENDE_TEST_DATABASE_URL:-$server}'"
  exit 0
fi

initdb=$(find_pg_bin initdb || true)
pg_ctl=$(find_pg_bin pg_ctl || true)
if [ -z "$initdb" ] || [ -z "$pg_ctl" ]; then
  say "PostgreSQL was not found: nothing answers on 127.0.0.1:5432 and no initdb/pg_ctl is installed."
  say "Install it (Debian/Ubuntu: apt-get install postgresql postgresql-contrib), or set DATABASE_URL."
  exit 1
fi

data="$root/target/pgdata"
port=54329
as_owner=()
if [ "$(id -u)" = 0 ]; then
  # initdb refuses to run as root: run the private cluster as the postgres (or nobody) user.
  owner=postgres; id "$owner" >/dev/null 2>&1 || owner=nobody
  as_owner=(runuser -u "$owner" --)
  mkdir -p "$data"; chown "$owner" "$data"
fi
if [ ! -f "$data/PG_VERSION" ]; then
  say "creating a private PostgreSQL cluster in $data"
  "${as_owner[@]}" "$initdb" -D "$data" -U postgres --auth=trust -E UTF8 >/dev/null
fi
if ! answers 127.0.0.1 $port; then
  "${as_owner[@]}" "$pg_ctl" -D "$data" -l "$data/server.log" -w \
    -o "-p $port -c listen_addresses=127.0.0.1 -k $data" start >/dev/null
  say "started the private PostgreSQL on 127.0.0.1:$port (log: $data/server.log)"
fi
server="postgres://postgres@127.0.0.1:$port/postgres"
ensure_database "$server" atende
echo "export DATABASE_URL='postgres://postgres@127.0.0.1:$port/atende'"
echo "export ATENDE_TEST_DATABASE_URL='${ATENDE_TEST_DATABASE_URL:-$server}'"

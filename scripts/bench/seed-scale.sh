#!/usr/bin/env bash
# `just seed-scale [factor]`: the benchmark dataset (`atende seed --scale`) in the scratch database
# `atende_scale` (dropped and made again; never the dev `atende` one). Prints the credentials JSON
# (bench-only clinics) on stdout and the database URL on stderr.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
: "${ATENDE_TEST_DATABASE_URL:?run through just seed-scale (it evals scripts/dev-db.sh)}"
factor="${1:-1}"
maintenance="$ATENDE_TEST_DATABASE_URL"
url="${maintenance%/*}/atende_scale"
psql "$maintenance" -qc "DROP DATABASE IF EXISTS atende_scale WITH (FORCE)" -c "CREATE DATABASE atende_scale"
export DATABASE_URL="$url"
unset MIGRATION_DATABASE_URL
target/release/atende migrate >/dev/null
time target/release/atende seed --scale --scale-factor "$factor"
echo "seed-scale: DATABASE_URL=$url (serve it with the same ATENDE_MASTER_KEY, or the development key)" >&2

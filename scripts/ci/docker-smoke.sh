#!/usr/bin/env bash
# Smoke test of a built Atende against a real PostgreSQL: migrate, create a clinic, serve, wait for
# /readyz, deliver one signed relay webhook, read the message back through the API.
#
#   ATENDE="docker run --rm --network host --env-file smoke.env atende:ci" \
#   ATENDE_SERVE="docker run -d --name atende-smoke --network host --env-file smoke.env atende:ci" \
#   scripts/ci/docker-smoke.sh
#
# ATENDE runs one subcommand; ATENDE_SERVE starts `serve` in the background (its output is
# ignored; stop it yourself). Both read DATABASE_URL, ATENDE_MASTER_KEY, ATENDE_BIND from their
# environment (the env file). BASE is the served URL (default http://127.0.0.1:8080). Needs curl,
# openssl and python3 (for JSON). Used by the `docker` job of .github/workflows/ci.yml.
set -euo pipefail
: "${ATENDE:?set ATENDE to the command that runs one atende subcommand}"
: "${ATENDE_SERVE:?set ATENDE_SERVE to the command that starts atende serve in the background}"
base="${BASE:-http://127.0.0.1:8080}"
tag="$(date +%s)-$$"
email="admin-$tag@smoke.test"
password="smoke-admin-password-$tag"
secret="smoke-webhook-secret-$tag"
account="pn-smoke-$tag"
jar="$(mktemp)"
trap 'rm -f "$jar"' EXIT
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1], {'d': d}))" "$1"; }

$ATENDE migrate
$ATENDE company create --name "Clínica Smoke $tag" --admin-email "$email" --admin-password "$password"
$ATENDE_SERVE >/dev/null

for _ in $(seq 1 60); do
  if curl -fsS "$base/readyz" >/dev/null 2>&1; then break; fi
  sleep 1
done
curl -fsS "$base/readyz" >/dev/null || { echo "readyz never answered 200" >&2; exit 1; }
echo "readyz: 200"

curl -fsS -c "$jar" -H 'content-type: application/json' -H "origin: $base" \
  -d "{\"email\":\"$email\",\"password\":\"$password\"}" "$base/auth/signin" >/dev/null
curl -fsS -b "$jar" -H 'content-type: application/json' -H "origin: $base" \
  -d "{\"provider\":\"whatsapp\",\"account_id\":\"$account\",\"config\":{},\"secrets\":{\"webhook_secret\":\"$secret\"}}" \
  "$base/api/integrations" >/dev/null
echo "signed in, integration created"

now="$(date +%s)"
body="{\"account_id\":\"$account\",\"message_id\":\"wamid.smoke.$tag\",\"from\":{\"id\":\"5511900000001\",\"name\":\"Paciente Smoke\"},\"type\":\"text\",\"text\":\"Olá, smoke test\",\"timestamp\":$now}"
mac="$(printf '%s.%s' "$now" "$body" | openssl dgst -sha256 -hmac "$secret" -hex | sed 's/^.*= //')"
result="$(curl -fsS -H 'content-type: application/json' -H "X-Atende-Signature: t=$now,v1=$mac" \
  -d "$body" "$base/webhooks/whatsapp")"
stored="$(echo "$result" | json "d['results'][0]['duplicate']")"
[ "$stored" = "False" ] || { echo "the webhook was not stored: $result" >&2; exit 1; }
echo "signed webhook: stored"

conversations="$(curl -fsS -b "$jar" "$base/api/conversations")"
echo "$conversations" | grep -q "Olá, smoke test" \
  || { echo "the message is not in /api/conversations: $conversations" >&2; exit 1; }
echo "read back: ok"

# Atende's developer commands. `just run` to try it, `just test` before every commit.

set shell := ["bash", "-euo", "pipefail", "-c"]

# Find or start PostgreSQL, migrate, seed the demo clinic, and serve on ATENDE_BIND (127.0.0.1:8080).
run:
    eval "$(scripts/dev-db.sh)"; \
    cargo build --bin atende; \
    target/debug/atende migrate; \
    target/debug/atende seed --demo; \
    exec target/debug/atende serve

# Format check, clippy (-D warnings), the layer check, and every test against a real PostgreSQL.
test: fmt-check clippy check-layers test-all

fmt-check:
    cargo fmt --all --check

clippy:
    cargo clippy --workspace --all-targets -- -D warnings

# domain and app never depend on diesel, actix-web, reqwest or tokio-postgres; api-http never on diesel.
check-layers:
    scripts/check-layers.sh
    scripts/check-layers.sh --self-test

# Every test (unit, integration, HTTP) in parallel; each integration test gets its own database.
test-all:
    eval "$(scripts/dev-db.sh)"; \
    if cargo nextest --version >/dev/null 2>&1; then \
        cargo nextest run --workspace --no-fail-fast; \
    else \
        cargo test --workspace --no-fail-fast; \
    fi; \
    cargo test --workspace --doc -q

# Regenerate crates/infra-postgres/src/schema.rs from the migrations (needs diesel_cli).
schema:
    eval "$(scripts/dev-db.sh)"; \
    url="${ATENDE_TEST_DATABASE_URL%/*}/atende_schema_gen"; \
    psql "$ATENDE_TEST_DATABASE_URL" -qc "drop database if exists atende_schema_gen" -c "create database atende_schema_gen"; \
    diesel migration run --database-url "$url" --migration-dir migrations; \
    diesel print-schema --database-url "$url" > crates/infra-postgres/src/schema.rs; \
    psql "$ATENDE_TEST_DATABASE_URL" -qc "drop database atende_schema_gen"

# Regenerate docs/api.md: the API tour of crates/server/tests/it/api_doc.rs, written instead of compared.
docs:
    eval "$(scripts/dev-db.sh)"; \
    if cargo nextest --version >/dev/null 2>&1; then \
        ATENDE_BLESS=1 cargo nextest run -p server --test it api_doc::; \
    else \
        ATENDE_BLESS=1 cargo test -p server --test it api_doc::; \
    fi

# Security advisories (RustSec): needs the network and cargo-audit or cargo-deny; not in `just test`.
audit:
    if command -v cargo-audit >/dev/null 2>&1; then \
        cargo audit --deny warnings; \
    elif command -v cargo-deny >/dev/null 2>&1; then \
        cargo deny check advisories; \
    else \
        echo "install cargo-audit (cargo install cargo-audit --locked) or cargo-deny" >&2; exit 1; \
    fi

# The benchmark dataset (10 clinics × 10,000 clients, 2 M messages) in the scratch database atende_scale; `just seed-scale 0.01` for a tiny one.
seed-scale factor="1":
    eval "$(scripts/dev-db.sh)"; \
    cargo build --release --bin atende; \
    scripts/bench/seed-scale.sh {{factor}}

# Release build, scratch database, scale seed, then ingest + exactly-once, the pgbench limit, reads, peak RSS (docs/performance.md; ~6-10 min).
bench:
    eval "$(scripts/dev-db.sh)"; \
    cargo build --release --bin atende --bin atende-bench; \
    scripts/bench/run.sh

# The fault and abuse suite (issue 26, docs/operations.md): the release build of `just bench` against a private PostgreSQL cluster it starts (and restarts) and local fakes; one table in bench/results/chaos-<date>-<commit>.md (~4 min; not part of `just test`).
chaos:
    cargo build --release --bin atende --bin atende-bench; \
    scripts/chaos/run.sh

# Send one signed WhatsApp message to the demo clinic of a running `just run` (through the relay made by `seed --demo`).
demo-message text="Olá, quero marcar uma avaliação":
    eval "$(scripts/dev-db.sh)"; \
    cargo build -q --bin atende; \
    target/debug/atende dev send-webhook --text {{quote(text)}}

# The docs/n8n workflows in a real n8n (Node 24 + n8n installed into target/n8n-cache on first use) against a fresh atende: inbound → reply → statuses; not part of `just test`.
e2e-n8n:
    scripts/e2e-n8n.sh

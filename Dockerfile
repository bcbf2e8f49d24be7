# syntax=docker/dockerfile:1
#
# Atende's production image: the `atende` binary on debian:bookworm-slim, running as uid 10001.
#
#   docker build -t atende:0.1.0 .
#   docker run --rm --env-file atende.env atende:0.1.0 migrate   # the release step, once per deploy
#   docker run -d -p 8080:8080 --env-file atende.env atende:0.1.0   # `serve` (the default command)
#   docker run -d --env-file atende.env atende:0.1.0 worker         # optional separate worker
#
# The binary speaks to PostgreSQL through a pure-Rust driver (tokio-postgres) and uses rustls, so
# the runtime needs no libpq and no OpenSSL: only CA certificates (for the HTTPS calls to OpenAI,
# n8n and Supabase, and the system roots of `sslmode=verify-full` to PostgreSQL, which is TLS with
# rustls: docs/operations.md).
# There is no HEALTHCHECK (the image has no curl): let the orchestrator probe GET /healthz
# (liveness) and GET /readyz (readiness). See docs/operations.md.

# --- 1. planner: a skeleton of the workspace (manifests, lock file, build scripts, empty sources).
# Its content changes only when dependencies change, so the dependency layer below stays cached
# while application code changes.
FROM rust:1.95-bookworm AS planner
WORKDIR /src
COPY . .
RUN set -eu; \
    mkdir -p /skeleton; \
    cp Cargo.toml Cargo.lock /skeleton/; \
    for manifest in crates/*/Cargo.toml; do \
        dir=$(dirname "$manifest"); \
        mkdir -p "/skeleton/$dir/src"; \
        cp "$manifest" "/skeleton/$dir/Cargo.toml"; \
        if [ -f "$dir/build.rs" ]; then cp "$dir/build.rs" "/skeleton/$dir/build.rs"; fi; \
        if [ -f "$dir/src/lib.rs" ]; then : > "/skeleton/$dir/src/lib.rs"; fi; \
        if [ -f "$dir/src/main.rs" ]; then echo 'fn main() {}' > "/skeleton/$dir/src/main.rs"; fi; \
    done

# --- 2. builder: dependencies first (cached), then the application.
FROM rust:1.95-bookworm AS builder
WORKDIR /src
ENV CARGO_TERM_COLOR=never
COPY --from=planner /skeleton/ ./
RUN cargo build --release --locked --bin atende
COPY . .
# The real sources must look newer than the skeleton's empty ones, or cargo would keep them.
RUN find crates migrations -type f -exec touch {} + \
    && cargo build --release --locked --bin atende \
    && install -m 0755 target/release/atende /usr/local/bin/atende \
    && /usr/local/bin/atende --help >/dev/null

# --- 3. runtime.
FROM debian:bookworm-slim AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 atende \
    && useradd --system --uid 10001 --gid 10001 --home-dir /nonexistent --no-create-home \
       --shell /usr/sbin/nologin atende
COPY --from=builder /usr/local/bin/atende /usr/local/bin/atende
ENV ATENDE_BIND=0.0.0.0:8080 \
    ATENDE_ENV=production \
    ATENDE_LOG_FORMAT=json
USER 10001:10001
EXPOSE 8080
ENTRYPOINT ["atende"]
CMD ["serve"]

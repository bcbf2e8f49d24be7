#!/usr/bin/env bash
# The dependency direction of docs/architecture.md, enforced: domain and app never depend (even
# transitively) on diesel, actix-web, reqwest or tokio-postgres; api-http never on diesel.
# `--self-test` proves the check bites: it copies the manifests to a scratch workspace, adds diesel
# to domain there, and expects the check to fail.
set -uo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

check() { # workspace dir
  local dir=$1 fail=0
  forbid() { # crate dep...
    local crate=$1; shift
    for dep in "$@"; do
      if (cd "$dir" && cargo tree --offline -q -p "$crate" -e normal -i "$dep" >/dev/null 2>&1); then
        echo "layer violation: $crate depends on $dep:" >&2
        (cd "$dir" && cargo tree --offline -q -p "$crate" -e normal -i "$dep" >&2)
        fail=1
      fi
    done
  }
  forbid domain diesel diesel-async actix-web reqwest tokio-postgres tokio
  forbid app diesel diesel-async actix-web reqwest tokio-postgres
  forbid api-http diesel diesel-async tokio-postgres
  return $fail
}

if [ "${1:-}" = "--self-test" ]; then
  scratch=$(mktemp -d)
  trap 'rm -rf "$scratch"' EXIT
  cp "$root/Cargo.toml" "$root/Cargo.lock" "$scratch/"
  for manifest in "$root"/crates/*/Cargo.toml; do
    crate_dir="$scratch/crates/$(basename "$(dirname "$manifest")")"
    mkdir -p "$crate_dir/src"
    cp "$manifest" "$crate_dir/"
    touch "$crate_dir/src/lib.rs" "$crate_dir/src/main.rs"
  done
  sed -i 's/^\[dependencies\]$/[dependencies]\ndiesel.workspace = true/' "$scratch/crates/domain/Cargo.toml"
  if check "$scratch" 2>/dev/null; then
    echo "check-layers self-test FAILED: diesel in domain was not detected" >&2
    exit 1
  fi
  echo "check-layers self-test ok (diesel in domain is refused)"
  exit 0
fi

check "$root" && echo "layers ok"

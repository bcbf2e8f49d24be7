#!/usr/bin/env bash
# The dependency direction of docs/architecture.md, enforced: domain and app never depend (even
# transitively) on diesel, actix-web, reqwest or tokio-postgres; api-http never on diesel.
set -uo pipefail
fail=0
forbid() { # crate dep...
  local crate=$1; shift
  for dep in "$@"; do
    if cargo tree --offline -q -p "$crate" -e normal -i "$dep" >/dev/null 2>&1; then
      echo "layer violation: $crate depends on $dep:" >&2
      cargo tree --offline -q -p "$crate" -e normal -i "$dep" >&2
      fail=1
    fi
  done
}
forbid domain diesel diesel-async actix-web reqwest tokio-postgres tokio
forbid app diesel diesel-async actix-web reqwest tokio-postgres
forbid api-http diesel diesel-async tokio-postgres
[ $fail = 0 ] && echo "layers ok"
exit $fail

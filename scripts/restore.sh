#!/usr/bin/env bash
# Restores a dump made by scripts/backup.sh into an explicitly named database.
#
#   scripts/restore.sh [--force] <dump file> <target database URL>
#   RESTORE_DATABASE_URL=postgres://… scripts/restore.sh [--force] <dump file>
#
# The target is never taken from DATABASE_URL: it must be given as the second argument or as
# RESTORE_DATABASE_URL, so a restore cannot overwrite the wrong database by accident.
#
# - Into a new, empty database (CREATE DATABASE atende_restore;): the normal case and the restore
#   drill. Schema `extensions` with pg_trgm, unaccent, btree_gist and btree_gin, the tables, the row-level
#   security policies, the SECURITY DEFINER functions and the grants to `atende_app` are all
#   recreated from the dump.
# - Into a database that already has tables: refused unless --force, which replaces its contents
#   (pg_restore --clean --if-exists). Stop every `atende serve`/`atende worker` first.
#
# pg_restore runs with --no-owner (objects belong to the connecting role, which should be the
# owner/migration role: a superuser or a role with BYPASSRLS, because row-level security is
# forced on the tenant tables), keeps the ACLs, stops at the first error and works in one
# transaction, so a failed restore leaves the target as it was.
# Roles are cluster-wide and not part of a database dump: the `atende_app` role is created here
# (NOLOGIN NOBYPASSRLS, as migration 0001 does) when the target cluster lacks it. Login roles
# (e.g. atende_login) are yours to create; see docs/operations.md.
#
# Environment: RESTORE_DATABASE_URL (see above); PG_BINDIR (a directory holding pg_restore and
# psql; default PATH, else the newest /usr/lib/postgresql/*/bin).
# Exit 0 on success, 2 on a usage error or a refused target, 1 when the restore fails.
set -euo pipefail

say() { echo "restore: $*" >&2; }
die() { say "error: $1"; exit "${2:-1}"; }
usage() {
  sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

redact() {
  sed -E -e 's#^([a-zA-Z][a-zA-Z0-9+.-]*://[^:/@?]*):[^@/?]*@#\1:***@#' \
    -e 's#([?&]password=)[^&]*#\1***#g' <<<"$1"
}

find_pg_bin() {
  local name=$1 candidate
  if [ -n "${PG_BINDIR:-}" ]; then
    [ -x "$PG_BINDIR/$name" ] && { echo "$PG_BINDIR/$name"; return 0; }
    return 1
  fi
  if command -v "$name" >/dev/null 2>&1; then command -v "$name"; return 0; fi
  candidate=$(ls -d /usr/lib/postgresql/*/bin/"$name" 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$candidate" ] && echo "$candidate"
}

force=no
args=()
for a in "$@"; do
  case "$a" in
    --force) force=yes ;;
    -h|--help) usage ;;
    -*) say "unknown option $a"; usage ;;
    *) args+=("$a") ;;
  esac
done
[ "${#args[@]}" -ge 1 ] && [ "${#args[@]}" -le 2 ] || usage
dump="${args[0]}"
url="${args[1]:-${RESTORE_DATABASE_URL:-}}"
[ -n "$url" ] || die "no target database: pass its URL as the second argument or set RESTORE_DATABASE_URL (DATABASE_URL is never used, on purpose)" 2
[ -f "$dump" ] && [ -r "$dump" ] || die "no readable dump file at $dump" 2

pg_restore=$(find_pg_bin pg_restore || true)
psql=$(find_pg_bin psql || true)
[ -n "$pg_restore" ] && [ -n "$psql" ] \
  || die "pg_restore/psql not found (install the PostgreSQL client, e.g. apt-get install postgresql-client, or set PG_BINDIR)" 2

shown=$(redact "$url")
# Keep the password out of the process list: pass it through PGPASSWORD.
if [[ "$url" =~ ^([a-zA-Z][a-zA-Z0-9+.-]*://)([^:/@?]*):([^@/?]*)@(.*)$ ]]; then
  encoded="${BASH_REMATCH[3]}"
  encoded="${encoded//\\/\\\\}" # a literal backslash stays one after printf %b
  url="${BASH_REMATCH[1]}${BASH_REMATCH[2]}@${BASH_REMATCH[4]}"
  PGPASSWORD=$(printf '%b' "${encoded//%/\\x}")
  export PGPASSWORD
fi

"$pg_restore" --list "$dump" >/dev/null || die "$dump is not a pg_dump custom-format archive" 2

q() { "$psql" --no-psqlrc --no-password --quiet --tuples-only --no-align --set ON_ERROR_STOP=1 --dbname="$url" "$@"; }

tables=$(q -c "SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast') AND c.relkind IN ('r', 'p')") \
  || die "cannot connect to the target $shown"
if [ "$tables" != "0" ] && [ "$force" != yes ]; then
  die "the target $shown already has $tables table(s); restore into a new empty database, or pass --force to replace its contents" 2
fi

q -c "DO \$\$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'atende_app') THEN
        CREATE ROLE atende_app NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOINHERIT;
        RAISE NOTICE 'created role atende_app';
    END IF;
END
\$\$;" || die "the role atende_app is missing in the target cluster and could not be created (create it as a superuser: CREATE ROLE atende_app NOLOGIN NOBYPASSRLS NOINHERIT;)"

if [ "$tables" = "0" ]; then
  say "restoring $dump into the empty database $shown"
else
  say "replacing the contents of $shown ($tables table(s)) with $dump"
fi
started=$SECONDS
"$pg_restore" --clean --if-exists --no-owner --exit-on-error --single-transaction --no-password \
  --dbname="$url" "$dump" || die "pg_restore failed; the transaction was rolled back and $shown is unchanged"

restored=$(q -c "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'")
latest=$(q -c "SELECT coalesce(max(version), 'none') FROM public.__diesel_schema_migrations" 2>/dev/null || echo unknown)
say "restored $restored table(s) into $shown in $((SECONDS - started)) s; latest migration: $latest"
say "next: point MIGRATION_DATABASE_URL at it and run 'atende migrate' (applies only what the dump predates), then check /readyz"

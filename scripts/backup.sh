#!/usr/bin/env bash
# Backs up Atende's database with pg_dump (custom format) and prunes old dumps.
#
#   scripts/backup.sh
#
# Environment:
#   BACKUP_DATABASE_URL  the database to dump (postgres://…); default DATABASE_URL. Use the owner
#                        (migration) role: it must be a superuser or have BYPASSRLS, because every
#                        tenant table has row-level security forced.
#   BACKUP_DIR           where dumps go (default ./backups; created 0700 when missing)
#   BACKUP_KEEP_DAYS     dumps named atende-*.dump older than this many days are deleted after a
#                        successful backup (default 14; 0 keeps everything)
#   PG_BINDIR            a directory holding pg_dump/pg_restore (default: PATH, else the newest
#                        /usr/lib/postgresql/*/bin); pg_dump must be at least the server's version
#
# Writes BACKUP_DIR/atende-<UTC timestamp>.dump (mode 0600: it holds patient data), checks that
# the archive reads back, then applies the retention. Messages go to stderr; the only line on
# stdout is the path of the new dump. The password of the URL is never printed (nor passed on
# the command line: it goes to pg_dump through PGPASSWORD). Exit 0 on success, 2 on a
# configuration error, 1 when the dump fails (a failed run deletes nothing).
set -euo pipefail
umask 077

say() { echo "backup: $*" >&2; }
die() { say "error: $1"; exit "${2:-1}"; }

# postgres://user:secret@host/db?password=x -> postgres://user:***@host/db?password=***
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

url="${BACKUP_DATABASE_URL:-${DATABASE_URL:-}}"
[ -n "$url" ] || die "set BACKUP_DATABASE_URL or DATABASE_URL to the database to back up" 2
dir="${BACKUP_DIR:-./backups}"
keep="${BACKUP_KEEP_DAYS:-14}"
[[ "$keep" =~ ^[0-9]+$ ]] || die "BACKUP_KEEP_DAYS must be a whole number of days (0 keeps everything), not '$keep'" 2

pg_dump=$(find_pg_bin pg_dump || true)
pg_restore=$(find_pg_bin pg_restore || true)
[ -n "$pg_dump" ] && [ -n "$pg_restore" ] \
  || die "pg_dump/pg_restore not found (install the PostgreSQL client, e.g. apt-get install postgresql-client, or set PG_BINDIR)" 2

shown=$(redact "$url")
# Move a password out of the URL into PGPASSWORD so it is not visible in the process list.
if [[ "$url" =~ ^([a-zA-Z][a-zA-Z0-9+.-]*://)([^:/@?]*):([^@/?]*)@(.*)$ ]]; then
  encoded="${BASH_REMATCH[3]}"
  encoded="${encoded//\\/\\\\}" # a literal backslash stays one after printf %b
  url="${BASH_REMATCH[1]}${BASH_REMATCH[2]}@${BASH_REMATCH[4]}"
  PGPASSWORD=$(printf '%b' "${encoded//%/\\x}")
  export PGPASSWORD
fi

mkdir -p "$dir" || die "cannot create BACKUP_DIR $dir"
[ -w "$dir" ] || die "BACKUP_DIR $dir is not writable"

stamp=$(date -u +%Y%m%dT%H%M%SZ)
file="$dir/atende-$stamp.dump"
n=1
while [ -e "$file" ]; do
  n=$((n + 1))
  file="$dir/atende-$stamp-$n.dump"
done
partial="$dir/.atende-$stamp-$$.dump.partial"
trap 'rm -f "$partial"' EXIT

say "dumping $shown into $file"
started=$SECONDS
if ! "$pg_dump" --format=custom --no-password --file="$partial" --dbname="$url"; then
  die "pg_dump failed for $shown; no dump written and no old dump deleted"
fi
if ! "$pg_restore" --list "$partial" >/dev/null; then
  die "the new dump does not read back ($pg_restore --list failed); no old dump deleted"
fi
mv "$partial" "$file"
size=$(du -h "$file" | cut -f1)
say "wrote $file ($size in $((SECONDS - started)) s)"

if [ "$keep" -gt 0 ]; then
  removed=0
  while IFS= read -r -d '' old; do
    [ "$old" = "$file" ] && continue
    rm -f -- "$old"
    say "removed $old (older than $keep days)"
    removed=$((removed + 1))
  done < <(find "$dir" -maxdepth 1 -type f -name 'atende-*.dump' -mmin +$((keep * 1440)) -print0)
  say "retention: kept dumps of the last $keep days, removed $removed"
else
  say "retention: BACKUP_KEEP_DAYS=0, nothing removed"
fi

echo "$file"

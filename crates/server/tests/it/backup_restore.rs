//! Backups: `scripts/backup.sh` dumps a seeded database (`pg_dump --format=custom`) and applies
//! its retention, `scripts/restore.sh` restores the dump into a new empty database, and every
//! public table then has the same rows, with the same row-level security, policies, grants and
//! extensions. Also: the scripts' refusals, and that a failed backup exits non-zero, prints no
//! password and leaves no file behind. See docs/operations.md.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use infra_postgres::testing::TestDb;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, SystemTime};
use uuid::Uuid;

/// The tables the seed fills; each must have rows in both databases.
const SEEDED: &[&str] = &[
    "__diesel_schema_migrations",
    "ai_context_snapshots",
    "api_tokens",
    "appointments",
    "auth_identities",
    "client_identities",
    "clients",
    "companies",
    "conversation_threads",
    "idempotency_keys",
    "integrations",
    "interactions",
    "jobs",
    "payments",
    "services",
    "settings",
    "users",
];

#[derive(QueryableByName)]
struct Str {
    #[diesel(sql_type = Nullable<Text>)]
    v: Option<String>,
}

#[derive(QueryableByName)]
struct Num {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

async fn strings(conn: &mut AsyncPgConnection, sql: &str) -> Vec<String> {
    let rows: Vec<Str> = diesel::sql_query(sql)
        .load(conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows.into_iter().map(|r| r.v.unwrap_or_default()).collect()
}

async fn number(conn: &mut AsyncPgConnection, sql: &str) -> i64 {
    let row: Num = diesel::sql_query(sql)
        .get_result(conn)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    row.n
}

fn quoted(table: &str) -> String {
    format!("public.\"{}\"", table.replace('"', "\"\""))
}

/// Every base table of `public`, by name.
async fn public_tables(conn: &mut AsyncPgConnection) -> Vec<String> {
    strings(
        conn,
        "SELECT table_name::text AS v FROM information_schema.tables
          WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
    )
    .await
}

/// Per table: its row count and a digest of its rows (in a stable order).
async fn contents(conn: &mut AsyncPgConnection, tables: &[String]) -> Vec<(String, i64, String)> {
    let mut out = Vec::new();
    for t in tables {
        let n = number(conn, &format!("SELECT count(*) AS n FROM {}", quoted(t))).await;
        let digest = strings(
            conn,
            &format!(
                "SELECT coalesce(md5(string_agg(r::text, '|' ORDER BY r::text)), '') AS v FROM {} r",
                quoted(t)
            ),
        )
        .await
        .concat();
        out.push((t.clone(), n, digest));
    }
    out
}

/// What a restore must also bring back: RLS flags and grants of every public table, the
/// policies, the extensions and their schema, and the functions' grants.
async fn security_catalog(conn: &mut AsyncPgConnection) -> Vec<String> {
    let mut out = strings(
        conn,
        "SELECT format('table %s rls=%s force=%s acl=%s', c.relname, c.relrowsecurity,
                       c.relforcerowsecurity,
                       (SELECT string_agg(a::text, ',' ORDER BY a::text) FROM unnest(c.relacl) a)) AS v
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind = 'r' ORDER BY c.relname",
    )
    .await;
    out.extend(
        strings(
            conn,
            "SELECT format('policy %s.%s %s %s using=%s check=%s', tablename, policyname, cmd,
                           roles::text, qual, with_check) AS v
               FROM pg_policies WHERE schemaname = 'public' ORDER BY tablename, policyname",
        )
        .await,
    );
    out.extend(
        strings(
            conn,
            "SELECT format('extension %s in %s', e.extname, n.nspname) AS v
               FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
              WHERE e.extname <> 'plpgsql' ORDER BY e.extname",
        )
        .await,
    );
    out.extend(
        strings(
            conn,
            "SELECT format('function %s definer=%s acl=%s', p.oid::regprocedure, p.prosecdef,
                           (SELECT string_agg(a::text, ',' ORDER BY a::text) FROM unnest(p.proacl) a)) AS v
               FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
              WHERE n.nspname = 'public' ORDER BY 1",
        )
        .await,
    );
    out
}

/// Two clinics with a user, an API token, three patients each (identities, threads, several
/// messages), a service, an appointment and its payment, a snapshot, an integration and a job.
async fn seed(conn: &mut AsyncPgConnection) {
    let mut sql = String::new();
    for _ in 0..2 {
        let company = Uuid::now_v7();
        let user = Uuid::now_v7();
        let service = Uuid::now_v7();
        let simple = company.simple().to_string();
        let tag = &simple[simple.len() - 10..];
        sql.push_str(&format!(
            "INSERT INTO companies (id, name) VALUES ('{company}', 'Clínica {tag}');
             INSERT INTO settings (company_id) VALUES ('{company}');
             INSERT INTO auth_identities (id, email, provider, password_hash)
                  VALUES ('{user}', 'admin-{tag}@example.com', 'local', '$argon2id$v=19$m=19456,t=2,p=1$x$y');
             INSERT INTO users (id, company_id, auth_user_id, email, name, role, status)
                  VALUES ('{user}', '{company}', '{user}', 'admin-{tag}@example.com', 'Admin', 'admin', 'active');
             INSERT INTO api_tokens (company_id, name, role, token_hash, created_by)
                  VALUES ('{company}', 'n8n', 'staff', sha256('{company}'::text::bytea), '{user}');
             INSERT INTO services (id, company_id, name, price_cents, duration_minutes)
                  VALUES ('{service}', '{company}', 'Limpeza', 15000, 30);
             INSERT INTO integrations (company_id, provider, account_id) VALUES ('{company}', 'whatsapp', 'phone-{tag}');
             INSERT INTO jobs (company_id, kind, payload) VALUES ('{company}', 'test', '{{\"n\": 1}}');"
        ));
        for i in 0..3 {
            let client = Uuid::now_v7();
            let thread = Uuid::now_v7();
            sql.push_str(&format!(
                "INSERT INTO clients (id, company_id, name, phone, status)
                      VALUES ('{client}', '{company}', 'João {tag} {i}', '+55119876543{i:02}', 'active');
                 INSERT INTO client_identities (company_id, client_id, channel, external_id)
                      VALUES ('{company}', '{client}', 'whatsapp', '55119876543{i:02}');
                 INSERT INTO conversation_threads (id, company_id, client_id, channel)
                      VALUES ('{thread}', '{company}', '{client}', 'whatsapp');
                 INSERT INTO ai_context_snapshots (company_id, client_id, summary, flags, trigger, analyzer, locale, input_message_count)
                      VALUES ('{company}', '{client}', 'Resumo {i}', '{{}}', 'manual', 'heuristic-v1', 'pt-BR', 2);"
            ));
            for j in 0..2 {
                let interaction = Uuid::now_v7();
                sql.push_str(&format!(
                    "INSERT INTO interactions (id, company_id, conversation_id, client_id, channel, direction, text, status, external_id)
                          VALUES ('{interaction}', '{company}', '{thread}', '{client}', 'whatsapp', 'inbound', 'Oi {j}', 'received', 'wamid.{tag}.{i}.{j}');
                     INSERT INTO idempotency_keys (company_id, key, interaction_id)
                          VALUES ('{company}', 'k-{tag}-{i}-{j}', '{interaction}');"
                ));
            }
            if i == 0 {
                let appointment = Uuid::now_v7();
                sql.push_str(&format!(
                    "INSERT INTO appointments (id, company_id, client_id, service_id, user_id, starts_at, ends_at)
                          VALUES ('{appointment}', '{company}', '{client}', '{service}', '{user}', now(), now() + interval '30 minutes');
                     INSERT INTO payments (company_id, client_id, appointment_id, amount_cents)
                          VALUES ('{company}', '{client}', '{appointment}', 15000);"
                ));
            }
        }
    }
    conn.batch_execute(&sql)
        .await
        .unwrap_or_else(|e| panic!("seed: {e}"));
}

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../scripts")
        .join(name)
}

/// A command for one of the scripts, with none of their settings inherited from the caller.
fn command(name: &str) -> Command {
    let mut cmd = Command::new(script(name));
    for var in [
        "DATABASE_URL",
        "BACKUP_DATABASE_URL",
        "BACKUP_DIR",
        "BACKUP_KEEP_DAYS",
        "RESTORE_DATABASE_URL",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

fn run(mut cmd: Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?} (is it executable?): {e}"))
}

fn text(out: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The password of a `scheme://user:password@host/…` URL, if it has one.
fn password_of(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let userinfo = rest.split_once('@')?.0;
    let password = userinfo.split_once(':')?.1;
    (!password.is_empty()).then(|| password.to_owned())
}

/// A directory under the system temp dir, removed on drop.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("atende-{tag}-{}", Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.0)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    /// Creates `name` with a modification time `age` ago.
    fn file_aged(&self, name: &str, age: Duration) {
        let path = self.0.join(name);
        let file = std::fs::File::create(&path).unwrap();
        file.set_modified(SystemTime::now() - age).unwrap();
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const DAY: Duration = Duration::from_secs(86_400);

#[tokio::test]
async fn a_backup_restored_into_a_new_database_has_every_row_policy_and_grant() {
    let src = TestDb::new().await;
    let mut src_conn = src.owner_conn().await;
    seed(&mut src_conn).await;

    // Retention: a 30-day-old dump goes, a 1-day-old one and unrelated files stay. (Ages far from
    // the 14-day limit, so the outcome never depends on when the test runs.)
    let dir = Scratch::new("backup-test");
    dir.file_aged("atende-20000101T000000Z.dump", 30 * DAY);
    dir.file_aged("atende-recent.dump", DAY);
    dir.file_aged("notes.txt", 30 * DAY);

    let mut backup = command("backup.sh");
    backup
        .env("DATABASE_URL", &src.url)
        .env("BACKUP_DIR", &dir.0)
        .env("BACKUP_KEEP_DAYS", "14");
    let out = run(backup);
    assert!(out.status.success(), "backup failed: {}", text(&out));
    if let Some(password) = password_of(&src.url) {
        assert!(
            !text(&out).contains(&password),
            "the password was printed: {}",
            text(&out)
        );
    }

    let names = dir.names();
    let dumps: Vec<&String> = names
        .iter()
        .filter(|n| n.starts_with("atende-2") && n.as_str() != "atende-20000101T000000Z.dump")
        .collect();
    assert_eq!(dumps.len(), 1, "one new dump expected: {names:?}");
    let dump = dir.0.join(dumps[0]);
    assert!(
        dumps[0].ends_with(".dump") && dumps[0].contains('T') && dumps[0].contains('Z'),
        "atende-<UTC timestamp>.dump expected: {names:?}"
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        dump.to_string_lossy(),
        "stdout is the path of the new dump"
    );
    assert!(
        !names.contains(&"atende-20000101T000000Z.dump".to_owned()),
        "the 30-day-old dump is removed: {names:?}"
    );
    assert!(
        names.contains(&"atende-recent.dump".to_owned()) && names.contains(&"notes.txt".to_owned()),
        "recent dumps and other files stay: {names:?}"
    );
    assert_eq!(names.len(), 3, "no partial file is left: {names:?}");
    let mode = std::fs::metadata(&dump).unwrap().permissions().mode();
    assert_eq!(mode & 0o077, 0, "the dump is private (mode {mode:o})");

    let dst = TestDb::empty().await;

    // No explicit target: refused, even with DATABASE_URL set.
    let mut restore = command("restore.sh");
    restore.arg(&dump).env("DATABASE_URL", &dst.url);
    let out = run(restore);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));

    let mut restore = command("restore.sh");
    restore.arg(&dump).arg(&dst.url);
    let out = run(restore);
    assert!(out.status.success(), "restore failed: {}", text(&out));

    let mut dst_conn = dst.owner_conn().await;
    let tables = public_tables(&mut src_conn).await;
    assert_eq!(
        tables,
        public_tables(&mut dst_conn).await,
        "the same tables"
    );
    for t in SEEDED {
        assert!(
            tables.iter().any(|x| x == t),
            "{t} is not a table: {tables:?}"
        );
    }

    let before = contents(&mut src_conn, &tables).await;
    let after = contents(&mut dst_conn, &tables).await;
    for ((table, n_src, digest_src), (_, n_dst, digest_dst)) in before.iter().zip(&after) {
        assert_eq!(n_src, n_dst, "row count of {table}");
        assert_eq!(digest_src, digest_dst, "rows of {table}");
        if SEEDED.contains(&table.as_str()) {
            assert!(*n_src > 0, "{table} was seeded but is empty");
        }
    }
    let count = |name: &str| before.iter().find(|(t, _, _)| t == name).unwrap().1;
    assert_eq!(count("companies"), 2);
    assert_eq!(count("clients"), 6);
    assert_eq!(count("interactions"), 12);

    assert_eq!(
        security_catalog(&mut src_conn).await,
        security_catalog(&mut dst_conn).await,
        "RLS, policies, grants and extensions are restored"
    );

    // The restored database is in use now: a second restore without --force is refused and
    // changes nothing.
    let mut again = command("restore.sh");
    again.arg(&dump).arg(&dst.url);
    let out = run(again);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert_eq!(contents(&mut dst_conn, &tables).await, after);
}

#[test]
fn a_failed_backup_exits_non_zero_prints_no_password_and_leaves_no_file() {
    // A port nothing listens on.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let secret = format!("pw-{}", Uuid::new_v4().simple());
    let dir = Scratch::new("backup-fail-test");
    let mut backup = command("backup.sh");
    backup
        .env(
            "BACKUP_DATABASE_URL",
            format!("postgres://atende:{secret}@127.0.0.1:{port}/atende"),
        )
        .env("BACKUP_DIR", &dir.0);
    let out = run(backup);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(
        !text(&out).contains(&secret),
        "the password was printed: {}",
        text(&out)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("atende:***@127.0.0.1"),
        "{}",
        text(&out)
    );
    assert!(dir.names().is_empty(), "nothing written: {:?}", dir.names());
}

//! The `atende` binary: migrate and seed are idempotent, configuration errors are one clear line
//! with exit code 2, and `serve` serves the seeded demo clinic.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use infra_postgres::testing::TestDb;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

fn atende(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_atende"));
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default());
    // Run from a directory without a .env file.
    cmd.current_dir(std::env::temp_dir());
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run atende")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[tokio::test]
async fn migrate_twice_succeeds_both_times() {
    let t = TestDb::empty().await;
    let first = atende(&["migrate"], &[("DATABASE_URL", &t.url)]);
    assert!(first.status.success(), "{}", text(&first));
    assert!(text(&first).contains("migration(s) applied"));
    let second = atende(&["migrate"], &[("DATABASE_URL", &t.url)]);
    assert!(second.status.success(), "{}", text(&second));
    assert!(text(&second).contains("up to date"));
}

#[tokio::test]
async fn seed_demo_twice_leaves_one_demo_clinic() {
    use diesel_async::RunQueryDsl;
    let t = TestDb::new().await;
    for _ in 0..2 {
        let out = atende(&["seed", "--demo"], &[("DATABASE_URL", &t.url)]);
        assert!(out.status.success(), "{}", text(&out));
        assert!(
            text(&out).contains("admin@clinica.demo / demo-admin-pass"),
            "{}",
            text(&out)
        );
    }
    #[derive(diesel::QueryableByName)]
    struct Counts {
        #[diesel(sql_type = diesel::sql_types::Text)]
        v: String,
    }
    let mut conn = t.owner_conn().await;
    let row: Counts = diesel::sql_query(
        "SELECT format('%s/%s/%s/%s/%s', (SELECT count(*) FROM companies WHERE name = 'Clínica Demo'),
                (SELECT count(*) FROM users), (SELECT count(*) FROM clients),
                (SELECT count(*) FROM client_identities WHERE channel = 'whatsapp'), (SELECT count(*) FROM services)) AS v",
    )
    .get_result(&mut conn)
    .await
    .unwrap();
    assert_eq!(row.v, "1/2/2/2/1");
}

#[test]
fn seed_demo_refuses_production_without_force() {
    let out = atende(
        &["seed", "--demo"],
        &[
            ("DATABASE_URL", "postgres://postgres@127.0.0.1:1/none"),
            ("ATENDE_ENV", "production"),
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out).contains("refusing to seed demo data"),
        "{}",
        text(&out)
    );
}

#[test]
fn a_missing_or_malformed_setting_is_one_line_and_exit_code_2() {
    let out = atende(&["serve"], &[]);
    assert_eq!(out.status.code(), Some(2));
    let msg = text(&out);
    assert_eq!(msg.trim().lines().count(), 1, "{msg}");
    assert!(msg.contains("DATABASE_URL"), "{msg}");
    assert!(!msg.contains("panicked"), "{msg}");

    let out = atende(
        &["serve"],
        &[
            ("DATABASE_URL", "postgres://x@h/db"),
            ("ATENDE_BIND", "not-an-address"),
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let msg = text(&out);
    assert_eq!(msg.trim().lines().count(), 1, "{msg}");
    assert!(msg.contains("ATENDE_BIND"), "{msg}");
}

#[tokio::test]
async fn serve_serves_the_migrated_and_seeded_demo_clinic() {
    let t = TestDb::empty().await;
    let env = [("DATABASE_URL", t.url.as_str())];
    assert!(atende(&["migrate"], &env).status.success());
    assert!(atende(&["seed", "--demo"], &env).status.success());
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let bind = format!("127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_atende"))
        .arg("serve")
        .env_clear()
        .env("DATABASE_URL", &t.url)
        .env("ATENDE_BIND", &bind)
        .env("RUST_LOG", "warn")
        .current_dir(std::env::temp_dir())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut status = None;
    for _ in 0..100 {
        if let Ok(resp) = reqwest::get(format!("http://{bind}/readyz")).await {
            status = Some(resp.status().as_u16());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    child.kill().ok();
    child.wait().ok();
    assert_eq!(status, Some(200));
}

#[tokio::test]
async fn company_create_and_user_add_make_members_that_can_sign_in() {
    use diesel_async::RunQueryDsl;
    let t = TestDb::new().await;
    let env = [("DATABASE_URL", t.url.as_str())];
    let out = atende(
        &[
            "company",
            "create",
            "--name",
            "Clínica CLI",
            "--admin-email",
            "Boss@Cli.test",
            "--admin-password",
            "boss-long-password",
        ],
        &env,
    );
    assert!(out.status.success(), "{}", text(&out));
    let company = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(uuid::Uuid::parse_str(&company).is_ok(), "{company}");
    let out = atende(
        &[
            "user",
            "add",
            "--company",
            &company,
            "--email",
            "desk@cli.test",
            "--role",
            "staff",
            "--password",
            "desk-long-password",
        ],
        &env,
    );
    assert!(out.status.success(), "{}", text(&out));
    // A short password and a duplicate e-mail are refused with a message.
    let out = atende(
        &[
            "user",
            "add",
            "--company",
            &company,
            "--email",
            "x@cli.test",
            "--role",
            "staff",
            "--password",
            "short",
        ],
        &env,
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("password"), "{}", text(&out));
    let out = atende(
        &[
            "user",
            "add",
            "--company",
            &company,
            "--email",
            "desk@cli.test",
            "--role",
            "admin",
            "--password",
            "desk-long-password",
        ],
        &env,
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));

    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        v: String,
    }
    let mut conn = t.owner_conn().await;
    let row: Row = diesel::sql_query(format!(
        "SELECT string_agg(format('%s:%s:%s', email, role, status), ',' ORDER BY email) AS v
           FROM users WHERE company_id = '{company}'"
    ))
    .get_result(&mut conn)
    .await
    .unwrap();
    assert_eq!(
        row.v,
        "boss@cli.test:admin:active,desk@cli.test:staff:active"
    );
    let row: Row = diesel::sql_query(
        "SELECT string_agg(left(password_hash, 30), ',') AS v FROM auth_identities",
    )
    .get_result(&mut conn)
    .await
    .unwrap();
    assert!(
        row.v.starts_with("$argon2id$v=19$m=19456,t=2,p=1"),
        "{}",
        row.v
    );
}

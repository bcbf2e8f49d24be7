//! Master-key rotation: secrets sealed under key A survive a rotation to key B, after which a
//! box holding only B opens everything; lazily (on a clinic's own read, or once a delivery
//! authenticated with them), with the rotation function, and with `atende keys rotate`. Also:
//! production refuses to serve without a master key.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use domain::auth::Tenant;
use domain::integration_admin::NewIntegration;
use domain::integrations::{
    IntegrationSecrets, IntegrationStatus, Provider, ResolvedIntegration, RouteCandidate,
};
use domain::ports::integration_store::IntegrationRepository;
use domain::ports::integrations::{IntegrationDirectory, SecretCipher};
use domain::{CompanyId, IntegrationId};
use infra_crypto::MasterKey;
use infra_crypto::secret_cipher::BoxCipher;
use infra_postgres::Database;
use infra_postgres::integrations::{PgIntegrationDirectory, PgIntegrations, reencrypt_all};
use std::process::{Command, Output};
use std::sync::Arc;
use support::TestApp;

const KEY_A: [u8; 32] = [0xa1; 32];
const KEY_B: [u8; 32] = [0xb2; 32];

fn cipher(current: [u8; 32], previous: Option<[u8; 32]>) -> Arc<dyn SecretCipher> {
    Arc::new(BoxCipher::from_keys(
        MasterKey::from_bytes(current),
        previous.map(MasterKey::from_bytes),
    ))
}

fn b64(key: [u8; 32]) -> String {
    MasterKey::from_bytes(key).expose_base64()
}

/// The routing candidate holding `account` (one clinic per account in these tests).
async fn candidate(
    dir: &PgIntegrationDirectory,
    account: &str,
) -> anyhow::Result<Option<RouteCandidate>> {
    Ok(dir
        .routes(Provider::Whatsapp, vec![account.to_owned()])
        .await?
        .into_iter()
        .next())
}

/// The integration holding `account`, decrypted.
async fn route(
    dir: &PgIntegrationDirectory,
    account: &str,
) -> anyhow::Result<Option<ResolvedIntegration>> {
    Ok(candidate(dir, account).await?.map(|c| c.integration))
}

/// Two clinics with three integrations (one without secrets) sealed under key A.
async fn sealed_under_a(app: &TestApp) -> Vec<(CompanyId, String)> {
    let repo = PgIntegrations::new(app.db.db.clone(), cipher(KEY_A, None));
    let mut made = Vec::new();
    for (clinic, accounts) in [
        ("Clinica Rot A", &["rot-a-1", "rot-a-2"][..]),
        ("Clinica Rot B", &["rot-b-1"][..]),
    ] {
        let company = CompanyId(app.clinic(clinic).await.company_id);
        for account in accounts {
            let secrets = if *account == "rot-a-2" {
                IntegrationSecrets::default()
            } else {
                IntegrationSecrets {
                    app_secret: Some(format!("app-secret-{account}")),
                    verify_token: Some(format!("verify-{account}")),
                    ..Default::default()
                }
            };
            let new = NewIntegration {
                id: IntegrationId::new(),
                provider: Provider::Whatsapp,
                account_id: (*account).to_owned(),
                config: serde_json::json!({}),
                secrets,
                status: IntegrationStatus::Active,
            };
            repo.create(Tenant::company(company), new).await.unwrap();
            made.push((company, (*account).to_owned()));
        }
    }
    made
}

async fn assert_only_b_opens_everything(db: &Database, made: &[(CompanyId, String)]) {
    let only_b = PgIntegrationDirectory::new(db.clone(), cipher(KEY_B, None));
    let only_a = PgIntegrationDirectory::new(db.clone(), cipher(KEY_A, None));
    for (company, account) in made {
        let got = route(&only_b, account).await.unwrap().unwrap();
        assert_eq!(got.company_id, *company);
        if account != "rot-a-2" {
            assert_eq!(
                got.secrets.app_secret,
                Some(format!("app-secret-{account}"))
            );
            assert!(
                route(&only_a, account).await.is_err(),
                "{account} still under A"
            );
        }
    }
}

#[tokio::test]
async fn rotation_moves_every_secret_to_the_new_key_once() {
    let app = TestApp::spawn().await;
    let made = sealed_under_a(&app).await;
    let only_b = PgIntegrationDirectory::new(app.db.db.clone(), cipher(KEY_B, None));
    assert!(route(&only_b, "rot-a-1").await.is_err());

    let report = reencrypt_all(&app.db.db, cipher(KEY_B, Some(KEY_A)))
        .await
        .unwrap();
    assert_eq!((report.integrations, report.reencrypted), (2, 2));
    assert!(report.clinics >= 2);
    assert_only_b_opens_everything(&app.db.db, &made).await;

    let again = reencrypt_all(&app.db.db, cipher(KEY_B, Some(KEY_A)))
        .await
        .unwrap();
    assert_eq!((again.integrations, again.reencrypted), (2, 0));

    // A secret under neither key is an error, and its clinic is left as it was.
    let stranger = reencrypt_all(&app.db.db, cipher([9; 32], Some([8; 32])))
        .await
        .unwrap_err();
    assert!(
        format!("{stranger:#}").contains("opening the secrets"),
        "{stranger:#}"
    );
}

#[tokio::test]
async fn reading_under_the_previous_key_reseals_lazily() {
    let app = TestApp::spawn().await;
    let made = sealed_under_a(&app).await;
    let rotating = PgIntegrationDirectory::new(app.db.db.clone(), cipher(KEY_B, Some(KEY_A)));
    // Routing reads (before a delivery is authenticated) write nothing; the delivery that
    // authenticated with the secrets re-seals them.
    let routed = candidate(&rotating, "rot-a-1").await.unwrap().unwrap();
    assert!(routed.sealed_with_previous_key);
    let only_b = PgIntegrationDirectory::new(app.db.db.clone(), cipher(KEY_B, None));
    assert!(
        route(&only_b, "rot-a-1").await.is_err(),
        "routing alone re-sealed"
    );
    rotating.record_delivery(routed.clone()).await.unwrap();
    let got = routed.integration;
    assert_eq!(got.secrets.verify_token.as_deref(), Some("verify-rot-a-1"));
    let company = made[0].0;
    let active = rotating
        .active_for_company(made[2].0, Provider::Whatsapp)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(active.account_id, "rot-b-1");
    for account in ["rot-a-1", "rot-b-1"] {
        let got = route(&only_b, account).await.unwrap().unwrap();
        assert_eq!(
            got.secrets.app_secret,
            Some(format!("app-secret-{account}"))
        );
    }
    assert_eq!(got.company_id, company);
}

fn atende(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_atende"));
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .current_dir(std::env::temp_dir());
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
async fn keys_rotate_on_the_command_line_is_idempotent() {
    let app = TestApp::spawn().await;
    let made = sealed_under_a(&app).await;
    let (a, b) = (b64(KEY_A), b64(KEY_B));
    let env = [
        ("DATABASE_URL", app.db.url.as_str()),
        ("ATENDE_MASTER_KEY", b.as_str()),
        ("ATENDE_MASTER_KEY_PREVIOUS", a.as_str()),
    ];
    let first = atende(&["keys", "rotate"], &env);
    assert!(first.status.success(), "{}", text(&first));
    assert!(
        text(&first).contains("re-encrypted 2 of 2"),
        "{}",
        text(&first)
    );
    assert!(!text(&first).contains(&a) && !text(&first).contains(&b));
    let second = atende(&["keys", "rotate"], &env);
    assert!(second.status.success(), "{}", text(&second));
    assert!(
        text(&second).contains("re-encrypted 0 of 2"),
        "{}",
        text(&second)
    );
    assert_only_b_opens_everything(&app.db.db, &made).await;

    let missing = atende(&["keys", "rotate"], &env[..2]);
    assert_eq!(missing.status.code(), Some(2), "{}", text(&missing));
    assert!(
        text(&missing).contains("ATENDE_MASTER_KEY_PREVIOUS"),
        "{}",
        text(&missing)
    );
}

#[test]
fn production_refuses_to_serve_without_a_master_key() {
    let out = atende(
        &["serve"],
        &[
            ("DATABASE_URL", "postgres://postgres@127.0.0.1:1/none"),
            ("ATENDE_ENV", "production"),
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("ATENDE_MASTER_KEY"), "{}", text(&out));

    let bad = atende(
        &["serve"],
        &[
            ("DATABASE_URL", "postgres://postgres@127.0.0.1:1/none"),
            ("ATENDE_MASTER_KEY", "not-a-key"),
        ],
    );
    assert_eq!(bad.status.code(), Some(2), "{}", text(&bad));
    assert!(
        text(&bad).contains("ATENDE_MASTER_KEY") && !text(&bad).contains("not-a-key"),
        "{}",
        text(&bad)
    );
}

#[test]
fn keys_generate_prints_a_usable_key() {
    let out = atende(
        &["keys", "generate"],
        &[("DATABASE_URL", "postgres://postgres@127.0.0.1:1/none")],
    );
    assert!(out.status.success(), "{}", text(&out));
    let key = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(MasterKey::from_base64(&key).is_ok(), "{key}");
}

/// Serves until `/readyz` answers, then stops; returns everything the process printed.
async fn serve_once(db_url: &str, home: &std::path::Path) -> String {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let bind = format!("127.0.0.1:{port}");
    let child = Command::new(env!("CARGO_BIN_EXE_atende"))
        .arg("serve")
        .env_clear()
        .env("DATABASE_URL", db_url)
        .env("ATENDE_BIND", &bind)
        .env("ATENDE_LOG_FORMAT", "json")
        .env("RUST_LOG", "warn")
        .env("HOME", home)
        .current_dir(std::env::temp_dir())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut ready = false;
    for _ in 0..100 {
        if reqwest::get(format!("http://{bind}/readyz")).await.is_ok() {
            ready = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let pid = child.id().to_string();
    // SIGTERM: a graceful stop, so the output is flushed.
    let _ = Command::new("kill").args(["-TERM", &pid]).status();
    let out = child.wait_with_output().unwrap();
    assert!(ready, "{}", text(&out));
    text(&out)
}

#[tokio::test]
async fn development_keeps_one_generated_key_outside_the_repository() {
    let app = TestApp::spawn().await;
    let home = std::env::temp_dir().join(format!("atende-home-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&home).unwrap();
    let first = serve_once(&app.db.url, &home).await;
    let path = home.join(server::master_key::DEV_KEY_PATH);
    assert!(
        first.contains("dev-master-key") && first.contains("ATENDE_MASTER_KEY"),
        "{first}"
    );
    let key = std::fs::read_to_string(&path).unwrap();
    assert!(MasterKey::from_base64(&key).is_ok());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let second = serve_once(&app.db.url, &home).await;
    assert!(second.contains("dev-master-key"), "{second}");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        key,
        "the key must be reused"
    );
    assert!(
        !first.contains(key.trim()) && !second.contains(key.trim()),
        "the key was logged"
    );
    std::fs::remove_dir_all(home).unwrap();
}

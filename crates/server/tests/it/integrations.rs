//! The Integrations API over HTTP against PostgreSQL: secrets go in, are stored encrypted, and
//! never come out; staff and other clinics get nothing (who owns an account id held by several
//! clinics: `account_ownership.rs`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use domain::integrations::Provider;
use domain::ports::integrations::IntegrationDirectory;
use infra_crypto::secret_cipher::BoxCipher;
use infra_postgres::integrations::PgIntegrationDirectory;
use reqwest::Method;
use serde_json::{Value, json};
use std::sync::Arc;
use support::{Session, TestApp, assert_cross_tenant_404, assert_problem, test_secret_box};

const APP_SECRET: &str = "meta-app-secret-AAAA1111";
const VERIFY_TOKEN: &str = "meta-verify-token-BBBB2222";
const WEBHOOK_SECRET: &str = "n8n-webhook-secret-CCCC3333";
const ROTATED_SECRET: &str = "rotated-webhook-secret-DDDD4444";
const OUTBOUND_SECRET: &str = "outbound-secret-EEEE5555";
const ALL_SECRETS: [&str; 5] = [
    APP_SECRET,
    VERIFY_TOKEN,
    WEBHOOK_SECRET,
    ROTATED_SECRET,
    OUTBOUND_SECRET,
];

fn whatsapp(account: &str) -> Value {
    json!({
        "provider": "whatsapp",
        "account_id": account,
        "config": {"graph_version": "v21.0", "display_phone": "+55 11 4000-0000"},
        "secrets": {"app_secret": APP_SECRET, "verify_token": VERIFY_TOKEN, "webhook_secret": WEBHOOK_SECRET}
    })
}

/// Sends a request and returns status and raw body, remembering the body in `seen`.
async fn call(req: reqwest::RequestBuilder, seen: &mut Vec<String>) -> (u16, Value) {
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    seen.push(text.clone());
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn directory(app: &TestApp) -> PgIntegrationDirectory {
    PgIntegrationDirectory::new(
        app.db.db.clone(),
        Arc::new(BoxCipher::new(test_secret_box())),
    )
}

/// What the directory routes `account` of `provider` to, in routing order (active only).
async fn routed(
    dir: &PgIntegrationDirectory,
    provider: Provider,
    account: &str,
) -> anyhow::Result<Vec<domain::integrations::RouteCandidate>> {
    dir.routes(provider, vec![account.to_owned()]).await
}

/// The one integration `account` of `provider` routes to.
async fn route_one(
    dir: &PgIntegrationDirectory,
    provider: Provider,
    account: &str,
) -> domain::integrations::ResolvedIntegration {
    let mut found = routed(dir, provider, account).await.unwrap();
    assert_eq!(
        found.len(),
        1,
        "{account} routes to exactly one integration"
    );
    found.remove(0).integration
}

async fn admin_of(app: &TestApp, name: &str) -> (support::Clinic, Session) {
    let clinic = app.clinic(name).await;
    let session = app.sign_in_as(&clinic.admin).await;
    (clinic, session)
}

#[tokio::test]
async fn crud_round_trip_never_returns_a_secret() {
    let app = TestApp::spawn().await;
    let (clinic, admin) = admin_of(&app, "Clinica Integra").await;
    let mut seen = Vec::new();

    let (status, created) = call(
        admin.post("/api/integrations", whatsapp("109876543210987")),
        &mut seen,
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["provider"], "whatsapp");
    assert_eq!(created["account_id"], "109876543210987");
    assert_eq!(created["status"], "active");
    assert_eq!(created["config"]["graph_version"], "v21.0");
    assert_eq!(
        [
            &created["has_app_secret"],
            &created["has_verify_token"],
            &created["has_webhook_secret"]
        ],
        [true, true, true]
    );
    assert_eq!(
        [&created["has_outbound_secret"], &created["has_api_key"]],
        [false, false]
    );
    assert!(created.get("secrets").is_none());

    let (status, list) = call(admin.get("/api/integrations"), &mut seen).await;
    assert_eq!(status, 200);
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
    assert_eq!(list["data"][0]["id"], id.as_str());
    assert_eq!(list["next_cursor"], Value::Null);

    let (status, got) = call(admin.get(&format!("/api/integrations/{id}")), &mut seen).await;
    assert_eq!(status, 200);
    assert_eq!(got, created);

    // Rotate one secret, remove one, keep the third; pause it.
    let patch = json!({"secrets": {"webhook_secret": ROTATED_SECRET, "app_secret": null}, "status": "inactive"});
    let (status, patched) = call(
        admin.patch(&format!("/api/integrations/{id}"), patch),
        &mut seen,
    )
    .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["has_webhook_secret"], true);
    assert_eq!(patched["has_app_secret"], false);
    assert_eq!(patched["has_verify_token"], true);
    assert_eq!(patched["status"], "inactive");
    assert_eq!(patched["config"], created["config"]);

    assert!(
        routed(&directory(&app), Provider::Whatsapp, "109876543210987")
            .await
            .unwrap()
            .is_empty(),
        "an inactive integration routes nothing"
    );

    // A config change keeps the secrets.
    let patch = json!({"config": {"graph_version": "v22.0"}, "status": "active"});
    let (status, patched) = call(
        admin.patch(&format!("/api/integrations/{id}"), patch),
        &mut seen,
    )
    .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["config"], json!({"graph_version": "v22.0"}));
    assert_eq!(patched["has_verify_token"], true);
    assert_eq!(
        patched["verified_at"],
        Value::Null,
        "no delivery proved it yet"
    );

    let resolved = route_one(&directory(&app), Provider::Whatsapp, "109876543210987").await;
    assert_eq!(resolved.company_id.0, clinic.company_id);
    assert_eq!(
        resolved.secrets.webhook_secret.as_deref(),
        Some(ROTATED_SECRET)
    );
    assert_eq!(resolved.secrets.app_secret, None);
    assert_eq!(resolved.secrets.verify_token.as_deref(), Some(VERIFY_TOKEN));

    for body in &seen {
        for secret in ALL_SECRETS {
            assert!(
                !body.contains(secret),
                "a response contains {secret}: {body}"
            );
        }
    }
}

#[tokio::test]
async fn no_plaintext_secret_in_the_database_or_a_dump() {
    let app = TestApp::spawn().await;
    let (_, admin) = admin_of(&app, "Clinica Dump").await;
    let body = json!({
        "provider": "n8n",
        "account_id": "relay",
        "config": {"outbound_url": "https://n8n.clinic.test/webhook/atende"},
        "secrets": {"webhook_secret": WEBHOOK_SECRET, "outbound_secret": OUTBOUND_SECRET}
    });
    let resp = admin.post("/api/integrations", body).send().await.unwrap();
    assert_eq!(resp.status(), 201);
    assert_eq!(
        app.scalar("SELECT count(*) FROM integrations WHERE secrets IS NOT NULL")
            .await
            .as_deref(),
        Some("1")
    );
    for secret in [WEBHOOK_SECRET, OUTBOUND_SECRET] {
        let found = app
            .scalar(&format!(
                "SELECT count(*) FROM integrations WHERE position(convert_to('{secret}', 'UTF8') in secrets) > 0 \
                 OR config::text LIKE '%{secret}%' OR array_to_string(secret_names, ',') LIKE '%{secret}%'"
            ))
            .await;
        assert_eq!(found.as_deref(), Some("0"), "{secret} stored in clear");
    }
    assert_eq!(
        app.scalar("SELECT array_to_string(secret_names, ',') FROM integrations")
            .await
            .as_deref(),
        Some("webhook_secret,outbound_secret")
    );
    let out = std::process::Command::new("pg_dump")
        .args(["--data-only", "--no-owner", &app.db.url])
        .output();
    let Ok(out) = out else {
        eprintln!("pg_dump not available: the SELECT above is the check");
        return;
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dump = String::from_utf8_lossy(&out.stdout).to_lowercase();
    assert!(
        dump.contains("relay"),
        "the dump should hold the integration row"
    );
    for secret in [WEBHOOK_SECRET, OUTBOUND_SECRET] {
        let hex: String = secret.bytes().map(|b| format!("{b:02x}")).collect();
        assert!(
            !dump.contains(&secret.to_lowercase()),
            "{secret} in the dump"
        );
        assert!(!dump.contains(&hex), "{secret} (as hex bytea) in the dump");
    }
}

#[tokio::test]
async fn staff_are_forbidden_and_other_clinics_see_nothing() {
    let app = TestApp::spawn().await;
    let (a, a_admin) = admin_of(&app, "Clinica Dona").await;
    let (_, b_admin) = admin_of(&app, "Clinica Vizinha").await;
    let resp = a_admin
        .post("/api/integrations", whatsapp("777000111"))
        .send()
        .await
        .unwrap();
    let id = resp.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/integrations/{id}");

    let staff = app.sign_in_as(&a.staff).await;
    for resp in [
        staff.get("/api/integrations").send().await.unwrap(),
        staff.get(&path).send().await.unwrap(),
        staff
            .post("/api/integrations", whatsapp("777000222"))
            .send()
            .await
            .unwrap(),
        staff
            .patch(&path, json!({"status": "inactive"}))
            .send()
            .await
            .unwrap(),
    ] {
        assert_problem(resp, 403, "forbidden").await;
    }

    assert_cross_tenant_404(&b_admin, Method::GET, &path, None).await;
    assert_cross_tenant_404(
        &b_admin,
        Method::PATCH,
        &path,
        Some(json!({"status": "inactive"})),
    )
    .await;
    assert_cross_tenant_404(
        &b_admin,
        Method::PATCH,
        &path,
        Some(json!({"secrets": {"app_secret": "stolen-secret-value"}})),
    )
    .await;
    let list: Value = b_admin
        .get("/api/integrations")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["data"], json!([]));
    assert_eq!(
        app.scalar("SELECT status FROM integrations")
            .await
            .as_deref(),
        Some("active")
    );
    assert_eq!(
        app.scalar("SELECT count(*) FROM integrations")
            .await
            .as_deref(),
        Some("1")
    );
    let anonymous = app.browser();
    assert_problem(
        anonymous.get("/api/integrations").send().await.unwrap(),
        401,
        "unauthenticated",
    )
    .await;
}

#[tokio::test]
async fn invalid_input_is_422_per_field_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let (_, admin) = admin_of(&app, "Clinica Valida").await;

    let cases = [
        (
            json!({"provider": "whatsapp", "account_id": "", "secrets": {}}),
            "account_id",
        ),
        (
            json!({"provider": "whatsapp", "account_id": "x".repeat(201)}),
            "account_id",
        ),
        (
            json!({"provider": "whatsapp", "account_id": "1", "secrets": {"app_secret": "short"}}),
            "secrets.app_secret",
        ),
        (
            json!({"provider": "whatsapp", "account_id": "1", "secrets": {"api_key": "k".repeat(513)}}),
            "secrets.api_key",
        ),
        (
            json!({"provider": "whatsapp", "account_id": "1", "config": {"api_token": "abc"}}),
            "config",
        ),
        (
            json!({"provider": "whatsapp", "account_id": "1", "config": {"a": {"Password": 1}}}),
            "config",
        ),
        (
            json!({"provider": "whatsapp", "account_id": "1", "config": [1]}),
            "config",
        ),
        (
            json!({"provider": "whatsapp", "account_id": "1", "config": {"blob": "x".repeat(9000)}}),
            "config",
        ),
        (
            json!({"provider": "n8n", "account_id": "relay"}),
            "config.outbound_url",
        ),
        (
            json!({"provider": "n8n", "account_id": "relay", "config": {"outbound_url": "http://n8n.example.com/hook"}}),
            "config.outbound_url",
        ),
        (
            json!({"provider": "openai", "account_id": "gpt", "config": {"base_url": "ftp://x"}}),
            "config.base_url",
        ),
        (
            json!({"provider": "openai", "account_id": "gpt", "config": {"model": ""}}),
            "config.model",
        ),
        (json!({"provider": "telegram", "account_id": "1"}), ""),
        (
            json!({"provider": "whatsapp", "account_id": "1", "secrets": {"pin": "12345678"}}),
            "pin",
        ),
        (
            json!({"provider": "whatsapp", "account_id": "1", "status": "active"}),
            "status",
        ),
        // PostgreSQL cannot store a NUL: refused before it reaches the database (was a 500).
        (
            json!({"provider": "whatsapp", "account_id": "1", "config": {"note": "a\u{0}b"}}),
            "config.note",
        ),
        (
            json!({"provider": "whatsapp", "account_id": "1", "secrets": {"app_secret": "secret\u{0}0123"}}),
            "secrets.app_secret",
        ),
    ];
    for (body, field) in cases {
        let resp = admin
            .post("/api/integrations", body.clone())
            .send()
            .await
            .unwrap();
        let problem = assert_problem(resp, 422, "validation_failed").await;
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert!(fields.contains(&field), "{body}: {problem}");
        assert!(!problem.to_string().contains("12345678"), "{problem}");
    }
    assert_eq!(
        app.scalar("SELECT count(*) FROM integrations")
            .await
            .as_deref(),
        Some("0")
    );

    // Development relays on this machine are allowed over http.
    let local = json!({"provider": "n8n", "account_id": "relay", "config": {"outbound_url": "http://localhost:5678/webhook/x"}, "secrets": {"outbound_secret": OUTBOUND_SECRET}});
    let created: Value = admin
        .post("/api/integrations", local)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let path = format!("/api/integrations/{}", created["id"].as_str().unwrap());
    let before = app
        .scalar("SELECT row_to_json(i)::text FROM integrations i")
        .await;

    for (patch, field) in [
        (
            json!({"secrets": {"outbound_secret": "short"}}),
            "secrets.outbound_secret",
        ),
        (
            json!({"config": {"outbound_url": "ftp://n8n"}}),
            "config.outbound_url",
        ),
        (json!({"config": {}}), "config.outbound_url"),
        (
            json!({"config": {"outbound_url": "https://n8n.test/x", "signing_key": "k"}}),
            "config",
        ),
        (json!({"provider": "openai"}), "provider"),
        (json!({"account_id": "other"}), "account_id"),
        (json!({"status": "deleted"}), ""),
        (
            json!({"config": {"outbound_url": "https://n8n.test/x", "label": ["\u{0}"]}}),
            "config.label[0]",
        ),
    ] {
        let resp = admin.patch(&path, patch.clone()).send().await.unwrap();
        let problem = assert_problem(resp, 422, "validation_failed").await;
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert!(fields.contains(&field), "{patch}: {problem}");
    }
    assert_eq!(
        app.scalar("SELECT row_to_json(i)::text FROM integrations i")
            .await,
        before
    );
    let resp = admin
        .get("/api/integrations/not-a-uuid")
        .send()
        .await
        .unwrap();
    assert_problem(resp, 404, "not_found").await;
}

#[tokio::test]
async fn the_directory_resolves_decrypted_integrations() {
    let app = TestApp::spawn().await;
    let (a, a_admin) = admin_of(&app, "Clinica Diretorio").await;
    let (b, b_admin) = admin_of(&app, "Clinica Outra").await;
    let created: Value = a_admin
        .post("/api/integrations", whatsapp("4455667788"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let openai = json!({"provider": "openai", "account_id": "analyst", "config": {"model": "gpt-4o-mini"}, "secrets": {"api_key": "sk-test-analyst-key"}});
    assert_eq!(
        b_admin
            .post("/api/integrations", openai)
            .send()
            .await
            .unwrap()
            .status(),
        201
    );
    let dir = directory(&app);

    let routed_to = route_one(&dir, Provider::Whatsapp, "4455667788").await;
    assert_eq!(routed_to.id.0.to_string(), created["id"].as_str().unwrap());
    assert_eq!(routed_to.company_id.0, a.company_id);
    assert_eq!(routed_to.secrets.app_secret.as_deref(), Some(APP_SECRET));
    assert_eq!(routed_to.config["graph_version"], "v21.0");
    assert!(
        routed(&dir, Provider::Instagram, "4455667788")
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        routed(&dir, Provider::Whatsapp, "0000")
            .await
            .unwrap()
            .is_empty()
    );

    let (id, company) = dir
        .by_verify_token(Provider::Whatsapp, VERIFY_TOKEN.into())
        .await
        .unwrap()
        .unwrap();
    assert_eq!((id, company), (routed_to.id, routed_to.company_id));
    assert!(
        dir.by_verify_token(Provider::Whatsapp, "wrong-token-123".into())
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        dir.by_verify_token(Provider::Instagram, VERIFY_TOKEN.into())
            .await
            .unwrap()
            .is_none()
    );

    let analyst = dir
        .active_for_company(b.company_id.into_domain(), Provider::Openai)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        analyst.secrets.api_key.as_deref(),
        Some("sk-test-analyst-key")
    );
    assert_eq!(analyst.config["model"], "gpt-4o-mini");
    assert!(
        dir.active_for_company(a.company_id.into_domain(), Provider::Openai)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        dir.active_for_company(b.company_id.into_domain(), Provider::Whatsapp)
            .await
            .unwrap()
            .is_none()
    );

    // Inactive: not routed (its deliveries are refused like an unknown account's), no handshake,
    // and not the clinic's active integration.
    let path = format!("/api/integrations/{}", created["id"].as_str().unwrap());
    let resp = a_admin
        .patch(&path, json!({"status": "inactive"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        routed(&dir, Provider::Whatsapp, "4455667788")
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        dir.by_verify_token(Provider::Whatsapp, VERIFY_TOKEN.into())
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        dir.active_for_company(a.company_id.into_domain(), Provider::Whatsapp)
            .await
            .unwrap()
            .is_none()
    );

    // The app state carries the same directory for the webhooks.
    let wrong_key = PgIntegrationDirectory::new(
        app.db.db.clone(),
        Arc::new(BoxCipher::from_keys(
            infra_crypto::MasterKey::from_bytes([1; 32]),
            None,
        )),
    );
    let resp = a_admin
        .patch(&path, json!({"status": "active"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        routed(&wrong_key, Provider::Whatsapp, "4455667788")
            .await
            .is_err()
    );
}

trait IntoDomain {
    fn into_domain(self) -> domain::CompanyId;
}

impl IntoDomain for uuid::Uuid {
    fn into_domain(self) -> domain::CompanyId {
        domain::CompanyId(self)
    }
}

#[tokio::test]
async fn the_openapi_document_describes_the_routes_without_secrets_in_responses() {
    let app = TestApp::spawn().await;
    let doc: Value = app
        .client
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for (path, method) in [
        ("/api/integrations", "get"),
        ("/api/integrations", "post"),
        ("/api/integrations/{id}", "get"),
        ("/api/integrations/{id}", "patch"),
    ] {
        assert!(doc["paths"][path][method].is_object(), "{method} {path}");
    }
    let dto = &doc["components"]["schemas"]["IntegrationDto"]["properties"];
    assert!(dto["has_api_key"].is_object(), "{dto}");
    let names: Vec<&String> = dto.as_object().unwrap().keys().collect();
    assert!(
        names
            .iter()
            .all(|n| *n == "has_api_key" || !n.contains("key")),
        "{names:?}"
    );
    assert!(dto.get("secrets").is_none());
}

#[tokio::test]
async fn concurrent_rotations_of_different_secrets_all_survive() {
    let app = TestApp::spawn().await;
    let (_, admin) = admin_of(&app, "Clinica Concorrente").await;
    let body = json!({"provider": "instagram", "account_id": "17841400000000000"});
    let created: Value = admin
        .post("/api/integrations", body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let path = format!("/api/integrations/{}", created["id"].as_str().unwrap());
    let names = [
        "webhook_secret",
        "app_secret",
        "verify_token",
        "outbound_secret",
        "api_key",
    ];
    let tasks: Vec<_> = names
        .iter()
        .map(|name| {
            let (admin, path) = (admin.clone(), path.clone());
            let patch = json!({"secrets": {*name: format!("concurrent-{name}-value")}});
            tokio::spawn(async move { admin.patch(&path, patch).send().await.unwrap().status() })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), 200);
    }
    let got: Value = admin.get(&path).send().await.unwrap().json().await.unwrap();
    for name in names {
        assert_eq!(got[format!("has_{name}")], true, "{got}");
    }
    let resolved = route_one(&directory(&app), Provider::Instagram, "17841400000000000").await;
    assert_eq!(
        resolved.secrets.api_key.as_deref(),
        Some("concurrent-api_key-value")
    );
    assert_eq!(
        resolved.secrets.verify_token.as_deref(),
        Some("concurrent-verify_token-value")
    );
}

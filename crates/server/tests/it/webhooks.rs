//! Signed inbound webhooks (n8n relay and Meta) over HTTP against PostgreSQL.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support;

use serde_json::{Value, json};
use support::{TestApp, assert_problem};

const WEBHOOK_SECRET: &str = "whsec_clinic_a_0123456789";
const APP_SECRET: &str = "meta-app-secret-0123456789";
const VERIFY_TOKEN: &str = "verify-token-0123456789";

struct Setup {
    app: TestApp,
    company: uuid::Uuid,
    admin: support::Session,
}

async fn setup(provider: &str, account: &str) -> Setup {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica A").await;
    let admin = app.sign_in_as(&clinic.admin).await;
    integration(&admin, provider, account, WEBHOOK_SECRET, APP_SECRET).await;
    Setup {
        app,
        company: clinic.company_id,
        admin,
    }
}

async fn integration(
    admin: &support::Session,
    provider: &str,
    account: &str,
    webhook: &str,
    app_secret: &str,
) {
    let resp = admin
        .post(
            "/api/integrations",
            json!({"provider": provider, "account_id": account, "config": {},
                   "secrets": {"webhook_secret": webhook, "app_secret": app_secret, "verify_token": VERIFY_TOKEN}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn relay_body(account: &str, message_id: &str, from: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "account_id": account, "message_id": message_id,
        "from": {"id": from, "name": "Paciente Novo"},
        "type": "text", "text": "Olá, quero agendar", "timestamp": now()
    }))
    .unwrap()
}

async fn post_signed(
    app: &TestApp,
    path: &str,
    body: Vec<u8>,
    secret: &str,
    t: i64,
) -> reqwest::Response {
    let sig = infra_crypto::webhook::sign(secret.as_bytes(), t, &body);
    app.client
        .post(app.url(path))
        .header("content-type", "application/json")
        .header("X-Atende-Signature", sig)
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn count(app: &TestApp, table: &str) -> i64 {
    app.scalar(&format!("SELECT count(*) FROM {table}"))
        .await
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn a_relay_delivery_from_an_unknown_number_creates_a_lead_thread_and_message_once() {
    let s = setup("whatsapp", "pn-100").await;
    let body = relay_body("pn-100", "wamid.first", "5511912345678");
    let resp = post_signed(
        &s.app,
        "/webhooks/whatsapp",
        body.clone(),
        WEBHOOK_SECRET,
        now(),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let first: Value = resp.json().await.unwrap();
    let r = &first["results"][0];
    assert_eq!(r["duplicate"], false);
    assert_eq!(r["message_id"], "wamid.first");
    let client = r["client_id"].as_str().unwrap();
    assert_eq!(
        s.app
            .scalar(&format!("SELECT status FROM clients WHERE id = '{client}'"))
            .await
            .as_deref(),
        Some("lead")
    );
    assert_eq!(
        s.app
            .scalar(&format!("SELECT name FROM clients WHERE id = '{client}'"))
            .await
            .as_deref(),
        Some("Paciente Novo")
    );
    assert_eq!(
        s.app
            .scalar(&format!(
                "SELECT external_id FROM client_identities WHERE client_id = '{client}'"
            ))
            .await
            .as_deref(),
        Some("5511912345678")
    );
    // Delivered again (a new signature, same message): the same ids, duplicate.
    let resp = post_signed(&s.app, "/webhooks/whatsapp", body, WEBHOOK_SECRET, now()).await;
    let again: Value = resp.json().await.unwrap();
    assert_eq!(again["results"][0]["duplicate"], true);
    for k in ["interaction_id", "conversation_id", "client_id"] {
        assert_eq!(again["results"][0][k], r[k]);
    }
    assert_eq!(count(&s.app, "interactions").await, 1);
    assert_eq!(count(&s.app, "clients").await, 1);
    // The staff sees it in the conversation, unread.
    let conv = r["conversation_id"].as_str().unwrap();
    let view: Value = s
        .admin
        .get(&format!("/api/conversations/{conv}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(view["conversation"]["unread_count"], 1);
    assert_eq!(
        view["interactions"]["data"][0]["text"],
        "Olá, quero agendar"
    );
    assert_eq!(view["interactions"]["data"][0]["source"], "webhook");
    let _ = s.company;
}

#[tokio::test]
async fn bad_stale_foreign_and_missing_signatures_are_401_and_store_nothing() {
    let s = setup("whatsapp", "pn-200").await;
    // Another clinic with its own integration and secret.
    let other = s.app.clinic("Clínica B").await;
    let other_admin = s.app.sign_in_as(&other.admin).await;
    integration(
        &other_admin,
        "whatsapp",
        "pn-999",
        "whsec_clinic_b_0123456789",
        "meta-app-secret-b-123456",
    )
    .await;
    let body = relay_body("pn-200", "wamid.x", "5511912345678");
    let wrong = post_signed(
        &s.app,
        "/webhooks/whatsapp",
        body.clone(),
        "whsec_wrong_0123456789",
        now(),
    )
    .await;
    assert_problem(wrong, 401, "invalid_signature").await;
    let stale = post_signed(
        &s.app,
        "/webhooks/whatsapp",
        body.clone(),
        WEBHOOK_SECRET,
        now() - 301,
    )
    .await;
    assert_problem(stale, 401, "stale_signature").await;
    let foreign = post_signed(
        &s.app,
        "/webhooks/whatsapp",
        body.clone(),
        "whsec_clinic_b_0123456789",
        now(),
    )
    .await;
    assert_problem(foreign, 401, "invalid_signature").await;
    // Clinic B's secret and account id: authentic for B, but the account id names B, so nothing lands in A.
    let unknown = post_signed(
        &s.app,
        "/webhooks/whatsapp",
        relay_body("pn-404", "wamid.y", "5511912345678"),
        WEBHOOK_SECRET,
        now(),
    )
    .await;
    assert_problem(unknown, 401, "invalid_signature").await;
    let missing = s
        .app
        .client
        .post(s.app.url("/webhooks/whatsapp"))
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_problem(missing, 401, "invalid_signature").await;
    assert_eq!(count(&s.app, "interactions").await, 0);
    assert_eq!(count(&s.app, "clients").await, 0);
}

#[tokio::test]
async fn malformed_invalid_and_oversized_deliveries_store_nothing() {
    let s = setup("whatsapp", "pn-300").await;
    let resp = post_signed(
        &s.app,
        "/webhooks/whatsapp",
        b"{not json".to_vec(),
        WEBHOOK_SECRET,
        now(),
    )
    .await;
    assert_problem(resp, 400, "malformed_json").await;
    let bad = serde_json::to_vec(&json!({
        "account_id": "pn-300",
        "messages": [
            {"message_id": "ok-1", "from": {"id": "5511912345678"}, "type": "text", "text": "oi", "timestamp": now()},
            {"message_id": "bad-1", "from": {"id": "5511912345678"}, "type": "hologram", "timestamp": now()}
        ]
    }))
    .unwrap();
    let resp = post_signed(&s.app, "/webhooks/whatsapp", bad, WEBHOOK_SECRET, now()).await;
    let problem = assert_problem(resp, 422, "validation_failed").await;
    assert_eq!(
        problem["errors"][0]["field"], "messages[1].type",
        "{problem}"
    );
    let huge = vec![b' '; 300 * 1024];
    let resp = post_signed(&s.app, "/webhooks/whatsapp", huge, WEBHOOK_SECRET, now()).await;
    assert_eq!(resp.status(), 413);
    assert_eq!(count(&s.app, "interactions").await, 0);
}

#[tokio::test]
async fn twenty_concurrent_deliveries_of_one_message_store_one_interaction() {
    let s = setup("whatsapp", "pn-400").await;
    let body = relay_body("pn-400", "wamid.same", "5511912345678");
    let mut tasks = Vec::new();
    let app = std::sync::Arc::new(s.app);
    for _ in 0..20 {
        let (app, body) = (app.clone(), body.clone());
        tasks.push(tokio::spawn(async move {
            post_signed(&app, "/webhooks/whatsapp", body, WEBHOOK_SECRET, now())
                .await
                .status()
                .as_u16()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 200);
    }
    assert_eq!(count(&app, "interactions").await, 1);
    assert_eq!(count(&app, "conversation_threads").await, 1);
}

#[tokio::test]
async fn ten_concurrent_first_messages_from_an_unknown_number_make_one_client_identity_and_thread()
{
    let s = setup("whatsapp", "pn-500").await;
    let app = std::sync::Arc::new(s.app);
    let mut tasks = Vec::new();
    for i in 0..10 {
        let app = app.clone();
        // Half spell the number without the ninth digit: still one identity.
        let from = if i % 2 == 0 {
            "5511987654321"
        } else {
            "551187654321"
        };
        let body = relay_body("pn-500", &format!("wamid.{i}"), from);
        tasks.push(tokio::spawn(async move {
            post_signed(&app, "/webhooks/whatsapp", body, WEBHOOK_SECRET, now())
                .await
                .status()
                .as_u16()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 200);
    }
    assert_eq!(count(&app, "clients").await, 1);
    assert_eq!(count(&app, "client_identities").await, 1);
    assert_eq!(count(&app, "conversation_threads").await, 1);
    assert_eq!(count(&app, "interactions").await, 10);
    assert_eq!(
        app.scalar("SELECT unread_count FROM conversation_threads")
            .await
            .as_deref(),
        Some("10")
    );
}

#[tokio::test]
async fn an_existing_client_is_found_by_phone_and_gets_the_identity() {
    let s = setup("whatsapp", "pn-600").await;
    let client = uuid::Uuid::now_v7();
    s.app.sql(&format!("INSERT INTO clients (id, company_id, name, phone) VALUES ('{client}', '{}', 'Maria', '+5511987654321')", s.company)).await;
    // WhatsApp sends the number without the ninth digit.
    let resp = post_signed(
        &s.app,
        "/webhooks/whatsapp",
        relay_body("pn-600", "wamid.m", "551187654321"),
        WEBHOOK_SECRET,
        now(),
    )
    .await;
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["results"][0]["client_id"], client.to_string());
    assert_eq!(count(&s.app, "clients").await, 1);
    assert_eq!(
        s.app
            .scalar("SELECT external_id FROM client_identities")
            .await
            .as_deref(),
        Some("5511987654321")
    );
}

fn meta_whatsapp(pnid: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
      "object": "whatsapp_business_account",
      "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "551140000000", "phone_number_id": pnid},
        "contacts": [{"profile": {"name": "Maria"}, "wa_id": "5511987654321"}, {"profile": {"name": "João"}, "wa_id": "5521998765432"}],
        "messages": [
          {"from": "5511987654321", "id": "wamid.M1", "timestamp": now().to_string(), "type": "text", "text": {"body": "Bom dia"}},
          {"from": "5521998765432", "id": "wamid.M2", "timestamp": now().to_string(), "type": "image", "image": {"id": "IMG", "mime_type": "image/jpeg"}},
          {"from": "5511987654321", "id": "wamid.M3", "timestamp": now().to_string(), "type": "location", "location": {"latitude": -23.5, "longitude": -46.6}}
        ],
        "statuses": [
          {"id": "wamid.OUT1", "status": "delivered", "timestamp": now().to_string(), "recipient_id": "5511987654321"},
          {"id": "wamid.OUT2", "status": "read", "timestamp": now().to_string(), "recipient_id": "5511987654321"}
        ]
      }}]}]
    }))
    .unwrap()
}

#[tokio::test]
async fn a_meta_whatsapp_batch_stores_every_message_and_hands_statuses_over() {
    let s = setup("whatsapp", "PNID-META").await;
    let body = meta_whatsapp("PNID-META");
    let sig = infra_crypto::meta::sign_hub(APP_SECRET.as_bytes(), &body);
    let resp = s
        .app
        .client
        .post(s.app.url("/webhooks/whatsapp"))
        .header("X-Hub-Signature-256", sig)
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let outcome: Value = resp.json().await.unwrap();
    assert_eq!(outcome["stored"], 3, "{outcome}");
    assert_eq!(
        outcome["statuses_ignored"], 2,
        "statuses of unknown outbound messages are reported, not errors"
    );
    assert_eq!(count(&s.app, "interactions").await, 3);
    assert_eq!(count(&s.app, "clients").await, 2);
    assert_eq!(
        s.app
            .scalar("SELECT text FROM interactions WHERE external_id = 'wamid.M2'")
            .await
            .as_deref(),
        Some("[imagem]")
    );
    // A bad Meta signature stores nothing more.
    let resp = s
        .app
        .client
        .post(s.app.url("/webhooks/whatsapp"))
        .header("X-Hub-Signature-256", "sha256=00")
        .body(meta_whatsapp("PNID-META"))
        .send()
        .await
        .unwrap();
    assert_problem(resp, 401, "invalid_signature").await;
    assert_eq!(count(&s.app, "interactions").await, 3);
}

#[tokio::test]
async fn an_instagram_echo_is_stored_as_outbound_and_unsent_messages_lose_their_text() {
    let s = setup("instagram", "IG-ACC").await;
    let t = now() * 1000;
    let body = serde_json::to_vec(&json!({
      "object": "instagram",
      "entry": [{"id": "IG-ACC", "time": t, "messaging": [
        {"sender": {"id": "IGSID-1"}, "recipient": {"id": "IG-ACC"}, "timestamp": t, "message": {"mid": "mid.1", "text": "Oi! Vocês atendem sábado?"}},
        {"sender": {"id": "IG-ACC"}, "recipient": {"id": "IGSID-1"}, "timestamp": t + 1000, "message": {"mid": "mid.2", "text": "Atendemos sim!", "is_echo": true}}
      ]}]
    }))
    .unwrap();
    let sig = infra_crypto::meta::sign_hub(APP_SECRET.as_bytes(), &body);
    let resp = s
        .app
        .client
        .post(s.app.url("/webhooks/instagram"))
        .header("X-Hub-Signature-256", sig)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        s.app
            .scalar(
                "SELECT direction || '/' || source FROM interactions WHERE external_id = 'mid.2'"
            )
            .await
            .as_deref(),
        Some("outbound/provider_app")
    );
    assert_eq!(
        s.app
            .scalar("SELECT unread_count FROM conversation_threads")
            .await
            .as_deref(),
        Some("0"),
        "the echo is a reply"
    );
    let unsend = serde_json::to_vec(&json!({"object": "instagram", "entry": [{"id": "IG-ACC", "messaging": [
        {"sender": {"id": "IGSID-1"}, "recipient": {"id": "IG-ACC"}, "timestamp": t + 2000, "message": {"mid": "mid.1", "is_deleted": true}}]}]}))
    .unwrap();
    let sig = infra_crypto::meta::sign_hub(APP_SECRET.as_bytes(), &unsend);
    let resp = s
        .app
        .client
        .post(s.app.url("/webhooks/instagram"))
        .header("X-Hub-Signature-256", sig)
        .body(unsend)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        s.app.scalar("SELECT coalesce(text, '<none>') || '/' || (deleted_at IS NOT NULL)::text FROM interactions WHERE external_id = 'mid.1'").await.as_deref(),
        Some("<none>/true")
    );
}

#[tokio::test]
async fn the_meta_handshake_answers_the_challenge_only_for_a_known_verify_token() {
    let s = setup("whatsapp", "PN-HS").await;
    let ok = s.app.client
        .get(s.app.url(&format!("/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token={VERIFY_TOKEN}&hub.challenge=12345")))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.text().await.unwrap(), "12345");
    let bad =
        s.app
            .client
            .get(s.app.url(
                "/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=12345",
            ))
            .send()
            .await
            .unwrap();
    assert_eq!(bad.status(), 403);
    let wrong_provider = s
        .app
        .client
        .get(s.app.url(&format!(
            "/webhooks/instagram?hub.mode=subscribe&hub.verify_token={VERIFY_TOKEN}&hub.challenge=1"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_provider.status(), 403);
}

#[tokio::test]
async fn webhooks_are_rate_limited_per_source_and_per_account() {
    use api_http::webhooks::limiter::Rate;
    let traffic = server::traffic::TrafficSettings {
        per_ip: Rate {
            per_second: 0.01,
            burst: 3.0,
        },
        ..server::traffic::TrafficSettings::default()
    };
    let app = TestApp::spawn_with_traffic(traffic).await;
    let clinic = app.clinic("Clínica A").await;
    let admin = app.sign_in_as(&clinic.admin).await;
    integration(&admin, "whatsapp", "pn-rl", WEBHOOK_SECRET, APP_SECRET).await;
    for i in 0..3 {
        let resp = post_signed(
            &app,
            "/webhooks/whatsapp",
            relay_body("pn-rl", &format!("w{i}"), "5511987654321"),
            WEBHOOK_SECRET,
            now(),
        )
        .await;
        assert_eq!(resp.status(), 200);
    }
    let resp = post_signed(
        &app,
        "/webhooks/whatsapp",
        relay_body("pn-rl", "w9", "5511987654321"),
        WEBHOOK_SECRET,
        now(),
    )
    .await;
    assert!(resp.headers().contains_key("retry-after"));
    assert_problem(resp, 429, "rate_limited").await;
    assert_eq!(count(&app, "interactions").await, 3);

    let traffic = server::traffic::TrafficSettings {
        per_account: Rate {
            per_second: 0.01,
            burst: 2.0,
        },
        ..server::traffic::TrafficSettings::default()
    };
    let app = TestApp::spawn_with_traffic(traffic).await;
    let clinic = app.clinic("Clínica A").await;
    let admin = app.sign_in_as(&clinic.admin).await;
    integration(&admin, "whatsapp", "pn-rl2", WEBHOOK_SECRET, APP_SECRET).await;
    // Unsigned garbage for the account does not consume its budget (it is limited after authentication).
    for _ in 0..5 {
        let resp = post_signed(
            &app,
            "/webhooks/whatsapp",
            relay_body("pn-rl2", "x", "5511987654321"),
            "whsec_wrong_0123456789",
            now(),
        )
        .await;
        assert_eq!(resp.status(), 401);
    }
    for i in 0..2 {
        let resp = post_signed(
            &app,
            "/webhooks/whatsapp",
            relay_body("pn-rl2", &format!("a{i}"), "5511987654321"),
            WEBHOOK_SECRET,
            now(),
        )
        .await;
        assert_eq!(resp.status(), 200);
    }
    let resp = post_signed(
        &app,
        "/webhooks/whatsapp",
        relay_body("pn-rl2", "a9", "5511987654321"),
        WEBHOOK_SECRET,
        now(),
    )
    .await;
    assert_problem(resp, 429, "rate_limited").await;
}

#[tokio::test]
async fn the_legacy_environment_secret_routes_only_to_the_default_clinic_and_cannot_be_blocked() {
    let legacy_company = uuid::Uuid::now_v7();
    let legacy_secret = "legacy-shared-secret-0123";
    let traffic = server::traffic::TrafficSettings {
        legacy: Some(app::inbound::LegacyWebhook {
            secret: legacy_secret.to_owned(),
            company: domain::CompanyId(legacy_company),
        }),
        ..server::traffic::TrafficSettings::default()
    };
    let app = TestApp::spawn_with_traffic(traffic).await;
    app.sql(&format!(
        "INSERT INTO companies (id, name) VALUES ('{legacy_company}', 'Legada');
         INSERT INTO settings (company_id) VALUES ('{legacy_company}');"
    ))
    .await;
    // No integration has this account: the legacy secret authenticates it for the default clinic.
    let resp = post_signed(
        &app,
        "/webhooks/whatsapp",
        relay_body("old-n8n", "w-legacy", "5511987654321"),
        legacy_secret,
        now(),
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        app.scalar("SELECT company_id FROM interactions").await,
        Some(legacy_company.to_string())
    );
    // Another clinic registering the legacy relay's account id blocks nothing and captures
    // nothing: the legacy secret still reaches only the default clinic, the clinic's own secret
    // only that clinic.
    let clinic = app.clinic("Clínica A").await;
    let admin = app.sign_in_as(&clinic.admin).await;
    integration(&admin, "whatsapp", "old-n8n", WEBHOOK_SECRET, APP_SECRET).await;
    let resp = post_signed(
        &app,
        "/webhooks/whatsapp",
        relay_body("old-n8n", "w-legacy-2", "5511987654321"),
        legacy_secret,
        now(),
    )
    .await;
    assert_eq!(resp.status(), 200);
    let resp = post_signed(
        &app,
        "/webhooks/whatsapp",
        relay_body("old-n8n", "w-own", "5511987654321"),
        WEBHOOK_SECRET,
        now(),
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(
        app.scalar(&format!(
            "SELECT string_agg(external_id, ',' ORDER BY external_id) FROM interactions WHERE company_id = '{legacy_company}'"
        ))
        .await
        .as_deref(),
        Some("w-legacy,w-legacy-2")
    );
    assert_eq!(
        app.scalar(&format!(
            "SELECT string_agg(external_id, ',') FROM interactions WHERE company_id = '{}'",
            clinic.company_id
        ))
        .await
        .as_deref(),
        Some("w-own")
    );
    // A secret that is neither is refused.
    let resp = post_signed(
        &app,
        "/webhooks/whatsapp",
        relay_body("old-n8n", "w-x", "5511987654321"),
        "whsec_wrong_0123456789",
        now(),
    )
    .await;
    assert_problem(resp, 401, "invalid_signature").await;
}

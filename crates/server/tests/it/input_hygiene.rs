//! Odd input (issue #26, item 6) over HTTP against PostgreSQL: NUL characters, far-future
//! timestamps, non-https media links and ids that cannot be stored never answer 5xx; webhook
//! deliveries are cleaned rather than refused (a refused delivery is retried forever).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::{self, TestApp, assert_problem};
use serde_json::{Value, json};

const WEBHOOK_SECRET: &str = "whsec_hygiene_clinic_0123";
const APP_SECRET: &str = "meta-app-secret-hygiene-01";

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

async fn setup(provider: &str, account: &str) -> (TestApp, support::Session) {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica Limpa").await;
    let admin = app.sign_in_as(&clinic.admin).await;
    let resp = admin
        .post(
            "/api/integrations",
            json!({"provider": provider, "account_id": account,
                   "config": if provider == "n8n" { json!({"outbound_url": "https://n8n.example.com/out"}) } else { json!({}) },
                   "secrets": {"webhook_secret": WEBHOOK_SECRET, "app_secret": APP_SECRET}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
    (app, admin)
}

async fn relay(app: &TestApp, path: &str, body: Value) -> reqwest::Response {
    let raw = serde_json::to_vec(&body).unwrap();
    let sig = infra_crypto::webhook::sign(WEBHOOK_SECRET.as_bytes(), now(), &raw);
    app.client
        .post(app.url(path))
        .header("content-type", "application/json")
        .header("X-Atende-Signature", sig)
        .body(raw)
        .send()
        .await
        .unwrap()
}

async fn meta(app: &TestApp, body: Value) -> reqwest::Response {
    let raw = serde_json::to_vec(&body).unwrap();
    app.client
        .post(app.url("/webhooks/whatsapp"))
        .header(
            "X-Hub-Signature-256",
            infra_crypto::meta::sign_hub(APP_SECRET.as_bytes(), &raw),
        )
        .body(raw)
        .send()
        .await
        .unwrap()
}

fn message(id: &str) -> Value {
    json!({"account_id": "pn-h", "message_id": id, "from": {"id": "5511987654321", "name": "Ana"},
           "type": "text", "text": "Olá", "timestamp": now()})
}

#[tokio::test]
async fn nul_characters_in_webhook_text_are_removed_with_a_note_never_poison() {
    let (app, _) = setup("whatsapp", "pn-h").await;
    let mut m = message("w-nul");
    m["text"] = json!("Quero\u{0} marcar");
    m["from"]["name"] = json!("A\u{0}na");
    let resp = relay(&app, "/webhooks/whatsapp", m).await;
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    assert_eq!(
        app.scalar("SELECT text || '|' || (metadata->'sanitized'->'nul_removed_from')::text FROM interactions WHERE external_id = 'w-nul'")
            .await
            .as_deref(),
        Some(r#"Quero marcar|["text", "sender.name"]"#)
    );
    assert_eq!(
        app.scalar("SELECT name FROM clients").await.as_deref(),
        Some("Ana")
    );
    // Straight from Meta: in the text and in provider extras kept as metadata.
    let body = json!({"object": "whatsapp_business_account", "entry": [{"id": "W", "changes": [
        {"field": "messages", "value": {"metadata": {"phone_number_id": "pn-h"}, "messages": [
            {"from": "5511987654321", "id": "wamid.nul", "timestamp": now().to_string(), "type": "interactive",
             "interactive": {"type": "button_reply", "button_reply": {"id": "b\u{0}1", "title": "Sim\u{0}"}}}]}}]}]});
    let resp = meta(&app, body).await;
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    assert_eq!(
        app.scalar("SELECT text || '|' || (metadata->'interactive'->'button_reply'->>'id') FROM interactions WHERE external_id = 'wamid.nul'")
            .await
            .as_deref(),
        Some("Sim|b1")
    );
}

#[tokio::test]
async fn a_far_future_timestamp_is_clamped_and_cannot_pin_the_thread_or_the_window() {
    let (app, _) = setup("whatsapp", "pn-h").await;
    let mut m = message("w-future");
    m["timestamp"] = json!("2099-01-01T00:00:00Z");
    assert_eq!(relay(&app, "/webhooks/whatsapp", m).await.status(), 200);
    assert_eq!(
        app.scalar(
            "SELECT (i.occurred_at <= now() + interval '5 minutes')::text || '|' ||
                    (t.sort_at <= now() + interval '5 minutes')::text || '|' ||
                    (t.last_inbound_at <= now() + interval '5 minutes')::text || '|' ||
                    (i.metadata->'sanitized'->>'occurred_at_received')
               FROM interactions i JOIN conversation_threads t ON t.id = i.conversation_id"
        )
        .await
        .as_deref(),
        Some("true|true|true|2099-01-01T00:00:00+00:00")
    );
}

#[tokio::test]
async fn media_links_must_be_https() {
    let (app, _) = setup("instagram", "pn-h").await;
    for (url, status) in [
        ("javascript:alert(document.cookie)", 422),
        ("http://cdn.example.com/a.jpg", 422),
        ("data:image/png;base64,AAAA", 422),
        ("https://cdn.example.com/a.jpg", 200),
    ] {
        let mut m = message(&format!("m-{status}-{}", url.len()));
        m["from"]["id"] = json!("IGSID-1");
        m["type"] = json!("image");
        m["media"] = json!({"url": url});
        let resp = relay(&app, "/webhooks/instagram", m).await;
        if status == 422 {
            let problem = assert_problem(resp, 422, "validation_failed").await;
            assert_eq!(problem["errors"][0]["field"], "media.url", "{url}");
        } else {
            assert_eq!(resp.status(), 200);
        }
    }
    assert_eq!(
        app.scalar("SELECT string_agg(media->>'url', ',') FROM interactions")
            .await
            .as_deref(),
        Some("https://cdn.example.com/a.jpg")
    );
}

#[tokio::test]
async fn ids_that_cannot_be_stored_are_4xx_or_skipped_never_500() {
    let (app, _) = setup("whatsapp", "pn-h").await;
    for (field, value) in [
        ("message_id", json!("x".repeat(300))),
        ("message_id", json!("has space")),
        ("message_id", json!("w\u{0}1")),
    ] {
        let mut m = message("placeholder");
        m[field] = value;
        let problem = assert_problem(
            relay(&app, "/webhooks/whatsapp", m).await,
            422,
            "validation_failed",
        )
        .await;
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
    // From Meta: the bad ones are skipped and counted, the rest of the delivery is stored.
    let long = "w".repeat(300);
    let body = json!({"object": "whatsapp_business_account", "entry": [{"id": "W", "changes": [
        {"field": "messages", "value": {"metadata": {"phone_number_id": "pn-h"},
         "messages": [
            {"from": "5511987654321", "id": long, "timestamp": now().to_string(), "type": "text", "text": {"body": "a"}},
            {"from": "5511987654321", "id": "wamid.ok", "timestamp": now().to_string(), "type": "text", "text": {"body": "b"}}],
         "statuses": [{"id": "wamid.\u{0}", "status": "read", "timestamp": now().to_string()}]}}]}]});
    let resp = meta(&app, body).await;
    assert_eq!(resp.status(), 200);
    let outcome: Value = resp.json().await.unwrap();
    assert_eq!(
        (outcome["stored"].clone(), outcome["invalid"].clone()),
        (json!(1), json!(2)),
        "{outcome}"
    );
    assert_eq!(
        app.scalar("SELECT string_agg(external_id, ',') FROM interactions")
            .await
            .as_deref(),
        Some("wamid.ok")
    );
}

#[tokio::test]
async fn a_status_callback_with_an_id_that_cannot_be_stored_is_422() {
    let (app, _) = setup("n8n", "relay-h").await;
    for id in ["wamid.\u{0}", "two words", &"x".repeat(257)] {
        let body = json!({"account_id": "relay-h", "message_id": id, "status": "delivered", "timestamp": now()});
        let resp = relay(&app, "/webhooks/n8n/status", body).await;
        let problem = assert_problem(resp, 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], "message_id", "{problem}");
    }
}

#[tokio::test]
async fn a_nul_in_a_public_json_body_is_422_not_500() {
    let app = TestApp::spawn().await;
    let resp = app
        .client
        .post(app.url("/auth/signin"))
        .header("origin", &app.base)
        .json(&json!({"email": "ana\u{0}@clinic.test", "password": "whatever-123"}))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(resp, 422, "validation_failed").await;
    assert_eq!(problem["errors"][0]["field"], "email");
}

#[tokio::test]
async fn recorded_messages_take_only_https_media_and_storable_ids() {
    let app = TestApp::spawn().await;
    let clinic = app.clinic("Clínica Registro").await;
    let admin = app.sign_in_as(&clinic.admin).await;
    let (client, _) = crate::outbox_support::patient(&app, clinic.company_id, "whatsapp").await;
    let base = json!({"client_id": client, "channel": "whatsapp", "direction": "inbound",
                      "content_type": "image", "media": {"url": "https://cdn.example.com/a.jpg"}});
    for (patch, field) in [
        (
            json!({"media": {"url": "javascript:alert(1)"}}),
            "media.url",
        ),
        (
            json!({"media": {"url": "http://cdn.example.com/a.jpg"}}),
            "media.url",
        ),
        (json!({"external_id": "two words"}), "external_id"),
    ] {
        let mut body = base.clone();
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let resp = admin.post("/api/interactions", body).send().await.unwrap();
        let problem = assert_problem(resp, 422, "validation_failed").await;
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
    let resp = admin.post("/api/interactions", base).send().await.unwrap();
    assert_eq!(resp.status(), 201, "{}", resp.text().await.unwrap());
    assert_eq!(
        app.scalar("SELECT count(*) FROM interactions")
            .await
            .as_deref(),
        Some("1")
    );
}
